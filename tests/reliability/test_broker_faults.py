"""Broker faults (issue 14): the outbox relay when the broker goes away in the middle of a batch.

A relay whose publish fails keeps what the broker confirmed and gives the rest of its batch back at
once; the next pass publishes exactly the events that were not confirmed: none lost, none twice.
"""
from __future__ import annotations

import pytest
from kombu import Queue

from services.common import storage
from services.common.broker import connection, events_exchange
from services.common.outbox import EventPublisher, relay_once
from services.common.storage import OUTBOX_LEASE, OUTBOX_PENDING
from tests.reliability.test_relay_crash import drain, store_pending
from tests.support.kernel_services import THING_CREATED
from tests.support.waiting import wait_for

PENDING = 20
CONFIRMED_BEFORE_THE_FAULT = 7


class BrokerGoesAway(EventPublisher):
    """The real publisher, whose connection is lost after a number of confirmed publishes."""

    def __init__(self, amqp_uri: str, confirmed: int):
        super().__init__(amqp_uri)
        self.remaining = confirmed

    def publish(self, *args, **kwargs):
        if self.remaining == 0:
            self.close()
            raise ConnectionResetError("connection to the broker lost")
        self.remaining -= 1
        return super().publish(*args, **kwargs)


def test_a_failed_publish_gives_the_batch_back_and_nothing_is_lost_or_sent_twice(isolated_settings):
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    with connection(isolated_settings.amqp_uri) as conn:
        Queue("broker-fault-watch", exchange=events_exchange(THING_CREATED.producer), routing_key="#",
              durable=True)(conn.default_channel).declare()
    events = store_pending(db, PENDING, "thing")

    failing = BrokerGoesAway(isolated_settings.amqp_uri, CONFIRMED_BEFORE_THE_FAULT)
    with pytest.raises(ConnectionResetError):
        relay_once(db, ["things"], failing)
    failing.close()

    assert db.things.count_documents({OUTBOX_PENDING: True}) == PENDING - CONFIRMED_BEFORE_THE_FAULT
    assert db.things.count_documents({OUTBOX_LEASE: {"$gt": 0}}) == 0, "the failed batch still holds leases"

    publisher = EventPublisher(isolated_settings.amqp_uri)
    try:
        assert relay_once(db, ["things"], publisher) == PENDING - CONFIRMED_BEFORE_THE_FAULT
    finally:
        publisher.close()
    received = wait_for(lambda: (lambda got: got if len(got) >= PENDING else None)(
        drain(isolated_settings.amqp_uri, "broker-fault-watch")), timeout=30)
    assert sorted(received) == sorted(events)  # exact: none lost, none twice
    assert db.things.count_documents({OUTBOX_PENDING: True}) == 0
