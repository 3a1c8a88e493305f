"""Repository helpers over pymongo, following the conventions the document store forces on us.

- String ids for every reference, money as integer fen, no `$lookup`, no multi-document transactions.
- A state change and the events it causes are ONE single-document write: pending events sit in the
  aggregate's `_outbox` map until the relay has published them (see outbox.py).
- Every update checks `_version` in its filter (optimistic concurrency): a lost update is impossible.
- Indexes are declared once per service (`Index(...)` lists) and created at start-up.
"""
from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar, overload

import pymongo
from kombu.utils import json as kombu_json
from nameko.extensions import DependencyProvider
from pymongo.errors import BulkWriteError, DuplicateKeyError

from . import clock
from .compound_keys import COMPOUND_KEY_PREFIX, CompoundKey
from .compound_keys import backfill_compound_keys as backfill_compound_keys
from .config import settings
from .errors import ConcurrentModification, Conflict, NotFound
from .events import Envelope
from .filters import prefix_range

OUTBOX = "_outbox"
OUTBOX_PENDING = "_outbox_pending"
OUTBOX_LEASE = "_outbox_lease"
OUTBOX_CLAIM = "_outbox_claim"
VERSION = "_version"
# The idempotency keys of the last requests that changed the aggregate, written by the same
# single-document write as the change, so a rerun of the request finds it applied.
REQUEST_KEYS = "_request_keys"
RECENT_REQUEST_KEYS = 50

# Context data key: the idempotency key of the RPC request being served.
IDEMPOTENCY_KEY = "idempotency_key"
# A copy of `_id` on every aggregate, indexed: nx-27017 scans the whole collection for a range on `_id`
# (0.8 s at 100,000 documents) but range-scans any other indexed field (2 ms), so pages are cut on it.
PAGE_KEY = "_key"

_clients: dict[str, pymongo.MongoClient] = {}
_clients_lock = threading.Lock()


def mongo_client(uri: str | None = None) -> pymongo.MongoClient:
    uri = uri or settings().mongo_uri
    with _clients_lock:
        client = _clients.get(uri)
        if client is None:
            client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000,
                                         tz_aware=True, uuidRepresentation="standard")
            _clients[uri] = client
        return client


def database(service: str, uri: str | None = None):
    return mongo_client(uri)[settings().database_name(service)]


def close_clients() -> None:
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


@dataclass(frozen=True)
class Index:
    collection: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False

    @property
    def name(self) -> str:
        return "ix_" + "_".join(f"{k}{'' if d == 1 else '_desc'}" for k, d in self.keys)


def ensure_indexes(db, indexes: Iterable[Index]) -> None:
    for index in indexes:
        db[index.collection].create_index(list(index.keys), unique=index.unique, name=index.name)


def outbox_indexes(*collections: str) -> list[Index]:
    return [Index(c, ((OUTBOX_PENDING, 1),)) for c in collections]


def page_key_indexes(*collections: str) -> list[Index]:
    """Every aggregate collection's page key index (see PAGE_KEY)."""
    return [Index(c, ((PAGE_KEY, 1),)) for c in collections]


def backfill_page_keys(db, indexes: Iterable[Index]) -> int:
    """Give documents written before page keys existed their key; idempotent, run by `shegong migrate`."""
    filled = 0
    for collection in sorted({i.collection for i in indexes if i.keys == ((PAGE_KEY, 1),)}):
        missing = [d["_id"] for d in db[collection].find({PAGE_KEY: {"$exists": False}}, {"_id": 1})]
        for start in range(0, len(missing), 1000):
            db[collection].bulk_write([pymongo.UpdateOne({"_id": i}, {"$set": {PAGE_KEY: i}})
                                       for i in missing[start:start + 1000]])
        filled += len(missing)
    return filled


def compound_key_indexes(*keys: CompoundKey) -> list[Index]:
    """The single-field index each compound key is read through."""
    return [Index(key.collection, ((key.name, 1),)) for key in keys]


