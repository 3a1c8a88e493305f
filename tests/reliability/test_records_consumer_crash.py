"""Fault: a batched consumer whose records are its inbox (batching.EventRecords) is killed (SIGKILL) after a
batch's records were written and before the batch was acknowledged. After the restart the broker delivers
those events again, the store refuses their second records, and every event has exactly one record; nothing
is dead-lettered and nothing waits for a lease (there is none).

`python -m tests.reliability.test_records_consumer_crash` runs the consumer (settings from the environment).
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

from services.common import batching, storage  # noqa: E402
from services.common.batching import batched_event_handler  # noqa: E402
from services.common.consumers import Inbox  # noqa: E402
from services.common.deadletters import list_dead_letters  # noqa: E402
from services.common.events import new_event  # noqa: E402
from services.common.outbox import EventPublisher  # noqa: E402
from tests.reliability.test_batched_consumer_crash import ROOT  # noqa: E402
from tests.support.infrastructure import queue_consumers  # noqa: E402
from tests.support.kernel_services import THING_CREATED  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

EVENTS = 40
BATCH = 10
QUEUE = f"evt-kernel_producer-{THING_CREATED.name}--recording_crash_consumer.on_things_created"
AFTER_WRITE_SECONDS = 1.5  # the window between a batch's records and its acknowledgement, where the kill lands


class RecordingConsumer:
    name = "recording_crash_consumer"
    db = storage.ServiceDatabase("recording_crash_consumer")

    @batched_event_handler(THING_CREATED, batch_size=BATCH, linger_seconds=0.05, records="things")
    def on_things_created(self, events):
        self.db.made.insert_many([{"event_id": event.id} for event in events])
        return {event.id: {"thing_id": event.payload["thing_id"]} for event in events}


def start_consumer(settings, slow: bool) -> subprocess.Popen:
    env = {**os.environ, "AMQP_URI": settings.amqp_uri, "MONGO_URI": settings.mongo_uri,
           "SHEGONG_DATABASE_PREFIX": settings.database_prefix, "SHEGONG_EVENT_MAX_RETRIES": "2",
           "SHEGONG_EVENT_RETRY_BASE_MS": "100", "SHEGONG_LOG_LEVEL": "WARNING", "SHEGONG_MAX_WORKERS": "10",
           "SLOW_AFTER_WRITE": "1" if slow else ""}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.test_records_consumer_crash"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_consumer_killed_between_records_and_ack_leaves_one_record_per_event(isolated_settings):
    db = storage.database("recording_crash_consumer")
    first = start_consumer(isolated_settings, slow=True)
    restarted = None
    try:
        wait_for(lambda: queue_consumers(isolated_settings.amqp_uri, QUEUE), timeout=60, interval=0.2)
        publisher = EventPublisher(isolated_settings.amqp_uri)
        event_ids = []
        for number in range(EVENTS):
            event = new_event(THING_CREATED, {"thing_id": f"r{number}", "label": "x"}, correlation_id=f"c{number}")
            publisher.publish(event.to_dict())
            event_ids.append(event.id)
        publisher.close()
        wait_for(lambda: db.things.count_documents({}) >= BATCH, timeout=60, interval=0.05)
        os.kill(first.pid, signal.SIGKILL)  # inside the pause after the first batch's records
        first.wait(10)
        written_before = db.things.count_documents({})
        assert 0 < written_before < EVENTS

        killed_at = time.monotonic()
        restarted = start_consumer(isolated_settings, slow=False)
        wait_for(lambda: db.things.count_documents({}) == EVENTS, timeout=60, interval=0.2)
        recovery = time.monotonic() - killed_at

        records = list(db.things.find({}))
        assert sorted(doc["_id"] for doc in records) == sorted(event_ids)
        made = [doc["event_id"] for doc in db.made.find({})]
        assert len(made) > EVENTS, "no batch was delivered again, so this test shows nothing"
        assert list_dead_letters(isolated_settings.amqp_uri) == []
        assert db[Inbox.COLLECTION].count_documents({}) == 0
        assert recovery < 40, f"recovery took {recovery:.1f}s"
    finally:
        for process in (first, restarted):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)


def main():
    import eventlet
    import nameko
    from nameko.containers import ServiceContainer

    from services.common.config import settings

    if os.environ.get("SLOW_AFTER_WRITE"):
        insert = batching.EventRecords._insert

        def then_pause(self, events, documents):
            failures = insert(self, events, documents)
            eventlet.sleep(AFTER_WRITE_SECONDS)
            return failures

        batching.EventRecords._insert = then_pause  # type: ignore[method-assign]
    with nameko.config.patch(settings().nameko_config(RecordingConsumer.name)):
        container = ServiceContainer(RecordingConsumer)
        container.start()
        container.wait()


if __name__ == "__main__":
    main()
