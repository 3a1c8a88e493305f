"""Supervisors (experts, leading social workers, universities, purchased supervision services) and their
assignments to stations with from/to dates."""
from __future__ import annotations

import builtins  # `list` is a method name here

from services.common import clock
from services.common.auth import ADMIN, Viewer
from services.common.errors import NotFound, PermissionDenied
from services.common.events import new_event
from services.common.ids import new_id
from services.common.masking import shown
from services.common.observability import current_correlation_id
from services.common.rpc import load
from services.contracts import supervision as events

from ..domain import supervisors as rules
from ..domain.regions import region_key
from ..schemas import AssignmentSchema, EndAssignmentSchema, SupervisorFilterSchema, SupervisorInputSchema
from ..storage import SupervisionRepository


def supervisor_view(supervisor: dict, viewer: Viewer) -> dict:
    return {"id": supervisor["_id"], "name": shown("Supervisor.name", viewer, supervisor["name"]),
            "kind": supervisor["kind"], "organisation": supervisor["organisation"],
            "region_code": supervisor["region_code"], "assignments": supervisor.get("assignments", []),
            "current_station_ids": rules.current_station_ids(supervisor, clock.today()),
            "version": supervisor["_version"]}


def event_for(viewer: Viewer, contract, payload: dict):
    return new_event(contract, payload, correlation_id=current_correlation_id(),
                     actor={"user_id": viewer.user_id, "role": viewer.role})


def sees_supervisor(viewer: Viewer, supervisor: dict) -> bool:
    """Civil-affairs staff where the supervisor is registered or works; stations and supervisors where they work."""
    if viewer.role == ADMIN or viewer.user_id == supervisor["_id"]:
        return True
    if any(viewer.sees_station(a["station_id"], a["region_code"]) for a in supervisor.get("assignments", [])):
        return True
    return viewer.sees_region(supervisor["region_code"])


class Supervisors:
    def __init__(self, repo: SupervisionRepository):
        self.repo = repo

    def register(self, viewer: Viewer, data: dict) -> dict:
        data = load(SupervisorInputSchema, data)
        viewer.require_write(region_code=data["region_code"])
        supervisor = {"_id": new_id("sup"), **data, "assignments": [], "station_ids": []}
        return supervisor_view(self.repo.supervisors.add(supervisor), viewer)

    def list(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(SupervisorFilterSchema, filters or {})
        if viewer.is_public:
            raise PermissionDenied("supervisors need a signed-in user")
        within = region_key(f["region"]).prefix if f["region"] else None
        page = self.repo.supervisors.page(viewer.station_filter(region_field="region_code", id_field="station_ids",
                                                                within=within), f["after"], f["limit"])
        return {"items": [supervisor_view(s, viewer) for s in page.docs], "next_cursor": page.next_cursor,
                "total": page.total}

    def get(self, viewer: Viewer, ids: builtins.list[str]) -> builtins.list[dict | None]:
        found = self.repo.supervisors.by_ids(ids)
        return [supervisor_view(found[i], viewer) if i in found and sees_supervisor(viewer, found[i]) else None
                for i in ids]

    def assign(self, viewer: Viewer, supervisor_id: str, data: dict) -> dict:
        data = load(AssignmentSchema, data)
        supervisor = self._visible(viewer, supervisor_id)
        station = self.repo.station(data["station_id"])
        if station is None or not viewer.sees_station(data["station_id"], station["township"]):
            raise NotFound(f"unknown station {data['station_id']}", {"station_id": ["no such station in your scope"]})
        # The county of the station decides who supervises it (notice 四(二): counties guide and supervise).
        viewer.require_write(region_code=station["township"])
        assignment = {"assignment_id": new_id("asg"), "station_id": data["station_id"],
                      "region_code": station["township"],
                      "from": data["start"].isoformat(), "to": data["end"].isoformat() if data["end"] else None}
        assignments = rules.add_assignment(supervisor, assignment)
        self.repo.supervisors.change(supervisor_id, supervisor["_version"], {
            "assignments": assignments, "station_ids": sorted({a["station_id"] for a in assignments})},
            [event_for(viewer, events.SUPERVISOR_ASSIGNED, {
                "supervisor_id": supervisor_id, "assignment_id": assignment["assignment_id"],
                "station_id": assignment["station_id"], "region_code": assignment["region_code"],
                "from": assignment["from"], "to": assignment["to"]})])
        return supervisor_view(self.repo.supervisors.require(supervisor_id), viewer)

    def end_assignment(self, viewer: Viewer, supervisor_id: str, data: dict) -> dict:
        data = load(EndAssignmentSchema, data)
        supervisor = self._visible(viewer, supervisor_id)
        target = next((a for a in supervisor.get("assignments", [])
                       if a["assignment_id"] == data["assignment_id"]), None)
        if target is not None:
            viewer.require_write(region_code=target["region_code"])
        assignments = rules.end_assignment(supervisor, data["assignment_id"], data["end"].isoformat())
        ended = next(a for a in assignments if a["assignment_id"] == data["assignment_id"])
        self.repo.supervisors.change(supervisor_id, data["expected_version"], {"assignments": assignments}, [
            event_for(viewer, events.SUPERVISOR_ASSIGNED, {
                "supervisor_id": supervisor_id, "assignment_id": ended["assignment_id"],
                "station_id": ended["station_id"], "region_code": ended["region_code"], "from": ended["from"],
                "to": ended["to"]})])
        return supervisor_view(self.repo.supervisors.require(supervisor_id), viewer)

    def _visible(self, viewer: Viewer, supervisor_id: str) -> dict:
        supervisor = self.repo.supervisors.get(supervisor_id)
        if supervisor is None or not sees_supervisor(viewer, supervisor):
            raise NotFound(f"unknown supervisor {supervisor_id}",
                           {"supervisor_id": ["no such supervisor in your scope"]})
        return supervisor
