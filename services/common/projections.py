"""Operating a service's projections (eventlog.Projection): rebuild from the event history, positions.

Mix `ProjectionEndpoints` into a service whose class has Projection dependencies; `shegong projections`
calls these RPCs. A rebuild replays every producer's history into a shadow document, then puts the
shadow's state and positions in place of the live document in one write: the read model keeps
answering from the old state meanwhile, and live events that arrive during the rebuild are not lost
(after the swap the live path sees its position behind the event and catches up from the log).
"""
from __future__ import annotations

import time
from collections.abc import Callable

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


class LiveFollower:
    """Live events folded one by one while they trickle in, and coalesced into catch-ups when they burst.

    `Projection.live` folds each live event on its own: one read and one whole-document write per event,
    which a burst (a seed, an import) turns into seconds of store time per event once the read model is
    large (bench/bench_supervision.py). Here, when no worker is folding for that producer, the event is
    folded as `live` does (the next sequence applied directly; an old one skipped; a gap caught up from
    the log). When one is, the event only asks it to catch up once more afterwards (pages of the log, one
    write each) and is done. Acknowledging an event before it is folded is safe because the relay logs
    every event before publishing it, and a projection that stops catches up from its stored position
    when it starts again. Green threads switch only on I/O, so the state needs no lock.
    """

    IDLE, RUNNING, AGAIN = "idle", "running", "again"

    def __init__(self):
        self._state: dict[tuple[int, str], str] = {}

    def wake(self, projection: Projection, producer: str, fold_this: Callable[[], object] | None = None) -> None:
        """`fold_this` folds the worker's own event (BoundProjection.live); without it, catch up."""
        key = (id(projection), producer)
        if self._state.get(key, self.IDLE) != self.IDLE:
            self._state[key] = self.AGAIN
            return
        self._state[key] = self.RUNNING
        try:
            if fold_this is not None:
                fold_this()
            else:
                projection.catch_up(producer)
            while self._state[key] == self.AGAIN:
                self._state[key] = self.RUNNING
                projection.catch_up(producer)
        finally:
            self._state[key] = self.IDLE
