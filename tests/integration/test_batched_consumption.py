"""Batched consumption against the real broker and store: each effect once, failures retried alone."""
from __future__ import annotations

from pymongo import UpdateOne

from services.common import storage
from services.common.batching import batched_event_handler
from services.common.consumers import Inbox
from services.common.deadletters import list_dead_letters
from services.common.events import new_event
from services.common.outbox import EventPublisher
from tests.support.containers import running
from tests.support.kernel_services import THING_CREATED
from tests.support.waiting import wait_for


def _note_batch_and_blink_twice_on_flaky(db, events) -> None:
    """Record the batch's size; an event labelled `flaky` fails its first two attempts (a store that blinks)."""
    db.batches.insert_one({"size": len(events)})
    for event in events:
        if event.payload["label"] == "flaky":
            failed = db.failed.find_one_and_update({"_id": event.id}, {"$inc": {"times": 1}}, upsert=True,
                                                   return_document=True)
            if failed["times"] <= 2:
                raise ConnectionError("the store blinked")

class BatchedConsumerService:
    """A read model fed in batches; an event labelled `flaky` fails its first two applications (in its batch,
    then alone), so it goes through a retry queue while the rest of its batch is applied once."""

    name = "batched_consumer"
    db = storage.ServiceDatabase("batched_consumer", Inbox.indexes)

    @batched_event_handler(THING_CREATED, batch_size=10, linger_seconds=0.05)
    def on_things_created(self, events):
        _note_batch_and_blink_twice_on_flaky(self.db, events)
        self.db.applied.bulk_write([UpdateOne({"_id": event.id}, {"$inc": {"times": 1}}, upsert=True)
                                    for event in events], ordered=False)


def things(count: int, label: str = "x", start: int = 0) -> list:
    return [new_event(THING_CREATED, {"thing_id": f"b{n}", "label": label}, correlation_id=f"c{n}")
            for n in range(start, start + count)]


def publish(settings, events) -> None:
    publisher = EventPublisher(settings.amqp_uri)
    try:
        for event in events:
            publisher.publish(event.to_dict())
        publisher.wait_for_confirms()
    finally:
        publisher.close()


def applied() -> dict[str, int]:
    return {doc["_id"]: doc["times"] for doc in storage.database("batched_consumer").applied.find({})}


def test_a_batch_with_duplicates_applies_each_event_once(isolated_settings):
    events = things(25)
    with running(BatchedConsumerService, settings=isolated_settings):
        publish(isolated_settings, events + events[:7] + events[3:5])
        wait_for(lambda: len(applied()) == 25, timeout=30)
        wait_for(lambda: storage.database("batched_consumer")[Inbox.COLLECTION].count_documents(
            {"state": "done"}) == 25, timeout=30)
    assert applied() == {event.id: 1 for event in events}
    sizes = [doc["size"] for doc in storage.database("batched_consumer").batches.find({})]
    assert max(sizes) > 1, "the events were not consumed in batches"
    assert list_dead_letters(isolated_settings.amqp_uri) == []


def test_a_redelivered_batch_has_no_second_effect(isolated_settings):
    events = things(12)
    with running(BatchedConsumerService, settings=isolated_settings):
        publish(isolated_settings, events)
        wait_for(lambda: len(applied()) == 12, timeout=30)
    batches = storage.database("batched_consumer").batches
    batches_before = batches.count_documents({})
    marker = things(1, start=50)
    with running(BatchedConsumerService, settings=isolated_settings):
        publish(isolated_settings, events)  # the same batch again, as after a relay crash
        publish(isolated_settings, marker)  # applied only after the redelivered batch was handled
        wait_for(lambda: marker[0].id in applied(), timeout=30)
    assert applied() == {event.id: 1 for event in events + marker}
    assert [doc["size"] for doc in batches.find({})][batches_before:] == [1], \
        "an effect ran for events already done"
    assert list_dead_letters(isolated_settings.amqp_uri) == []


def test_an_event_that_fails_is_retried_alone(isolated_settings):
    steady, flaky = things(9), things(1, label="flaky", start=100)
    with running(BatchedConsumerService, settings=isolated_settings):
        publish(isolated_settings, steady[:4] + flaky + steady[4:])
        wait_for(lambda: len(applied()) == 10, timeout=30)
    assert applied() == {event.id: 1 for event in steady + flaky}
    assert storage.database("batched_consumer").failed.find_one({"_id": flaky[0].id})["times"] == 3
    assert list_dead_letters(isolated_settings.amqp_uri) == []




class RecordingConsumerService:
    """A read model of one record per event: the kernel writes the records, which are their own inbox records.
    An event labelled `flaky` cannot be made twice (in its batch, then alone) and goes through a retry queue."""

    name = "recording_consumer"
    db = storage.ServiceDatabase("recording_consumer")

    @batched_event_handler(THING_CREATED, batch_size=10, linger_seconds=0.05, records="things")
    def on_things_created(self, events):
        _note_batch_and_blink_twice_on_flaky(self.db, events)
        return {event.id: {"thing_id": event.payload["thing_id"]} for event in events}


def recorded() -> dict[str, str]:
    return {doc["_id"]: doc["thing_id"] for doc in storage.database("recording_consumer").things.find({})}


def test_records_keyed_by_the_event_apply_each_event_once_without_inbox_records(isolated_settings):
    events, flaky = things(20, start=200), things(1, label="flaky", start=300)
    with running(RecordingConsumerService, settings=isolated_settings):
        publish(isolated_settings, events[:10] + flaky + events[10:] + events[:6])  # copies, as after a relay crash
        wait_for(lambda: len(recorded()) == 21, timeout=30)
        publish(isolated_settings, events)  # the whole set again
        marker = things(1, start=400)
        publish(isolated_settings, marker)
        wait_for(lambda: marker[0].id in recorded(), timeout=30)
    db = storage.database("recording_consumer")
    assert recorded() == {event.id: event.payload["thing_id"] for event in events + flaky + marker}
    assert db.failed.find_one({"_id": flaky[0].id})["times"] == 3
    assert db[Inbox.COLLECTION].count_documents({}) == 0
    assert max(doc["size"] for doc in db.batches.find({})) > 1, "the events were not consumed in batches"
    assert list_dead_letters(isolated_settings.amqp_uri) == []
