"""The event history against the real broker and real pymongo over TCP to the document store."""
from __future__ import annotations

import contextlib
import io
import json

import pytest
from kombu import Queue

from services.common import eventlog, storage
from services.common.broker import connection, events_exchange
from services.common.errors import Conflict
from services.common.eventlog import EventLog, EventLogBusy, Pending
from services.common.events import new_event
from services.common.outbox import EventPublisher, relay_once
from shegong.cli import main as shegong
from tests.support.containers import rpc_client, running
from tests.support.eventlog_services import PARCEL_LOGGED, PRODUCER, HistoryProducer, ParcelCounter
from tests.support.waiting import wait_for


def producer_db():
    return storage.database(PRODUCER)


def store_parcel(parcel_id: str, station_id: str = "ST320102001", region_code: str = "320102001"):
    event = new_event(PARCEL_LOGGED, {"parcel_id": parcel_id, "label": "l", "name": "李四", "phone": "13900001111",
                                      "urgent": True}, correlation_id=f"c-{parcel_id}",
                      actor={"user_id": "clerk-1", "role": "station_staff"})
    storage.AggregateStore(producer_db(), "parcels", "parcel").insert(
        {"_id": parcel_id, "station_id": station_id, "region_code": region_code}, [event])
    return event


def relay(publisher=None) -> int:
    storage.ensure_indexes(producer_db(), eventlog.INDEXES)
    own = publisher is None
    publisher = publisher or EventPublisher(storage.settings().amqp_uri)
    try:
        return relay_once(producer_db(), ["parcels"], publisher)
    finally:
        if own:
            publisher.close()


def logged(sequence: int) -> dict:
    return producer_db()[eventlog.LOG].find_one({"_id": sequence})


def run_cli(*args) -> tuple[int, dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = shegong(["events", *args])
    return code, json.loads(out.getvalue())


def test_relay_appends_every_published_event_in_order_and_the_log_verifies(isolated_settings):
    events = [store_parcel(f"p{i}") for i in range(5)]
    with connection(isolated_settings.amqp_uri) as conn:
        tap = Queue(f"tap-{PRODUCER}", exchange=events_exchange(PRODUCER), routing_key="#", auto_delete=False)
        tap(conn.channel()).declare()
        assert relay() == 5
        messages = [tap(conn.channel()).get(no_ack=True) for _ in range(5)]
    # each message says where it sits in the history, so consumers can tell replayed from live
    assert [(m.payload["id"], m.headers[eventlog.SEQUENCE_HEADER]) for m in messages] == \
        [(e.id, n) for n, e in enumerate(events, start=1)]
    entries = [logged(s) for s in range(1, 6)]
    assert [e["event_id"] for e in entries] == [e.id for e in events]
    assert entries[0]["prev_hash"] == eventlog.GENESIS_HASH
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(entries, entries[1:], strict=False))
    assert entries[2]["aggregate_id"] == "p2" and entries[2]["station_ids"] == ["ST320102001"]
    head = EventLog(producer_db()).head()
    assert (head["sequence"], head["hash"]) == (5, entries[-1]["hash"])
    code, report = run_cli("verify", PRODUCER)
    assert code == 0 and report["ok"] and report["checked"] == 5
    # the outbox is cleared: nothing is appended twice on the next pass
    assert relay() == 0 and logged(6) is None


def test_relay_dying_between_append_and_publish_appends_nothing_twice(isolated_settings):
    event = store_parcel("crash")
    docs = list(producer_db().parcels.find({"_id": "crash"}))
    storage.ensure_indexes(producer_db(), eventlog.INDEXES)
    first = eventlog.record_batch(producer_db(), "parcels", docs)  # appended; then the relay died
    assert first == {event.id: 1}
    assert relay() == 1  # the restarted relay publishes it ...
    assert logged(1)["event_id"] == event.id and logged(2) is None  # ... without a second entry
    assert run_cli("verify", PRODUCER)[0] == 0


