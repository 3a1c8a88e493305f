"""The relay waits for the broker's confirms once per batch, and every event still goes out exactly once."""
from __future__ import annotations

import socket

import pytest
from kombu import Queue

from services.common import eventlog, outbox, storage
from services.common.broker import connection, events_exchange
from services.common.eventlog import EventLog, record_batch
from services.common.events import new_event
from services.common.outbox import EventPublisher, relay_once
from services.common.storage import OUTBOX_LEASE, OUTBOX_PENDING
from tests.reliability.test_relay_crash import drain, store_pending
from tests.support.kernel_services import THING_CREATED
from tests.support.waiting import wait_for

WATCH = "batched-relay-watch"


class CountingPublisher(EventPublisher):
    def __init__(self, amqp_uri: str, confirm_each: bool = False):
        super().__init__(amqp_uri, confirm_each=confirm_each)
        self.waits = 0

    def wait_for_confirms(self) -> None:
        self.waits += 1
        super().wait_for_confirms()


def watched(settings) -> None:
    with connection(settings.amqp_uri) as conn:
        Queue(WATCH, exchange=events_exchange(THING_CREATED.producer), routing_key="#",
              durable=True)(conn.default_channel).declare()


def test_a_batch_is_confirmed_with_one_wait_and_published_once(isolated_settings):
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    watched(isolated_settings)
    events = store_pending(db, 30, "r")
    publisher = CountingPublisher(isolated_settings.amqp_uri)
    try:
        assert relay_once(db, ["things"], publisher, batch=50) == 30
        assert publisher.waits == 1 and publisher.unconfirmed == 0
        assert relay_once(db, ["things"], publisher, batch=50) == 0
    finally:
        publisher.close()
    received = wait_for(lambda: (lambda got: got if len(got) >= 30 else None)(
        drain(isolated_settings.amqp_uri, WATCH)), timeout=30)
    assert sorted(received) == sorted(events)
    assert db.things.count_documents({OUTBOX_PENDING: True}) == 0


def test_the_unbatched_baseline_waits_after_every_message(isolated_settings):
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    store_pending(db, 5, "u")
    publisher = CountingPublisher(isolated_settings.amqp_uri, confirm_each=True)
    try:
        assert relay_once(db, ["things"], publisher) == 5
        assert publisher.waits == 5 + 1  # one per message, then the batch's own (nothing left to wait for)
    finally:
        publisher.close()


def test_overlapping_batches_wait_once_each_and_publish_every_event_once(isolated_settings):
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    watched(isolated_settings)
    drain(isolated_settings.amqp_uri, WATCH)  # what the tests before left there
    events = store_pending(db, 25, "o")
    publisher = CountingPublisher(isolated_settings.amqp_uri)
    try:
        assert relay_once(db, ["things"], publisher, batch=10, batches=5) == 25
        assert publisher.waits == 3 and publisher.unconfirmed == 0  # batches of 10, 10, 5
    finally:
        publisher.close()
    received = wait_for(lambda: (lambda got: got if len(got) >= 25 else None)(
        drain(isolated_settings.amqp_uri, WATCH)), timeout=30)
    assert sorted(received) == sorted(events)
    assert db.things.count_documents({OUTBOX_PENDING: True}) == 0
    assert db[eventlog.LOG].count_documents({"event_id": {"$in": events}}) == 25 and EventLog(db).verify()["ok"]


def test_a_failure_with_two_batches_in_hand_loses_nothing_and_logs_each_event_once(isolated_settings, monkeypatch):
    """The relay fails while appending its second batch to the history, with the first one published and its
    confirms not yet awaited: what the broker had confirmed leaves the outbox, the rest of both batches goes
    back at once, and the next pass sends it with one history entry per event (a consumer sees the first
    batch's unconfirmed events twice, which its inbox absorbs)."""
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    watched(isolated_settings)
    drain(isolated_settings.amqp_uri, WATCH)  # what the tests before left there
    storage.ensure_indexes(db, eventlog.INDEXES)  # as the relay's container does: an event is logged once
    events = store_pending(db, 15, "f")
    appends = []

    def failing_second_append(db_, collection, docs):
        appends.append(len(docs))
        if len(appends) == 2:
            raise ConnectionError("the store went away")
        return record_batch(db_, collection, docs)

    monkeypatch.setattr(outbox.eventlog, "record_batch", failing_second_append)
    publisher = CountingPublisher(isolated_settings.amqp_uri)
    try:
        with pytest.raises(ConnectionError):
            relay_once(db, ["things"], publisher, batch=10, batches=5)
        pending = list(db.things.find({OUTBOX_PENDING: True}))
        # the second batch, and those of the first the broker had not confirmed yet, wait for no lease
        assert len(pending) >= 5 and all(doc[OUTBOX_LEASE] == 0 for doc in pending)
        monkeypatch.setattr(outbox.eventlog, "record_batch", record_batch)
        assert relay_once(db, ["things"], publisher, batch=10, batches=5) == len(pending)
    finally:
        publisher.close()
    received = wait_for(lambda: (lambda got: got if len(got) >= 10 + len(pending) else None)(
        drain(isolated_settings.amqp_uri, WATCH)), timeout=30)
    assert set(received) == set(events) and len(received) == 10 + len(pending)  # unconfirmed ones went out twice
    assert db.things.count_documents({OUTBOX_PENDING: True}) == 0
    logged = list(db[eventlog.LOG].find({"event_id": {"$in": events}}, {"event_id": 1}))
    assert sorted(entry["event_id"] for entry in logged) == sorted(events)  # once each
    assert EventLog(db).verify()["ok"]


