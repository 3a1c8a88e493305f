"""What a viewer is shown of households and cases: masked views, crisis protection applied."""
from __future__ import annotations

from services.common.auth import Viewer

from .. import views
from ..storage import staff_is_current
from .access import in_case_team, protection
from .context import Casework


def household_views(casework: Casework, viewer: Viewer, households: list[dict]) -> list[dict]:
    seen = protection(casework, viewer, households)
    today = casework.today()
    return [views.household_view(h, today, seen) for h in households]


def household_view(casework: Casework, viewer: Viewer, household_id: str) -> dict:
    """The household as stored now, as the viewer sees it (the answer of every household write)."""
    return household_views(casework, viewer, [casework.repo.households.require(household_id)])[0]


def case_views(casework: Casework, viewer: Viewer, cases: list[dict]) -> list[dict]:
    now, today = casework.now(), casework.today().isoformat()
    staff = casework.repo.staff_members([c["assigned_staff_id"] for c in cases])
    return [views.case_view(c, in_case_team(casework, viewer, c),
                            staff_is_current(staff.get(c["assigned_staff_id"]), c["station_id"], today), now)
            for c in cases]


def campaign_view(campaign: dict) -> dict:
    return {"id": campaign["_id"], "name": campaign["name"], "region_code": campaign["region_code"],
            "criteria": campaign["criteria"], "starts_on": campaign["starts_on"], "ends_on": campaign["ends_on"],
            "created": campaign["created"], "version": campaign["_version"]}
