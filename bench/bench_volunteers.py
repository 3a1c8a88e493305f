"""Matching benchmark: one need against 100,000 volunteers and 10,000 resources, and the rate at
which the service matches needs when 10,000 needs.assessed events arrive at once.

    python -m bench.bench_volunteers [--quick]

It starts what it needs: a private nx-27017 document store and a RabbitMQ vhost of its own on the
local broker (deleted afterwards). The machine is shared and noisy, so every comparison is made
in the same run against baselines:
- naive store scan: read every volunteer and resource from the store for each need, score all;
- in-memory full scan: every candidate already in memory, score all 110,000 for each need;
- store pre-filter: an indexed query (county, domain or skills) per need, score what it returns;
- candidate index (what the service runs): in-memory buckets by place and tag, nearest tier first.
All four must produce identical rankings; the script checks it on the sampled needs.
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime  # noqa: E402

from kombu import Queue  # noqa: E402
from pymongo.errors import AutoReconnect  # noqa: E402

from services.common import clock, config, storage  # noqa: E402
from services.common.broker import connection, events_exchange  # noqa: E402
from services.common.consumers import Inbox  # noqa: E402
from services.common.outbox import EventPublisher  # noqa: E402
from services.common.storage import OUTBOX_PENDING  # noqa: E402
from services.contracts.casework import NEEDS_ASSESSED  # noqa: E402
from services.volunteers import demo, domain, matching  # noqa: E402
from services.volunteers.candidates import RESOURCE_FIELDS, VOLUNTEER_FIELDS, CandidateIndex  # noqa: E402
from services.volunteers.storage import INDEXES, RESOURCES, VOLUNTEERS  # noqa: E402
from tests.support.containers import running  # noqa: E402
from tests.support.infrastructure import NxServer  # noqa: E402
from tests.support.volunteers_fixtures import needs_assessed_event  # noqa: E402

FULL = {"volunteers": 100_000, "resources": 10_000, "events": 10_000, "samples": 200, "naive_samples": 3,
        "scan_samples": 10}
QUICK = {"volunteers": 20_000, "resources": 2_000, "events": 1_000, "samples": 50, "naive_samples": 3,
         "scan_samples": 5}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def describe(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50) * 1000:8.1f} ms   p95 {percentile(values, 95) * 1000:8.1f} ms   "
            f"(n={len(values)})")


# --- data ----------------------------------------------------------------------------------
def places() -> list[str]:
    return [f"{t['code']}{n:03d}" for t in demo.townships() for n in range(1, 6)]


def bookkeeping(doc: dict, now: datetime) -> dict:
    """What AggregateStore.insert adds, so bulk-loaded documents look like written ones."""
    return {**storage.aggregate_document(doc), "_created_at": now, "_updated_at": now}


def volunteer_doc(rng: random.Random, n: int, community: str, now: datetime) -> dict:
    domains = rng.sample(list(demo.BENEFICIARY_GROUPS), rng.randint(1, 2))
    wanted = sorted(set().union(*(matching.DOMAIN_SKILLS[d] for d in domains)))
    skills = sorted(set(rng.sample(wanted, min(2, len(wanted)))) | set(rng.sample(matching.SKILLS, 1)))
    checked = "children" in domains or rng.random() < 0.3
    return bookkeeping({
        "_id": f"vol_{n:07d}", "station_id": f"ST{community[:9]}", "region_code": community[:9],
        "community_code": community, "township_code": community[:9], "county_code": community[:6],
        "name": f"志愿者{n}", "id_number_encrypted": "-", "id_index": f"bench-{n}", "id_number_masked": "-",
        "phone_encrypted": "-", "phone_masked": "-", "skills": skills, "domains": sorted(domains),
        "availability": [{"weekday": d, "start": "09:00", "end": "12:00"}
                         for d in sorted(rng.sample(range(1, 8), rng.randint(1, 4)))],
        "max_open_tasks": 3, "status": "active", "registered_on": "2026-01-01", "training": [], "certificates": [],
        "background_check": {"result": "passed", "checked_on": "2026-01-01", "valid_until": "2030-01-01"}
        if checked else None,
        "background_valid_until": "2030-01-01" if checked else "",
        "open_tasks": [{"task_id": f"t{n}-{k}", "need_id": "-", "start": None, "end": None}
                       for k in range(rng.choice([0, 0, 0, 1, 2, 3]))],
        "hours": [], "approved_hours": 0.0}, now)


def resource_doc(rng: random.Random, n: int, community: str, now: datetime) -> dict:
    kind = rng.choice(list(demo.RESOURCE_SERVICES))
    name, service_domain, need_types = demo.RESOURCE_SERVICES[kind]
    return bookkeeping({
        "_id": f"res_{n:06d}", "kind": kind, "category": domain.category_of(kind), "name": f"{name}{n}",
        "credit_code": None, "description": None, "station_id": f"ST{community[:9]}", "region_code": community[:9],
        "township_code": community[:9], "county_code": community[:6],
        "community_code": community if rng.random() < 0.6 else None,
        "services": [{"service_id": f"svc_{n:06d}", "name": name, "domain": service_domain, "need_types": need_types,
                      "capacity": rng.randint(2, 20), "eligibility": {"beneficiary_groups": [], "min_age": None,
                                                                      "max_age": None, "notes": None},
                      "opening_hours": [{"weekday": d, "start": "08:30", "end": "17:00"} for d in range(1, 6)],
                      "description": None}],
        "domains": [service_domain], "contact": {"name": "联系人", "phone": "0511-86000000"},
        "location": {"address": "镇江市"}, "status": "active", "reviewed_on": "2026-01-01",
        "next_review_due": "2027-01-01", "reviews": [], "open_tasks": []}, now)


def load_data(db, size: dict, rng: random.Random) -> float:
    started = time.perf_counter()
    communities = places()
    now = clock.utcnow()
    for collection, count, build in ((VOLUNTEERS, size["volunteers"], volunteer_doc),
                                     (RESOURCES, size["resources"], resource_doc)):
        batch = []
        for n in range(count):
            batch.append(build(rng, n, rng.choice(communities), now))
            if len(batch) == 5000:
                db[collection].insert_many(batch)
                batch = []
        if batch:
            db[collection].insert_many(batch)
    return time.perf_counter() - started


def sample_need(rng: random.Random, communities: list[str], n: int) -> dict:
    need_domain = rng.choice(list(demo.NEED_TYPES))
    return {"need_id": f"bench-need-{n}-{uuid.uuid4().hex[:6]}", "domain": need_domain,
            "need_type": rng.choice(demo.NEED_TYPES[need_domain]), "severity": rng.choice(["medium", "high", "urgent"]),
            "description": "bench", "beneficiary_groups": rng.sample(demo.BENEFICIARY_GROUPS[need_domain], 1),
            "child_related": need_domain == "children", "needed_by": None}


def need_doc(need: dict, community: str) -> dict:
    context = {"household_id": "hh", "station_id": f"ST{community[:9]}", "township_code": community[:9],
               "community_code": community}
    return domain.new_need(need, context, "bench")


# --- part A: one need ----------------------------------------------------------------------
def ranked_ids(ranking: matching.Ranking) -> list[tuple[str, str]]:
    return [(p.kind, p.candidate_id) for p in ranking.proposals]


def single_need(db, size: dict, rng: random.Random) -> dict:
    communities = places()
    needs = [domain.matching_need(need_doc(sample_need(rng, communities, n), rng.choice(communities)))
             for n in range(size["samples"])]
    today = clock.today()

    def naive(need):
        volunteers = [domain.volunteer_candidate(d) for d in db[VOLUNTEERS].find({}, VOLUNTEER_FIELDS)]
        resources = [domain.resource_candidate(d) for d in db[RESOURCES].find({}, RESOURCE_FIELDS)]
        return matching.rank(need, volunteers, resources, [], today)

    all_volunteers = [domain.volunteer_candidate(d) for d in db[VOLUNTEERS].find({}, VOLUNTEER_FIELDS)]
    all_resources = [domain.resource_candidate(d) for d in db[RESOURCES].find({}, RESOURCE_FIELDS)]

    def full_scan(need):
        return matching.rank(need, all_volunteers, all_resources, [], today)

    db[VOLUNTEERS].create_index([("county_code", 1)], name="bench_county")
    db[RESOURCES].create_index([("county_code", 1)], name="bench_county")

    def prefilter(need):
        skills = sorted(matching.skills_for(need))
        volunteers = db[VOLUNTEERS].find({"county_code": need.county_code, "status": "active", "$or": [
            {"domains": {"$in": [need.domain]}}, {"skills": {"$in": skills}}]}, VOLUNTEER_FIELDS)
        resources = db[RESOURCES].find({"county_code": need.county_code, "status": "active"}, RESOURCE_FIELDS)
        return matching.rank(need, [domain.volunteer_candidate(d) for d in volunteers],
                             [domain.resource_candidate(d) for d in resources], [], today)

    index = CandidateIndex(db)
    started = time.perf_counter()
    index.refresh()
    cold = time.perf_counter() - started
    eventlet.spawn(index.keep_fresh)  # as in the service: changes are read in the background

    def indexed(need):
        return matching.rank(need, index.volunteers_for(need), index.resources_for(need), [], today)

    timings, rankings = {}, {}
    for label, method, count in (("candidate index", indexed, size["samples"]),
                                 ("store pre-filter", prefilter, size["scan_samples"]),
                                 ("in-memory full scan", full_scan, size["scan_samples"]),
                                 ("naive store scan", naive, size["naive_samples"])):
        timings[label], rankings[label] = [], []
        for need in needs[:count]:
            started = time.perf_counter()
            result = method(need)
            timings[label].append(time.perf_counter() - started)
            rankings[label].append(ranked_ids(result))
    identical = all(rankings[label] == rankings["candidate index"][:len(rankings[label])] for label in rankings)
    proposals = statistics.mean(len(r) for r in rankings["candidate index"])
    return {"timings": timings, "cold_index_seconds": cold, "identical": identical, "mean_proposals": proposals,
            "index_size": index.size()}


# --- part B: many needs.assessed events at once through the service ------------------------
def rabbitmqctl(*args) -> None:
    subprocess.run(["rabbitmqctl", *args], capture_output=True, check=True, timeout=60)


def burst(settings: config.Settings, db, size: dict, rng: random.Random) -> dict:
    """All events wait in the service's queue before it starts, as after an outage or a mass import."""
    from services.volunteers.service import VolunteersService

    communities = places()
    queue = Queue("evt-casework-needs.assessed--volunteers.on_needs_assessed", exchange=events_exchange("casework"),
                  routing_key=NEEDS_ASSESSED.name, durable=True)
    with connection(settings.amqp_uri) as conn:
        queue(conn.channel()).declare()
    publisher = EventPublisher(settings.amqp_uri)
    started = time.perf_counter()
    for n in range(size["events"]):
        community = rng.choice(communities)
        payload = {"assessment_id": f"asm-{n}", "household_id": f"hh-{n}", "station_id": f"ST{community[:9]}",
                   "township_code": community[:9], "community_code": community, "assessed_on": "2026-06-01",
                   "risk_level": "medium", "supersedes": None, "needs": [sample_need(rng, communities, n)]}
        publisher.publish(needs_assessed_event(payload, correlation_id=f"bench-{n}").to_dict())
    publisher.close()
    published = time.perf_counter() - started
    # Polls must be cheap: nx-27017 decodes every document for count_documents, which would slow the run down.
    with running(VolunteersService, settings=settings):
        started = time.perf_counter()
        wait(lambda: db.needs.estimated_document_count() >= 1, 600)
        first = time.perf_counter() - started
        wait(lambda: db.needs.estimated_document_count() >= size["events"], 3600)
        matched = time.perf_counter() - started
        wait(lambda: db.needs.find_one({OUTBOX_PENDING: True}, {"_id": 1}) is None, 3600)
        relayed = time.perf_counter() - started
    return {"events": size["events"], "publish_seconds": published, "first_seconds": first,
            "matched_seconds": matched, "relayed_seconds": relayed,
            "unmet": db.needs.count_documents({"status": "unmet"})}


def wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except AutoReconnect:  # the single-threaded store was too busy to answer the poll: ask again
            pass
        eventlet.sleep(2)
    raise TimeoutError("the service did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller data set and burst (for a quick check)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured
    size = QUICK if args.quick else FULL
    rng = random.Random(2021)
    server = NxServer().start()
    vhost = f"shegong-bench-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    settings = config.Settings(mongo_uri=server.uri, amqp_uri=f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
                               database_prefix="bench", log_level="WARNING")
    config.override(settings)
    try:
        db = storage.database("volunteers")
        storage.ensure_indexes(db, [*INDEXES, *Inbox.indexes])
        print(f"data: {size['volunteers']:,} volunteers and {size['resources']:,} resources in "
              f"{len(places())} communities of 镇江市")
        print(f"  bulk load: {load_data(db, size, rng):.1f} s")
        single = single_need(db, size, rng)
        print(f"\nA. one need (retrieval + ranking), candidate index cold load {single['cold_index_seconds']:.1f} s "
              f"for {single['index_size']}")
        baseline = percentile(single["timings"]["naive store scan"], 50)
        for label, values in single["timings"].items():
            print(f"  {label:22s} {describe(values)}   naive/this at p50: {baseline / percentile(values, 50):8.1f}x")
        print(f"  rankings identical across the four methods: {'yes' if single['identical'] else 'NO'}; "
              f"mean proposals per need {single['mean_proposals']:.1f}")
        result = burst(settings, db, size, rng)
        steady = (result["events"] - 1) / (result["matched_seconds"] - result["first_seconds"])
        print(f"\nB. {result['events']:,} needs.assessed events queued at once (publishing took "
              f"{result['publish_seconds']:.1f} s), then the service started (one process, "
              f"{settings.max_workers} workers)")
        print(f"  first need stored after {result['first_seconds']:.1f} s (includes loading the candidate index)")
        print(f"  all needs matched and stored after {result['matched_seconds']:.1f} s: "
              f"{result['events'] / result['matched_seconds']:.1f} needs/s overall, {steady:.1f} needs/s after the "
              f"first ({result['unmet']} unmet)")
        print(f"  all their events relayed to the broker after {result['relayed_seconds']:.1f} s")
    finally:
        config.override(None)
        storage.close_clients()
        server.stop()
        rabbitmqctl("delete_vhost", vhost)


if __name__ == "__main__":
    main()
