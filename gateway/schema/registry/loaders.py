"""The registry's batched reads (gateway/loaders.py). Keys are station ids, region codes, or
(id, as_of) pairs where the answer depends on the date."""
from __future__ import annotations

from gateway.loaders import batch_loader, by_date, gather, loader, outcome
from services.common.grouping import grouped


@batch_loader("registry", "stations")
def stations(registry, ids: list[str]) -> list[dict | None]:
    return registry.get_stations(ids)


@batch_loader("registry", "regions")
def regions(registry, codes: list[str]) -> list[dict | None]:
    return registry.get_regions(codes)


@batch_loader("registry", "staff")
def staff(registry, station_ids: list[str]) -> list[list[dict]]:
    return grouped(registry.staff_for_stations(station_ids), station_ids)


@batch_loader("registry", "compliance")
def compliance(registry, keys: list[tuple[str, str | None]]) -> list:
    return by_date(registry, "compliance_for_stations", keys, "as_of")


@batch_loader("registry", "child_regions")
def child_regions(registry, parent_codes: list[str | None]) -> list:
    # The registry answers one parent per call; the calls at least run concurrently.
    replies = [registry.call_async("regions", code) for code in parent_codes]
    return [outcome(reply) for reply in replies]


@batch_loader("registry", "rollups")
def rollups(registry, keys: list[tuple[str, str | None]]) -> list:
    replies = [registry.call_async("region_rollup", code, as_of=as_of) for code, as_of in keys]
    return [outcome(reply) for reply in replies]


def stations_by_ids(info, station_ids):
    """The registry's stations for these ids (those the viewer may see), through its loader."""
    station_loader = loader(info, "registry.stations")
    return gather([station_loader.load(s) for s in station_ids or ()],
                  lambda found: [s for s in found if s is not None])


def station_by_id(info, station_id: str | None):
    """A record's station (null when it names none), through the request's loader."""
    return loader(info, "registry.stations").load(station_id) if station_id else None
