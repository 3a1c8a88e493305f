"""Event consumption: validated, idempotent, retried with growing delays, then dead-lettered.

nameko's own `event_handler` acks and drops an event whose handler raises. Here:
- a message that is not a readable event of the declared contract (a body that does not decode,
  bad envelope, invalid payload, unknown version) goes straight to the dead-letter queue with the reason;
- a handler that raises a permanent failure (PERMANENT_FAILURES: the event does not fit its contract)
  is dead-lettered at once with reason `permanent`;
- any other error is transient (a NotFound of a referenced aggregate too): the event is re-published
  to `<queue>.retry.<n>`, a wait queue whose TTL grows with n and which dead-letters back to the
  consumer's queue; after `event_max_retries` attempts it goes to the dead-letter queue with the error;
- `Inbox.process_once` records (consumer, event id) under a unique index so a redelivered or
  duplicated event has no second effect;
- an event another live worker holds right now (`ProcessingInProgress`) is not a failed attempt:
  it waits in the first wait queue and comes back with its attempt count unchanged, so a crash
  never turns into a dead letter. A claim of a process that is gone is free at once (instances.py).
"""
from __future__ import annotations

import logging
import time
import traceback
import uuid
from datetime import UTC, timedelta

from kombu import Queue
from marshmallow import ValidationError as MarshmallowValidationError
from nameko.amqp.publish import Publisher as AmqpPublisher
from nameko.messaging import Consumer, decode_from_headers
from pymongo.errors import DuplicateKeyError

from . import clock, instances
from .broker import DEAD_LETTER_QUEUE, connection, dead_letter_queue, events_exchange, retry_queue_name, retry_queues
from .config import settings
from .events import EventContract, UnreadableEvent, read_event
from .observability import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_RETRIED, bind_correlation_id
from .storage import Index

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-shegong-attempts"


class ReliableEventHandler(Consumer):
    def __init__(self, contract: EventContract, **kwargs):
        self.contract = contract
        super().__init__(queue=None, **kwargs)

    @property
    def queue_name(self) -> str:
        return f"evt-{self.contract.producer}-{self.contract.name}--{self.container.service_name}.{self.method_name}"

    def setup(self):
        config = settings()
        self.max_retries = config.event_max_retries
        self.retry_base_ms = config.event_retry_base_ms
        self.queue = Queue(self.queue_name, exchange=events_exchange(self.contract.producer),
                           routing_key=self.contract.name, durable=True)
        with connection(config.amqp_uri) as conn:
            channel = conn.channel()
            self.queue.exchange.declare(channel=channel)
            for wait_queue in [*retry_queues(self.queue_name, self.max_retries, self.retry_base_ms),
                               dead_letter_queue()]:
                wait_queue(channel).declare()
        self.publisher = AmqpPublisher(config.amqp_uri, serializer="json")
        super().setup()
        # kombu's ConsumerMixin logs and acks a body it cannot decode before any handler sees it
        self.consumer.on_decode_error = self._undecodable

    def _undecodable(self, message, exc):
        self._dead_letter(message.body, message, reason="undecodable", error=f"{type(exc).__name__}: {exc}",
                          raw=True)
        self.consumer.ack_message(message)

    def handle_message(self, body, message):
        try:
            envelope = read_event(body, self.contract)
        except UnreadableEvent as exc:
            self._dead_letter(body, message, reason="unreadable", error=str(exc))
            self.consumer.ack_message(message)
            return
        message.headers.setdefault("nameko.correlation_id", envelope.correlation_id)
        context_data = decode_from_headers(message.headers)
        started = time.perf_counter()

        def handle_result(worker_ctx, result=None, exc_info=None):
            self._handled(envelope, body, message, exc_info, time.perf_counter() - started)
            return result, exc_info

        def spawn_worker():
            from nameko.exceptions import ContainerBeingKilled
            try:
                self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                            handle_result=handle_result)
            except ContainerBeingKilled:
                self.consumer.requeue_message(message)

        self.container.spawn_managed_thread(spawn_worker, identifier=f"event:{self.queue_name}")

    def _handled(self, envelope, body, message, exc_info, duration, ack: bool = True):
        """Count and route one handled event; `ack=False` when its batch is acknowledged at once."""
        handler = f"{self.container.service_name}.{self.method_name}"
        if exc_info is None:
            EVENTS_CONSUMED.labels(envelope.type, handler, "ok").inc()
            if ack:
                self.consumer.ack_message(message)
            return
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        attempts = int(message.headers.get(ATTEMPTS_HEADER, 0)) + 1
        bind_correlation_id(envelope.correlation_id)
        if issubclass(exc_info[0], PERMANENT_FAILURES):
            EVENTS_CONSUMED.labels(envelope.type, handler, "dead-lettered").inc()
            self._dead_letter(body, message, reason="permanent", error=error, attempts=attempts - 1)
        elif issubclass(exc_info[0], ProcessingInProgress):
            EVENTS_CONSUMED.labels(envelope.type, handler, "in-progress").inc()
            self._wait(body, message, envelope, attempts=attempts - 1, error=error)
        elif attempts <= self.max_retries:
            EVENTS_CONSUMED.labels(envelope.type, handler, "retry").inc()
            EVENTS_RETRIED.labels(self.queue_name).inc()
            log.warning("handler failed; retry %s of %s scheduled", attempts, self.max_retries,
                        extra={"event_id": envelope.id, "event_type": envelope.type, "queue": self.queue_name,
                               "error": error})
            self._wait(body, message, envelope, attempts=attempts, error=error)
        else:
            EVENTS_CONSUMED.labels(envelope.type, handler, "dead-lettered").inc()
            self._dead_letter(body, message, reason="handler-failed", error=error, attempts=attempts - 1)
        if ack:
            self.consumer.ack_message(message)

    def _wait(self, body, message, envelope, attempts: int, error: str):
        """Park the event in a wait queue; it returns to this consumer when the queue's TTL expires."""
        headers = dict(message.headers)
        headers[ATTEMPTS_HEADER] = attempts
        headers["x-shegong-last-error"] = error[:1000]
        self.publisher.publish(body, exchange="", routing_key=retry_queue_name(self.queue_name, max(attempts, 1)),
                               headers=headers, delivery_mode=2, message_id=envelope.id)

    def _dead_letter(self, body, message, reason: str, error: str, attempts: int = 0, raw: bool = False):
        EVENTS_DEAD_LETTERED.labels(self.queue_name, reason).inc()
        log.error("message dead-lettered: %s", error, extra={"queue": self.queue_name, "error": error})
        headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-death")}
        headers.update({
            "x-original-queue": self.queue_name,
            "x-original-exchange": message.delivery_info.get("exchange", ""),
            "x-original-routing-key": message.delivery_info.get("routing_key", ""),
            "x-dead-letter-reason": reason,
            "x-error": error[:4000],
            "x-attempts": attempts,
            "x-dead-lettered-at": clock.timestamp(clock.utcnow()),
        })
        # an undecodable body travels as the bytes it came as, under its own content type
        encoding = ({"content_type": message.content_type or "application/octet-stream",
                     "content_encoding": message.content_encoding or "binary"} if raw else {})
        self.publisher.publish(body, exchange="", routing_key=DEAD_LETTER_QUEUE, headers=headers,
                               delivery_mode=2, message_id=str(uuid.uuid4()), **encoding)