def test_one_writer_at_a_time_and_a_dead_writers_entries_are_adopted(isolated_settings, monkeypatch):
    storage.ensure_indexes(producer_db(), eventlog.INDEXES)
    db = producer_db()
    pending = [Pending(store_parcel(f"w{i}").to_dict(), "parcels", f"w{i}", {"region_code": "320102001",
                                                                           "station_ids": ["ST1"]}) for i in range(3)]
    holder = EventLog(db, writer="replica-a")
    holder.append(pending[:1])
    holder._take_lease()  # replica A is in the middle of its next append
    monkeypatch.setattr(eventlog, "LEASE_WAIT_SECONDS", 0.3)
    with pytest.raises(EventLogBusy):
        EventLog(db, writer="replica-b").append(pending[1:2])
    # Replica A dies after inserting entry 2 but before moving the head, and its lease runs out.
    db[eventlog.LOG].insert_one(eventlog._entry(2, logged(1)["hash"], pending[1]))
    db[eventlog.HEAD].update_one({"_id": eventlog.HEAD_ID}, {"$set": {"lease_until": 0}})
    assert EventLog(db).head()["sequence"] == 1
    replica_b = EventLog(db, writer="replica-b")
    # B's batch repeats the dead writer's event: entry 2 is adopted, the new one chained after it.
    assert replica_b.append(pending[1:]) == {pending[1].envelope["id"]: 2, pending[2].envelope["id"]: 3}
    assert EventLog(db).head()["sequence"] == 3 and EventLog(db).verify()["ok"]
    assert replica_b.append(pending) == {p.envelope["id"]: n for n, p in enumerate(pending, start=1)}
    assert logged(4) is None  # all three were logged already: nothing appended


def test_an_altered_event_is_caught_at_the_first_bad_entry(isolated_settings):
    for i in range(6):
        store_parcel(f"t{i}")
    relay()
    earlier_head = EventLog(producer_db()).head()
    log_entries = producer_db()[eventlog.LOG]
    original = logged(4)
    log_entries.update_one({"_id": 4}, {"$set": {"content": original["content"].replace("李四", "王五")}})
    code, report = run_cli("verify", PRODUCER)
    assert code != 0 and not report["ok"]
    assert report["first_bad"]["sequence"] == 4 and "altered" in report["first_bad"]["reason"]
    # An editor who also recomputes every later hash is caught by anyone holding an earlier head.
    prev = logged(3)["hash"]
    for sequence in range(4, 7):
        entry = logged(sequence)
        content = entry["content"].replace("李四", "王五")
        digest = eventlog.digest_of(content)
        new_hash = eventlog.chain_hash(prev, digest)
        log_entries.update_one({"_id": sequence}, {"$set": {"content": content, "digest": digest, "prev_hash": prev,
                                                           "hash": new_hash}})
        prev = new_hash
    producer_db()[eventlog.HEAD].update_one({"_id": eventlog.HEAD_ID}, {"$set": {"hash": prev}})
    assert run_cli("verify", PRODUCER)[0] == 0  # internally consistent again ...
    code, report = run_cli("verify", PRODUCER, "--from-sequence", str(earlier_head["sequence"]),
                           "--from-hash", earlier_head["hash"])
    assert code != 0 and "rewritten" in report["first_bad"]["reason"]  # ... but not what was published


def test_a_scope_copy_changed_beside_the_hashed_content_is_caught(isolated_settings):
    store_parcel("s1")
    relay()
    producer_db()[eventlog.LOG].update_one({"_id": 1}, {"$set": {"region_code": "110101001"}})
    report = EventLog(producer_db()).verify()
    assert not report["ok"] and report["first_bad"] == {"sequence": 1,
                                                        "reason": "region_code differs from the hashed content"}


def test_earlier_head_still_verifies_after_the_log_grew(isolated_settings):
    store_parcel("g1")
    relay()
    head = EventLog(producer_db()).head()
    store_parcel("g2")
    relay()
    code, report = run_cli("verify", PRODUCER, "--from-sequence", str(head["sequence"]), "--from-hash", head["hash"])
    assert code == 0 and report["head"]["sequence"] == 2 and report["checked"] == 1


