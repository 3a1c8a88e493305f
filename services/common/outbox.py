"""The outbox relay: publishes events stored inside aggregates, with publisher confirms.

Writers put events in the aggregate's `_outbox` in the same single-document write as the state
change (storage.AggregateStore). The relay claims a batch of documents with a short lease (so
several replicas do not publish the same events at once), publishes its events in order and waits for the
broker's confirm, then removes exactly those events. If the process dies after publishing but
before removing, the events go out again after restart with the same ids; consumers are idempotent.

Before a batch is published it is appended to the service's event history (eventlog.py, one call:
`eventlog.record_batch`), so whatever went out is in the history; each message carries its
position in that history in the `shegong.sequence` header.
"""
from __future__ import annotations

import logging
import time
import uuid

import eventlet
from eventlet.event import Event
from kombu import Producer
from nameko.extensions import DependencyProvider
from pymongo import UpdateOne

from . import eventlog, storage
from .broker import connection, events_exchange
from .config import settings
from .observability import EVENTS_PUBLISHED
from .storage import OUTBOX, OUTBOX_CLAIM, OUTBOX_LEASE, OUTBOX_PENDING, VERSION

log = logging.getLogger(__name__)

LEASE_SECONDS = 30


class EventPublisher:
    """Publishes envelopes to their producer's topic exchange and waits for each confirm."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self._connection = None
        self._producer = None
        self._declared: set[str] = set()

    def _ensure(self):
        if self._connection is None or not self._connection.connected:
            self.close()
            self._connection = connection(self.amqp_uri)
            self._connection.ensure_connection(max_retries=3)
            self._producer = Producer(self._connection.channel())
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
        EVENTS_PUBLISHED.labels(event_type=envelope["type"]).inc()

    def close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # closing a broken connection must not mask the original error
                pass
        self._connection = None
        self._producer = None


def relay_once(db, collections, publisher: EventPublisher, batch: int = 200) -> int:
    """Publish the pending events of up to `batch` aggregates per collection; return how many went out.

    Round trips are per batch, not per aggregate: claim a batch with one lease token, publish its
    events in order (each confirmed), then clear what was published in one bulk write.
    """
    sent = 0
    for name in collections:
        collection = db[name]
        now = time.time()
        # Only the pending flag goes to the store: nx-27017 serves it from the index (2 ms at 100,000
        # documents) but scans for the lease range too (290 ms). Leases are filtered here instead.
        candidates = [d["_id"] for d in collection.find({OUTBOX_PENDING: True}, {"_id": 1, OUTBOX_LEASE: 1}).limit(batch)
                      if (d.get(OUTBOX_LEASE) or 0) < now]
        if not candidates:
            continue
        token = uuid.uuid4().hex
        collection.update_many({"_id": {"$in": candidates}, OUTBOX_LEASE: {"$lt": now}},
                               {"$set": {OUTBOX_LEASE: now + LEASE_SECONDS, OUTBOX_CLAIM: token}})
        claimed = list(collection.find({OUTBOX_CLAIM: token}, {OUTBOX: 1, VERSION: 1, **eventlog.SCOPE_PROJECTION}))
        sequences = eventlog.record_batch(db, name, claimed)  # the history first, then the broker
        clears = []
        for doc in claimed:
            entries = sorted((doc.get(OUTBOX) or {}).items(), key=lambda item: item[1]["order"])
            for event_id, entry in entries:
                publisher.publish(entry["envelope"], sequences.get(event_id))
            published = {f"{OUTBOX}.{event_id}": "" for event_id, _ in entries}
            # Clear the pending flag only if no writer added events meanwhile (same version);
            # otherwise remove just what went out and leave the rest for the next pass.
            clears.append(UpdateOne({"_id": doc["_id"], VERSION: doc[VERSION]},
                                    {"$set": {OUTBOX_PENDING: False, OUTBOX_LEASE: 0}, **_unset(published)}))
            clears.append(UpdateOne({"_id": doc["_id"], VERSION: {"$ne": doc[VERSION]}},
                                    {"$set": {OUTBOX_LEASE: 0}, **_unset(published)}))
            sent += len(entries)
        if clears:
            collection.bulk_write(clears, ordered=True)
    return sent


def _unset(fields: dict) -> dict:
    return {"$unset": fields} if fields else {}


class OutboxRelay(DependencyProvider):
    """Runs the relay inside a service container; stops only after the batch in hand is published."""

    def __init__(self, service: str, collections: list[str], idle_seconds: float = 0.2):
        self.service = service
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
        self._publisher = EventPublisher(settings().amqp_uri)
        self._thread = self.container.spawn_managed_thread(self._loop, identifier="outbox-relay")

    def _loop(self):
        db = storage.database(self.service)
        failures = 0
        while self._running:
            try:
                sent = relay_once(db, self.collections, self._publisher)
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

    def kill(self):
        self._running = False
        self._publisher.close()

    def get_dependency(self, worker_ctx):
        return self
