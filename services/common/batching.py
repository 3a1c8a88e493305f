"""Batched event consumption: up to N events per worker, claimed, applied and acknowledged together.

A handler declared with `batched_event_handler(CONTRACT, batch_size=N)` receives a list of events
and applies them in one bulk write (its batch form). The entrypoint prefetches 2N messages, collects
up to N (or what came within a short linger), and hands them to one worker, which
- claims them in the Inbox with one unordered bulk insert (a duplicate is found by the unique index),
- applies the effect once for all fresh events, then marks them done in one write;
the entrypoint then acknowledges the batch with one multiple-ack. Batches of one entrypoint run one
after another, so a multiple-ack never covers a message of a batch still being applied.

A handler whose effect is one new document per event, made from the event alone (an activity row, a
read-model entry), says `records="collection"` and returns those documents instead of writing them: the
kernel inserts them with `_id` = the event id in one unordered insert, so the effect's own write is the
inbox record. The primary key refuses a second document for an event, whatever redelivers it, so there
is no claim, no done mark and no lease: one write per event instead of three (docs/benchmarks.md (b′)).
A worker killed mid-insert leaves some documents written; the redelivery writes the others.

Per message, everything is as with ReliableEventHandler: an event already done is skipped, one held by
another live worker waits (ProcessingInProgress), and if the batch effect fails, each event is applied
alone, so only the one that fails is retried or dead-lettered. Effects must be idempotent upserts: a
worker killed between the effect and the done mark leaves claims that the next holder takes over.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import eventlet
from nameko.messaging import decode_from_headers
from pymongo.errors import BulkWriteError

from . import clock, instances
from .consumers import Inbox, ProcessingInProgress, ReliableEventHandler
from .events import EventContract, UnreadableEvent, read_event

DUPLICATE_KEY = 11000


class Delivery(NamedTuple):
    envelope: Any
    body: Any
    message: Any


class BatchedEventHandler(ReliableEventHandler):
    def __init__(self, contract: EventContract, batch_size: int = 100, linger_seconds: float = 0.02, **kwargs):
        self.batch_size = batch_size
        self.linger_seconds = linger_seconds
        # room for the next batch to arrive while one is applied
        super().__init__(contract, prefetch_count=2 * batch_size, **kwargs)

    def setup(self):
        self._pending: list[Delivery] = []
        self._in_flight = False
        self._lingering = False
        super().setup()

    def handle_message(self, body, message):
        try:
            envelope = read_event(body, self.contract)
        except UnreadableEvent as exc:
            self._dead_letter(body, message, reason="unreadable", error=str(exc))
            self.consumer.ack_message(message)
            return
        self._pending.append(Delivery(envelope, body, message))
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif not self._lingering:
            self._lingering = True
            self.container.spawn_managed_thread(self._linger, identifier=f"linger:{self.queue_name}")

    def _linger(self):
        eventlet.sleep(self.linger_seconds)
        self._lingering = False
        self._flush()

    def _flush(self):
        if self._in_flight or not self._pending:
            return
        batch, self._pending = self._pending[:self.batch_size], self._pending[self.batch_size:]
        self._in_flight = True
        context_data = decode_from_headers(batch[0].message.headers)
        started = time.perf_counter()

        def handle_result(worker_ctx, result=None, exc_info=None):
            try:
                self._settle(batch, result or {}, exc_info, time.perf_counter() - started)
            finally:
                self._in_flight = False
                self._flush()
            return result, exc_info

        def spawn_worker():
            from nameko.exceptions import ContainerBeingKilled
            try:
                self.container.spawn_worker(self, ([delivery.envelope for delivery in batch],), {},
                                            context_data=context_data, handle_result=handle_result)
            except ContainerBeingKilled:
                for delivery in batch:
                    self.consumer.requeue_message(delivery.message)

        self.container.spawn_managed_thread(spawn_worker, identifier=f"events:{self.queue_name}")

    def _settle(self, batch: list[Delivery], failures: dict, exc_info, duration: float) -> None:
        """Each failed event goes its own way (retry, wait, dead letter); then one ack covers the batch."""
        for delivery in batch:
            failure = failures.get(delivery.envelope.id)
            error_info = exc_info or (None if failure is None else (type(failure), failure, failure.__traceback__))
            self._handled(delivery.envelope, delivery.body, delivery.message, error_info, duration, ack=False)
        last = max(batch, key=lambda delivery: delivery.message.delivery_tag).message
        if last.channel.connection:  # otherwise the broker has taken the messages back already
            last.ack(multiple=True)


def batched_event_handler(contract: EventContract, *, batch_size: int = 100, linger_seconds: float = 0.02,
                          records: str | None = None, **options) -> Callable:
    """Declare `method(self, events)` as the consumer of `contract` applying a list of fresh events at once.

    The method must be idempotent per event (bulk upserts keyed by the event or its aggregate). With
    `records`, it returns one document per event instead ({event id: document}) and the kernel inserts
    them into that collection of the service's database, keyed by the event id (EventRecords).
    """
    def declare(method: Callable) -> Callable:
        @functools.wraps(method)
        def handle(service, events):
            if records is not None:
                return EventRecords(service.db[records]).apply(events, lambda batch: method(service, batch))
            inbox = BatchInbox(service.db, f"{service.name}.{method.__name__}")
            return inbox.process_batch(events, lambda fresh: method(service, fresh))

        return BatchedEventHandler.decorator(contract, batch_size=batch_size, linger_seconds=linger_seconds,
                                             **options)(handle)

    return declare


class BatchInbox(Inbox):
    """The Inbox for a batch: one bulk claim, one effect, one done mark; a failure falls back to one by one."""

    def process_batch(self, events: Sequence, effect: Callable[[list], object]) -> dict[str, BaseException]:
        """Apply `effect(fresh_events)` to the events this consumer has not processed; event id → failure."""
        failures: dict[str, BaseException] = {}
        distinct = list({event.id: event for event in reversed(events)}.values())[::-1]  # a copy counts once
        contested = self._claim_all(distinct)
        fresh = []
        for event in distinct:
            try:
                if event.id not in contested or self.take_over(event.id):
                    fresh.append(event)
            except ProcessingInProgress as exc:
                failures[event.id] = exc
        if not fresh:
            return failures
        keys = [self._key(event.id) for event in fresh]
        try:
            effect(fresh)
        except Exception:
            self.collection.delete_many({"_id": {"$in": keys}, "state": "claimed"})
            return {**failures, **self._one_by_one(fresh, effect)}
        # one multi-document update through the primary key: on nx-27017 an `_id $in` update costs about
        # 90-130 us a document against 230-280 us for one update by key per claim (docs/benchmarks.md (b'))
        self.collection.update_many({"_id": {"$in": keys}}, {"$set": {"state": "done", "done_at": clock.utcnow()}})
        return failures

    def _claim_all(self, events: Sequence) -> set[str]:
        """Claim every event in one unordered insert; the ids whose claim already existed."""
        now = clock.utcnow()
        holder = instances.current()
        claims = [{"_id": self._key(event.id), "consumer": self.consumer, "event_id": event.id, "state": "claimed",
                   "holder": holder, "lease_until": now + self.LEASE} for event in events]
        try:
            self.collection.insert_many(claims, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            return {claims[error["index"]]["event_id"] for error in errors}
        return set()

    def _one_by_one(self, events: list, effect: Callable[[list], object]) -> dict[str, BaseException]:
        failures: dict[str, BaseException] = {}
        for event in events:
            try:
                self.process_once(event.id, functools.partial(effect, [event]))
            except Exception as exc:
                failures[event.id] = exc
        return failures



class EventRecords:
    """A consumer's effects that are one document per event, keyed by the event id: the record is the inbox.

    Applying a batch is one unordered insert. A document whose key exists already is an event applied
    before (a redelivery, a copy in the same batch, a batch half written before a crash): the store
    refuses it and nothing changes. Any other write error fails that event alone; if the documents
    cannot be made for the whole batch, each event is made and written alone, so only the one that
    fails is retried.
    """

    def __init__(self, collection):
        self.collection = collection

    def apply(self, events: Sequence, make: Callable[[list], dict]) -> dict[str, BaseException]:
        """Write `make(events)` ({event id: document}); event id → failure for the events not written."""
        distinct = list({event.id: event for event in events}.values())
        try:
            documents = make(distinct)
        except Exception:
            return self._one_by_one(distinct, make)
        return self._insert(distinct, documents)

    def _insert(self, events: list, documents: dict) -> dict[str, BaseException]:
        wanted = {event.id for event in events}
        if set(documents) - wanted:  # a document for an event not in hand could never be retried
            raise TypeError(f"records for events not in the batch: {sorted(set(documents) - wanted)[:3]}")
        rows = [{**document, "_id": event_id} for event_id, document in documents.items()]
        if not rows:
            return {}
        try:
            self.collection.insert_many(rows, ordered=False)
        except BulkWriteError as exc:
            return {rows[error["index"]]["_id"]: RecordNotWritten(error.get("errmsg", "write error"))
                    for error in exc.details.get("writeErrors", []) if error.get("code") != DUPLICATE_KEY}
        except Exception as exc:  # which documents were written is unknown: a retry writes the rest
            return {row["_id"]: exc for row in rows}
        return {}

    def _one_by_one(self, events: list, make: Callable[[list], dict]) -> dict[str, BaseException]:
        failures: dict[str, BaseException] = {}
        for event in events:
            try:
                failures.update(self._insert([event], make([event])))
            except Exception as exc:
                failures[event.id] = exc
        return failures


class RecordNotWritten(Exception):
    """The store refused an event's record for another reason than its existence; the event is retried."""
