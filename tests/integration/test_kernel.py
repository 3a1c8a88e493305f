"""The shared kernel against the real broker and a real wire-protocol document store."""
from __future__ import annotations

import eventlet
import pytest

from services.common import storage
from services.common.deadletters import list_dead_letters, replay_dead_letters
from services.common.errors import ConcurrentModification, Conflict
from services.common.events import new_event
from services.common.outbox import EventPublisher, relay_once
from tests.support.containers import rpc_client, running
from tests.support.kernel_services import THING_CREATED, ConsumerService, ProducerService
from tests.support.waiting import wait_for as wait_until


def seen(settings, thing_id):
    return list(storage.database("kernel_consumer").seen.find({"thing_id": thing_id}))


def test_event_goes_out_through_outbox_and_in_once(isolated_settings):
    with running(ProducerService, ConsumerService, settings=isolated_settings):
        with rpc_client(isolated_settings) as client:
            client.kernel_producer.create.call_async("t1", "first")
            client.kernel_producer.create("t1b", "second")
        records = wait_until(lambda: seen(isolated_settings, "t1"))
        assert len(records) == 1
        wait_until(lambda: seen(isolated_settings, "t1b"))
        # the outbox is emptied once the broker confirmed
        doc = storage.database("kernel_producer").things.find_one({"_id": "t1"})
        wait_until(lambda: not storage.database("kernel_producer").things.find_one({"_id": "t1"})["_outbox"])
        assert doc["label"] == "first"


def test_duplicate_delivery_has_no_second_effect(isolated_settings):
    event = new_event(THING_CREATED, {"thing_id": "t2", "label": "dup"}, correlation_id="corr-dup")
    with running(ConsumerService, settings=isolated_settings):
        publisher = EventPublisher(isolated_settings.amqp_uri)
        publisher.publish(event.to_dict())
        publisher.publish(event.to_dict())
        publisher.close()
        wait_until(lambda: seen(isolated_settings, "t2"))
        eventlet.sleep(1.0)
        records = seen(isolated_settings, "t2")
    assert len(records) == 1
    assert records[0]["correlation_id"] == "corr-dup"


def test_event_written_while_no_relay_runs_is_published_after_restart(isolated_settings):
    db = storage.database("kernel_producer")
    event = new_event(THING_CREATED, {"thing_id": "t3", "label": "orphan"}, correlation_id="c3")
    # The process "died" right after the write: state and event are stored, nothing was published.
    storage.AggregateStore(db, "things", "thing").insert({"_id": "t3", "label": "orphan"}, [event])
    with running(ConsumerService, settings=isolated_settings):
        eventlet.sleep(0.5)
        assert seen(isolated_settings, "t3") == []
        with running(ProducerService, settings=isolated_settings):  # the restarted producer
            records = wait_until(lambda: seen(isolated_settings, "t3"))
    assert records[0]["event_id"] == event.id


def test_crash_after_publish_before_mark_republishes_same_event_without_second_effect(isolated_settings):
    db = storage.database("kernel_producer")
    store = storage.AggregateStore(db, "things", "thing")
    event = new_event(THING_CREATED, {"thing_id": "t4", "label": "twice"}, correlation_id="c4")
    store.insert({"_id": "t4", "label": "twice"}, [event])
    with running(ConsumerService, settings=isolated_settings):
        publisher = EventPublisher(isolated_settings.amqp_uri)
        publisher.publish(event.to_dict())  # published, then the relay died before marking it sent
        assert relay_once(db, ["things"], publisher) == 1  # the restarted relay sends it again
        publisher.close()
        wait_until(lambda: seen(isolated_settings, "t4"))
        eventlet.sleep(1.0)
        assert len(seen(isolated_settings, "t4")) == 1


def test_failed_write_publishes_nothing(isolated_settings):
    db = storage.database("kernel_producer")
    store = storage.AggregateStore(db, "things", "thing")
    store.insert({"_id": "t5", "label": "original"})
    duplicate = new_event(THING_CREATED, {"thing_id": "t5", "label": "again"}, correlation_id="c5")
    with pytest.raises(Conflict):
        store.insert({"_id": "t5", "label": "again"}, [duplicate])
    stale = new_event(THING_CREATED, {"thing_id": "t5", "label": "stale"}, correlation_id="c5")
    with pytest.raises(ConcurrentModification):
        store.update("t5", expected_version=7, changes={"label": "stale"}, events=[stale])
    publisher = EventPublisher(isolated_settings.amqp_uri)
    assert relay_once(db, ["things"], publisher) == 0
    publisher.close()
    assert db.things.find_one({"_id": "t5"})["label"] == "original"


