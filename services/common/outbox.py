"""The outbox relay: publishes events stored inside aggregates, with publisher confirms.

Writers put events in the aggregate's `_outbox` in the same single-document write as the state
change (storage.AggregateStore). The relay claims a document with a short lease (so several
replicas do not publish the same events at once), publishes its events in order and waits for the
broker's confirm, then removes exactly those events. If the process dies after publishing but
before removing, the events go out again after restart with the same ids; consumers are idempotent.
"""
from __future__ import annotations

import logging
import time

import eventlet
from eventlet.event import Event
from kombu import Producer
from nameko.extensions import DependencyProvider

from . import storage
from .broker import connection, events_exchange
from .config import settings
from .observability import EVENTS_PUBLISHED
from .storage import OUTBOX, OUTBOX_LEASE, OUTBOX_PENDING, VERSION

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

    def publish(self, envelope: dict) -> None:
        producer = self._ensure()
        exchange = events_exchange(envelope["producer"])
        if exchange.name not in self._declared:
            exchange.declare(channel=producer.channel)
            self._declared.add(exchange.name)
        producer.publish(
            envelope, exchange=exchange, routing_key=envelope["type"], serializer="json",
            delivery_mode=2, message_id=envelope["id"],
            headers={"nameko.correlation_id": envelope["correlation_id"],
                     "shegong.event_type": envelope["type"], "shegong.event_version": envelope["version"]},
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
    """Publish every pending event of up to `batch` aggregates; return how many events went out."""
    sent = 0
    now = time.time()
    for name in collections:
        collection = db[name]
        for _ in range(batch):
            doc = collection.find_one_and_update(
                {OUTBOX_PENDING: True, OUTBOX_LEASE: {"$lt": now}},
                {"$set": {OUTBOX_LEASE: now + LEASE_SECONDS}},
                projection={OUTBOX: 1, VERSION: 1},
            )
            if doc is None:
                break
            entries = sorted((doc.get(OUTBOX) or {}).items(), key=lambda item: item[1]["order"])
            for _, entry in entries:
                publisher.publish(entry["envelope"])
            published = {f"{OUTBOX}.{event_id}": "" for event_id, _ in entries}
            # Clear the pending flag only if no writer added events meanwhile (same version).
            update = {"$set": {OUTBOX_PENDING: False, OUTBOX_LEASE: 0}}
            if published:
                update["$unset"] = published
            cleared = collection.update_one({"_id": doc["_id"], VERSION: doc[VERSION]}, update)
            if cleared.matched_count == 0:
                follow_up = {"$set": {OUTBOX_LEASE: 0}}
                if published:
                    follow_up["$unset"] = published
                collection.update_one({"_id": doc["_id"]}, follow_up)
            sent += len(entries)
    return sent


class OutboxRelay(DependencyProvider):
    """Runs the relay inside a service container; stops only after the batch in hand is published."""

    def __init__(self, service: str, collections: list[str], idle_seconds: float = 0.2):
        self.service = service
        self.collections = collections
        self.idle_seconds = idle_seconds

    def setup(self):
        self._running = False
        self._wake = Event()
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
