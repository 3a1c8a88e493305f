"""Who may read and change supervision records: the one place of the service's scope and approver rules.

Reads are scoped like every other read of the platform (services/common/scope.py); writes are checked
against the station or region of the record as stored. The figures' own scope is a domain value
(domain/access.py), since the roll-up computes under it.
"""
from __future__ import annotations

from services.common import clock
from services.common.auth import ADMIN, COUNTY, EVALUATOR, PROVINCE, REGION_ROLES, STATION_STAFF, SUPERVISOR, Viewer
from services.common.errors import NotFound, PermissionDenied
from services.common.scope import Scope

from ..domain.access import figure_scope
from ..domain.regions import RegionKey, region_key
from ..domain.supervisors import current_station_ids
from . import Supervision

__all__ = ["commissioned_for", "current_viewer", "evaluations_for_pack", "figure_scope", "listing_scope",
           "may_close_follow_up", "require_administrator", "require_plan_writer", "require_policy_setter",
           "require_report_reader", "require_scorer", "require_session_recorder", "require_signed_in",
           "scorecard_viewer", "sees_supervisor", "supervisor_scope", "visible_station"]


def current_viewer(supervision: Supervision, viewer: Viewer) -> Viewer:
    """A supervisor sees the stations of their current assignments (from/to, as of the clock), whatever
    stations their token named when it was issued: ending an assignment takes the station away at once, a new
    one gives it. A supervisor token whose subject is no registered supervisor keeps the stations its grant
    names. Every other role is as its token says."""
    if viewer.role != SUPERVISOR:
        return viewer
    supervisor = supervision.repo.supervisors.get(viewer.user_id)
    if supervisor is None:
        return viewer
    return Viewer(viewer.user_id, viewer.role, viewer.region,
                  tuple(current_station_ids(supervisor, clock.today())))


def supervisor_scope(supervision: Supervision, viewer: Viewer) -> dict:
    """What the gateway puts in a supervisor's viewer for every service: {registered, station_ids}."""
    if viewer.role != SUPERVISOR:
        raise PermissionDenied("the scope of supervisors' assignments is asked for with a supervisor's token")
    registered = supervision.repo.supervisors.get(viewer.user_id) is not None
    return {"registered": registered, "station_ids": list(current_viewer(supervision, viewer).station_ids)}


def require_signed_in(viewer: Viewer, what: str) -> None:
    if viewer.is_public:
        raise PermissionDenied(f"{what} need a signed-in user")


def listing_scope(viewer: Viewer, region: str | None, what: str) -> Scope:
    """The records of `what` a signed-in viewer may list, narrowed to `region` (any level) when given."""
    require_signed_in(viewer, what)
    return Scope.of(viewer, within=region_key(region).prefix if region else None)


def require_administrator(viewer: Viewer, message: str) -> None:
    if viewer.role != ADMIN:
        raise PermissionDenied(message)


def sees_supervisor(viewer: Viewer, supervisor: dict) -> bool:
    """Civil-affairs staff where the supervisor is registered or works; stations and supervisors where they work."""
    if viewer.role == ADMIN or viewer.user_id == supervisor["_id"]:
        return True
    if any(viewer.sees_station(a["station_id"], a["region_code"]) for a in supervisor.get("assignments", [])):
        return True
    return viewer.sees_region(supervisor["region_code"])


def visible_station(viewer: Viewer, station_id: str, station: dict | None) -> dict:
    """The station (from the stations read model) if the viewer sees it, else NotFound as if unknown."""
    if station is None or not viewer.sees_station(station_id, station["township"]):
        raise NotFound(f"unknown station {station_id}", {"station_id": ["no such station in your scope"]})
    return station


def require_session_recorder(viewer: Viewer, supervisor: dict, station: dict) -> None:
    """The supervisor records their own sessions (their token's user id is their supervisor id), or the county."""
    if viewer.role == SUPERVISOR:
        if viewer.user_id != supervisor["_id"]:
            raise PermissionDenied("supervisors record their own sessions")
        return
    viewer.require_write(region_code=station["township"])
    if viewer.role == STATION_STAFF:
        raise PermissionDenied("sessions are recorded by the supervisor or the county")


def may_close_follow_up(viewer: Viewer, session: dict) -> None:
    """The station does the work, its supervisor checks it, the county oversees: each may close it."""
    if viewer.role not in (ADMIN, STATION_STAFF, SUPERVISOR):
        viewer.require_write(region_code=session["region_code"])


def require_policy_setter(viewer: Viewer, region_code: str) -> None:
    if viewer.role not in (ADMIN, PROVINCE) and not (viewer.role in ("city", "county")
                                                      and viewer.sees_region(region_code)):
        raise PermissionDenied("alert thresholds are set by administrators and civil-affairs staff in their region")


