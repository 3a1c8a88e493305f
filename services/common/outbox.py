"""The outbox relay: publishes events stored inside aggregates, with publisher confirms.

Writers put events in the aggregate's `_outbox` in the same single-document write as the state
change (storage.AggregateStore). The relay claims a batch of documents with a short lease (so
several replicas do not publish the same events at once), publishes its events in order and waits for the
broker's confirms (one wait per batch), then removes exactly those events. A lease names the process holding it: a relay
that stops gives its leases back, and one that was killed on this host is recognised as gone
(instances.py), so its documents are taken over without waiting out the lease. If the process dies after publishing but
before removing, the events go out again after restart with the same ids; consumers are idempotent.

Before a batch is published it is appended to the service's event history (eventlog.py, one call:
`eventlog.record_batch`), so whatever went out is in the history; each message carries its
position in that history in the `shegong.sequence` header.
"""
from __future__ import annotations

import contextlib
import logging
import re
import socket
import time
import uuid
from dataclasses import dataclass
from typing import NamedTuple

import eventlet
from eventlet.event import Event
from kombu import Connection, Producer
from nameko.extensions import DependencyProvider
from pymongo import UpdateOne

from . import eventlog, instances, storage
from .broker import events_exchange
from .config import settings
from .observability import EVENTS_PUBLISHED
from .storage import OUTBOX, OUTBOX_CLAIM, OUTBOX_LEASE, OUTBOX_PENDING, VERSION

log = logging.getLogger(__name__)

LEASE_SECONDS = 30


class PublishRefused(Exception):
    """The broker nacked a publish (it could not take the message); the batch goes out again later."""


class EventPublisher:
    """Publishes envelopes to their producer's topic exchange under publisher confirms.

    `publish` sends; `wait_for_confirms` waits until the broker has confirmed everything sent, so a
    batch costs one wait instead of one per message. `confirm_each=True` waits after every message
    (the pipeline before issue 10, kept as the benchmark's baseline). `close` waits for what is in
    flight first, so a publisher closed on a healthy connection leaves nothing unconfirmed.
    """

    CONFIRM_TIMEOUT = 10.0

    def __init__(self, amqp_uri: str, confirm_each: bool = False):
        self.amqp_uri = amqp_uri
        self.confirm_each = confirm_each
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._declared: set[str] = set()
        self._sent = 0
        self._confirmed: Confirmations = Confirmations()
        self.unconfirmed = 0  # sent on the current (or last) connection and not confirmed

    def _ensure(self):
        if self._connection is None or not self._connection.connected:
            self.close()
            # confirms are requested on the channel here, not by kombu, which would wait after each publish
            self._connection = Connection(self.amqp_uri, heartbeat=15, connect_timeout=5)
            self._connection.ensure_connection(max_retries=3)
            channel = self._connection.channel()
            channel.confirm_select()
            self._sent = 0
            self._confirmed = Confirmations()
            channel.events["basic_ack"].add(self._confirmed.acked)
            channel.events["basic_nack"].add(self._confirmed.nacked)
            self._producer = Producer(channel)
            self._declared.clear()
        return self._producer

    def publish(self, envelope: dict, sequence: int | None = None) -> None:
        producer = self._ensure()
        exchange = events_exchange(envelope["producer"])
        if exchange.name not in self._declared:
            exchange.declare(channel=producer.channel)
            self._declared.add(exchange.name)
        producer.publish(
            envelope, exchange=exchange, routing_key=envelope["type"], serializer="json",
            delivery_mode=2, message_id=envelope["id"],
            headers={"nameko.correlation_id": envelope["correlation_id"],
                     "shegong.event_type": envelope["type"], "shegong.event_version": envelope["version"],
                     **({eventlog.SEQUENCE_HEADER: sequence} if sequence is not None else {})},
        )
        self._sent += 1
        self.unconfirmed = self._sent - self._confirmed.upto
        EVENTS_PUBLISHED.labels(event_type=envelope["type"]).inc()
        if self.confirm_each:
            self.wait_for_confirms()

    @contextlib.contextmanager
    def corked(self):
        """Publish a batch with the socket corked: the kernel sends full segments instead of one per message.

        Each publish is one small write; on loopback every write pays the whole TCP path and the broker's
        wake-up (the relay's largest CPU cost per event in bench_kernel). Uncorking sends the rest at once.
        A publisher that waits for each message's confirm stays uncorked: its message would sit in the
        kernel for the cork's 200 ms ceiling while it waits.
        """
        self._ensure()
        sock = getattr(getattr(getattr(self._connection, "connection", None), "transport", None), "sock", None)
        cork = getattr(socket, "TCP_CORK", None)
        if sock is None or cork is None or self.confirm_each:
            yield
            return
        sock.setsockopt(socket.IPPROTO_TCP, cork, 1)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):  # a socket that broke meanwhile has nothing left to send
                sock.setsockopt(socket.IPPROTO_TCP, cork, 0)

    def wait_for_confirms(self) -> None:
        """Return once the broker confirmed every message sent; raise if it refused one or went quiet."""
        if self._connection is None:
            return
        deadline = time.monotonic() + self.CONFIRM_TIMEOUT
        while self._confirmed.upto < self._sent and not self._confirmed.refused:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self._sent - self._confirmed.upto} publishes not confirmed in time")
            self._connection.drain_events(timeout=remaining)
        if self._confirmed.refused:
            self.unconfirmed = self._sent  # which ones were refused is not worth tracking: resend them all
            raise PublishRefused(f"the broker refused {self._confirmed.refused} publish(es)")
        self.unconfirmed = 0

    def close(self):
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a broken connection cannot confirm: those count as unconfirmed
                self.wait_for_confirms()
            with contextlib.suppress(Exception):  # closing a broken connection must not mask the original error
                self._connection.release()
        self._connection = None
        self._producer = None