def test_an_event_written_while_its_batch_is_in_flight_stays_pending(isolated_settings):
    """A writer adds an event to a claimed document while the next batch is being claimed: the outbox is
    cleared by the claim token, which the writer dropped, so only the published event leaves."""
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    watched(isolated_settings)
    drain(isolated_settings.amqp_uri, WATCH)  # what the tests before left there
    store_pending(db, 12, "w")
    things = storage.AggregateStore(db, "things", "thing")
    late = new_event(THING_CREATED, {"thing_id": "w0", "label": "late"}, correlation_id="c")

    class WriterDuringTheNextClaim(CountingPublisher):
        def publish(self, envelope, sequence=None):
            super().publish(envelope, sequence)
            if envelope["payload"]["thing_id"] == "w0" and envelope["id"] != late.id:
                things.update("w0", 1, {"label": "later"}, [late])

    publisher = WriterDuringTheNextClaim(isolated_settings.amqp_uri)
    try:
        assert relay_once(db, ["things"], publisher, batch=5, batches=5) == 12 + 1  # the late one rides along
    finally:
        publisher.close()
    stored = db.things.find_one({"_id": "w0"})
    assert stored[storage.OUTBOX] == {} and not stored[OUTBOX_PENDING]
    received = wait_for(lambda: (lambda got: got if len(got) >= 13 else None)(
        drain(isolated_settings.amqp_uri, WATCH)), timeout=30)
    assert late.id in received and len(set(received)) == 13


class CountingReads:
    """The relay's database, counting the `find` commands sent to one collection."""

    def __init__(self, db, collection: str):
        self.db, self.collection, self.finds = db, collection, 0

    def __getitem__(self, name):
        real = self.db[name]
        if name != self.collection:
            return real
        counter = self

        class Counted:
            def __getattr__(self, attribute):
                return getattr(real, attribute)

            def find(self, *args, **kwargs):
                counter.finds += 1
                return real.find(*args, **kwargs)

        return Counted()

    def __getattr__(self, attribute):
        return getattr(self.db, attribute)


def test_a_batch_read_whole_is_claimed_on_its_versions_without_reading_it_back(isolated_settings):
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    watched(isolated_settings)
    drain(isolated_settings.amqp_uri, WATCH)  # what the tests before left there
    events = store_pending(db, 8, "n")
    storage.AggregateStore(db, "things", "thing").update(  # versions 1 and 2 in one batch
        "n3", 1, {"label": "y"}, [new_event(THING_CREATED, {"thing_id": "n3", "label": "y"}, correlation_id="c")])
    reads = CountingReads(db, "things")
    publisher = CountingPublisher(isolated_settings.amqp_uri)
    try:
        assert relay_once(reads, ["things"], publisher, batch=20) == 9
    finally:
        publisher.close()
    assert reads.finds == 1, "the claimed batch was read again"
    received = wait_for(lambda: (lambda got: got if len(got) >= 9 else None)(
        drain(isolated_settings.amqp_uri, WATCH)), timeout=30)
    assert set(events) <= set(received) and len(set(received)) == 9
    assert db.things.count_documents({OUTBOX_PENDING: True}) == 0


def test_an_event_written_between_the_read_and_the_claim_goes_out_with_the_batch(isolated_settings, monkeypatch):
    """The writer moves the version the relay read, so the claim of that version does not match in full: the
    relay reads back what its claim holds and publishes that; the written document was not claimed and goes
    out whole, both events, in the next pass. Nothing is lost, cleared unpublished or sent twice."""
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    watched(isolated_settings)
    drain(isolated_settings.amqp_uri, WATCH)  # what the tests before left there
    events = store_pending(db, 6, "v")
    things = storage.AggregateStore(db, "things", "thing")
    late = new_event(THING_CREATED, {"thing_id": "v0", "label": "late"}, correlation_id="c")
    read = outbox._claimable

    def then_a_writer(collection, now, batch, held=None):
        found = read(collection, now, batch, held)
        if things.get("v0")["label"] != "late":
            things.update("v0", 1, {"label": "late"}, [late])
        return found

    monkeypatch.setattr(outbox, "_claimable", then_a_writer)
    publisher = CountingPublisher(isolated_settings.amqp_uri)
    try:
        assert relay_once(db, ["things"], publisher, batch=10) == 5
        assert sorted(db.things.find_one({"_id": "v0"})[storage.OUTBOX]) == sorted([events[0], late.id])
        monkeypatch.setattr(outbox, "_claimable", read)
        assert relay_once(db, ["things"], publisher, batch=10) == 2
    finally:
        publisher.close()
    stored = db.things.find_one({"_id": "v0"})
    assert stored[storage.OUTBOX] == {} and not stored[OUTBOX_PENDING]
    received = wait_for(lambda: (lambda got: got if len(got) >= 7 else None)(
        drain(isolated_settings.amqp_uri, WATCH)), timeout=30)
    assert sorted(received) == sorted([*events, late.id])
    logged = [entry["event_id"] for entry in db[eventlog.LOG].find({"event_id": {"$in": [*events, late.id]}})]
    assert sorted(logged) == sorted([*events, late.id]) and EventLog(db).verify()["ok"]


def test_a_batch_is_corked_but_a_publisher_waiting_for_each_confirm_is_not(isolated_settings):
    """Corking holds small writes back for up to 200 ms: fine for a batch confirmed at its end, a stall
    for each message of a publisher that waits for every confirm."""
    for confirm_each, corked_inside in ((False, 1), (True, 0)):
        publisher = EventPublisher(isolated_settings.amqp_uri, confirm_each=confirm_each)
        try:
            with publisher.corked():
                sock = publisher._connection.connection.transport.sock
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == corked_inside
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 0
        finally:
            publisher.close()
