"""A read model too large for one document: one document per shard (a township), each with its own positions.

The kernel `Projection` keeps state and positions in one document, rewritten for every event: exact, but
its cost grows with the read model (docs/benchmarks.md, "Supervision read models"). `ShardedProjection`
keeps the same catch-up and live paths and the same no-gap rule, and splits the state:
- one small head document (`projections`, `_id` = name) with the position reached in each producer's
  log (the no-gap check), the generation in force, the routes (station → shard) and one version token
  per shard (what a reader caches against);
- one document per shard (`projection_shards`, `_id` = name/generation/shard) with that shard's state
  and its own positions. A shard applies an event only when its position for the producer is below the
  event's sequence, so a redelivered, replayed or re-applied event changes nothing; the head is written
  after the shards, so a crash in between only makes the next catch-up offer the shards events they
  already hold.
An event goes to the shard its station was first seen in (a station that moves keeps its records where
they are), else to its own township code; an event naming neither (a withdrawn consent) goes to every
shard. A rebuild fills the next generation's shards behind a shadow head, then puts the shadow's positions
and generation into the head in one write, and removes the old generation.

A worker keeps the shards it wrote (or read) in memory, and warms them in pages after its start-up
catch-up, so that a live event does not wait for its shard's read. Each shard document carries the
version token the head gives it; `kept_states` hands readers of the same process (the township tallies,
services/supervision/usecases/tallies.py) a worker's copy whose token is the head's, instead of a store read.
"""
from __future__ import annotations

import contextlib
import copy
import logging
import time
import uuid
import weakref
from collections.abc import Callable, Iterable

import eventlet
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from .eventlog import MAX_PAGE, EventLogBusy
from .projections import PROJECTIONS, SHADOW_SUFFIX, Handler, Projection
from .storage import Index

SHARDS = "projection_shards"
INDEXES = [Index(SHARDS, (("generation_key", 1),))]
ATTEMPTS = 20
KEPT_SHARDS = 20_000  # every township of a province, for each sharded read model of a service
WARM_PAGE = 25  # shards read per round trip when warming: small, so live folds are not queued behind a page
log = logging.getLogger(__name__)
# Every sharded projection of this process, so a reader can take a worker's copy of a shard (kept_states).
_WRITERS: weakref.WeakSet = weakref.WeakSet()


def _changes(before: dict, after: dict, position_field: str, position: int) -> dict:
    """The update writing `after` over `before`: only the records that changed (`state.<section>.<id>`),
    a whole section where an id cannot be a field name."""
    sets: dict = {position_field: position}
    unsets: dict = {}
    for section in before.keys() - after.keys():
        unsets[f"state.{section}"] = ""
    for section, records in after.items():
        old = before.get(section)
        if records == old:
            continue
        if not isinstance(records, dict) or not isinstance(old, dict) or \
                not all(_plain(k) for k in (*records, *old)):
            sets[f"state.{section}"] = records
            continue
        sets.update({f"state.{section}.{key}": record for key, record in records.items()
                     if key not in old or old[key] != record})
        unsets.update({f"state.{section}.{key}": "" for key in old if key not in records})
    return {"$set": sets, **({"$unset": unsets} if unsets else {})}


def _plain(key) -> bool:
    return isinstance(key, str) and bool(key) and "." not in key and not key.startswith("$")


def shard_of_payload(payload: dict, routes: dict) -> str | None:
    """The shard of an event: its station's, else its township's; None when it names neither."""
    station = payload.get("station_id")
    if station and station in routes:
        return routes[station]
    return payload.get("township_code") or payload.get("region_code") or None


