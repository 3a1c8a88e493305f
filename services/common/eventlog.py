"""The event history: every event a service publishes, kept in order, hash-chained, replayable.

Each service's database holds an append-only `event_log`. The outbox relay appends a batch of
envelopes (`record_batch`) BEFORE it publishes them, so an event that went out is always in the log;
a crash between append and publish re-appends nothing (entries are idempotent by event id) and
publishes again (consumers are idempotent). Entries:

    {_id: sequence (1, 2, 3 …, no gaps), event_id, type, occurred_at, recorded_at,
     aggregate_type, aggregate_id, region_code, station_ids,          ← queryable copies
     content, digest, prev_hash, hash}

`content` is the RFC 8785 canonical JSON of {sequence, recorded_at, envelope, aggregate, scope}, stored as the
exact text that was hashed: the store cannot change a boolean into 1 or a string into bytes behind
the chain's back. `digest = sha256(content)`, `hash = sha256(prev_hash ‖ digest)` (raw 32-byte
values), the first entry's `prev_hash` is 64 zeros (or an archive anchor, see `ANCHOR`).
Publishing the head (sequence, hash) lets anyone holding an earlier head check that the log was
only appended to (`verify(db, from_sequence=…, from_hash=…)`), and the digests alone, which carry
no personal data, are enough to recompute the chain from an earlier head to the current one.

One writer per service at a time: the head document (`event_log_head`) carries a lease that an
appender takes with find_one_and_update and gives back with the new head in the same write.
Sequence numbers come from the head, never from counting (nx-27017 scans on counts and on `_id`
ranges); reads by position ask for explicit `_id`s, which every store serves from its primary index.

Replay (see docs/architecture.md for why an RPC and not a RabbitMQ stream): every service mixes in
`EventLogEndpoints` (`events_since`, `event_log_head`, `aggregate_history`); a consumer keeps a
`Projection` whose state and positions per producer are one document, caught up from the log at
start and then fed live events, deduplicated by (producer, sequence).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import eventlet
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from . import clock, history, storage
from .auth import ADMIN, Viewer
from .chain import canonical, chain_hash, digest_of, entry_problem
from .errors import Conflict, PermissionDenied, ValidationFailed
from .rpc import rpc

log = logging.getLogger(__name__)

LOG = "event_log"
HEAD = "event_log_head"
HEAD_ID = "head"
# An archived segment's last (sequence, hash): the first entry kept in the store chains to it.
ANCHOR = "anchor"
GENESIS_HASH = "0" * 64
LEASE_SECONDS = 10.0
LEASE_WAIT_SECONDS = 5.0
MAX_PAGE = 500
# The header that carries an event's position in its producer's log. nameko turns every message
# header into worker context data, so a consumer reads it as `context_data[SEQUENCE_HEADER]`.
SEQUENCE_HEADER = "shegong.sequence"
# Fields the relay reads from each aggregate beside its outbox, to scope the history.
SCOPE_PROJECTION = {"region_code": 1, "township_code": 1, "station_id": 1, "station_ids": 1}
# The stations collection is keyed by the station id itself.
STATION_COLLECTIONS = ("stations",)

INDEXES = [
    storage.Index(LOG, (("event_id", 1),), unique=True),
    storage.Index(LOG, (("aggregate_id", 1),)),
]

WRITER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class EventLogBusy(Exception):
    """Another writer holds the log's lease; the batch stays in the outbox and is retried."""


class EventLogCorrupt(Exception):
    """The stored log does not follow from its own head (a fork or an edit); appending stops."""


# --- the chain (its arithmetic: chain.py) ------------------------------------------------------------
def _content(text: str) -> dict:
    return json.loads(text)


def scope_of(collection: str, doc: Mapping) -> dict:
    """Where an aggregate belongs, for scoping its history: its region and its stations."""
    if collection in STATION_COLLECTIONS:
        station_ids = [doc["_id"]]
    elif doc.get("station_ids"):
        station_ids = list(doc["station_ids"])
    elif doc.get("station_id"):
        station_ids = [doc["station_id"]]
    else:
        station_ids = []
    return {"region_code": doc.get("region_code") or doc.get("township_code"), "station_ids": station_ids}


