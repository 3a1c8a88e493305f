"""Roll-ups with privacy in aggregates: the roll-up's counts of people, with small township counts
suppressed and marked so (domain/suppression.py); the threshold is policy data (alert policies).
Kept in the answer cache (answers.py) like the roll-up, also under the threshold and who is inside."""
from __future__ import annotations

from services.common.auth import ADMIN, COUNTY, STATION_STAFF, SUPERVISOR, Viewer

from ..domain.alerts import policy_in_force
from ..domain.suppression import protect
from . import Supervision
from .answers import ANSWERS
from .rollups import PROTECTED, answer_of, question_of


def works_in_county_of(viewer: Viewer, township: str) -> bool:
    """Inside the area: administrators, the township's own county, its stations' staff and supervisors
    (whose figures count their own stations only)."""
    if viewer.role in (ADMIN, STATION_STAFF, SUPERVISOR):
        return True
    return viewer.role == COUNTY and viewer.sees_region(township[:6])


def inside_key(viewer: Viewer) -> tuple:
    """What `works_in_county_of` depends on: two viewers with the same key see the same suppression."""
    if viewer.role in (ADMIN, STATION_STAFF, SUPERVISOR):
        return ("everywhere",)
    if viewer.role == COUNTY:
        return (COUNTY, viewer.region)
    return ("nowhere",)


def protected_rollup(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    question = question_of(supervision, viewer, request)
    threshold = policy_in_force(supervision.repo.alert_policies(), question.region.code,
                                question.today).small_count_threshold

    def computed() -> dict:
        return protect(answer_of(supervision, question), threshold,
                       lambda township: works_in_county_of(viewer, township))

    key = question.key(PROTECTED, threshold, inside_key(viewer))
    return computed() if key is None else ANSWERS.answer(key, question.inputs, computed)
