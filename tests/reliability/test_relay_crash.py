"""Fault: a relay dies holding leases on more pending events than one batch. The others must not
stall: every event goes out exactly once, well before the 30 s lease ends; a live relay's lease is
respected."""
from __future__ import annotations

import socket
import subprocess
import time

from kombu import Queue

from services.common import instances, storage
from services.common.broker import connection, events_exchange
from services.common.events import new_event
from services.common.outbox import LEASE_SECONDS, EventPublisher, relay_once, release_leases
from services.common.storage import OUTBOX_CLAIM, OUTBOX_LEASE, OUTBOX_PENDING
from tests.support.kernel_services import THING_CREATED
from tests.support.waiting import wait_for

DEAD_RELAY_HELD = 250   # more than one relay batch (200)
LIVE_RELAY_HELD = 20
UNLEASED = 130


def dead_instance() -> str:
    """The instance tag a relay process had, for a process that has really exited."""
    process = subprocess.Popen(["sleep", "30"])
    tag = f"{socket.gethostname()}:{process.pid}:{instances._start_ticks(process.pid)}"
    process.kill()
    process.wait()
    return tag


def store_pending(db, count: int, prefix: str) -> list[str]:
    things = storage.AggregateStore(db, "things", "thing")
    ids = []
    for number in range(count):
        event = new_event(THING_CREATED, {"thing_id": f"{prefix}{number}", "label": "x"}, correlation_id="c")
        things.insert({"_id": f"{prefix}{number}", "label": "x"}, [event])
        ids.append(event.id)
    return ids


def drain(amqp_uri: str, queue_name: str) -> list[str]:
    with connection(amqp_uri) as conn:
        queue = Queue(queue_name)(conn.default_channel)
        received = []
        while (message := queue.get(no_ack=True)) is not None:
            received.append(message.properties["message_id"])
        return received


def test_relay_killed_holding_leases_stalls_nothing(isolated_settings):
    db = storage.database("kernel_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("things"))
    with connection(isolated_settings.amqp_uri) as conn:
        Queue("relay-watch", exchange=events_exchange(THING_CREATED.producer), routing_key="#",
              durable=True)(conn.default_channel).declare()

    dead_held = store_pending(db, DEAD_RELAY_HELD, "dead")
    live_held = store_pending(db, LIVE_RELAY_HELD, "live")
    unleased = store_pending(db, UNLEASED, "free")
    lease_until = time.time() + LEASE_SECONDS
    db.things.update_many({"_id": {"$regex": "^dead"}},
                          {"$set": {OUTBOX_LEASE: lease_until, OUTBOX_CLAIM: f"{dead_instance()}/t1"}})
    db.things.update_many({"_id": {"$regex": "^live"}},
                          {"$set": {OUTBOX_LEASE: lease_until, OUTBOX_CLAIM: "another-host:1:1/t2"}})

    publisher = EventPublisher(isolated_settings.amqp_uri)
    started = time.monotonic()
    try:
        first = relay_once(db, ["things"], publisher)
        assert first == 200, "a full batch of claimable work, not the leased documents ahead of it"
        while relay_once(db, ["things"], publisher):
            pass
    finally:
        publisher.close()
    recovery = time.monotonic() - started

    received = wait_for(lambda: (lambda got: got if len(got) >= DEAD_RELAY_HELD + UNLEASED else None)(
        drain(isolated_settings.amqp_uri, "relay-watch")), timeout=30)
    assert sorted(received) == sorted(dead_held + unleased)  # exact: none missing, none twice
    assert not set(received) & set(live_held)
    assert db.things.count_documents({OUTBOX_PENDING: True}) == LIVE_RELAY_HELD
    assert recovery < LEASE_SECONDS / 3, f"took {recovery:.1f}s"


def test_stopping_relay_gives_its_leases_back(isolated_settings):
    db = storage.database("kernel_producer")
    store_pending(db, 3, "mine")
    db.things.update_many({"_id": {"$regex": "^mine"}},
                          {"$set": {OUTBOX_LEASE: time.time() + LEASE_SECONDS,
                                    OUTBOX_CLAIM: f"{instances.current()}/held"}})
    release_leases(db, ["things"])
    assert [d[OUTBOX_LEASE] for d in db.things.find({"_id": {"$regex": "^mine"}})] == [0, 0, 0]