@dataclass(frozen=True)
class Pending:
    """One envelope on its way into the log, with the aggregate it came from."""
    envelope: dict
    aggregate_type: str
    aggregate_id: str
    scope: dict


def pending_from_outbox(collection: str, docs: Iterable[Mapping]) -> list[Pending]:
    """The claimed aggregates' outbox entries, in the order the relay publishes them."""
    batch = []
    for doc in docs:
        scope = scope_of(collection, doc)
        for _, entry in sorted((doc.get(storage.OUTBOX) or {}).items(), key=lambda item: item[1]["order"]):
            batch.append(Pending(entry["envelope"], collection, str(doc["_id"]), scope))
    return batch


def _entry(sequence: int, prev_hash: str, item: Pending) -> dict:
    aggregate = {"type": item.aggregate_type, "id": item.aggregate_id}
    recorded_at = clock.timestamp(clock.utcnow())
    content = canonical({"sequence": sequence, "recorded_at": recorded_at, "envelope": item.envelope,
                         "aggregate": aggregate, "scope": item.scope})
    digest = digest_of(content)
    return {"_id": sequence, "event_id": item.envelope["id"], "type": item.envelope["type"],
            "occurred_at": item.envelope["occurred_at"], "recorded_at": recorded_at,
            "aggregate_type": item.aggregate_type, "aggregate_id": item.aggregate_id,
            "region_code": item.scope.get("region_code"), "station_ids": list(item.scope.get("station_ids") or []),
            "content": content, "digest": digest, "prev_hash": prev_hash, "hash": chain_hash(prev_hash, digest)}


def _chain(head: dict, batch: list[Pending], logged: dict[str, int]) -> tuple[list[dict], dict[str, int]]:
    """New entries for the envelopes not in `logged`, chained onto `head`; and event id → sequence."""
    sequence, prev_hash = head["sequence"], head["hash"]
    assigned, entries = dict(logged), []
    for item in batch:
        event_id = item.envelope["id"]
        if event_id in assigned:
            continue
        sequence += 1
        entry = _entry(sequence, prev_hash, item)
        prev_hash = entry["hash"]
        entries.append(entry)
        assigned[event_id] = sequence
    return entries, assigned


