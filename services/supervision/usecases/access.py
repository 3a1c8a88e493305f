"""Who may read and change supervision records: the one place of the service's scope and approver rules.

Reads are scoped like every other read of the platform (services/common/scope.py); writes are checked
against the station or region of the record as stored. The figures' own scope is a domain value
(domain/access.py), since the roll-up computes under it.
"""
from __future__ import annotations

from services.common.auth import ADMIN, PROVINCE, STATION_STAFF, SUPERVISOR, Viewer
from services.common.errors import NotFound, PermissionDenied
from services.common.scope import Scope

from ..domain.access import figure_scope
from ..domain.regions import RegionKey, region_key

__all__ = ["figure_scope", "listing_scope", "require_report_reader", "may_close_follow_up", "require_administrator",
           "require_policy_setter", "require_session_recorder", "require_signed_in", "sees_supervisor",
           "visible_station"]


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