def test_unreadable_event_is_dead_lettered_with_reason(isolated_settings):
    bad = new_event(THING_CREATED, {"thing_id": "t6", "label": "x"}, correlation_id="c6").to_dict()
    bad["payload"] = {"thing_id": 6}  # wrong type, missing label
    unknown_version = new_event(THING_CREATED, {"thing_id": "t6b", "label": "x"}, correlation_id="c6").to_dict()
    with running(ConsumerService, settings=isolated_settings):
        publisher = EventPublisher(isolated_settings.amqp_uri)
        publisher.publish(bad)
        publisher.publish(unknown_version | {"version": 0})
        publisher.close()
        letters = wait_until(lambda: [d for d in list_dead_letters(isolated_settings.amqp_uri)
                                      if d["event_id"] in (bad["id"], unknown_version["id"])]
                             if len(list_dead_letters(isolated_settings.amqp_uri)) >= 2 else None)
    reasons = {d["event_id"]: d for d in letters}
    assert reasons[bad["id"]]["reason"] == "unreadable"
    assert "label" in reasons[bad["id"]]["error"]
    assert reasons[unknown_version["id"]]["reason"] == "unreadable"
    assert seen(isolated_settings, "t6") == []


def test_failing_handler_is_retried_then_dead_lettered_then_replayed(isolated_settings):
    consumer_db = storage.database("kernel_consumer")
    consumer_db.failures.insert_one({"_id": "t7", "remaining": 100})
    consumer_db.failures.insert_one({"_id": "t8", "remaining": 1})
    with running(ProducerService, ConsumerService, settings=isolated_settings):
        with rpc_client(isolated_settings) as client:
            client.kernel_producer.create("t7", "always fails")
            client.kernel_producer.create("t8", "fails once")
        # t8 succeeds on its first retry
        wait_until(lambda: seen(isolated_settings, "t8"))
        # t7: first attempt + 2 retries (100 ms, 200 ms), then the dead-letter queue
        letter = wait_until(lambda: next((d for d in list_dead_letters(isolated_settings.amqp_uri)
                                          if d["body"]["payload"]["thing_id"] == "t7"), None))
        assert letter["reason"] == "handler-failed"
        assert letter["attempts"] == 2
        assert "planned failure for t7" in letter["error"]
        assert consumer_db.failures.find_one({"_id": "t7"})["remaining"] == 97
        # listing does not consume
        assert any(d["id"] == letter["id"] for d in list_dead_letters(isolated_settings.amqp_uri))
        # fix the cause, replay, and the event takes effect once
        consumer_db.failures.update_one({"_id": "t7"}, {"$set": {"remaining": 0}})
        replayed = replay_dead_letters(isolated_settings.amqp_uri, ids=[letter["id"]])
        assert [r["id"] for r in replayed] == [letter["id"]]
        wait_until(lambda: seen(isolated_settings, "t7"))
        assert all(d["id"] != letter["id"] for d in list_dead_letters(isolated_settings.amqp_uri))
    assert len(seen(isolated_settings, "t8")) == 1


def test_correlation_id_flows_from_rpc_call_to_consumer(isolated_settings):
    with running(ProducerService, ConsumerService, settings=isolated_settings):
        with rpc_client(isolated_settings) as client:
            client.context_data["correlation_id"] = "corr-from-caller"
            client.kernel_producer.create("t9", "traced")
        records = wait_until(lambda: seen(isolated_settings, "t9"))
    assert records[0]["correlation_id"] == "corr-from-caller"


def test_two_concurrent_writers_never_lose_an_update(isolated_settings):
    db = storage.database("kernel_producer")
    store = storage.AggregateStore(db, "counters", "counter")
    store.insert({"_id": "c", "value": 0})
    conflicts = []

    def writer(times):
        for _ in range(times):
            while True:
                current = store.require("c")
                eventlet.sleep(0)  # let the other writer interleave between read and write
                try:
                    store.update("c", current["_version"], {"value": current["value"] + 1})
                    break
                except ConcurrentModification:
                    conflicts.append(1)

    pool = [eventlet.spawn(writer, 25), eventlet.spawn(writer, 25)]
    for thread in pool:
        thread.wait()
    final = store.require("c")
    assert final["value"] == 50
    assert final["_version"] == 51
    assert conflicts, "the writers should have collided at least once"


def test_dead_letters_command_lists_and_replays(isolated_settings):
    import os
    import subprocess
    import sys

    bad = new_event(THING_CREATED, {"thing_id": "t10", "label": "x"}, correlation_id="c10").to_dict()
    bad["payload"] = {"thing_id": 10}
    with running(ConsumerService, settings=isolated_settings):
        publisher = EventPublisher(isolated_settings.amqp_uri)
        publisher.publish(bad)
        publisher.close()
        letter = wait_until(lambda: next((d for d in list_dead_letters(isolated_settings.amqp_uri)
                                          if d["event_id"] == bad["id"]), None))
    env = {**os.environ, "AMQP_URI": isolated_settings.amqp_uri}
    listed = subprocess.run([sys.executable, "-m", "shegong", "dead-letters", "list"], env=env, text=True,
                            capture_output=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert bad["id"] in listed.stdout and "unreadable" in listed.stdout
    assert "dead-lettered message(s)" in listed.stderr
    replayed = subprocess.run([sys.executable, "-m", "shegong", "dead-letters", "replay", "--id", letter["id"]],
                              env=env, text=True, capture_output=True, timeout=60)
    assert "replayed 1 message(s)" in replayed.stderr
    assert all(d["id"] != letter["id"] for d in list_dead_letters(isolated_settings.amqp_uri))
