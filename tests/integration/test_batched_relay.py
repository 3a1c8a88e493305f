"""The relay waits for the broker's confirms once per batch, and every event still goes out exactly once."""
from __future__ import annotations

from kombu import Queue

from services.common import storage
from services.common.broker import connection, events_exchange
from services.common.outbox import EventPublisher, relay_once
from services.common.storage import OUTBOX_PENDING
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