class EventLog:
    """One service's log in its own database."""

    def __init__(self, db, writer: str = WRITER_ID):
        self.db = db
        self.entries = db[LOG]
        self.heads = db[HEAD]
        self.writer = writer

    # --- appending ----------------------------------------------------------------------------
    def append(self, batch: list[Pending]) -> dict[str, int]:
        """Append the envelopes not logged yet; return event id → sequence for the whole batch."""
        if not batch:
            return {}
        head = self._take_lease()
        released = False
        try:
            entries, assigned = _chain(head, batch, logged={})
            try:
                self.entries.insert_many(entries, ordered=True)
            except (BulkWriteError, DuplicateKeyError):
                # Either some of these events are logged already (a relay died between appending and
                # clearing its outbox) or entries lie past the head (a writer died before moving it).
                # The unique indexes refused the duplicates; adopt what is there and append the rest.
                head = self._roll_forward(head)
                ids = [item.envelope["id"] for item in batch]
                logged = {d["event_id"]: d["_id"] for d in self.entries.find({"event_id": {"$in": ids}},
                                                                              {"event_id": 1})}
                entries, assigned = _chain(head, batch, logged)
                if entries:
                    self.entries.insert_many(entries, ordered=True)
            if entries:
                self._release(head["sequence"], entries[-1]["_id"], entries[-1]["hash"])
            else:
                self._release(head["sequence"], head["sequence"], head["hash"])
            released = True
            return assigned
        finally:
            if not released:
                self.heads.update_one({"_id": HEAD_ID, "writer": self.writer}, {"$set": {"lease_until": 0}})

    def _take_lease(self) -> dict:
        deadline = time.monotonic() + LEASE_WAIT_SECONDS
        while True:
            now = time.time()
            head = self.heads.find_one_and_update(
                {"_id": HEAD_ID, "lease_until": {"$lt": now}},
                {"$set": {"writer": self.writer, "lease_until": now + LEASE_SECONDS}},
                return_document=ReturnDocument.AFTER)
            if head is not None:
                return head
            if self.heads.find_one({"_id": HEAD_ID}, {"_id": 1}) is None:
                with contextlib.suppress(DuplicateKeyError):
                    self.heads.insert_one({"_id": HEAD_ID, "sequence": 0, "hash": self._anchor_hash(),
                                           "writer": None, "lease_until": 0})
                continue
            if time.monotonic() > deadline:
                raise EventLogBusy("another relay is writing this service's event log")
            eventlet.sleep(0.02)

    def _release(self, expected_sequence: int, sequence: int, hash_: str) -> None:
        moved = self.heads.update_one(
            {"_id": HEAD_ID, "writer": self.writer, "sequence": expected_sequence},
            {"$set": {"sequence": sequence, "hash": hash_, "lease_until": 0,
                      "updated_at": clock.timestamp(clock.utcnow())}})
        if moved.matched_count == 0:
            # Our lease ran out while we wrote and someone else appended: our entries were refused
            # by the unique sequence (no fork), but the head is theirs now.
            raise EventLogBusy("the event log lease expired during an append")

    def _roll_forward(self, head: dict, release: bool = False) -> dict:
        """Move the head over entries a writer appended but died before recording in the head."""
        sequence, hash_, window = head["sequence"], head["hash"], 100
        while True:
            following = {d["_id"]: d for d in self.entries.find(
                {"_id": {"$in": list(range(sequence + 1, sequence + 1 + window))}}, {"prev_hash": 1, "hash": 1})}
            steps = 0
            while sequence + 1 in following:
                entry = following[sequence + 1]
                if entry["prev_hash"] != hash_:
                    raise EventLogCorrupt(f"entry {sequence + 1} does not chain to entry {sequence}")
                sequence, hash_, steps = sequence + 1, entry["hash"], steps + 1
            if steps < window:
                break
        changes = {"sequence": sequence, "hash": hash_, "updated_at": clock.timestamp(clock.utcnow())}
        if release:
            changes["lease_until"] = 0
        self.heads.update_one({"_id": HEAD_ID, "writer": self.writer}, {"$set": changes})
        return {**head, "sequence": sequence, "hash": hash_}

    def _anchor_hash(self) -> str:
        anchor = self.heads.find_one({"_id": ANCHOR})
        return anchor["hash"] if anchor else GENESIS_HASH

    # --- reading ------------------------------------------------------------------------------
    def head(self) -> dict:
        doc = self.heads.find_one({"_id": HEAD_ID}) or {"sequence": 0, "hash": self._anchor_hash()}
        return {"sequence": doc["sequence"], "hash": doc["hash"], "updated_at": doc.get("updated_at")}

    def entries_after(self, position: int, limit: int) -> list[dict]:
        """Entries position+1 … position+limit, in order, by primary key (no range scan)."""
        wanted = list(range(position + 1, position + 1 + limit))
        found = {d["_id"]: d for d in self.entries.find({"_id": {"$in": wanted}})}
        ordered = []
        for sequence in wanted:  # stop at the first gap: entries beyond it are not committed yet
            if sequence not in found:
                break
            ordered.append(found[sequence])
        return ordered

    def for_aggregate(self, aggregate_id: str) -> list[dict]:
        return sorted(self.entries.find({"aggregate_id": aggregate_id}), key=lambda d: d["_id"])

    def archived_through(self) -> int:
        anchor = self.heads.find_one({"_id": ANCHOR})
        return anchor["sequence"] if anchor else 0

    # --- archiving ----------------------------------------------------------------------------
    def archive(self, through: int, out, service: str, page: int = 1000) -> dict:
        """Move entries after the current anchor up to `through` into a JSON-lines segment.

        The segment starts with a header naming its anchor (the hash it chains to) and its last
        hash, which becomes the store's new anchor: the next segment, and the entries kept in the
        store, chain to it, so every segment and the live log stay verifiable on their own and
        together. The segment is written and checked before anything is deleted.
        """
        start, prev_hash = self.archived_through(), self._anchor_hash()
        head = self.head()
        if not start < through <= head["sequence"]:
            raise ValidationFailed.field("through", f"must be after {start} and at most {head['sequence']}")
        lines, position, last_hash = [], start, prev_hash
        while position < through:
            entries = self.entries_after(position, min(page, through - position))
            if not entries:
                raise EventLogCorrupt(f"entry {position + 1} is missing; verify the log first")
            for entry in entries:
                problem = entry_problem(entry, last_hash)
                if problem:
                    raise EventLogCorrupt(f"entry {entry['_id']}: {problem}; verify the log first")
                last_hash, position = entry["hash"], entry["_id"]
                lines.append(json.dumps({k: entry[k] for k in SEGMENT_FIELDS}, ensure_ascii=False))
        header = {"segment": service, "anchor_sequence": start, "anchor_hash": prev_hash,
                  "last_sequence": through, "last_hash": last_hash}
        out.write(json.dumps(header) + "\n")
        for line in lines:
            out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())
        self.heads.replace_one({"_id": ANCHOR}, {"_id": ANCHOR, "sequence": through, "hash": last_hash,
                                                 "archived_at": clock.timestamp(clock.utcnow())}, upsert=True)
        for chunk_start in range(start + 1, through + 1, page):
            self.entries.delete_many({"_id": {"$in": list(range(chunk_start, min(chunk_start + page, through + 1)))}})
        return header

    # --- verifying ----------------------------------------------------------------------------
    def verify(self, from_sequence: int | None = None, from_hash: str | None = None, page: int = 1000) -> dict:
        """Recompute the chain; report the first entry that does not match.

        With `from_sequence`/`from_hash` (an earlier published head) also prove the log still
        holds that head and only grew after it. Returns {ok, checked, head, first_bad?: {sequence, reason}}.
        """
        head = self.head()
        anchor = self.heads.find_one({"_id": ANCHOR})
        start = anchor["sequence"] if anchor else 0
        prev_hash = anchor["hash"] if anchor else GENESIS_HASH
        if from_sequence is not None:
            if from_sequence > head["sequence"]:
                return _bad(0, head, from_sequence, f"the log's head is {head['sequence']}, behind the given head")
            if from_sequence > start:
                (entry,) = self.entries_after(from_sequence - 1, 1) or (None,)
                if entry is None:
                    return _bad(0, head, from_sequence, "the entry of the given head is missing")
                if entry.get("hash") != from_hash:
                    return _bad(0, head, from_sequence,
                                "the entry at the given head has another hash: history was rewritten")
                start, prev_hash = from_sequence, from_hash
            elif from_sequence == start and from_hash != prev_hash:
                return _bad(0, head, from_sequence, "the given head does not match the archive anchor")
            elif from_sequence < start:
                return _bad(0, head, from_sequence, f"the given head is archived (the store starts after {start}): "
                                                    "check the archive segments, then this log from its anchor")
        checked, position = 0, start
        while position < head["sequence"]:
            entries = self.entries_after(position, min(page, head["sequence"] - position))
            if not entries:
                return _bad(checked, head, position + 1, "entry missing")
            for entry in entries:
                problem = entry_problem(entry, prev_hash)
                if problem:
                    return _bad(checked, head, entry["_id"], problem)
                prev_hash, position = entry["hash"], entry["_id"]
                checked += 1
        if prev_hash != head["hash"]:
            return _bad(checked, head, head["sequence"], "the head's hash does not match the last entry")
        return {"ok": True, "checked": checked, "head": head}


