"""Who may see and change what in the registry: the scope and approver rules of its use cases."""
from __future__ import annotations

from services.common.auth import ADMIN, CITY, COUNTY, PROVINCE, Viewer, region_prefix
from services.common.errors import NotFound, PermissionDenied, ValidationFailed

from .context import Registry

REGION_IMPORTERS = (ADMIN, PROVINCE)
WAGE_IMPORTERS = (ADMIN, PROVINCE, CITY)
POLICY_SETTERS = (PROVINCE, CITY, COUNTY)


def visible_station(context: Registry, viewer: Viewer, station_id: str) -> dict:
    station = context.repo.stations.get(station_id)
    if station is None or not viewer.sees_station(station["_id"], station["region_code"]):
        # Out-of-scope stations look exactly like unknown ones.
        raise NotFound(f"unknown station {station_id}", {"station_id": ["no such station in your scope"]})
    return station


def writable_station(context: Registry, viewer: Viewer, station_id: str) -> dict:
    station = visible_station(context, viewer, station_id)
    viewer.require_write(station_id=station_id, region_code=station["region_code"])
    return station


def visible_by_id(context: Registry, viewer: Viewer, station_ids: list[str]) -> dict[str, dict]:
    return {d["_id"]: d for d in context.repo.stations_by_id(station_ids)
            if viewer.sees_station(d["_id"], d["region_code"])}


def require_reveal(viewer: Viewer, station_id: str, region_code: str, reason: str | None) -> str:
    """The stated reason, once the viewer may see unmasked personal data of this station and said why."""
    if not viewer.may_reveal_personal_data(station_id, region_code):
        raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")
    if not reason or len(reason.strip()) < 4:
        raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
    return reason.strip()


def require_region_importer(viewer: Viewer) -> None:
    if viewer.role not in REGION_IMPORTERS:
        raise PermissionDenied("only administrators and province staff import regions")


def require_wage_importer(viewer: Viewer) -> None:
    if viewer.role not in WAGE_IMPORTERS:
        raise PermissionDenied("only administrators, province and city staff import average wages")


def may_import_wage_of(viewer: Viewer, region_code: str) -> bool:
    return viewer.role != CITY or viewer.sees_region(region_code)


def require_policy_setter(viewer: Viewer, region_code: str) -> None:
    if viewer.role != ADMIN and not (viewer.role in POLICY_SETTERS and viewer.region
                                     and region_code.startswith(region_prefix(viewer.region))):
        raise PermissionDenied("policies are set by administrators or civil-affairs staff for their own region")
