"""Projections: read models built from other services' event histories (eventlog.py), and operating them.

A `Projection` catches up from each producer's log at start, then follows live events. Mix
`ProjectionEndpoints` into a service whose class has Projection dependencies; `shegong projections`
calls these RPCs. A rebuild replays every producer's history into a shadow document, then puts the
shadow's state and positions in place of the live document in one write: the read model keeps
answering from the old state meanwhile, and live events that arrive during the rebuild are not lost
(after the swap the live path sees its position behind the event and catches up from the log).
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable

import eventlet
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from pymongo.errors import DuplicateKeyError

from . import storage
from .auth import ADMIN, SYSTEM, Viewer
from .config import settings
from .errors import NotFound, PermissionDenied
from .eventlog import SEQUENCE_HEADER, EventLogBusy
from .events import EventContract, UnreadableEvent, read_event
from .rpc import rpc
from .rpc_client import KernelRpcClient

log = logging.getLogger(__name__)

# --- a projection: catch up from the log, then follow live events ----------------------------------------
Handler = Callable[[dict, object], dict]
PROJECTIONS = "projections"


class Projection(DependencyProvider):
    """A read model built from other services' events, complete from the first event on.

    `handlers` pairs each contract with `apply(state, envelope) -> new state` (a pure fold). State
    and the position reached in each producer's log are ONE document, written together, so an
    event is either in both or in neither. At start the projection catches up from each
    producer's log (`events_since` pages); live events then arrive through an ordinary
    `@event_handler` that calls `self.<projection>.live(event)`:
    - a live event at or below the stored position was already applied (replay overlap, redelivery): skipped;
    - the next one is applied;
    - one further ahead means some are missing (not replayed yet, or waiting in a retry queue): the
      projection catches up from the log, which includes the live event.
    """

    def __init__(self, name: str, handlers: Iterable[tuple[EventContract, Handler]],
                 initial: Callable[[], dict] = dict, page: int = 200):
        self.name = name
        self.handlers = {c.name: (c, fn) for c, fn in handlers}
        self.producers = sorted({c.producer for c, _ in self.handlers.values()})
        self.initial = initial
        self.page = page

    def setup(self):
        self._lock = Semaphore(1)
        self._running = False

    def start(self):
        self._running = True
        self._ensure_document()
        self.container.spawn_managed_thread(self._catch_up_all, identifier=f"projection:{self.name}")

    def stop(self):
        self._running = False

    def kill(self):
        self._running = False

    @property
    def db(self):
        return storage.database(self.container.service_name)

    def _ensure_document(self):
        with contextlib.suppress(DuplicateKeyError):
            self.db[PROJECTIONS].insert_one({"_id": self.name, "positions": {p: 0 for p in self.producers},
                                             "state": self.initial()})

    def _catch_up_all(self):
        for producer in self.producers:
            while self._running:
                try:
                    self.catch_up(producer)
                    break
                except Exception:  # the producer may not be up yet: keep trying, live events wait meanwhile
                    log.warning("projection %s cannot catch up from %s yet", self.name, producer, exc_info=True)
                    eventlet.sleep(1.0)

    def document(self) -> dict:
        return self.db[PROJECTIONS].find_one({"_id": self.name}) or {}

    def position(self, producer: str) -> int:
        """The position reached in `producer`'s log; only the positions are read (the document may be large)."""
        return (self.db[PROJECTIONS].find_one({"_id": self.name}, {"positions": 1}) or {})["positions"][producer]

    def catch_up(self, producer: str, until: int | None = None) -> int:
        """Apply the producer's logged events after the stored position; return the new position."""
        with self._lock, KernelRpcClient(uri=settings().amqp_uri, timeout=settings().rpc_timeout_seconds) as client:
            fetch = getattr(client, producer).events_since
            while self._running:
                position = self.position(producer)
                page = fetch(SYSTEM.to_dict(), position, self.page)
                items = page["items"]
                if items:
                    self._apply(producer, [(i["sequence"], i["envelope"]) for i in items])
                if len(items) < self.page or (until is not None and items[-1]["sequence"] >= until):
                    return self.position(producer)
        return self.position(producer)

    def live(self, envelope, sequence) -> bool:
        """Apply one live event (its `shegong.sequence` header); True if it changed the projection."""
        producer = envelope.producer
        if sequence is None:
            # Sent before the log existed, or by hand: the log knows where it belongs.
            self.catch_up(producer)
            return False
        sequence = int(sequence)
        with self._lock:
            position = self.position(producer)
            if sequence <= position:
                return False
            if sequence == position + 1:
                return self._apply(producer, [(sequence, envelope)])
        if self.catch_up(producer, until=sequence) < sequence:
            # Cannot happen while the relay logs before publishing; if it does, the event is retried.
            raise EventLogBusy(f"{producer} event {sequence} is not in its log yet")
        return True

    def _apply(self, producer: str, items: list[tuple[int, object]]) -> bool:
        """Fold `items` (contiguous, in order) into the state; one compare-and-set write."""
        collection = self.db[PROJECTIONS]
        for _ in range(20):
            doc = collection.find_one({"_id": self.name})
            position = doc["positions"][producer]
            state = doc["state"]
            applied = position
            for sequence, envelope in items:
                if sequence <= applied:
                    continue
                if sequence != applied + 1:
                    break
                state = self._fold(state, envelope)
                applied = sequence
            if applied == position:
                return False
            done = collection.update_one({"_id": self.name, f"positions.{producer}": position},
                                         {"$set": {"state": state, f"positions.{producer}": applied}})
            if done.matched_count:
                return True
        raise EventLogBusy(f"projection {self.name} kept changing under this worker")

    def _fold(self, state: dict, envelope) -> dict:
        body = envelope if isinstance(envelope, dict) else envelope.to_dict()
        known = self.handlers.get(body["type"])
        if known is None:
            return state
        contract, apply = known
        try:
            event = envelope if not isinstance(envelope, dict) else read_event(body, contract)
        except UnreadableEvent:
            log.error("projection %s skips unreadable logged event %s", self.name, body.get("id"))
            return state
        return apply(state, event)

    def get_dependency(self, worker_ctx):
        return BoundProjection(self, worker_ctx.context_data.get(SEQUENCE_HEADER))


class BoundProjection:
    """What a worker sees: the projection plus the sequence of the event it is handling."""

    def __init__(self, projection: Projection, sequence):
        self._projection = projection
        self._sequence = sequence

    def live(self, envelope) -> bool:
        return self._projection.live(envelope, self._sequence)

    def state(self) -> dict:
        return self._projection.document().get("state", {})


# --- operating projections ------------------------------------------------------------------------------
SHADOW_SUFFIX = ".rebuild"


def rebuild(projection: Projection) -> dict:
    """Replay `projection`'s producers from sequence 0 into a shadow, then swap it in; returns positions."""
    own_rebuild = getattr(projection, "rebuild_shards", None)
    if own_rebuild is not None:  # a sharded read model swaps a generation of shards (sharded_projections.py)
        return own_rebuild()
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