SEGMENT_FIELDS = ("_id", "event_id", "type", "occurred_at", "recorded_at", "aggregate_type", "aggregate_id",
                  "region_code", "station_ids", "content", "digest", "prev_hash", "hash")


def verify_segment(lines: Iterable[str]) -> dict:
    """Check an archived segment on its own: every entry chains from the header's anchor to its last hash."""
    iterator = iter(lines)
    header = json.loads(next(iterator))
    prev_hash, position, checked = header["anchor_hash"], header["anchor_sequence"], 0
    head = {"sequence": header["last_sequence"], "hash": header["last_hash"]}
    for line in iterator:
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry["_id"] != position + 1:
            return _bad(checked, head, position + 1, "entry missing")
        problem = entry_problem(entry, prev_hash)
        if problem:
            return _bad(checked, head, entry["_id"], problem)
        prev_hash, position, checked = entry["hash"], entry["_id"], checked + 1
    if (position, prev_hash) != (header["last_sequence"], header["last_hash"]):
        return _bad(checked, head, position, "the segment does not end at its header's last hash")
    return {"ok": True, "checked": checked, "head": head, "anchor": {"sequence": header["anchor_sequence"],
                                                                      "hash": header["anchor_hash"]}}


def _bad(checked: int, head: dict, sequence: int, reason: str) -> dict:
    return {"ok": False, "checked": checked, "head": head, "first_bad": {"sequence": sequence, "reason": reason}}


