"""Checking a read model against its source services over RPC (`shegong projections check NAME`)."""
from __future__ import annotations

from services.common import clock
from services.common.auth import ADMIN, SYSTEM, Viewer
from services.common.errors import NotFound, PermissionDenied

from .. import projections
from ..domain import checks
from ..storage import SupervisionRepository

PAGE = 200
BATCH = 100
# The needs read model has no source to compare with yet: casework's archive holds needs that its
# needs.assessed events leave out (no volunteer-matching consent), and deliveries live in volunteers.
CHECKABLE = tuple(name for name in projections.NAMES if name != projections.NEEDS)


class ReadModelChecks:
    def __init__(self, repo: SupervisionRepository, registry, casework):
        self.repo = repo
        self.registry = registry
        self.casework = casework
        self.system = SYSTEM.to_dict()

    def check(self, viewer: Viewer, name: str) -> dict:
        if viewer.role != ADMIN:
            raise PermissionDenied("read models are checked by administrators")
        if name not in CHECKABLE:
            raise NotFound(f"no read model {name!r} to check", {"name": [f"one of {', '.join(CHECKABLE)}"]})
        today = clock.today()
        # Source first: an event that lands between the two reads then shows up as a difference of the
        # read model being behind, which a second check clears; the other order would hide nothing either.
        source = self._source_view(name)
        read_model = checks.read_model_view(name, self.repo.read_models(), today)
        found = checks.differences(read_model, source)
        return {"name": name, "records": {"read_model": len(read_model), "source": len(source)},
                "positions": self.repo.positions().get(name, {}), "differences": found}

    def _source_view(self, name: str) -> dict[str, dict]:
        if name == "stations":
            return {s["id"]: checks.station_record(s) for s in self._stations()}
        if name == "staff":
            today = clock.today().isoformat()
            view = {}
            ids = [s["id"] for s in self._stations()]
            for start in range(0, len(ids), BATCH):
                for members in self.registry.staff_for_stations(self.system, ids[start:start + BATCH]).values():
                    for member in members:
                        if not member.get("employment_end") or member["employment_end"] > today:
                            view[member["id"]] = checks.staff_record(member)
            return view
        if name == "households":
            return {h["id"]: checks.household_record(h) for h in self._pages(self.casework.list_households)}
        if name == "cases":
            return {c["id"]: checks.case_record(c) for c in self._pages(self.casework.list_cases)}
        view = {}
        ids = [h["id"] for h in self._pages(self.casework.list_households)]
        for start in range(0, len(ids), BATCH):
            batch = ids[start:start + BATCH]
            for household_id, visits in self.casework.visits_for_households(self.system, batch).items():
                for visit in visits:
                    view[visit["id"]] = checks.visit_record(visit, household_id)
        return view

    def _stations(self) -> list[dict]:
        return self._pages(self.registry.list_stations)

    def _pages(self, method) -> list[dict]:
        items, after = [], None
        while True:
            page = method(self.system, {"limit": PAGE, **({"after": after} if after else {})})
            items.extend(page["items"])
            after = page.get("next_cursor")
            if not after:
                return items
