"""Fault: a consumer process is killed (SIGKILL) while it holds events. Nothing may be dead-lettered,
every event's effect must be applied exactly once after the restart, and recovery must not wait for
the inbox lease (60 s)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from services.common import storage
from services.common.consumers import Inbox
from services.common.deadletters import list_dead_letters
from services.common.events import new_event
from services.common.outbox import EventPublisher
from tests.support.infrastructure import queue_consumers
from tests.support.kernel_services import THING_CREATED
from tests.support.waiting import wait_for

EVENTS = 30
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_consumer(settings) -> subprocess.Popen:
    env = {**os.environ, "AMQP_URI": settings.amqp_uri, "MONGO_URI": settings.mongo_uri,
           "SHEGONG_DATABASE_PREFIX": settings.database_prefix, "SHEGONG_EVENT_MAX_RETRIES": "2",
           "SHEGONG_EVENT_RETRY_BASE_MS": "100", "SHEGONG_LOG_LEVEL": "WARNING", "SHEGONG_MAX_WORKERS": "10"}
    return subprocess.Popen([sys.executable, "-m", "tests.support.reliability_services"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


QUEUE = "evt-kernel_producer-kernel_test.thing_created--slow_consumer.on_thing_created"


def test_killed_consumer_loses_nothing_applies_once_and_dead_letters_nothing(isolated_settings):
    db = storage.database("slow_consumer")
    first = start_consumer(isolated_settings)
    restarted = None
    try:
        wait_for(lambda: queue_consumers(isolated_settings.amqp_uri, QUEUE), timeout=60, interval=0.2)
        publisher = EventPublisher(isolated_settings.amqp_uri)
        event_ids = []
        for number in range(EVENTS):
            event = new_event(THING_CREATED, {"thing_id": f"k{number}", "label": "x"}, correlation_id=f"c{number}")
            publisher.publish(event.to_dict())
            event_ids.append(event.id)
        publisher.close()
        # kill while several effects are under way (started, not applied)
        wait_for(lambda: db.started.count_documents({}) - db.applied.count_documents({}) >= 3, timeout=60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        held = db[Inbox.COLLECTION].count_documents({"state": "claimed"})
        assert held >= 3, "the kill must leave claims behind, or this test shows nothing"

        killed_at = time.monotonic()
        restarted = start_consumer(isolated_settings)
        wait_for(lambda: db.applied.count_documents({}) == EVENTS, timeout=45, interval=0.2)
        recovery = time.monotonic() - killed_at

        applied = {doc["_id"]: doc["times"] for doc in db.applied.find({})}
        assert applied == {event_id: 1 for event_id in event_ids}
        assert db[Inbox.COLLECTION].count_documents({"state": "done"}) == EVENTS
        assert list_dead_letters(isolated_settings.amqp_uri) == []
        assert recovery < 40, f"recovery took {recovery:.1f}s; the inbox lease is 60 s"
    finally:
        for process in (first, restarted):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
