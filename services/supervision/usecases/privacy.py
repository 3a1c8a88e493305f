"""Roll-ups with privacy in aggregates: the roll-up's counts of people, with small township counts
suppressed and marked so (domain/suppression.py); the threshold is policy data (alert policies)."""
from __future__ import annotations

from services.common import clock
from services.common.auth import ADMIN, COUNTY, STATION_STAFF, SUPERVISOR, Viewer

from ..domain.alerts import policy_in_force
from ..domain.regions import region_key
from ..domain.suppression import protect
from . import Supervision
from .rollups import rollup


def works_in_county_of(viewer: Viewer, township: str) -> bool:
    """Inside the area: administrators, the township's own county, its stations' staff and supervisors
    (whose figures count their own stations only)."""
    if viewer.role in (ADMIN, STATION_STAFF, SUPERVISOR):
        return True
    return viewer.role == COUNTY and viewer.sees_region(township[:6])


def protected_rollup(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    result = rollup(supervision, viewer, request)
    code = region_key(result["region"]["region_code"]).code
    threshold = policy_in_force(supervision.repo.alert_policies(), code, clock.today()).small_count_threshold
    return protect(result, threshold, lambda township: works_in_county_of(viewer, township))
