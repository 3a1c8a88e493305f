"""Operating a service's projections (eventlog.Projection): rebuild from the event history, positions.

Mix `ProjectionEndpoints` into a service whose class has Projection dependencies; `shegong projections`
calls these RPCs. A rebuild replays every producer's history into a shadow document, then puts the
shadow's state and positions in place of the live document in one write: the read model keeps
answering from the old state meanwhile, and live events that arrive during the rebuild are not lost
(after the swap the live path sees its position behind the event and catches up from the log).
"""
from __future__ import annotations

import time

from .auth import ADMIN, Viewer
from .errors import NotFound, PermissionDenied
from .eventlog import PROJECTIONS, Projection
from .rpc import rpc

SHADOW_SUFFIX = ".rebuild"


def rebuild(projection: Projection) -> dict:
    """Replay `projection`'s producers from sequence 0 into a shadow, then swap it in; returns positions."""
    started = time.monotonic()
    collection = projection.db[PROJECTIONS]
    shadow = Projection(projection.name + SHADOW_SUFFIX, (), initial=projection.initial, page=projection.page)
    shadow.handlers, shadow.producers = projection.handlers, projection.producers
    shadow.container = projection.container
    shadow.setup()
    shadow._running = True
    collection.delete_one({"_id": shadow.name})
    shadow._ensure_document()
    try:
        for producer in shadow.producers:
            shadow.catch_up(producer)
        built = shadow.document()
        with projection._lock:
            collection.update_one({"_id": projection.name},
                                  {"$set": {"state": built["state"], "positions": built["positions"]}}, upsert=True)
    finally:
        collection.delete_one({"_id": shadow.name})
    # Events the live document had folded while the shadow was built are behind the swapped-in position:
    # take them from the log now rather than waiting for the next live event to notice.
    positions = {producer: projection.catch_up(producer) for producer in projection.producers}
    return {"name": projection.name, "positions": positions,
            "seconds": round(time.monotonic() - started, 3)}


class ProjectionEndpoints:
    """`projection_rebuild` and `projection_positions` over RPC, for operators (administrators only)."""

    name: str  # the nameko service's own

    def _projections(self) -> dict[str, Projection]:
        found = {}
        for attribute, declared in vars(type(self)).items():
            if isinstance(declared, Projection):
                found[declared.name] = getattr(self, attribute)._projection  # the container's bound copy
        return found

    def _projection_named(self, viewer, name) -> Projection:
        if Viewer.from_dict(viewer).role != ADMIN:
            raise PermissionDenied("projections are operated by administrators")
        projections = self._projections()
        if name not in projections:
            raise NotFound(f"{self.name} has no projection {name!r}",
                           {"name": [f"one of {', '.join(sorted(projections))}"]})
        return projections[name]

    @rpc
    def projection_rebuild(self, viewer, name):
        return rebuild(self._projection_named(viewer, name))

    @rpc
    def projection_positions(self, viewer, name):
        projection = self._projection_named(viewer, name)
        return {"name": name, "positions": projection.document().get("positions", {})}