class ShardedProjection(Projection):
    """A `Projection` (same constructor, `live`, `catch_up`, rebuild and positions RPCs) kept in shards."""

    def __init__(self, name: str, handlers: Iterable[tuple], page: int = MAX_PAGE,
                 shard_of: Callable[[dict, dict], str | None] = shard_of_payload):
        # Catch-up pages as large as a log serves: a page costs one head read and write whatever its size,
        # and a larger page of events spread over the province touches fewer shards per event.
        super().__init__(name, handlers, initial=dict, page=page)
        self.shard_of = shard_of
        self.shard_name = name  # a rebuild's shadow head writes the live name's next generation
        self._db = None
        self._kept: dict[str, dict] = {}  # shard id → the shard as this worker last wrote or read it
        self._instance = None  # the head's instance the kept shards belong to (a wiped head has a new one)

    def setup(self):
        super().setup()
        _WRITERS.add(self)

    @property
    def db(self):
        return self._db if self._db is not None else super().db

    def on_database(self, db) -> ShardedProjection:
        """The same projection writing to `db` (tests and benchmarks, outside a nameko container)."""
        self._db = db
        self.setup()
        self._running = True
        self._ensure_document()
        return self

    def _ensure_document(self):
        with contextlib.suppress(DuplicateKeyError):
            self.db[PROJECTIONS].insert_one({"_id": self.name, "positions": {p: 0 for p in self.producers},
                                             "sharded": True, "instance": uuid.uuid4().hex, "generation": 0,
                                             "routes": {}, "shards": {}, "mixed": {}})

    def _catch_up_all(self):
        super()._catch_up_all()
        try:
            self.warm()
        except Exception:  # only a cost: folds read the shards they need themselves
            log.warning("projection %s could not warm its shards", self.name, exc_info=True)

    # --- keeping shards in memory ---------------------------------------------------------------------
    def warm(self) -> int:
        """Read the shards this worker does not hold yet, a page at a time, and keep them; returns how many.
        Folding is not blocked: no lock is held, and a copy read here that a fold has replaced meanwhile is
        not kept (a stale copy would only cost a failed guarded write and a read again)."""
        head = self.db[PROJECTIONS].find_one({"_id": self.name}, {"instance": 1, "generation": 1, "shards": 1})
        if not head:
            return 0
        self._adopt(head)
        ids = [shard_id(self.shard_name, head["generation"], key) for key in head.get("shards", {})]
        wanted = [i for i in ids if i not in self._kept][:max(0, KEPT_SHARDS - len(self._kept))]
        warmed = 0
        for start in range(0, len(wanted), WARM_PAGE):
            if not self._running or self._instance != head["instance"]:
                break
            page = [i for i in wanted[start:start + WARM_PAGE] if i not in self._kept]
            for doc in self.db[SHARDS].find({"_id": {"$in": page}}):
                if doc["_id"] not in self._kept:  # a fold kept a newer copy while this page was read
                    self._kept[doc["_id"]] = doc
                    warmed += 1
            eventlet.sleep(0)  # let live folds run between pages
        log.info("projection %s warmed %d shards", self.name, warmed)
        return warmed

    def _adopt(self, head: dict) -> None:
        """Forget the kept shards when the head is another one than they were kept for (a wiped store)."""
        if head.get("instance") != self._instance:
            self._kept.clear()
            self._instance = head.get("instance")

    def kept_state(self, instance: str, generation: int, key: str, token: str) -> dict | None:
        """This worker's copy of a shard when it is the version `token` names, else None."""
        if instance != self._instance:
            return None
        kept = self._kept.get(shard_id(self.shard_name, generation, key))
        if kept is None or not kept.get("token"):
            return None
        return kept["state"] if token in (kept["token"], f"rebuilt:{generation}:{kept['token']}") else None

    # --- folding ---------------------------------------------------------------------------------------
    def _apply(self, producer: str, items: list[tuple[int, object]]) -> bool:
        """Fold `items` (contiguous, in order) into their shards, then advance the head."""
        heads = self.db[PROJECTIONS]
        for _ in range(ATTEMPTS):
            # The shard tokens are most of the head and only an event for every shard needs them (below).
            head = heads.find_one({"_id": self.name}, {"shards": 0})
            self._adopt(head)
            position = head["positions"][producer]
            batch = _contiguous(items, position)
            if not batch:
                return False
            routes, new_routes = dict(head.get("routes", {})), {}
            targets = []
            for sequence, envelope in batch:
                body = _body(envelope)
                if body["type"] not in self.handlers:
                    continue  # nothing of this read model's: only the position moves
                payload = body["payload"]
                shard = self.shard_of(payload, routes)
                if shard is not None and payload.get("station_id") and payload["station_id"] not in routes:
                    routes[payload["station_id"]] = new_routes[payload["station_id"]] = shard
                targets.append((sequence, envelope, shard))
            applied = batch[-1][0]
            token = f"{producer}:{applied}"
            if any(shard is None for _, _, shard in targets):
                head["shards"] = (heads.find_one({"_id": self.name}, {"shards": 1}) or {}).get("shards", {})
            try:
                touched, mixed = self._write_shards(head, producer, targets, token)
            except _ShardMoved:
                continue  # another worker wrote a shard meanwhile: read again
            changes = {f"positions.{producer}": applied, **{f"routes.{s}": k for s, k in new_routes.items()},
                       **{f"shards.{key}": token for key in touched},
                       **{f"mixed.{key}.{township}": True for key, township in mixed}}
            # `writes` tells a reader whether any shard changed since it last looked (usecases/tallies.py).
            done = heads.update_one({"_id": self.name, f"positions.{producer}": position,
                                     "generation": head["generation"]},
                                    {"$set": changes, **({"$inc": {"writes": 1}} if touched else {})})
            if done.matched_count:
                return True
        raise EventLogBusy(f"projection {self.name} kept changing under this worker")

    def _write_shards(self, head: dict, producer: str, targets: list,
                      token: str | None = None) -> tuple[set[str], set[tuple[str, str]]]:
        """Fold each event into its shard (every known shard when it has none); the shards changed, and the
        (shard, township) pairs of events whose own township is not their shard's (a station that moved).
        Each changed shard is marked with `token`, the version the head will name for it."""
        everywhere = any(shard is None for _, _, shard in targets)
        wanted = set(head.get("shards", {})) if everywhere else set()
        wanted |= {shard for _, _, shard in targets if shard is not None}
        ids = {key: shard_id(self.shard_name, head["generation"], key) for key in wanted}
        # The shards this worker wrote last are kept in memory: a write is guarded by their `writes`
        # counter, so a copy another worker has changed since fails its write and is read again.
        missing = [ids[key] for key in wanted if ids[key] not in self._kept]
        if missing:
            for doc in self.db[SHARDS].find({"_id": {"$in": missing}}):
                self._keep(doc)
        found = {key: self._kept[ids[key]] for key in wanted if ids[key] in self._kept}
        before = {key: doc["state"] for key, doc in found.items()}  # folds change the copies below only
        states = {key: copy.deepcopy(found[key]["state"]) if key in found else {} for key in wanted}
        marks = {key: found[key]["positions"].get(producer, 0) if key in found else 0 for key in wanted}
        changed: dict[str, int] = {}
        held: set[str] = set()  # shards that hold events of the batch already (a worker died or lost a race)
        mixed: set[tuple[str, str]] = set()
        for sequence, envelope, shard in targets:
            for key in (wanted if shard is None else (shard,)):
                if marks[key] < sequence:  # the shard guard: what it holds already is not applied again
                    states[key] = self._fold(states[key], envelope)
                    marks[key] = changed[key] = sequence
                    township = _township_named(envelope)
                    if township and township != key and township not in head.get("mixed", {}).get(key, {}):
                        mixed.add((key, township))
                elif shard is not None:
                    held.add(key)
        # A shard the batch left as it was is not written (its position need not move: folding the same
        # events on the same state again changes nothing either), nor given a new token (its tallies stand).
        for key in [key for key in changed if states[key] == (before[key] if key in found else {})]:
            del changed[key]
        mixed = {(key, township) for key, township in mixed if key in changed}
        writes: list = []
        for key, applied in changed.items():
            if key in found:
                update = _changes(before[key], states[key], f"positions.{producer}", applied)
                update["$set"]["token"] = token
                writes.append(UpdateOne({"_id": ids[key], "writes": found[key]["writes"]},
                                        {**update, "$inc": {"writes": 1}}))
            else:
                writes.append(InsertOne({"_id": ids[key], "shard": key, "positions": {producer: applied},
                                         "generation_key": generation_key(self.shard_name, head["generation"]),
                                         "writes": 1, "token": token, "state": states[key]}))
        if writes:  # one round trip for the batch; each shard still guarded on its own
            try:
                done = self.db[SHARDS].bulk_write(writes, ordered=False)
            except BulkWriteError as failed:
                self._forget(ids.values())
                raise _ShardMoved(self.name) from failed
            if done.matched_count + done.inserted_count < len(writes):
                self._forget(ids.values())
                raise _ShardMoved(self.name)
        for key, applied in changed.items():
            kept = found.get(key, {"_id": ids[key], "shard": key, "positions": {}, "writes": 0})
            self._keep({**kept, "state": states[key], "writes": kept["writes"] + 1, "token": token,
                        "positions": {**kept["positions"], producer: applied}})
        # A shard another write brought up to date is named with a new token too: the head's old one would
        # let readers keep tallies of the shard as it was before those events.
        return set(changed) | held, mixed

    def _keep(self, doc: dict) -> None:
        self._kept.pop(doc["_id"], None)
        self._kept[doc["_id"]] = doc
        while len(self._kept) > KEPT_SHARDS:
            self._kept.pop(next(iter(self._kept)))

    def _forget(self, ids: Iterable[str]) -> None:
        for shard in ids:
            self._kept.pop(shard, None)

    # --- reading -----------------------------------------------------------------------------------------
    def shard_states(self, keys: Iterable[str] | None = None) -> dict[str, dict]:
        return read_shards(self.db, self.document(), keys)

    # --- rebuilding --------------------------------------------------------------------------------------
    def rebuild_shards(self) -> dict:
        started = time.monotonic()
        heads = self.db[PROJECTIONS]
        live = self.document()
        shadow = copy.copy(self)  # the same folds, routing and log access, under a shadow head
        shadow.name = self.name + SHADOW_SUFFIX
        shadow._kept = {}
        self._kept.clear()
        shadow.setup()
        shadow._running = True
        heads.delete_one({"_id": shadow.name})
        generation = live["generation"] + 1
        next_generation = generation_key(self.name, generation)
        self.db[SHARDS].delete_many({"generation_key": next_generation})  # a rebuild that died half way
        with contextlib.suppress(DuplicateKeyError):
            heads.insert_one({"_id": shadow.name, "positions": {p: 0 for p in self.producers}, "sharded": True,
                              "instance": live["instance"], "generation": generation, "routes": {}, "shards": {},
                              "mixed": {}})
        try:
            for producer in shadow.producers:
                shadow.catch_up(producer)
            built = shadow.document()
            with self._lock:
                heads.update_one({"_id": self.name}, {"$set": {
                    "positions": built["positions"], "generation": generation, "routes": built["routes"],
                    "mixed": built.get("mixed", {}),
                    "shards": {key: f"rebuilt:{generation}:{token}" for key, token in built["shards"].items()}}})
        except BaseException:
            self.db[SHARDS].delete_many({"generation_key": next_generation})
            raise
        finally:
            heads.delete_one({"_id": shadow.name})
        self.db[SHARDS].delete_many({"generation_key": generation_key(self.name, live["generation"])})
        positions = {producer: self.catch_up(producer) for producer in self.producers}
        return {"name": self.name, "positions": positions, "seconds": round(time.monotonic() - started, 3)}


