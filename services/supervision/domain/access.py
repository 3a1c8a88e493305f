"""Who may ask for which supervision figures, as a value the figures are computed under."""
from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import ADMIN, EVALUATOR, REGION_ROLES, STATION_STAFF, SUPERVISOR, Viewer, region_prefix
from services.common.errors import PermissionDenied

from .regions import RegionKey


@dataclass(frozen=True)
class FigureScope:
    """Records a viewer's figures may count: every station (administrators), the stations under a
    region prefix (province, city and county staff, evaluators), or a set of stations (station staff,
    supervisors)."""
    prefix: str | None = None
    station_ids: frozenset[str] | None = None

    def covers(self, station_id: str | None, township_code: str | None) -> bool:
        if self.station_ids is not None:
            return station_id in self.station_ids
        if self.prefix is not None:
            return township_code is not None and township_code.startswith(self.prefix)
        return True


def figure_scope(viewer: Viewer, region: RegionKey) -> FigureScope:
    """The scope for a roll-up of `region`; a region outside a civil-affairs viewer's own is refused
    (their figures would silently cover only part of it)."""
    if viewer.role == ADMIN:
        return FigureScope()
    if viewer.role in (STATION_STAFF, SUPERVISOR):
        return FigureScope(station_ids=frozenset(viewer.station_ids))
    if viewer.role in (*REGION_ROLES, EVALUATOR) and viewer.region:
        own = region_prefix(viewer.region)
        if region.prefix.startswith(own):
            return FigureScope(prefix=own)
        raise PermissionDenied(f"your scope is region {viewer.region}; {region.code} lies outside it")
    raise PermissionDenied("supervision figures need a signed-in civil-affairs, station, supervisor or evaluator role")
