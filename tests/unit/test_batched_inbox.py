"""The batched Inbox on the in-memory store: one bulk claim, effects once, failures alone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.batching import BatchInbox
from services.common.consumers import Inbox, ProcessingInProgress
from services.common.events import new_event
from tests.support.kernel_services import THING_CREATED
from tests.support.memory_store import memory_database


@pytest.fixture
def inbox():
    return BatchInbox(memory_database("batched_inbox", Inbox.indexes), "consumer.on_things")


def events(count: int, label: str = "x") -> list:
    return [new_event(THING_CREATED, {"thing_id": f"t{n}", "label": label}, correlation_id=f"c{n}")
            for n in range(count)]


def test_fresh_events_are_applied_in_one_effect_and_marked_done(inbox):
    batch, calls = events(5), []
    assert inbox.process_batch(batch, calls.append) == {}
    assert calls == [batch]
    assert inbox.collection.count_documents({"state": "done"}) == 5


def test_events_already_done_are_skipped_and_duplicates_in_a_batch_count_once(inbox):
    batch, calls = events(4), []
    inbox.process_batch(batch[:2], calls.append)
    inbox.process_batch(batch + batch[2:3], calls.append)
    applied = [event.id for call in calls for event in call]
    assert sorted(applied) == sorted(event.id for event in batch)


def test_an_event_a_live_worker_holds_waits_and_the_others_go_on(inbox):
    batch, calls = events(3), []
    inbox.collection.insert_one({"_id": f"{inbox.consumer}:{batch[1].id}", "consumer": inbox.consumer,
                                 "event_id": batch[1].id, "state": "claimed", "holder": None,
                                 "lease_until": clock.utcnow() + timedelta(seconds=60)})
    failures = inbox.process_batch(batch, calls.append)
    assert list(failures) == [batch[1].id] and isinstance(failures[batch[1].id], ProcessingInProgress)
    assert calls == [[batch[0], batch[2]]]


def test_a_failing_batch_is_applied_one_by_one_and_only_the_failing_event_fails(inbox):
    batch = events(4)
    applied: list[str] = []

    def effect(fresh):
        if any(event is batch[2] for event in fresh):
            raise ConnectionError("cannot apply t2 yet")
        applied.extend(event.id for event in fresh)

    failures = inbox.process_batch(batch, effect)
    assert list(failures) == [batch[2].id]
    assert sorted(applied) == sorted(event.id for event in batch if event is not batch[2])
    assert inbox.collection.count_documents({"state": "done"}) == 3
    assert inbox.collection.count_documents({"state": "claimed"}) == 0  # free for its retry