# --- the relay's hook -----------------------------------------------------------------------------
def record_batch(db, collection: str, claimed_docs: Iterable[Mapping]) -> dict[str, int]:
    """Append the claimed aggregates' pending events to the log; event id → sequence.

    The relay calls this before publishing: whatever it then publishes is already in the history.
    """
    return EventLog(db).append(pending_from_outbox(collection, claimed_docs))


# --- history for people: scoped and masked in history.py -----------------------------------------------
def aggregate_history(db, viewer: Viewer, aggregate_type: str, aggregate_id: str, after: int | None = None,
                      limit: int = 50) -> dict:
    """The events that changed one aggregate, oldest first, within the viewer's scope (history.py)."""
    if viewer.is_public:
        raise PermissionDenied("history needs a signed-in user")
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed.field("limit", f"must be between 1 and {MAX_PAGE}")
    return history.page(EventLog(db).for_aggregate(aggregate_id), viewer, aggregate_type, aggregate_id, after, limit)


# --- the endpoints every service mixes in -------------------------------------------------------------
class EventLogEndpoints:
    """RPC over the service's own log: replay for consumers, public heads, scoped history.

    `events_since` is for other services (they pass the SYSTEM viewer); it returns whole envelopes,
    so people never reach it through the gateway.
    """

    name: str  # the nameko service's own

    @rpc
    def events_since(self, viewer, position, limit=200):
        if Viewer.from_dict(viewer).role != ADMIN:
            raise PermissionDenied("replaying the event log is for services")
        if not isinstance(position, int) or position < 0:
            raise ValidationFailed.field("position", "must be a non-negative integer")
        if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise ValidationFailed.field("limit", f"must be between 1 and {MAX_PAGE}")
        event_log = EventLog(storage.database(self.name))
        archived = event_log.archived_through()
        if position < archived:
            raise Conflict(f"{self.name}'s events up to {archived} are archived; rebuild from the archive segments "
                           f"(shegong events archive) and continue from {archived}",
                           {"position": [f"at least {archived}"]})
        items = [{"sequence": e["_id"], "envelope": _content(e["content"])["envelope"]}
                 for e in event_log.entries_after(position, limit)]
        return {"producer": self.name, "items": items, "head": event_log.head()["sequence"]}

    @rpc
    def event_log_head(self, viewer):
        """Public: the chain head anyone may keep to check later that history was only appended to."""
        return {"service": self.name, **EventLog(storage.database(self.name)).head()}

    @rpc
    def event_log_consistency(self, viewer, sequence, hash):
        """Public: does today's log still hold the given earlier head, with an intact chain after it?"""
        if not isinstance(sequence, int) or sequence < 0:
            raise ValidationFailed.field("sequence", "must be a non-negative integer")
        if not isinstance(hash, str) or not re.fullmatch(r"[0-9a-f]{64}", hash):
            raise ValidationFailed.field("hash", "must be 64 lowercase hexadecimal digits (SHA-256)")
        result = EventLog(storage.database(self.name)).verify(from_sequence=sequence, from_hash=hash)
        return {"service": self.name, "consistent": result["ok"], "head": result["head"],
                "reason": (result.get("first_bad") or {}).get("reason")}

    @rpc
    def aggregate_history(self, viewer, aggregate_type, aggregate_id, filters=None):
        filters = filters or {}
        after = filters.get("after")
        try:
            after = int(after) if after not in (None, "") else None
        except (TypeError, ValueError):
            raise ValidationFailed.field("after", "not a cursor from this list") from None
        return aggregate_history(storage.database(self.name), Viewer.from_dict(viewer), aggregate_type,
                                 aggregate_id, after, int(filters.get("limit") or 50))
