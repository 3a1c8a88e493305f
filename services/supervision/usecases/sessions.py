"""Supervision sessions at stations, their problems and agreed follow-ups, tracked to closure."""
from __future__ import annotations

from services.common import clock
from services.common.auth import EVALUATOR, Viewer
from services.common.errors import NotFound, PermissionDenied
from services.common.events import event_by
from services.common.ids import new_id
from services.common.masking import shown
from services.common.rpc import load
from services.contracts import supervision as events

from ..domain import supervisors as rules
from ..schemas import CompleteFollowUpSchema, SessionFilterSchema, SessionSchema
from . import Supervision
from .access import listing_scope, may_close_follow_up, require_session_recorder, visible_station


def session_view(session: dict, viewer: Viewer) -> dict:
    today = clock.today()
    return {"id": session["_id"], "supervisor_id": session["supervisor_id"], "station_id": session["station_id"],
            "region_code": session["region_code"], "date": session["date"], "form": session["form"],
            "duration_minutes": session["duration_minutes"], "topics": session["topics"],
            # What a supervisor found may name people; evaluators assess the service, not them.
            "problems": None if viewer.role == EVALUATOR else session["problems"],
            "follow_ups": [{**f, "owner": shown("SupervisionFollowUp.owner", viewer, f["owner"]),
                            "description": None if viewer.role == EVALUATOR else f["description"],
                            "evidence": None if viewer.role == EVALUATOR else f.get("evidence"),
                            "status": rules.follow_up_status(f, today)} for f in session["follow_ups"]],
            "recorded_by": session["recorded_by"], "version": session["_version"]}


def record_session(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    data = load(SessionSchema, data)
    rules.check_session(data, clock.today())
    day = data["date"].isoformat()
    station = visible_station(viewer, data["station_id"], supervision.repo.station(data["station_id"]))
    supervisor = supervision.repo.supervisors.get(data["supervisor_id"])
    if supervisor is None:
        raise NotFound(f"unknown supervisor {data['supervisor_id']}", {"supervisor_id": ["no such supervisor"]})
    require_session_recorder(viewer, supervisor, station)
    if not rules.assigned_on(supervisor, data["station_id"], day):
        raise PermissionDenied(f"{supervisor['_id']} was not assigned to {data['station_id']} on {day}")
    follow_ups = [{"follow_up_id": new_id("fu"), "description": f["description"], "owner": f["owner"],
                   "due_on": f["due_on"].isoformat(), "done_on": None, "evidence": None, "done_by": None}
                  for f in data["follow_ups"]]
    session = {"_id": new_id("ses"), "supervisor_id": supervisor["_id"], "station_id": data["station_id"],
               "region_code": station["township"], "date": day, "form": data["form"],
               "duration_minutes": data["duration_minutes"], "topics": sorted(set(data["topics"])),
               "problems": data["problems"], "follow_ups": follow_ups, "open_follow_ups": len(follow_ups),
               "recorded_by": viewer.user_id}
    stored = supervision.repo.sessions.add(session, [event_by(viewer, events.SESSION_RECORDED, {
        "session_id": session["_id"], "supervisor_id": session["supervisor_id"], "station_id": session["station_id"],
        "region_code": session["region_code"], "date": day, "form": session["form"],
        "duration_minutes": session["duration_minutes"], "topics": session["topics"],
        "follow_ups": len(follow_ups)})])
    return session_view(stored, viewer)


def list_sessions(supervision: Supervision, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(SessionFilterSchema, filters or {})
    scope = listing_scope(viewer, f["region"], "supervision sessions")
    page = supervision.repo.sessions.page(scope, f, f["after"], f["limit"])
    return {"items": [session_view(s, viewer) for s in page.docs], "next_cursor": page.next_cursor,
            "total": page.total}


def complete_follow_up(supervision: Supervision, viewer: Viewer, session_id: str, follow_up_id: str,
                       data: dict) -> dict:
    data = load(CompleteFollowUpSchema, data)
    session = supervision.repo.sessions.get(session_id)
    if session is None or not viewer.sees_station(session["station_id"], session["region_code"]):
        raise NotFound(f"unknown supervision session {session_id}", {"session_id": ["no such session in your scope"]})
    may_close_follow_up(viewer, session)
    follow_ups = rules.complete(session["follow_ups"], follow_up_id, data["done_on"].isoformat(), data["evidence"],
                                viewer.user_id, session["date"])
    done = next(f for f in follow_ups if f["follow_up_id"] == follow_up_id)
    supervision.repo.sessions.change(session_id, data["expected_version"], {
        "follow_ups": follow_ups, "open_follow_ups": sum(1 for f in follow_ups if not f.get("done_on"))},
        [event_by(viewer, events.FOLLOW_UP_COMPLETED, {
            "session_id": session_id, "follow_up_id": follow_up_id, "station_id": session["station_id"],
            "region_code": session["region_code"], "due_on": done["due_on"], "done_on": done["done_on"]})])
    return session_view(supervision.repo.sessions.require(session_id), viewer)