def all_of(*conditions: dict | None) -> dict:
    """One filter meaning every condition. Merged into a single document where the fields allow, because
    nx-27017 plans `$and` badly (a range with an `$in` under `$and`: 1.3 s at 100,000 documents; the same
    two conditions side by side: 3 ms); on MongoDB both forms are the same query."""
    present = [c for c in conditions if c]
    merged: dict = {}
    for condition in present:
        for field, wanted in condition.items():
            if field not in merged:
                merged[field] = wanted
            elif _operators(merged[field]) and _operators(wanted) and not set(merged[field]) & set(wanted):
                merged[field] = {**merged[field], **wanted}
            else:
                return {"$and": present}
    return merged


def scope_filter(scope, region_field: str = "region_code", station_field: str = "station_id") -> dict:
    """The store's query for a `Scope` (services/common/scope.py): one condition per field, never `$and` of
    ranges (the document store scans once instead of once per condition), prefix ranges, never `$regex`
    (the region may come from a client)."""
    if scope.empty:
        return {station_field: {"$in": []}}
    conditions: dict = {}
    if scope.station_ids is not None:
        conditions[station_field] = {"$in": list(scope.station_ids)}
    if scope.region_prefix is not None:
        conditions[region_field] = prefix_range(scope.region_prefix)
    return conditions


def _operators(value) -> bool:
    return isinstance(value, dict) and bool(value) and all(str(k).startswith("$") for k in value)


@dataclass(frozen=True)
class Page:
    docs: list[dict]
    next_cursor: str | None
    total: int


def _outbox_fields(events: Iterable[Envelope], version: int) -> dict:
    fields: dict[str, object] = {}
    for position, event in enumerate(events):
        fields[f"{OUTBOX}.{event.id}"] = {"order": version * 1000 + position, "envelope": event.to_dict()}
    if fields:
        fields[OUTBOX_PENDING] = True
        fields[OUTBOX_LEASE] = 0
        # a relay holding this document's claim must not clear the outbox wholesale: the claim it
        # clears by is gone, so it removes only the events it published (outbox._remove_published)
        fields[OUTBOX_CLAIM] = None
    return fields


_BOOKKEEPING = (OUTBOX, OUTBOX_PENDING, OUTBOX_LEASE, OUTBOX_CLAIM, PAGE_KEY, REQUEST_KEYS)


@overload
def public(doc: dict) -> dict: ...
@overload
def public(doc: None) -> None: ...
def public(doc: dict | None) -> dict | None:
    """The aggregate without its bookkeeping (outbox, lease, page key, request keys)."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k not in _BOOKKEEPING and not k.startswith(COMPOUND_KEY_PREFIX)}


def aggregate_document(doc: dict, events: Iterable[Envelope] = ()) -> dict:
    """The stored shape of a new aggregate: version 1, page key, timestamps, its events pending."""
    now = _as_stored(clock.utcnow())
    outbox = {event.id: {"order": 1000 + position, "envelope": event.to_dict()}
              for position, event in enumerate(events)}
    return {**doc, VERSION: 1, PAGE_KEY: doc["_id"], "_created_at": now, "_updated_at": now,
            OUTBOX: outbox, OUTBOX_PENDING: bool(outbox), OUTBOX_LEASE: 0}


def _as_stored(moment):
    """`moment` at the store's precision (BSON dates keep milliseconds), so the document an insert returns
    equals the one a later read, or the rerun of the same request, returns."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# The request being served by this worker (threading.local is per green thread under eventlet).
_request = threading.local()


@contextlib.contextmanager
def serving_request(idempotency_key: str | None):
    """Writes made inside carry `idempotency_key` (the n-th write of the request gets `key#n`, so a
    request that writes one aggregate twice is not mistaken for its own rerun)."""
    _request.key, _request.writes = idempotency_key, 0
    try:
        yield
    finally:
        _request.key = None


def writes_made() -> int:
    """Keyed writes the current request has made so far."""
    return getattr(_request, "writes", 0) if getattr(_request, "key", None) else 0


