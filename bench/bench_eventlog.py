"""Event history: how fast the log grows, and what appending, replaying and verifying cost.

Casework's real contracts, a year of one household's typical events: household.registered,
needs.assessed (two needs) and four visit.logged, appended in batches of 200 envelopes (what
the relay hands `eventlog.record_batch` per claimed batch), to an nx-27017 that keeps its data on
disk, so the file's growth is measured as well as the documents' BSON size.

    python -m bench.bench_eventlog [--households 5000] [--relay-events 2000]

Figures per 100,000 households are the per-event size times the events of that many households.
The relay part drains the same number of stored events through `relay_once` to a real broker twice
in one run: with the history hook and, as the baseline, with the hook replaced by a no-op.
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import datetime  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import bson  # noqa: E402

from services.common import config, eventlog, storage  # noqa: E402
from services.common.events import new_event  # noqa: E402
from services.common.outbox import EventPublisher, relay_once  # noqa: E402
from services.contracts.casework import HOUSEHOLD_REGISTERED, NEEDS_ASSESSED, VISIT_LOGGED  # noqa: E402
from tests.support.infrastructure import NxServer  # noqa: E402

BATCH = 200
ACTOR = {"user_id": "stf-ST321102001-3", "role": "station_staff"}


def household_year(number: int) -> list[eventlog.Pending]:
    household_id, station_id, township = f"HH{number:08d}", "ST321102001", "321102001"
    scope = {"region_code": township, "station_ids": [station_id]}
    common = {"correlation_id": str(uuid.uuid4()), "actor": ACTOR}
    events = [new_event(HOUSEHOLD_REGISTERED, {
        "household_id": household_id, "station_id": station_id, "township_code": township,
        "community_code": "321102001001", "member_count": 3, "groups": ["elderly_alone", "low_income"],
        "registered_on": "2024-03-01", "source": "registration"}, **common)]
    events.append(new_event(NEEDS_ASSESSED, {
        "assessment_id": str(uuid.uuid4()), "household_id": household_id, "station_id": station_id,
        "township_code": township, "community_code": "321102001001", "assessed_on": "2024-03-05",
        "risk_level": "medium", "supersedes": None,
        "needs": [{"need_id": str(uuid.uuid4()), "domain": domain, "need_type": kind, "severity": "medium",
                   "description": "需要定期探访和生活照料", "beneficiary_groups": ["elderly"], "child_related": False,
                   "needed_by": "2024-06-30"} for domain, kind in (("elderly", "home_care"),
                                                                 ("social_assistance", "income_support"))]},
        **common))
    for visit in range(4):
        events.append(new_event(VISIT_LOGGED, {
            "visit_id": str(uuid.uuid4()), "household_id": household_id, "case_id": None, "campaign_id": None,
            "station_id": station_id, "township_code": township, "visit_type": "home",
            "visited_on": (datetime.date(2024, 3, 10) + datetime.timedelta(days=90 * visit)).isoformat(),
            "duration_minutes": 45, "staff_ids": ["stf-ST321102001-3"]}, **common))
    return [eventlog.Pending(e.to_dict(), "households", household_id, scope) for e in events]


def relay_rate(events: int, with_history: bool) -> float:
    """Events/s draining `events` stored household events through relay_once to the broker."""
    from bench.common import private_platform
    with private_platform() as settings:
        db = storage.database("casework")
        storage.ensure_indexes(db, [*eventlog.INDEXES, *storage.outbox_indexes("households")])
        store = storage.AggregateStore(db, "households", "household")
        for number in range(events):
            item = household_year(number)[0]
            store.collection.insert_one({"_id": item.aggregate_id, "station_id": "ST321102001",
                                         "region_code": "321102001", storage.VERSION: 1, storage.OUTBOX_LEASE: 0,
                                         storage.OUTBOX_PENDING: True,
                                         storage.OUTBOX: {item.envelope["id"]: {"order": 1000,
                                                                                "envelope": item.envelope}}})
        original = eventlog.record_batch
        if not with_history:
            eventlog.record_batch = lambda *_args: {}
        publisher = EventPublisher(settings.amqp_uri)
        try:
            started, sent = time.perf_counter(), 0
            while sent < events:
                sent += relay_once(db, ["households"], publisher)
            return events / (time.perf_counter() - started)
        finally:
            eventlog.record_batch = original
            publisher.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--relay-events", type=int, default=2000)
    args = parser.parse_args()
    if args.relay_events:
        # Interleaved, best of three each: the broker and store warm up, and the machine is shared.
        runs = {True: [], False: []}
        for _ in range(3):
            for with_history in (False, True):
                runs[with_history].append(relay_rate(args.relay_events, with_history))
        with_log, without = max(runs[True]), max(runs[False])
        print(f"relay to the broker, {args.relay_events} events, best of 3: with the history {with_log:,.0f} "
              f"events/s, baseline without it {without:,.0f} events/s ({with_log / without:.2f}x); "
              f"all runs {[round(r) for r in runs[True]]} vs {[round(r) for r in runs[False]]}")
    with tempfile.TemporaryDirectory(prefix="nx-eventlog-") as data_dir:
        server = NxServer(data_dir=data_dir).start()
        try:
            config.override(config.Settings(mongo_uri=server.uri, database_prefix=f"b{uuid.uuid4().hex[:8]}"))
            db = storage.database("casework")
            storage.ensure_indexes(db, eventlog.INDEXES)
            log = eventlog.EventLog(db)
            log.append(household_year(0)[:1])  # creates the collections, so the baseline holds their pages
            files = lambda: sum(p.stat().st_size for p in Path(data_dir).rglob("*") if p.is_file())  # noqa: E731
            baseline = files()
            pending = [item for number in range(1, args.households + 1) for item in household_year(number)]
            started = time.perf_counter()
            for start in range(0, len(pending), BATCH):
                log.append(pending[start:start + BATCH])
            append_seconds = time.perf_counter() - started
            events = len(pending)
            grown = files() - baseline
            bson_bytes = sum(len(bson.encode(d)) for d in db[eventlog.LOG].find({"_id": {"$gt": 1}}))
            envelope_bytes = sum(len(eventlog.canonical(p.envelope).encode()) for p in pending)
            head = log.head()["sequence"]
            started = time.perf_counter()
            pages = 0
            for position in range(0, min(head, 20_000), BATCH):
                log.entries_after(position, BATCH)
                pages += 1
            replay_seconds = time.perf_counter() - started
            started = time.perf_counter()
            report = log.verify()
            verify_seconds = time.perf_counter() - started
        finally:
            config.override(None)
            server.stop()
    per_household = events / args.households
    print(f"households={args.households} events={events} ({per_household:g} per household-year)")
    print(f"append: {events / append_seconds:,.0f} events/s in batches of {BATCH}")
    print(f"envelope (canonical JSON) {envelope_bytes / events:,.0f} B/event; "
          f"log entry BSON {bson_bytes / events:,.0f} B/event; nx-27017 file growth {grown / events:,.0f} B/event")
    for label, per_event in (("BSON", bson_bytes / events), ("nx-27017 file", grown / events)):
        print(f"per 100,000 households per year ({label}): {per_event * per_household * 100_000 / 1e9:.2f} GB")
    print(f"replay: {pages} pages of {BATCH} by _id in {replay_seconds:.2f} s "
          f"({pages * BATCH / replay_seconds:,.0f} entries/s)")
    print(f"verify: {report['checked']:,} entries in {verify_seconds:.2f} s "
          f"({report['checked'] / verify_seconds:,.0f} entries/s), ok={report['ok']}")


if __name__ == "__main__":
    main()
