"""Scope checks on loaded aggregates, the one gate every write passes.

A write is checked against the station and region of the record it touches, as stored, never against ids the
caller states beside it: otherwise naming another county's record id next to one's own station id would reach it.
A record outside the caller's scope is reported exactly like an unknown one (NOT_FOUND), so ids cannot be probed.
"""
from __future__ import annotations

from dataclasses import dataclass

from .auth import ADMIN, EVALUATOR, REGION_ROLES, STATION_STAFF, SUPERVISOR, Viewer, is_division_code, region_prefix
from .errors import NotFound


@dataclass(frozen=True)
class Scope:
    """Which records a caller may read, as a value the repositories take: records of a region (a division-code
    prefix), of some stations, both, everything (`Scope.everything()`) or nothing (`Scope.nothing()`).

    Repositories turn it into their store's query (storage.scope_filter); use cases never see a filter.
    """

    region_prefix: str | None = None  # None: any region
    station_ids: tuple[str, ...] | None = None  # None: any station
    empty: bool = False

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @classmethod
    def nothing(cls) -> Scope:
        return cls(empty=True)

    @classmethod
    def of(cls, viewer: Viewer, within: str | None = None) -> Scope:
        """What `viewer` may read, narrowed to the region `within` (a division code) when given."""
        wanted = region_prefix(within) if within else None
        if viewer.role == ADMIN:
            return cls(region_prefix=wanted)
        if viewer.role in (STATION_STAFF, SUPERVISOR):
            return cls(region_prefix=wanted, station_ids=tuple(viewer.station_ids))
        if viewer.role in (*REGION_ROLES, EVALUATOR) and is_division_code(viewer.region):
            own = region_prefix(viewer.region)
            if wanted is None or wanted.startswith(own):
                return cls(region_prefix=wanted or own)
            if own.startswith(wanted):
                return cls(region_prefix=own)
        return cls.nothing()

    @property
    def unlimited(self) -> bool:
        return not self.empty and self.region_prefix is None and self.station_ids is None

    def covers(self, region_code: str, station_id: str) -> bool:
        """The same decision as `storage.scope_filter` for one record already in hand (e.g. an event's
        payload): in the region prefix, when there is one, and among the stations, when they are listed."""
        if self.empty:
            return False
        if self.station_ids is not None and station_id not in self.station_ids:
            return False
        return self.region_prefix is None or region_code.startswith(self.region_prefix)


def load_in_scope(viewer: Viewer, record: dict | None, label: str, record_id: object, field: str = "id",
                  station_field: str = "station_id", region_field: str = "region_code") -> dict:
    """`record` (as loaded by `record_id`) if the viewer may see it, else NotFound as if it did not exist."""
    if record is None or not viewer.sees_station(record[station_field], record[region_field]):
        raise NotFound(f"unknown {label} {record_id}", {field: [f"no {label} with this id in your scope"]})
    return record


def load_for_write(viewer: Viewer, record: dict | None, label: str, record_id: object, field: str = "id",
                   station_field: str = "station_id", region_field: str = "region_code") -> dict:
    """`record` if the viewer may change it: NotFound outside their scope, PermissionDenied if they only read it."""
    record = load_in_scope(viewer, record, label, record_id, field, station_field, region_field)
    viewer.require_write(station_id=record[station_field], region_code=record[region_field])
    return record