REQUEST_RESULTS = "_request_results"
# When the reply was remembered; indexed so the retention purge is a range scan, not a collection scan.
REMEMBERED_AT = "at"
REQUEST_RESULT_INDEXES = [Index(REQUEST_RESULTS, ((REMEMBERED_AT, 1),))]


def remember_result(service: str, idempotency_key: str, result) -> None:
    """The reply a command gave, so its rerun (which finds its effects already applied, and may
    then be refused by a rule such as "already a member") answers the same."""
    database(service)[REQUEST_RESULTS].replace_one(
        {"_id": idempotency_key},
        {"_id": idempotency_key, "result": kombu_json.dumps(result), REMEMBERED_AT: clock.utcnow()}, upsert=True)


def purge_request_results(db, retention: timedelta) -> int:
    """Forget replies older than `retention`; a retry after that is a new command. Returns how many went.

    A timer-driven delete rather than a TTL index: the retention is a setting that can change
    between restarts without rebuilding an index, and the purge is the same on every store."""
    return db[REQUEST_RESULTS].delete_many({REMEMBERED_AT: {"$lt": clock.utcnow() - retention}}).deleted_count


def first_result(service: str, idempotency_key: str):
    doc = database(service)[REQUEST_RESULTS].find_one({"_id": idempotency_key})
    return (True, kombu_json.loads(doc["result"])) if doc else (False, None)


def _next_write_key() -> str | None:
    key = getattr(_request, "key", None)
    if key is None:
        return None
    _request.writes += 1
    return f"{key}#{_request.writes}"


# An `$in` of at most this many values on a one-valued field is asked as one equality per value.
SPLIT_IN_AT_MOST = 16


