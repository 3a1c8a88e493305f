"""Fault: a batched consumer is killed (SIGKILL) in the middle of a batch. After the restart every event's
effect is applied exactly once, nothing is dead-lettered, and recovery does not wait for the inbox lease.

`python -m tests.reliability.test_batched_consumer_crash` runs the consumer (settings from the environment).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

if __name__ == "__main__":
    import eventlet

    eventlet.monkey_patch()

from pymongo import UpdateOne  # noqa: E402

from services.common import storage  # noqa: E402
from services.common.batching import batched_event_handler  # noqa: E402
from services.common.consumers import Inbox  # noqa: E402
from services.common.deadletters import list_dead_letters  # noqa: E402
from services.common.events import new_event  # noqa: E402
from services.common.outbox import EventPublisher  # noqa: E402
from tests.support.infrastructure import queue_consumers  # noqa: E402
from tests.support.kernel_services import THING_CREATED  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

EVENTS = 40
BATCH = 10
QUEUE = f"evt-kernel_producer-{THING_CREATED.name}--slow_batched_consumer.on_things_created"
EFFECT_SECONDS = 1.5  # long enough that the kill lands between a batch's two writes
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SlowBatchedConsumer:
    name = "slow_batched_consumer"
    db = storage.ServiceDatabase("slow_batched_consumer", Inbox.indexes)

    @batched_event_handler(THING_CREATED, batch_size=BATCH, linger_seconds=0.05)
    def on_things_created(self, events):
        import eventlet

        self.db.started.bulk_write([UpdateOne({"_id": e.id}, {"$inc": {"times": 1}}, upsert=True) for e in events])
        eventlet.sleep(EFFECT_SECONDS)
        self.db.applied.bulk_write([UpdateOne({"_id": e.id}, {"$inc": {"times": 1}}, upsert=True) for e in events])


def start_consumer(settings) -> subprocess.Popen:
    env = {**os.environ, "AMQP_URI": settings.amqp_uri, "MONGO_URI": settings.mongo_uri,
           "SHEGONG_DATABASE_PREFIX": settings.database_prefix, "SHEGONG_EVENT_MAX_RETRIES": "2",
           "SHEGONG_EVENT_RETRY_BASE_MS": "100", "SHEGONG_LOG_LEVEL": "WARNING", "SHEGONG_MAX_WORKERS": "10"}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.test_batched_consumer_crash"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_consumer_killed_mid_batch_applies_every_event_once(isolated_settings):
    db = storage.database("slow_batched_consumer")
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
        # kill while a batch is started and not applied
        wait_for(lambda: db.started.count_documents({}) - db.applied.count_documents({}) >= BATCH // 2, timeout=60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        held = db[Inbox.COLLECTION].count_documents({"state": "claimed"})
        assert held >= BATCH // 2, "the kill must leave a batch's claims behind, or this test shows nothing"

        killed_at = time.monotonic()
        restarted = start_consumer(isolated_settings)
        wait_for(lambda: db.applied.count_documents({}) == EVENTS, timeout=60, interval=0.2)
        recovery = time.monotonic() - killed_at

        applied = {doc["_id"]: doc["times"] for doc in db.applied.find({})}
        assert applied == {event_id: 1 for event_id in event_ids}
        wait_for(lambda: db[Inbox.COLLECTION].count_documents({"state": "done"}) == EVENTS, timeout=20)
        assert list_dead_letters(isolated_settings.amqp_uri) == []
        assert recovery < 40, f"recovery took {recovery:.1f}s; the inbox lease is 60 s"
    finally:
        for process in (first, restarted):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)


def main():
    import nameko
    from nameko.containers import ServiceContainer

    from services.common.config import settings

    with nameko.config.patch(settings().nameko_config(SlowBatchedConsumer.name)):
        container = ServiceContainer(SlowBatchedConsumer)
        container.start()
        container.wait()


if __name__ == "__main__":
    main()