class _ShardMoved(Exception):
    """A shard changed between this worker's read and its write."""


def shard_id(name: str, generation: int, key: str) -> str:
    return f"{name}/{generation}/{key}"


def generation_key(name: str, generation: int) -> str:
    return f"{name}/{generation}"


def kept_states(head: dict, keys: Iterable[str]) -> dict[str, dict]:
    """Shard key → state, for the shards of `head` of which a worker of this process holds the version the
    head names (the others: read_shards). The states are the workers' own: read them, never change them."""
    tokens, found = head.get("shards", {}), {}
    writers = [w for w in list(_WRITERS) if w.shard_name == head["_id"] and w._instance == head.get("instance")]
    for key in keys:
        for writer in writers:
            state = writer.kept_state(head["instance"], head["generation"], key, tokens.get(key, ""))
            if state is not None:
                found[key] = state
                break
    return found


def read_shards(db, head: dict, keys: Iterable[str] | None = None) -> dict[str, dict]:
    """Shard key → state of a sharded read model's head (`keys`: only those shards)."""
    if not head:
        return {}
    if keys is None:
        docs = db[SHARDS].find({"generation_key": generation_key(head["_id"], head["generation"])},
                               {"shard": 1, "state": 1})
    else:
        docs = db[SHARDS].find({"_id": {"$in": [shard_id(head["_id"], head["generation"], k) for k in keys]}},
                               {"shard": 1, "state": 1})
    return {d["shard"]: d.get("state") or {} for d in docs}


def _contiguous(items: list[tuple[int, object]], position: int) -> list[tuple[int, object]]:
    batch, applied = [], position
    for sequence, envelope in items:
        if sequence <= applied:
            continue
        if sequence != applied + 1:
            break
        batch.append((sequence, envelope))
        applied = sequence
    return batch


def _township_named(envelope) -> str | None:
    payload = _body(envelope)["payload"]
    return payload.get("township_code") or payload.get("region_code") or None


def shards_under(head: dict, prefix: str) -> set[str]:
    """The shards that may hold records of townships under `prefix`: their own, and those holding records
    of a township under it (a station that moved keeps its shard)."""
    return ({key for key in head.get("shards", {}) if key.startswith(prefix)}
            | {key for key, townships in head.get("mixed", {}).items() if any(t.startswith(prefix) for t in townships)})


def _body(envelope) -> dict:
    return envelope if isinstance(envelope, dict) else envelope.to_dict()


__all__ = ["INDEXES", "SHARDS", "Handler", "ShardedProjection", "kept_states", "read_shards", "shard_of_payload",
           "shards_under"]
