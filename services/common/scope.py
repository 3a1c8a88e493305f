"""Scope checks on loaded aggregates, the one gate every write passes.

A write is checked against the station and region of the record it touches, as stored, never against ids the
caller states beside it: otherwise naming another county's record id next to one's own station id would reach it.
A record outside the caller's scope is reported exactly like an unknown one (NOT_FOUND), so ids cannot be probed.
"""
from __future__ import annotations

from .auth import Viewer
from .errors import NotFound


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