def require_report_reader(viewer: Viewer, region: RegionKey) -> None:
    """A region's reports are read by whoever sees all of its figures: administrators and civil-affairs staff
    (and evaluators) of that region or above; not station staff or supervisors, who see some stations only."""
    if figure_scope(viewer, region).station_ids is not None:
        raise PermissionDenied("a region's reports are for civil-affairs staff of the region")


def require_plan_writer(viewer: Viewer, county: str) -> None:
    """A county's yearly plan is the county's own: its civil-affairs staff (or an administrator) record it."""
    if viewer.role == ADMIN:
        return
    if viewer.role != COUNTY or viewer.read_only or not viewer.sees_region(county):
        raise PermissionDenied(f"the plan of county {county} is recorded by that county's civil-affairs staff")


def evaluations_for_pack(viewer: Viewer, station_id: str, station: dict | None, evaluations: list[dict],
                         today: str) -> list[dict]:
    """The evaluations a station's evaluation pack may show the viewer: every one to administrators and
    civil-affairs staff who see the station; to an evaluator only those they were commissioned for, while
    the evaluation's period runs; to anyone else nothing (NotFound, as if the station were unknown)."""
    if station is not None and viewer.role == EVALUATOR:
        mine = [e for e in evaluations if viewer.user_id in e.get("evaluator_user_ids", [])
                and _running(e, today)]
        if mine:
            return mine
    elif station is not None and viewer.role in (ADMIN, *REGION_ROLES) \
            and viewer.sees_station(station_id, station["township"]):
        return evaluations
    raise NotFound(f"unknown station {station_id}", {"station_id": ["no evaluation pack of this station for you"]})


def _running(evaluation: dict, today: str) -> bool:
    period = evaluation.get("period") or {}
    start = period.get("start") or evaluation.get("commissioned_on") or ""
    end = period.get("end") or evaluation.get("due_on") or ""
    return start[:10] <= today <= end[:10]


def scorecard_viewer(viewer: Viewer, subject: dict, evaluations: dict[str, dict], today: str) -> list[str] | None:
    """Whether the viewer may read the scorecard of `subject` ({kind, id, region_code, station_ids}): returns
    the evaluation ids whose evaluators' scores they see (None: every evaluation's).

    Administrators and civil-affairs staff who see the subject's region see it with every review; station staff
    see their own station's. An evaluator sees a station or contract of an evaluation they were commissioned
    for (a contract's evaluation covers its stations), and only while its period runs: another subject is
    unknown to them (NotFound); their subject outside the period is refused (PermissionDenied)."""
    unknown = NotFound(f"unknown {subject['kind']} {subject['id']}",
                       {f"{subject['kind']}_id": ["no scorecard of this subject for you"]})
    if viewer.role == ADMIN:
        return None
    if viewer.role in REGION_ROLES:
        if viewer.sees_region(subject["region_code"]):
            return None
        raise unknown
    if viewer.role == STATION_STAFF:
        if subject["kind"] == "station" and subject["id"] in viewer.station_ids:
            return None
        raise unknown
    if viewer.role != EVALUATOR:
        raise unknown
    mine = commissioned_for(viewer, subject, evaluations)
    if not mine:
        raise unknown
    running = [i for i, e in mine.items() if (e.get("start") or "") <= today <= (e.get("end") or "")]
    if not running:
        periods = "; ".join(f"{i}: {e.get('start')} to {e.get('end')}" for i, e in sorted(mine.items()))
        raise PermissionDenied(f"your evaluation of {subject['id']} is not running today ({periods})")
    return sorted(running)


def commissioned_for(viewer: Viewer, subject: dict, evaluations: dict[str, dict]) -> dict[str, dict]:
    """The evaluations `viewer` (an evaluator) was commissioned for that cover the subject."""
    def covers(evaluation: dict) -> bool:
        if subject["kind"] == "contract":
            return evaluation.get("contract_id") == subject["id"]
        return subject["id"] in evaluation.get("station_ids", [])
    return {i: e for i, e in evaluations.items() if viewer.user_id in e.get("evaluator_user_ids", []) and covers(e)}


def require_scorer(viewer: Viewer, evaluation_id: str, running: list[str] | None) -> None:
    """Only an evaluator of a running evaluation of the subject records their scores, under that evaluation."""
    if viewer.role != EVALUATOR or running is None or evaluation_id not in running:
        raise PermissionDenied("scores beside the computed scorecard are recorded by the evaluators commissioned "
                               "for a running evaluation of this subject")
