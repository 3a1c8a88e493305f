"""Casework benchmarks (issue 3).

(a) Bulk import of households with members through the `import_households` RPC (rows validated one
    by one, written in batches: identity claims, households with one `household.registered` event
    each in their outbox, duplicate match keys — each an insert_many). Baseline in the same run:
    households registered one RPC call at a time. The outbox relay is paused during the import (a
    service container without it), so the figure is the import's own; then the relay is started and
    its drain rate of the backlog measured for up to a minute. On nx-27017 a relay draining while
    the import runs slows both (its per-document pick gets slower as pending documents pile up).
(b) `needs.assessed` latency: from the outbox relay handing the event to the broker to a consumer in
    another service entering its handler, p50/p95 — for a stand-in listener and for the real
    volunteers service (its matching handler), both subscribed at once. Baseline in the same run:
    the same event published directly (no outbox) to the same listener. Also reported: from the
    assessment's write to receipt (adds the relay's pick-up).

    python -m bench.bench_casework [--quick] [--households N]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402

from bench.common import percentile, private_platform, summary_ms  # noqa: E402
from services.casework.service import CaseworkService  # noqa: E402
from services.casework.storage import CaseworkRepository  # noqa: E402
from services.casework.usecases import Casework, inbound  # noqa: E402
from services.common import clock, outbox, storage  # noqa: E402
from services.common.auth import SYSTEM  # noqa: E402
from services.common.consumers import Inbox, event_handler  # noqa: E402
from services.common.demo_identities import resident_id_number  # noqa: E402
from services.common.events import new_event  # noqa: E402
from services.common.outbox import EventPublisher  # noqa: E402
from services.contracts.casework import NEEDS_ASSESSED  # noqa: E402
from services.registry.regions import load_demo_townships  # noqa: E402
from tests.support.containers import rpc_client, running  # noqa: E402

BATCH = 1000
DRAIN_SECONDS = 60
PUBLISHED: dict[str, float] = {}  # event id → when the relay handed it to the broker
OCCURRED: dict[str, float] = {}  # needs.assessed event id → when the use case wrote it
RECEIVED: dict[str, dict[str, float]] = {"listener": {}, "volunteers": {}}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英志强桂兰明华丽娟海燕文博玉梅国华淑珍德明春花小雨浩然子涵"


def _instrument_publisher():
    """Record when the relay hands each event to the broker (and, for needs.assessed, when it was written)."""
    original = EventPublisher.publish

    def publish(self, envelope):
        PUBLISHED[envelope["id"]] = time.time()
        if envelope["type"] == NEEDS_ASSESSED.name:
            OCCURRED[envelope["id"]] = clock.parse_timestamp(envelope["occurred_at"]).timestamp()
        return original(self, envelope)

    outbox.EventPublisher.publish = publish


class VolunteersStandIn:
    """A consumer in another service that only records when each needs.assessed arrived."""
    name = "bench_volunteers_stand_in"
    db = storage.ServiceDatabase("bench_volunteers_stand_in", Inbox.indexes)

    @event_handler(NEEDS_ASSESSED)
    def on_needs_assessed(self, event):
        RECEIVED["listener"][event.id] = time.time()
        Inbox(self.db, "stand_in.on_needs_assessed").process_once(
            event.id, lambda: self.db.needs.insert_one({"_id": event.id, "n": len(event.payload["needs"])}))


class CaseworkWithoutRelay(CaseworkService):
    """The casework service as deployed, minus its outbox relay: events wait in the outbox."""
    relay = None


def _real_volunteers():
    """The volunteers service with its handler timed at entry, or the reason it cannot run here."""
    try:
        from services.volunteers.service import VolunteersService
    except Exception as exc:  # another team's service: report, do not fail the benchmark
        return None, f"{type(exc).__name__}: {exc}"

    class TimedVolunteers(VolunteersService):
        @event_handler(NEEDS_ASSESSED)
        def on_needs_assessed(self, event):
            RECEIVED["volunteers"][event.id] = time.time()
            VolunteersService.on_needs_assessed(self, event)

    return TimedVolunteers, None


# --- data -----------------------------------------------------------------------------------
def stations() -> list[dict]:
    return [{"station_id": f"ST{t.code}", "name": f"{t.name}社工站", "township_code": t.code,
             "county_code": t.code[:6], "city_code": t.code[:4] + "00", "status": "operating"}
            for t in load_demo_townships()]


def households(count: int, station_list: list[dict], rng: random.Random, offset: int = 0) -> list[dict]:
    """Households of 1–4 members with valid, distinct ID numbers (2.4 members on average)."""
    rows, person = [], offset * 5
    base = date(1940, 1, 1)
    for index in range(count):
        station = station_list[index % len(station_list)]
        township = station["township_code"]
        size = rng.choice((1, 2, 2, 3, 3, 4))
        members = []
        for position in range(size):
            person += 1
            # enumerate (birth date, sequence, sex) so every number is distinct
            birth = base + timedelta(days=(person // 1000) % 25000)
            female = bool((person // 500) % 2)
            members.append({
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]),
                "relationship": "head" if position == 0 else rng.choice(("spouse", "son", "daughter", "mother")),
                "id_number": resident_id_number(township[:6], birth, person % 500, female),
                "phone": f"1{rng.choice((3, 5, 8, 9))}{rng.randint(10**8, 10**9 - 1)}" if position < 2 else None,
                "tags": ["minimum_living_guarantee"] if rng.random() < 0.2 else [],
            })
        rows.append({"station_id": station["station_id"], "community_code": f"{township}{rng.randint(1, 3) + 200:03d}",
                     "community_name": "某某村", "address": f"某某村{rng.randint(1, 9)}组{rng.randint(1, 80)}号",
                     "members": members})
    return rows


def prepare(casework: Casework, station_list: list[dict]) -> None:
    for station in station_list:
        inbound.record_station(casework, station)
        inbound.record_staff_joined(casework, {"staff_id": f"stf-{station['township_code']}",
                                               "station_id": station["station_id"],
                                               "region_code": station["township_code"], "name": "社工",
                                               "role": "social_worker", "professional": True,
                                               "employment_start": "2020-01-01"})


# --- (a) bulk import ------------------------------------------------------------------------
def bench_import(client, rows: list[dict], baseline_rows: list[dict], db) -> dict:
    started = time.perf_counter()
    for row in baseline_rows:
        client.casework.register_household(SYSTEM.to_dict(), row)
    single_seconds = time.perf_counter() - started

    accepted = refused = 0
    started = time.perf_counter()
    for first in range(0, len(rows), BATCH):
        report = client.casework.import_households(SYSTEM.to_dict(), rows[first:first + BATCH])
        accepted += report["accepted"]
        refused += len(report["refused"])
        if (first // BATCH) % 10 == 9:
            elapsed = time.perf_counter() - started
            print(f"  … {first + BATCH} rows, {accepted / elapsed:.0f} households/s", flush=True)
    import_seconds = time.perf_counter() - started
    members = sum(len(r["members"]) for r in rows)
    return {"accepted": accepted, "refused": refused, "members": members, "import_seconds": import_seconds,
            "rate": accepted / import_seconds, "members_rate": members / import_seconds,
            "single_rate": len(baseline_rows) / single_seconds}


def bench_drain(db, backlog: int) -> dict:
    """With the relay running again: household.registered events published per second."""
    started, published = time.perf_counter(), len(PUBLISHED)
    deadline = started + DRAIN_SECONDS
    while time.perf_counter() < deadline and len(PUBLISHED) - published < backlog:
        eventlet.sleep(1)
    seconds = time.perf_counter() - started
    sent = len(PUBLISHED) - published
    # What is left is discarded so the latency phase meets an idle relay (a store this size, steady state).
    db.households.update_many({"_outbox_pending": True}, {"$set": {"_outbox_pending": False}})
    return {"sent": sent, "seconds": seconds, "rate": sent / seconds, "backlog": backlog}


# --- (b) needs.assessed latency ---------------------------------------------------------------
def bench_latency(client, settings, db, count: int, with_volunteers: bool) -> dict:
    assessed_on = clock.local_date(clock.utcnow()).isoformat()
    for household in db.households.find({}, {"_id": 1, "_version": 1, "township_code": 1}).limit(count):
        client.casework.assess_needs(SYSTEM.to_dict(), household["_id"], {
            "expected_version": household["_version"], "assessed_on": assessed_on,
            "assessor_staff_id": f"stf-{household['township_code']}",
            "needs": [{"domain": "elderly", "need_type": "home_visit", "severity": "medium",
                       "description": "独居老人，需要定期探访"}]})
        eventlet.sleep(0.02)  # a steady trickle, not a burst: latency, not queueing
    consumers = ["listener", *(["volunteers"] if with_volunteers else [])]
    _wait(lambda: all(len(RECEIVED[c]) >= count for c in consumers), 60)
    result = {c: [at - PUBLISHED[i] for i, at in RECEIVED[c].items() if i in PUBLISHED] for c in consumers}
    result["write_to_listener"] = [at - OCCURRED[i] for i, at in RECEIVED["listener"].items() if i in OCCURRED]

    # baseline: the same kind of event published directly (no outbox) to the same listeners
    publisher, sent = EventPublisher(settings.amqp_uri), {}
    for number in range(count):
        payload = {"assessment_id": f"as_bench{number}", "household_id": f"hh_bench{number}",
                   "station_id": "ST321181001", "township_code": "321181001", "community_code": None,
                   "assessed_on": assessed_on, "risk_level": "medium", "supersedes": None,
                   "needs": [{"need_id": f"nd_bench{number}", "domain": "elderly", "need_type": "home_visit",
                              "severity": "medium", "description": "独居老人，需要定期探访",
                              "beneficiary_groups": [], "child_related": False, "needed_by": None}]}
        envelope = new_event(NEEDS_ASSESSED, payload, correlation_id="bench").to_dict()
        sent[envelope["id"]] = time.time()
        publisher.publish(envelope)
        eventlet.sleep(0.02)
    _wait(lambda: all(i in RECEIVED["listener"] for i in sent), 30)
    publisher.close()
    result["baseline"] = [RECEIVED["listener"][i] - at for i, at in sent.items() if i in RECEIVED["listener"]]
    return result


def _wait(predicate, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not predicate():
        eventlet.sleep(0.1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 households and 60 assessments")
    parser.add_argument("--households", type=int, default=None, help="households to import (default 100,000)")
    args = parser.parse_args(argv)
    count = args.households or (2_000 if args.quick else 100_000)
    assessments = 60 if args.quick else 300
    baseline_count = 200 if args.quick else 1_000
    rng = random.Random(2021)

    _instrument_publisher()
    print(f"generating {count:,} households (+{baseline_count:,} for the one-by-one baseline)…", flush=True)
    station_list = stations()
    rows = households(count, station_list, rng)
    baseline_rows = households(baseline_count, station_list, rng, offset=count)

    with private_platform() as settings:
        db = storage.database("casework")
        prepare(Casework(CaseworkRepository(db)), station_list)
        with running(CaseworkWithoutRelay, settings=settings), rpc_client(settings, timeout=600) as client:
            print("(a) bulk import", flush=True)
            imported = bench_import(client, rows, baseline_rows, db)
        volunteers, unavailable = _real_volunteers()
        services = [CaseworkService, VolunteersStandIn, *([volunteers] if volunteers else [])]
        with running(*services, settings=settings), rpc_client(settings, timeout=600) as client:
            print("    relay draining the import's events…", flush=True)
            drained = bench_drain(db, imported["accepted"] + baseline_count)
            print("(b) needs.assessed latency", flush=True)
            latency = bench_latency(client, settings, db, assessments, volunteers is not None)

    print()
    print(f"(a) bulk import: {imported['accepted']:,} households ({imported['members']:,} members) in "
          f"{imported['import_seconds']:.1f} s = {imported['rate']:.0f} households/s "
          f"({imported['members_rate']:.0f} members/s); refused rows: {imported['refused']}")
    print(f"    baseline, one register_household RPC per household: {imported['single_rate']:.0f} households/s "
          f"→ bulk is {imported['rate'] / imported['single_rate']:.1f}× faster")
    print(f"    outbox relay afterwards: {drained['sent']:,} of {drained['backlog']:,} household.registered events "
          f"published in {drained['seconds']:.0f} s = {drained['rate']:.0f} events/s "
          f"(whole backlog ≈ {drained['backlog'] / drained['rate'] / 60:.1f} min)")
    print(f"(b) needs.assessed, relay publish → handler entry ({assessments} assessments, ~50/s):")
    print(f"    stand-in listener:        {summary_ms(latency['listener'])}")
    if volunteers is not None:
        print(f"    real volunteers service:  {summary_ms(latency['volunteers'])}")
    else:
        print(f"    real volunteers service:  not measured ({unavailable})")
    print(f"    assessment write → listener (adds the relay's pick-up): {summary_ms(latency['write_to_listener'])}")
    print(f"    baseline, published directly (no outbox) → listener: {summary_ms(latency['baseline'])}")
    ratio = percentile(latency["listener"], 0.5) / percentile(latency["baseline"], 0.5)
    print(f"    p50 ratio casework path / direct publish: {ratio:.2f}")


if __name__ == "__main__":
    main()
