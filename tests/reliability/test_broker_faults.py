"""Broker faults (issue 14): the outbox relay when the broker goes away in the middle of a batch.

A relay whose publish fails keeps what the broker confirmed and gives the rest of its batch back at
once; the next pass publishes exactly the events that were not confirmed: none lost, none twice.
"""
from __future__ import annotations

import subprocess

import pytest
from kombu import Queue
from pymongo import MongoClient

from services.common import storage
from services.common.broker import connection, events_exchange
from services.common.outbox import EventPublisher, relay_once
from services.common.storage import OUTBOX_LEASE, OUTBOX_PENDING
from services.registry.storage import STATIONS
from tests.reliability.test_relay_crash import drain, store_pending
from tests.reliability.test_store_faults import RECOVERY_BOUND_SECONDS, STARTUP_SECONDS, Writer
from tests.support.kernel_services import THING_CREATED
from tests.support.launched_platform import LaunchedPlatform
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


def _connections(vhost: str) -> dict[str, str]:
    """The vhost's connections by broker process id (unique over time, unlike a client's host:port name)."""
    listed = subprocess.run(["rabbitmqctl", "list_connections", "-q", "--no-table-headers", "vhost", "pid", "name",
                             "state"], capture_output=True, text=True, timeout=60, check=True)
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    return {row[1]: " ".join(row[2:]) for row in rows if len(row) >= 3 and row[0] == vhost}


def test_services_recover_when_the_broker_closes_their_connections(tmp_path, rabbit_vhost):
    """`rabbitmqctl close_all_connections` on the platform's own vhost (never another's) under `shegong run`."""
    platform = LaunchedPlatform(tmp_path, rabbit_vhost)
    platform.start("--no-seed")
    try:
        platform.wait_for_console("Press Ctrl[+]C to stop", STARTUP_SECONDS)
        writer = Writer(platform, platform.token("--role", "admin"))
        for _ in range(5):
            assert writer.register(), f"writes fail before any fault: {writer.last_error}"
        vhost = rabbit_vhost.rsplit("/", 1)[1]
        before = _connections(vhost)
        assert len(before) >= 5, before  # at least one per service
        closed = subprocess.run(["rabbitmqctl", "close_all_connections", "--vhost", vhost, "--limit", "100000",
                                     "broker fault test"],
                                capture_output=True, text=True, timeout=60)
        assert closed.returncode == 0, closed.stderr
        recovery = writer.until_a_write_succeeds(RECOVERY_BOUND_SECONDS)
        for _ in range(3):
            assert writer.register(), f"writes fail again after recovering: {writer.last_error}"

        # The broker closes many connections one by one: wait until none of the old ones is listed.
        def only_new_connections():
            now = _connections(vhost)
            return now if now and not now.keys() & before.keys() else None
        try:
            wait_for(only_new_connections, timeout=RECOVERY_BOUND_SECONDS, interval=0.5)
        except AssertionError:
            lingering = {pid: name for pid, name in _connections(vhost).items() if pid in before}
            raise AssertionError(f"the broker still lists connections it was told to close: {lingering}") from None
        stored = writer.stored_townships()
        assert len(stored) == len(set(stored)), "a station was stored twice"
        assert set(writer.acknowledged) <= set(stored), "an acknowledged write was lost"
        assert set(stored) <= set(writer.attempted)
        registry = MongoClient(f"mongodb://127.0.0.1:{platform.env['SHEGONG_LOCAL_STORE_PORT']}/")
        try:
            wait_for(lambda: registry["shegong_registry"][STATIONS].count_documents({OUTBOX_PENDING: True}) == 0,
                     timeout=RECOVERY_BOUND_SECONDS, interval=0.5)  # every committed event was published
        finally:
            registry.close()
        print(f"broker fault: {len(writer.acknowledged)} acknowledged of {len(writer.attempted)}, "
              f"recovered in {recovery:.1f}s")
    finally:
        platform.stop()