def test_projection_replays_history_then_follows_live_events_none_missed_none_twice(isolated_settings):
    def counts():
        doc = storage.database("history_consumer").projections.find_one({"_id": "parcel_counts"}) or {}
        return doc.get("positions", {}).get(PRODUCER, 0), (doc.get("state") or {}).get("seen", {})

    with running(HistoryProducer, settings=isolated_settings), rpc_client(isolated_settings) as client:
        for i in range(30):  # before the consumer exists: no queue holds these, only the history
            client.history_producer.log_parcel(f"old{i}")
        wait_for(lambda: EventLog(producer_db()).head()["sequence"] == 30)
        with running(ParcelCounter, settings=isolated_settings) as (consumer,):
            for i in range(5):  # live while the catch-up runs: delivered and replayed, applied once
                client.history_producer.log_parcel(f"during{i}")
            wait_for(lambda: counts()[0] >= 10, interval=0.01)
            consumer.kill()  # the consumer dies in the middle of its catch-up
        stopped_at = counts()[0]
        assert 10 <= stopped_at < 35  # stopped half-way through
        for i in range(5):  # while the consumer is down: they wait in its queue
            client.history_producer.log_parcel(f"down{i}")
        with running(ParcelCounter, settings=isolated_settings):
            wait_for(lambda: counts()[0] == 40, timeout=20)
            for i in range(5):
                client.history_producer.log_parcel(f"live{i}")
            wait_for(lambda: counts()[0] == 45, timeout=20)
            position, seen = counts()
    expected = {f"{kind}{i}" for kind, n in (("old", 30), ("during", 5), ("down", 5), ("live", 5)) for i in range(n)}
    assert set(seen) == expected
    assert set(seen.values()) == {1}


def test_history_is_scoped_and_masks_personal_data(isolated_settings):
    from services.common.auth import Viewer
    from services.common.errors import NotFound
    storage.ensure_indexes(producer_db(), eventlog.INDEXES)
    store_parcel("h1", station_id="ST320102001", region_code="320102001")
    relay()
    staff = Viewer("u1", "station_staff", station_ids=("ST320102001",))
    page = eventlog.aggregate_history(producer_db(), staff, "parcels", "h1")
    (item,) = page["items"]
    shown = {f["path"]: f for f in item["fields"]}
    assert item["actor"] == {"user_id": "clerk-1", "role": "station_staff"} and item["type"] == PARCEL_LOGGED.name
    assert shown["name"]["value"] == "李*" and shown["name"]["masked"]
    assert shown["phone"]["value"] == "139****1111"
    assert shown["urgent"]["value"] is True and not shown["urgent"]["masked"]
    county = Viewer("u2", "county", region="320102")
    assert eventlog.aggregate_history(producer_db(), county, "parcels", "h1")["total"] == 1
    for outsider in (Viewer("u3", "station_staff", station_ids=("ST999",)), Viewer("u4", "county", region="321181")):
        with pytest.raises(NotFound):
            eventlog.aggregate_history(producer_db(), outsider, "parcels", "h1")


def test_archived_segment_and_remaining_log_each_verify_and_chain_together(isolated_settings, tmp_path):
    for i in range(6):
        store_parcel(f"a{i}")
    relay()
    hash_4 = logged(4)["hash"]
    segment = tmp_path / "history_producer-1-4.jsonl"
    code, header = run_cli("archive", PRODUCER, "--through", "4", "--out", str(segment))
    assert code == 0 and header["last_sequence"] == 4 and header["last_hash"] == hash_4
    assert header["anchor_hash"] == eventlog.GENESIS_HASH
    assert logged(4) is None and logged(5)["prev_hash"] == hash_4  # the segment's last hash anchors the rest
    code, report = run_cli("verify", PRODUCER)
    assert code == 0 and report["checked"] == 2
    code, report = run_cli("verify-segment", str(segment))
    assert code == 0 and report["checked"] == 4
    lines = segment.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("李四", "王五")
    segment.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, report = run_cli("verify-segment", str(segment))
    assert code == 1 and report["first_bad"]["sequence"] == 2
    with pytest.raises(Conflict):  # a consumer cannot silently miss the archived part
        HistoryProducer.events_since(type("S", (), {"name": PRODUCER})(), {"user_id": "s", "role": "admin"}, 0)


def test_concurrent_writers_never_fork_the_chain(isolated_settings):
    import eventlet
    storage.ensure_indexes(producer_db(), eventlog.INDEXES)
    batches = [[Pending(store_parcel(f"r{w}-{n}").to_dict(), "parcels", f"r{w}-{n}",
                        {"region_code": "320102001", "station_ids": ["ST1"]}) for n in range(5)] for w in range(4)]

    def replica(number: int):
        writer = EventLog(producer_db(), writer=f"replica-{number}")
        for start in range(0, 5):
            writer.append(batches[number][start:start + 1])
    pool = [eventlet.spawn(replica, number) for number in range(4)]
    for thread in pool:
        thread.wait()
    report = EventLog(producer_db()).verify()
    assert report["ok"] and report["checked"] == 20
    ids = [logged(s)["event_id"] for s in range(1, 21)]
    assert sorted(ids) == sorted(p.envelope["id"] for batch in batches for p in batch)