class Confirmations:
    """The broker's confirms on one channel: the highest delivery tag up to which all are confirmed."""

    def __init__(self):
        self.upto = 0
        self.refused = 0
        self._single: set[int] = set()

    def acked(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self.upto = max(self.upto, delivery_tag)
        else:
            self._single.add(delivery_tag)
        while self.upto + 1 in self._single:
            self.upto += 1
            self._single.discard(self.upto)
        self._single = {tag for tag in self._single if tag > self.upto}

    def nacked(self, delivery_tag: int, multiple: bool) -> None:
        self.refused += 1
        self.acked(delivery_tag, multiple)


def relay_once(db, collections, publisher: EventPublisher, batch: int = 200, batches: int = 1) -> int:
    """Publish the pending events of up to `batches` x `batch` aggregates per collection; return how many went out.

    Round trips are per batch, not per aggregate: claim a batch with one lease token, append it to the
    history, publish its events in order, wait once for the broker to confirm them all, then clear them
    in one write. With `batches` > 1 the batches overlap: the next one is claimed and appended to the
    history (store work) while this one is published (the relay's own work) and confirmed, and it is
    published only once the broker confirmed this one (at most one published batch is ever unconfirmed).
    """
    sent = 0
    for name in collections:
        collection = db[name]
        in_flight: _Batch | None = None
        claimed: _Batch | None = None
        claiming = None
        try:
            claimed = _claim_batch(db, collection, batch, holding=None)
            for round_ in range(batches):
                if claimed is None:
                    break
                if in_flight is not None:
                    sent += _settle(collection, publisher, in_flight)
                    in_flight = None
                in_flight, claimed = claimed, None
                if round_ + 1 < batches:
                    claiming = eventlet.spawn(_claim_batch, db, collection, batch, in_flight)
                _publish(publisher, in_flight)
                if claiming is not None:
                    claimed, claiming = claiming.wait(), None
            if in_flight is not None:
                sent += _settle(collection, publisher, in_flight)
                in_flight = None
        except Exception:
            if claiming is not None:  # a batch being claimed meanwhile is given back with the rest
                with contextlib.suppress(Exception):
                    claimed = claiming.wait()
            _give_back(collection, publisher, in_flight, claimed)
            raise
        except BaseException:  # the relay's thread is killed: the claim under way stops with it (its lease ends)
            if claiming is not None:
                claiming.kill()
            raise
    return sent


class _Clear(NamedTuple):
    doc_id: object
    published: dict  # `$unset` of this document's events that went out
    published_upto: int  # this document's events are the batch's publishes up to this count


@dataclass
class _Batch:
    token: str
    candidates: list  # the ids claimed (and read back by their claim token)
    clears: list[_Clear]
    envelopes: list[tuple[dict, int | None]]  # in publishing order, with their positions in the history
    published: int = 0  # how many of them the publisher took


def _claim_batch(db, collection, batch: int, holding: _Batch | None) -> _Batch | None:
    """Claim up to `batch` pending documents and append their events to the history.

    The pending documents are read whole (outbox, version, scope) and claimed on the version read:
    every writer that adds events moves the version, so a document claimed at that version holds no
    event the relay has not seen, and the read needs no read-back (docs/benchmarks.md (b′)). Documents
    of a group whose claim did not match in full (a writer or another relay got in between), or with
    too many versions in the batch to claim each version in one write, are claimed as before and read
    back by their claim token.
    """
    now = time.time()
    free, orphaned = _claimable(collection, now, batch, held=set(holding.candidates) if holding else set())
    if not free and not orphaned:
        return None
    token = f"{instances.current()}/{uuid.uuid4().hex}"
    claim = {"$set": {OUTBOX_LEASE: now + LEASE_SECONDS, OUTBOX_CLAIM: token}}
    # each group: who may hold a document now (nobody, or a relay that is gone) and the documents read
    groups: list[tuple[dict, list[dict]]] = [({OUTBOX_LEASE: {"$lt": now}}, free)] if free else []
    groups += [({OUTBOX_CLAIM: dead_token}, held) for dead_token, held in orphaned.items()]
    candidates = [doc["_id"] for _, held in groups for doc in held]
    docs: list[dict] = []
    unsure: list = []
    try:
        for holder, held in groups:
            by_version, unversioned = _by_version(held)
            for version, same in by_version.items():
                ids = [doc["_id"] for doc in same]
                unchanged = {"_id": {"$in": ids}, VERSION: version, OUTBOX_PENDING: True, **holder}
                claimed = collection.update_many(unchanged, claim)
                if claimed.matched_count == len(ids):
                    docs.extend(same)
                else:
                    unsure.extend(ids)
            if unversioned:
                ids = [doc["_id"] for doc in unversioned]
                collection.update_many({"_id": {"$in": ids}, **holder}, claim)
                unsure.extend(ids)
        if unsure:
            # read back through the ids (the claim token is not indexed: nx-27017 would read every document)
            docs.extend(collection.find({"_id": {"$in": unsure}, OUTBOX_CLAIM: token}, _CONTENT)
                        .batch_size(len(unsure)))
        sequences = eventlog.record_batch(db, collection.name, docs)  # the history first, then the broker
    except Exception:
        with contextlib.suppress(Exception):  # the store may be what failed; the lease then ends by time
            _release_claim(collection, candidates, token)
        raise
    clears: list[_Clear] = []
    envelopes: list[tuple[dict, int | None]] = []
    for doc in docs:
        entries = sorted((doc.get(OUTBOX) or {}).items(), key=lambda item: item[1]["order"])
        envelopes.extend((entry["envelope"], sequences.get(event_id)) for event_id, entry in entries)
        clears.append(_Clear(doc["_id"], {f"{OUTBOX}.{event_id}": "" for event_id, _ in entries}, len(envelopes)))
    return _Batch(token, candidates, clears, envelopes)


# What the relay reads of a pending document: its outbox, its version (to claim it on), its scope (history).
_CONTENT = {OUTBOX: 1, VERSION: 1, OUTBOX_LEASE: 1, OUTBOX_CLAIM: 1, **eventlog.SCOPE_PROJECTION}
# Versions claimed one write each per batch; the documents beyond are claimed together and read back.
VERSION_GROUPS = 8


def _by_version(docs: list[dict]) -> tuple[dict[int, list[dict]], list[dict]]:
    """The documents by version (the most common versions, at most VERSION_GROUPS), and the rest."""
    by_version: dict[int, list[dict]] = {}
    for doc in docs:
        if isinstance(doc.get(VERSION), int):
            by_version.setdefault(doc[VERSION], []).append(doc)
    kept = dict(sorted(by_version.items(), key=lambda item: -len(item[1]))[:VERSION_GROUPS])
    return kept, [doc for doc in docs if doc.get(VERSION) not in kept]


# Publishing never blocks on a corked socket; every so many messages it lets the next batch's claim (and
# any consumer in the same process) take its turn, so the store works while the relay publishes.
YIELD_EVERY = 100


def _publish(publisher, claimed: _Batch) -> None:
    corked = getattr(publisher, "corked", contextlib.nullcontext)  # a recording test double has no socket
    with corked():
        for envelope, sequence in claimed.envelopes:
            publisher.publish(envelope, sequence)
            claimed.published += 1
            if claimed.published % YIELD_EVERY == 0:
                eventlet.sleep(0)


def _settle(collection, publisher, published: _Batch) -> int:
    """One wait for the whole batch's confirms, then its events leave the outbox."""
    _wait_for_confirms(publisher)
    _remove_published(collection, published.token, published.clears)
    return len(published.envelopes)


def _give_back(collection, publisher, in_flight: _Batch | None, claimed: _Batch | None) -> None:
    """After a failure keep what the broker confirmed and free the rest at once, so the next pass, here
    or in another relay, does not wait out the lease. A batch claimed but not published yet goes back
    whole (its history entries stay: appending them again is a no-op by event id)."""
    if in_flight is not None:
        confirmed = in_flight.published - getattr(publisher, "unconfirmed", 0)
        _remove_published(collection, in_flight.token,
                          [clear for clear in in_flight.clears if clear.published_upto <= confirmed])
    for held in (in_flight, claimed):
        if held is not None:
            _release_claim(collection, held.candidates, held.token)


def _release_claim(collection, candidates: list, token: str) -> None:
    collection.update_many({"_id": {"$in": candidates}, OUTBOX_CLAIM: token}, {"$set": {OUTBOX_LEASE: 0}})


def _remove_published(collection, token: str, clears: list[_Clear]) -> None:
    """Empty the outbox of the documents still under this claim; the others keep their new events.

    A writer that adds events to a claimed document drops its claim token in the same write (storage),
    so the documents still holding the token have nothing but what was published: one multi-document
    update through the primary key clears them (about 3x cheaper per document on nx-27017 than one
    update by key each). Only when a writer did add events (rare) do the published events of the
    other documents go one by one.
    """
    if not clears:
        return
    cleared = collection.update_many(
        {"_id": {"$in": [clear.doc_id for clear in clears]}, OUTBOX_CLAIM: token},
        {"$set": {OUTBOX: {}, OUTBOX_PENDING: False, OUTBOX_LEASE: 0, OUTBOX_CLAIM: None}})
    if cleared.matched_count < len(clears):
        # removing what is already gone is harmless for the documents cleared above
        collection.bulk_write([UpdateOne({"_id": clear.doc_id}, {"$set": {OUTBOX_LEASE: 0}, **_unset(clear.published)})
                               for clear in clears], ordered=False)


def _wait_for_confirms(publisher) -> None:
    # a publisher without confirms (a recording test double) has confirmed whatever it accepted
    wait = getattr(publisher, "wait_for_confirms", None)
    if wait is not None:
        wait()


def _claimable(collection, now: float, batch: int, held: set | None = None) -> tuple[list[dict], dict[str, list[dict]]]:
    """Up to `batch` pending documents nobody holds, read whole: unleased ones, and ones leased by a relay
    that is gone.

    Leased documents are skipped rather than counted, so a relay that died holding the first pending
    documents does not stall the others. Only the pending flag goes to the store: nx-27017 serves it
    from the index (2 ms at 100,000 documents) but scans for the lease range too (290 ms). The documents
    this relay holds itself (`held`, its batch in flight, still pending until its confirms arrive) are
    left out by the store (`_id $nin`), so the read, limited to the batch, returns no document it would
    skip: nx-27017 reads every matching document for an unlimited cursor, whatever its batch size. Only
    when other holders' documents fill that read does the relay look further.
    """
    held = held or set()
    query = {OUTBOX_PENDING: True, **({"_id": {"$nin": list(held)}} if held else {})}
    free, orphaned, seen = _sort_pending(
        collection.find(query, _CONTENT).limit(batch).batch_size(batch), now, batch, held)
    if seen < batch or len(free) + sum(map(len, orphaned.values())) >= batch:
        return free, orphaned
    pending = collection.find(query, _CONTENT).batch_size(batch)
    free, orphaned, _ = _sort_pending(pending, now, batch, held)
    pending.close()
    return free, orphaned


def _sort_pending(pending, now: float, batch: int, held: set) -> tuple[list[dict], dict[str, list[dict]], int]:
    free: list[dict] = []
    orphaned: dict[str, list[dict]] = {}
    found = seen = 0
    for doc in pending:
        seen += 1
        if doc["_id"] in held:
            continue
        if (doc.get(OUTBOX_LEASE) or 0) < now:
            free.append(doc)
        elif instances.is_gone(_claim_holder(doc.get(OUTBOX_CLAIM))):
            orphaned.setdefault(doc[OUTBOX_CLAIM], []).append(doc)
        else:
            continue
        found += 1
        if found >= batch:
            break
    return free, orphaned, seen


def _claim_holder(token: str | None) -> str | None:
    return token.split("/", 1)[0] if token and "/" in token else None


def release_leases(db, collections) -> None:
    """Give back the leases this process holds, so a stopping relay's work is picked up at once."""
    mine = {"$regex": f"^{re.escape(instances.current())}/"}
    for name in collections:
        db[name].update_many({OUTBOX_PENDING: True, OUTBOX_CLAIM: mine}, {"$set": {OUTBOX_LEASE: 0}})


def _unset(fields: dict) -> dict:
    return {"$unset": fields} if fields else {}


class OutboxRelay(DependencyProvider):
    """Runs the relay inside a service container; stops only after the batch in hand is published."""

    def __init__(self, service: str, collections: list[str], idle_seconds: float = 0.2, confirm_each: bool = False,
                 batch: int = 200, batches: int = 8):
        self.service = service
        self.batch = batch
        self.batches = batches
        self.confirm_each = confirm_each
        self.collections = collections
        self.idle_seconds = idle_seconds

    def setup(self):
        self._running = False
        self._wake = Event()
        storage.ensure_indexes(storage.database(self.service), eventlog.INDEXES)
        storage.on_write(self.wake)

    def wake(self):
        if not self._wake.ready():
            self._wake.send(True)

    def start(self):
        self._running = True
        self._publisher = EventPublisher(settings().amqp_uri, confirm_each=self.confirm_each)
        self._thread = self.container.spawn_managed_thread(self._loop, identifier="outbox-relay")

    def _loop(self):
        db = storage.database(self.service)
        failures = 0
        while self._running:
            try:
                sent = relay_once(db, self.collections, self._publisher, self.batch, self.batches)
                failures = 0
            except Exception:
                failures += 1
                log.exception("outbox relay failed; retrying")
                self._publisher.close()
                eventlet.sleep(min(5.0, 0.2 * 2 ** failures))
                continue
            if sent == 0:
                with eventlet.Timeout(self.idle_seconds, False):
                    self._wake.wait()
                self._wake = Event()

    def stop(self):
        self._running = False
        self.wake()
        self._thread.wait()
        self._publisher.close()
        self._release()

    def kill(self):
        self._running = False
        self._publisher.close()
        self._release()

    def _release(self):
        try:
            release_leases(storage.database(self.service), self.collections)
        except Exception:  # the store may be what is failing; leases then end by time or by holder check
            log.warning("could not release outbox leases", exc_info=True)

    def get_dependency(self, worker_ctx):
        return self
