"""The division tree, from the registry (which owns it) over RPC, kept in memory for a few minutes.

Regions are reference data loaded by `shegong migrate`, not facts that happen: there is no event for
them, and the township count is the denominator of township coverage. The tree changes when an operator
imports regions, so a short cache is enough.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from services.common.auth import SYSTEM

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    level: str
    parent_code: str | None


_cache: dict[str, tuple[float, list[RegionInfo]]] = {}


class RegionTree:
    def __init__(self, registry_rpc):
        self.registry = registry_rpc

    def under(self, prefix: str) -> list[RegionInfo]:
        """Every region whose code starts with `prefix` (the region itself included), sorted by code."""
        cached = _cache.get(prefix)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        regions = [RegionInfo(r["code"], r["name"], r["level"], r.get("parent_code"))
                   for r in self.registry.regions_under(SYSTEM.to_dict(), prefix)]
        _cache[prefix] = (time.monotonic(), regions)
        return regions


def forget() -> None:
    """Tests and region imports: the next roll-up reads the tree again."""
    _cache.clear()
