"""Supervisors (experts, leading social workers, universities, purchased supervision services) and their
assignments to stations with from/to dates."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import NotFound
from services.common.events import event_by
from services.common.ids import new_id
from services.common.masking import shown
from services.common.rpc import load
from services.contracts import supervision as events

from ..domain import supervisors as rules
from ..schemas import AssignmentSchema, EndAssignmentSchema, SupervisorFilterSchema, SupervisorInputSchema
from . import Supervision
from .access import listing_scope, sees_supervisor, visible_station


def supervisor_view(supervisor: dict, viewer: Viewer) -> dict:
    return {"id": supervisor["_id"], "name": shown("Supervisor.name", viewer, supervisor["name"]),
            "kind": supervisor["kind"], "organisation": supervisor["organisation"],
            "region_code": supervisor["region_code"], "assignments": supervisor.get("assignments", []),
            "current_station_ids": rules.current_station_ids(supervisor, clock.today()),
            "version": supervisor["_version"]}


def register_supervisor(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    data = load(SupervisorInputSchema, data)
    viewer.require_write(region_code=data["region_code"])
    supervisor = {"_id": new_id("sup"), **data, "assignments": [], "station_ids": []}
    return supervisor_view(supervision.repo.supervisors.add(supervisor), viewer)


def list_supervisors(supervision: Supervision, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(SupervisorFilterSchema, filters or {})
    page = supervision.repo.supervisors.page(listing_scope(viewer, f["region"], "supervisors"), f["after"],
                                             f["limit"])
    return {"items": [supervisor_view(s, viewer) for s in page.docs], "next_cursor": page.next_cursor,
            "total": page.total}


def get_supervisors(supervision: Supervision, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = supervision.repo.supervisors.by_ids(ids)
    return [supervisor_view(found[i], viewer) if i in found and sees_supervisor(viewer, found[i]) else None
            for i in ids]


def assign_supervisor(supervision: Supervision, viewer: Viewer, supervisor_id: str, data: dict) -> dict:
    data = load(AssignmentSchema, data)
    supervisor = _visible(supervision, viewer, supervisor_id)
    station = visible_station(viewer, data["station_id"], supervision.repo.station(data["station_id"]))
    # The county of the station decides who supervises it (notice 四(二): counties guide and supervise).
    viewer.require_write(region_code=station["township"])
    assignment = {"assignment_id": new_id("asg"), "station_id": data["station_id"],
                  "region_code": station["township"],
                  "from": data["start"].isoformat(), "to": data["end"].isoformat() if data["end"] else None}
    assignments = rules.add_assignment(supervisor, assignment)
    supervision.repo.supervisors.change(supervisor_id, supervisor["_version"], {
        "assignments": assignments, "station_ids": sorted({a["station_id"] for a in assignments})},
        [_assigned(viewer, supervisor_id, assignment)])
    return supervisor_view(supervision.repo.supervisors.require(supervisor_id), viewer)


def end_supervisor_assignment(supervision: Supervision, viewer: Viewer, supervisor_id: str, data: dict) -> dict:
    data = load(EndAssignmentSchema, data)
    supervisor = _visible(supervision, viewer, supervisor_id)
    target = next((a for a in supervisor.get("assignments", [])
                   if a["assignment_id"] == data["assignment_id"]), None)
    if target is not None:
        viewer.require_write(region_code=target["region_code"])
    assignments = rules.end_assignment(supervisor, data["assignment_id"], data["end"].isoformat())
    ended = next(a for a in assignments if a["assignment_id"] == data["assignment_id"])
    supervision.repo.supervisors.change(supervisor_id, data["expected_version"], {"assignments": assignments},
                                        [_assigned(viewer, supervisor_id, ended)])
    return supervisor_view(supervision.repo.supervisors.require(supervisor_id), viewer)


def _assigned(viewer: Viewer, supervisor_id: str, assignment: dict):
    """supervisor.assigned carries the assignment as it now stands (an ended one with its `to`)."""
    return event_by(viewer, events.SUPERVISOR_ASSIGNED, {
        "supervisor_id": supervisor_id, "assignment_id": assignment["assignment_id"],
        "station_id": assignment["station_id"], "region_code": assignment["region_code"],
        "from": assignment["from"], "to": assignment["to"]})


def _visible(supervision: Supervision, viewer: Viewer, supervisor_id: str) -> dict:
    supervisor = supervision.repo.supervisors.get(supervisor_id)
    if supervisor is None or not sees_supervisor(viewer, supervisor):
        raise NotFound(f"unknown supervisor {supervisor_id}", {"supervisor_id": ["no such supervisor in your scope"]})
    return supervisor
