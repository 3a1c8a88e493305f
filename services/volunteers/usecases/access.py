"""Who may read and change which volunteers records: the scope rules of every use case, in one place.

A record outside the caller's scope is reported exactly like an unknown one (NotFound, or None in
batch answers), so ids cannot be probed. Writes are checked against the station and region the record
holds, never against ids stated beside it.
"""
from __future__ import annotations

from services.common.auth import PUBLIC, Viewer
from services.common.errors import PermissionDenied
from services.common.scope import Scope, load_in_scope

from .. import domain
from ..storage import Aggregates


def readable(viewer: Viewer) -> Scope:
    """The records `viewer` may list."""
    return Scope.of(viewer)


def visible(store: Aggregates, record_id: str, viewer: Viewer) -> dict:
    """The record if the viewer may read it, else NotFound as if it did not exist."""
    return load_in_scope(viewer, store.get(record_id) if isinstance(record_id, str) else None, store.label,
                         record_id)


def require_write(viewer: Viewer, record: dict) -> None:
    viewer.require_write(station_id=record["station_id"], region_code=record["region_code"])


def writable(store: Aggregates, record_id: str, viewer: Viewer) -> dict:
    """The record if the viewer may change it: NotFound outside their scope, PermissionDenied if they only read it."""
    record = visible(store, record_id, viewer)
    require_write(viewer, record)
    return record


def require_station_write(viewer: Viewer, station_id: str) -> str:
    """A new record at `station_id`: the viewer must be able to write there. Returns the station's township."""
    township = domain.station_township(station_id)
    viewer.require_write(station_id=station_id, region_code=township)
    return township


def visible_batch(store: Aggregates, viewer: Viewer, ids: list[str]) -> dict[str, dict]:
    """The records of `ids` the viewer may read, by id."""
    return {i: d for i, d in store.by_ids(ids).items() if viewer.sees_station(d["station_id"], d["region_code"])}


def require_reveal(viewer: Viewer, record: dict) -> None:
    if not viewer.may_reveal_personal_data(record["station_id"], record["region_code"]):
        raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")


# The resource library is public information: the public reads active entries everywhere.
def resource_readers(viewer: Viewer) -> tuple[Scope, bool]:
    """The scope of the resources `viewer` may list, and whether only active entries (the public)."""
    if viewer.role == PUBLIC:
        return Scope.everything(), True
    return Scope.of(viewer), False


def sees_resource(viewer: Viewer, resource: dict) -> bool:
    if viewer.role == PUBLIC:
        return resource["status"] == "active"
    return viewer.sees_station(resource["station_id"], resource["region_code"])
