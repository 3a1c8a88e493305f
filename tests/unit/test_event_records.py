"""A batched consumer whose effect is one record per event (batching.EventRecords): the record is its inbox."""
from __future__ import annotations

import pytest

from services.common.batching import EventRecords
from services.common.consumers import Inbox
from services.common.events import new_event
from tests.support.kernel_services import THING_CREATED
from tests.support.memory_store import memory_database


@pytest.fixture
def db():
    return memory_database("event_records", Inbox.indexes)


def events(count: int, label: str = "x") -> list:
    return [new_event(THING_CREATED, {"thing_id": f"t{n}", "label": label}, correlation_id=f"c{n}")
            for n in range(count)]


def rows(batch: list) -> dict:
    return {event.id: {"thing_id": event.payload["thing_id"]} for event in batch}


def test_a_batch_is_one_record_per_event_keyed_by_the_event_and_no_inbox_record(db):
    batch = events(5)
    assert EventRecords(db.records).apply(batch, rows) == {}
    assert {doc["_id"]: doc["thing_id"] for doc in db.records.find({})} == {e.id: e.payload["thing_id"] for e in batch}
    assert db[Inbox.COLLECTION].count_documents({}) == 0


def test_a_redelivered_or_repeated_event_changes_nothing(db):
    batch = events(4)
    records = EventRecords(db.records)
    records.apply(batch[:2], rows)
    db.records.update_one({"_id": batch[0].id}, {"$set": {"seen": 1}})  # what the first application left
    made: list[str] = []

    def counting(fresh):
        made.extend(event.id for event in fresh)
        return rows(fresh)

    assert records.apply(batch + batch[1:3], counting) == {}
    assert sorted(made) == sorted(event.id for event in batch)  # a copy within the batch is made once
    assert db.records.count_documents({}) == 4
    assert db.records.find_one({"_id": batch[0].id})["seen"] == 1  # not written again


def test_a_batch_that_cannot_be_made_is_made_one_by_one_and_only_the_failing_event_fails(db):
    batch = events(4)

    def make(fresh):
        if any(event is batch[2] for event in fresh):
            raise ValueError("cannot make t2")
        return rows(fresh)

    failures = EventRecords(db.records).apply(batch, make)
    assert list(failures) == [batch[2].id] and isinstance(failures[batch[2].id], ValueError)
    assert sorted(doc["_id"] for doc in db.records.find({})) == sorted(e.id for e in batch if e is not batch[2])
    assert EventRecords(db.records).apply([batch[2]], rows) == {}  # its retry writes it
    assert db.records.count_documents({}) == 4


def test_a_store_failure_fails_the_events_of_the_batch_for_their_retry(db, monkeypatch):
    batch = events(3)

    def unreachable(*args, **kwargs):
        raise ConnectionError("the store went away")

    monkeypatch.setattr(db.records, "insert_many", unreachable)
    failures = EventRecords(db.records).apply(batch, rows)
    assert sorted(failures) == sorted(event.id for event in batch)


def test_a_record_for_an_event_not_in_the_batch_is_refused(db):
    batch = events(2)
    with pytest.raises(TypeError):
        EventRecords(db.records).apply(batch[:1], lambda fresh: rows(batch))
