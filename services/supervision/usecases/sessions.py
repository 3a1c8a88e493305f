"""Supervision sessions at stations, their problems and agreed follow-ups, tracked to closure."""
from __future__ import annotations

from services.common import clock
from services.common.auth import ADMIN, EVALUATOR, STATION_STAFF, SUPERVISOR, Viewer
from services.common.errors import NotFound, PermissionDenied
from services.common.ids import new_id
from services.common.masking import shown
from services.common.rpc import load
from services.contracts import supervision as events

from ..domain import supervisors as rules
from ..domain.regions import region_key
from ..schemas import CompleteFollowUpSchema, SessionFilterSchema, SessionSchema
from ..storage import SupervisionRepository
from .supervisors import event_for


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


class Sessions:
    def __init__(self, repo: SupervisionRepository):
        self.repo = repo

    def record(self, viewer: Viewer, data: dict) -> dict:
        data = load(SessionSchema, data)
        rules.check_session(data, clock.today())
        day = data["date"].isoformat()
        station = self.repo.station(data["station_id"])
        supervisor = self.repo.supervisors.get(data["supervisor_id"])
        if station is None or not viewer.sees_station(data["station_id"], station["township"]):
            raise NotFound(f"unknown station {data['station_id']}", {"station_id": ["no such station in your scope"]})
        if supervisor is None:
            raise NotFound(f"unknown supervisor {data['supervisor_id']}", {"supervisor_id": ["no such supervisor"]})
        if viewer.role == SUPERVISOR:
            # Supervisors record their own sessions (their token's user id is their supervisor id).
            if viewer.user_id != supervisor["_id"]:
                raise PermissionDenied("supervisors record their own sessions")
        else:
            viewer.require_write(region_code=station["township"])
            if viewer.role == STATION_STAFF:
                raise PermissionDenied("sessions are recorded by the supervisor or the county")
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
        stored = self.repo.sessions.add(session, [event_for(viewer, events.SESSION_RECORDED, {
            "session_id": session["_id"], "supervisor_id": session["supervisor_id"],
            "station_id": session["station_id"],
            "region_code": session["region_code"], "date": day, "form": session["form"],
            "duration_minutes": session["duration_minutes"], "topics": session["topics"],
            "follow_ups": len(follow_ups)})])
        return session_view(stored, viewer)

    def list(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(SessionFilterSchema, filters or {})
        if viewer.is_public:
            raise PermissionDenied("supervision sessions need a signed-in user")
        within = region_key(f["region"]).prefix if f["region"] else None
        scope = viewer.station_filter(region_field="region_code", id_field="station_id", within=within)
        page = self.repo.sessions.page(scope, f, f["after"], f["limit"])
        return {"items": [session_view(s, viewer) for s in page.docs], "next_cursor": page.next_cursor,
                "total": page.total}

    def complete_follow_up(self, viewer: Viewer, session_id: str, follow_up_id: str, data: dict) -> dict:
        data = load(CompleteFollowUpSchema, data)
        session = self.repo.sessions.get(session_id)
        if session is None or not viewer.sees_station(session["station_id"], session["region_code"]):
            raise NotFound(f"unknown supervision session {session_id}",
                           {"session_id": ["no such session in your scope"]})
        # The station does the work, its supervisor checks it, the county oversees: each may close it.
        if viewer.role not in (ADMIN, STATION_STAFF, SUPERVISOR):
            viewer.require_write(region_code=session["region_code"])
        follow_ups = rules.complete(session["follow_ups"], follow_up_id, data["done_on"].isoformat(), data["evidence"],
                                    viewer.user_id, session["date"])
        done = next(f for f in follow_ups if f["follow_up_id"] == follow_up_id)
        self.repo.sessions.change(session_id, data["expected_version"], {
            "follow_ups": follow_ups, "open_follow_ups": sum(1 for f in follow_ups if not f.get("done_on"))},
            [event_for(viewer, events.FOLLOW_UP_COMPLETED, {
                "session_id": session_id, "follow_up_id": follow_up_id, "station_id": session["station_id"],
                "region_code": session["region_code"], "due_on": done["due_on"], "done_on": done["done_on"]})])
        return session_view(self.repo.sessions.require(session_id), viewer)