event_handler = ReliableEventHandler.decorator


class PermanentFailure(Exception):
    """This event can never be applied by this consumer; retrying cannot help, so it is dead-lettered at once."""


# Only what no retry can heal: the event (or a part of it) does not fit its contract. A missing
# aggregate it refers to is NOT permanent: its own event may simply not have arrived yet.
PERMANENT_FAILURES = (PermanentFailure, UnreadableEvent, MarshmallowValidationError)


class ProcessingInProgress(Exception):
    """Another live worker holds this event right now; it comes back later, and that is no failed attempt."""


class Inbox:
    """Tracking records: (consumer, event id) → processed, under a unique index.

    A claim records the instance holding it. The lease only matters for holders on other hosts
    (whose liveness cannot be seen from here); a holder on this host that is gone frees the claim.
    """

    COLLECTION = "processed_events"
    LEASE = timedelta(seconds=60)

    indexes = [Index(COLLECTION, (("consumer", 1), ("event_id", 1)), unique=True)]

    def __init__(self, db, consumer: str):
        self.collection = db[self.COLLECTION]
        self.consumer = consumer

    def process_once(self, event_id: str, effect) -> bool:
        """Run `effect()` unless this consumer already processed `event_id`; True if it ran.

        The claim is written before the effect and marked done after it. Effects must be written so
        that re-running them after a crash between the two is harmless (upserts keyed by the event).
        """
        key = self._key(event_id)
        try:
            self.collection.insert_one({"_id": key, "consumer": self.consumer, "event_id": event_id,
                                        "state": "claimed", "holder": instances.current(),
                                        "lease_until": clock.utcnow() + self.LEASE})
        except DuplicateKeyError:
            if not self.take_over(event_id):
                return False
        try:
            effect()
        except BaseException:
            self.collection.delete_one({"_id": key, "state": "claimed"})
            raise
        self.collection.update_one({"_id": key}, {"$set": {"state": "done", "done_at": clock.utcnow()}})
        return True

    def take_over(self, event_id: str) -> bool:
        """For an event whose claim exists: False if it is done, True if its claim is now ours;
        ProcessingInProgress if a live worker holds it."""
        now = clock.utcnow()
        key = self._key(event_id)
        existing = self.collection.find_one({"_id": key})
        if existing is None:
            raise ProcessingInProgress(event_id)
        if existing["state"] == "done":
            return False
        lease_until = existing["lease_until"]
        if lease_until.tzinfo is None:
            lease_until = lease_until.replace(tzinfo=UTC)
        if lease_until > now and not instances.is_gone(existing.get("holder")):
            raise ProcessingInProgress(event_id)
        # the lease value read identifies the claim taken over, so two takers cannot both win
        taken = self.collection.update_one({"_id": key, "state": "claimed", "lease_until": existing["lease_until"]},
                                           {"$set": {"lease_until": now + self.LEASE, "holder": instances.current()}})
        if taken.matched_count == 0:
            raise ProcessingInProgress(event_id)
        return True

    def _key(self, event_id: str) -> str:
        return f"{self.consumer}:{event_id}"