class AggregateStore:
    """One collection of aggregates with optimistic concurrency and a transactional outbox.

    `one_valued` names fields holding one scalar per document (a station id), each with an index of its own:
    a count or page whose filter has an `$in` on one of them is asked as one indexed equality per value,
    because nx-27017 reads every document for `station_id $in [a, b]` (0.7 s at 100,000 documents) and
    answers `station_id = a` from the index (25 ms). For a one-valued field the results are the same (an
    array field could match two values, so it must not be named)."""

    def __init__(self, db, collection: str, label: str, one_valued: Iterable[str] = (),
                 compound_keys: Iterable[CompoundKey] = ()):
        self.collection = db[collection]
        self.label = label  # "station", "household"...: used in error messages
        self.one_valued = tuple(one_valued)
        # Written with every write and used by count and page (see CompoundKey); declare their indexes.
        self.compound_keys = tuple(compound_keys)

    def _with_keys(self, doc: dict) -> dict:
        return {**doc, **{key.name: key.value(doc) for key in self.compound_keys}} if self.compound_keys else doc

    def _key_changes(self, doc_id: str, expected_version: int, changes: dict, unset: Iterable[str]) -> dict:
        """The compound keys an update changes, from the changes and the fields of the version it replaces."""
        touched = [k for k in self.compound_keys if set(k.fields) & {*changes, *unset}]
        if not touched:
            return {}
        needed = {f for k in touched for f in k.fields} - set(changes)
        current = self.collection.find_one({"_id": doc_id, VERSION: expected_version},
                                           {f: 1 for f in needed}) if needed else {}
        if current is None:  # another version: the update below matches nothing and says why
            return {}
        after = {**current, **changes, **{name: None for name in unset}}
        return {k.name: k.value(after) for k in touched}

    def _keyed(self, filter: dict) -> dict:
        for key in self.compound_keys:
            rewritten = key.rewrite(filter)
            if rewritten is not None:
                return rewritten
        return filter

    def insert(self, doc: dict, events: Iterable[Envelope] = (), duplicate_message: str | None = None) -> dict:
        stored = self._with_keys(aggregate_document(doc, events))
        request_key = _next_write_key()
        if request_key:
            stored[REQUEST_KEYS] = [request_key]
        try:
            self.collection.insert_one(stored)
        except DuplicateKeyError:
            # A rerun of the request that created it collides with its own first result.
            first = self.collection.find_one({REQUEST_KEYS: request_key}) if request_key else None
            if first is not None:
                return public(first)
            raise Conflict(duplicate_message or f"{self.label} {doc.get('_id')} already exists") from None
        _notify_relay()
        return public(stored)

    def insert_many(self, docs: list[dict]) -> set[str]:
        """Insert documents made by `aggregate_document` in one round trip; return the ids that
        already existed (the others are written)."""
        if not docs:
            return set()
        docs = [self._with_keys(d) for d in docs]
        try:
            self.collection.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            duplicates = set()
            for error in exc.details["writeErrors"]:
                if error["code"] != 11000:
                    raise
                duplicates.add(docs[error["index"]]["_id"])
            return duplicates
        finally:
            _notify_relay()
        return set()

    def update(self, doc_id: str, expected_version: int, changes: dict, events: Iterable[Envelope] = (),
               unset: Iterable[str] = ()) -> int:
        """Apply `changes` if nobody changed the document since `expected_version`; return the new version."""
        new_version = expected_version + 1
        set_fields = {**changes, **self._key_changes(doc_id, expected_version, changes, unset)}
        set_fields[VERSION] = new_version
        set_fields["_updated_at"] = _as_stored(clock.utcnow())
        set_fields.update(_outbox_fields(events, new_version))
        update = {"$set": set_fields}
        if unset:
            update["$unset"] = {name: "" for name in unset}
        request_key = _next_write_key()
        if request_key:
            # A rerun of this request read the state its first run wrote: the change is there, once.
            # (A filter `key $ne` would do it in the write, but nx-27017's $ne misses absent fields;
            # the version in the filter below keeps check and write atomic all the same.)
            applied = self._applied(doc_id, request_key)
            if applied is not None:
                return applied
            update["$push"] = {REQUEST_KEYS: {"$each": [request_key], "$slice": -RECENT_REQUEST_KEYS}}
        result = self.collection.update_one({"_id": doc_id, VERSION: expected_version}, update)
        if result.matched_count == 0:
            applied = self._applied(doc_id, request_key) if request_key else None
            if applied is not None:  # the first run of this request won the race with its rerun
                return applied
            if self.collection.count_documents({"_id": doc_id}, limit=1) == 0:
                raise NotFound(f"unknown {self.label} {doc_id}", {"id": [f"no {self.label} with this id"]})
            raise ConcurrentModification(
                f"{self.label} {doc_id} was changed by someone else (expected version {expected_version}); "
                "read it again and retry")
        _notify_relay()
        return new_version

    def _applied(self, doc_id: str, request_key: str) -> int | None:
        """The aggregate's version if the write with `request_key` is in it already."""
        doc = self.collection.find_one({"_id": doc_id, REQUEST_KEYS: request_key}, {VERSION: 1})
        return None if doc is None else doc[VERSION]

    def get(self, doc_id: str) -> dict | None:
        return public(self.collection.find_one({"_id": doc_id}, {OUTBOX: 0}))

    def require(self, doc_id: str) -> dict:
        doc = self.get(doc_id)
        if doc is None:
            raise NotFound(f"unknown {self.label} {doc_id}", {"id": [f"no {self.label} with this id"]})
        return doc

    def count(self, filter: dict) -> int:
        """Matching documents, counted by the store. A `$count` stage, not `count_documents`: pymongo
        sends that as a `$group`, which nx-27017 evaluates document by document (1.7 s for 100,000)
        where it answers `$count` from its index (6 ms); on MongoDB both are index scans."""
        split = self._split_in(filter)
        if split is not None:
            return sum(self.count(one) for one in split)
        counted = list(self.collection.aggregate([{"$match": self._keyed(filter)}, {"$count": "n"}]))
        return int(counted[0]["n"]) if counted else 0

    def page(self, filter: dict, after: str | None, limit: int) -> Page:
        """One page in id order, cut on the page key, so the last page costs what the first does."""
        docs = self.page_documents(filter, after, limit)
        next_cursor = docs[limit - 1]["_id"] if len(docs) > limit else None
        return Page(docs[:limit], next_cursor, self.count(filter))

    def page_documents(self, filter: dict, after: str | None, limit: int) -> list[dict]:
        """The page's documents and the one after it (which says more follow), without the count."""
        cut = {PAGE_KEY: {"$gt": after}} if after else None
        split = self._split_in(filter)
        if split is None:
            docs = self.find(all_of(self._keyed(filter), cut), sort=[(PAGE_KEY, 1)], limit=limit + 1)
        else:  # the first limit + 1 of each value's page, merged in page-key (= id) order
            docs = sorted((d for one in split for d in self.find(all_of(self._keyed(one), cut), sort=[(PAGE_KEY, 1)],
                                                                  limit=limit + 1)),
                          key=lambda d: d["_id"])[:limit + 1]
        return docs

    def _split_in(self, filter: dict) -> list[dict] | None:
        """`filter` as one filter per value of its `$in` on a one-valued field, or None to ask it whole."""
        for field in self.one_valued:
            wanted = filter.get(field)
            if isinstance(wanted, dict) and list(wanted) == ["$in"] and len(wanted["$in"]) <= SPLIT_IN_AT_MOST \
                    and all(isinstance(v, str) for v in wanted["$in"]):
                return [{**filter, field: value} for value in dict.fromkeys(wanted["$in"])]
        return None

    def find(self, filter: dict, sort=None, limit: int = 0, skip: int = 0) -> list[dict]:
        cursor = self.collection.find(filter, {OUTBOX: 0})
        if sort:
            cursor = cursor.sort(sort)
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [public(d) for d in cursor]


T = TypeVar("T")

# Enough for dozens of writers on one hot aggregate; a bound, so a livelock still surfaces as CONFLICT.
COMMUTING_ATTEMPTS = 12


def retry_commuting(change: Callable[[], T], attempts: int | None = None) -> T:
    """Run `change` (read the aggregate, decide, write with its version) again when another writer
    got in between.

    Only for changes that commute with any concurrent one (adding a staff member, recording a
    training): the rerun reads the new state and checks every rule again, so nothing the other
    writer did is lost or bypassed, and the caller is not refused for a race it could not see.
    """
    attempts = attempts or COMMUTING_ATTEMPTS
    for attempt in range(attempts):
        try:
            return change()
        except ConcurrentModification:
            if attempt == attempts - 1:
                raise
            # Jittered, growing pause: the writers that collided do not collide again in lockstep.
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** attempt)))
    raise AssertionError("unreachable")


_relay_wakers: list = []


def on_write(callback) -> None:
    """The in-process outbox relay registers here to be woken as soon as an event is stored."""
    _relay_wakers.append(callback)


def _notify_relay() -> None:
    for wake in list(_relay_wakers):
        wake()



class ServiceDatabase(DependencyProvider):
    """Injects the service's own database and creates its declared indexes at start-up."""

    def __init__(self, service: str, indexes: Iterable[Index] = ()):
        self.service = service
        self.indexes = list(indexes)

    def setup(self):
        ensure_indexes(database(self.service), [*self.indexes, *REQUEST_RESULT_INDEXES])

    def get_dependency(self, worker_ctx):
        return database(self.service)

    def worker_setup(self, worker_ctx):
        # Only RPC commands carry a key of their own; event handlers have the inbox, and the key a
        # request passed on in context data must not make two events look like one rerun.
        key = worker_ctx.context_data.get(IDEMPOTENCY_KEY) if getattr(
            worker_ctx.entrypoint, "carries_idempotency_keys", False) else None
        self._serving = getattr(self, "_serving", {})
        self._serving[worker_ctx] = cm = serving_request(key)
        cm.__enter__()

    def worker_teardown(self, worker_ctx):
        cm = getattr(self, "_serving", {}).pop(worker_ctx, None)
        if cm is not None:
            cm.__exit__(None, None, None)
