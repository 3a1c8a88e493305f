"""The province dashboard at Jiangsu size on the sharded read models (issue 11, "Tests and benchmark").

Data: the registry's province (13 cities, 95 counties, 14 townships each: 1,330 stations with staff, written
in bulk as bench_gateway does) and supervision's read models built through the real folds and the real
sharded projection (services/common/sharded_projections.py): N households with an archive, a case for every
third, two visits each, two staff per station. Then, with the registry, supervision and the gateway running
over a private RabbitMQ vhost and nx-27017:
(a) the province dashboard query (supervisionRollup and supervisionProtectedRollup of 32 with its 13 cities
    in one GraphQL request) and a county drill-down (a county with its 14 townships): p50/p95 and RPC calls
    per query, the first (cold: every township counted once) apart; baseline in the same run: the same
    figures counted record by record (the design before the shards: every record read and visited,
    domain/figures.py), in-process on the same store, without the RPC and gateway costs;
(b) read-model lag: casework events published at R/s for S seconds (each logged first, as the relay does),
    per event the time until all four casework read models' heads have passed its sequence; the dashboard
    query is repeated meanwhile.
Volunteers and funding are stand-ins that serve their event log (events_since) from memory, casework too with
--no-fanout; the alert sweep timer is switched off (it reads every record: not part of what is measured here).
(c) with --fanout (the default): the fan-out baseline, the same figures from the registry and the real casework
    service over RPC, their stores holding the same records (bench/province_fanout.py), timed and checked.

    python -m bench.bench_province [--households 100000] [--repeat 30] [--rate 200] [--seconds 60]
                                   [--no-fanout] [--fanout-repeat 3]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import date  # noqa: E402

import requests  # noqa: E402
from nameko.rpc import rpc  # noqa: E402

from bench import province_fanout  # noqa: E402
from bench.bench_gateway import TOWNSHIPS_PER_COUNTY, build_province  # noqa: E402
from bench.common import private_platform, summary_ms  # noqa: E402
from gateway.service import GatewayService  # noqa: E402
from services.common import clock, config, storage  # noqa: E402
from services.common.auth import Viewer, mint_token  # noqa: E402
from services.common.events import Envelope  # noqa: E402
from services.common.outbox import EventPublisher  # noqa: E402
from services.common.projections import PROJECTIONS  # noqa: E402
from services.registry.regions import load_reference_regions  # noqa: E402
from services.registry.service import RegistryService  # noqa: E402
from services.supervision import projections  # noqa: E402
from services.supervision.domain.figures import rollup as counted_record_by_record  # noqa: E402
from services.supervision.domain.periods import period_of  # noqa: E402
from services.supervision.domain.regions import region_key  # noqa: E402
from services.supervision.service import SupervisionService  # noqa: E402
from services.supervision.storage import INDEXES, SupervisionRepository  # noqa: E402
from services.supervision.usecases.access import figure_scope  # noqa: E402
from tests.support.containers import running  # noqa: E402
from tests.support.infrastructure import free_port, wait_for_port  # noqa: E402

LOGS: dict[str, list[Envelope]] = {"casework": [], "registry": [], "volunteers": [], "funding": []}
CASEWORK_MODELS = [name for name in projections.NAMES if "casework" in projections.producers_of(name)]
FIGURES = """regionCode name level asOf stations { registered operating townships townshipsCovered townshipCoverage }
  compliance { met notMet atRisk unknown byRule { rule met notMet atRisk onTrack unknown notApplicable } }
  staff { count professional professionalRatio trainingHoursAverage trainingHoursExpected trainingOnTrack }
  households { registered currentArchive archiveFreshness neverAssessed }
  cases { open opened closed closureRate medianDaysToClose byDomain { domain open opened closed }
          byStage { stage count } }
  visits { count householdsVisited }
  crisis { flagged contactedInTime contactedLate noContactByDue breaches awaitingContact }"""
DASHBOARD = ("query($region: String!) { supervisionRollup(region: $region) { " + FIGURES + " children { " + FIGURES
             + " } } supervisionProtectedRollup(region: $region) { threshold region { regionCode figures { key value "
             "suppressed reason } } children { regionCode figures { key value suppressed reason } } } }")


def log_service(producer: str):
    """A producer's stand-in: its event log from memory, as EventLogEndpoints.events_since answers."""

    class Log:
        name = producer

        @rpc
        def events_since(self, viewer, position, limit=200):
            found = LOGS[producer][position:position + limit]  # sequences are 1, 2, 3 … in order
            items = [{"sequence": position + 1 + n, "envelope": e.to_dict()} for n, e in enumerate(found)]
            return {"producer": producer, "items": items, "head": len(LOGS[producer])}

    Log.__name__ = f"{producer.title()}Log"
    return Log


def envelope(producer: str, type_: str, payload: dict, version: int = 1) -> Envelope:
    return Envelope(id=str(uuid.uuid4()), type=type_, version=version, occurred_at="2026-05-05T02:00:00Z",
                    producer=producer,
                    correlation_id="c", causation_id=None, actor=None, payload=payload)


def logged(producer: str, type_: str, payload: dict, version: int = 1) -> tuple[int, Envelope]:
    event = envelope(producer, type_, payload, version)
    LOGS[producer].append(event)
    return len(LOGS[producer]), event


def townships() -> list[str]:
    counties = [r for r in load_reference_regions() if r.level == "county"]
    return [f"{c.code}{100 + i:03d}" for c in counties for i in range(1, TOWNSHIPS_PER_COUNTY + 1)]


def history(codes: list[str], households: int, rng: random.Random) -> None:
    """The producers' logs, township by township (a page of the catch-up then touches few shards)."""
    per_township = households // len(codes) + 1
    made = 0
    # The registry's part is what its stored stations and staff say (the fan-out baseline reads those).
    for type_, payload in province_fanout.registry_events(storage.database("registry"), clock.today()):
        logged("registry", type_, payload)
    for code in codes:
        station = f"ST{code}"
        for _ in range(per_township):
            if made == households:
                break
            base = {"household_id": f"hh{made}", "station_id": station, "township_code": code}
            logged("casework", "household.registered", {**base, "registered_on": "2025-01-01"})
            logged("casework", "needs.assessed", {**base, "assessed_on": ("2025-03-01", "2026-03-01")[made % 2],
                                                  "needs": [{"need_id": f"nd{made}", "domain": "elderly",
                                                             "need_type": "t", "severity": "s"}]})
            if made % 3 == 0:
                opened = f"2026-0{1 + made % 5}-0{1 + made % 9}"
                logged("casework", "case.opened", {**base, "case_id": f"c{made}", "domain": "elderly",
                                                   "opened_on": opened})
                if made % 6 == 0:
                    logged("casework", "case.closed", {**base, "case_id": f"c{made}", "domain": "elderly",
                                                       "opened_on": opened, "closed_on": "2026-06-01",
                                                       "outcome": "resolved"})
            for v in range(2):
                logged("casework", "visit.logged", {**base, "visit_id": f"v{made}-{v}", "case_id": None,
                                                    "visited_on": f"2026-0{4 + v}-0{1 + made % 9}"})
            made += 1


def fold_history(db) -> None:
    """Every sharded read model folded from the logs through the real projection, a page of 2,000 at a time."""
    for name in projections.NAMES:
        projection = projections.projection(name)
        if not hasattr(projection, "on_database"):
            continue
        projection.on_database(db)
        for producer in projection.producers:
            # Objects, not dicts: the generated history carries only what the folds read (no contract check).
            items = list(enumerate(LOGS[producer], start=1))
            for start in range(0, len(items), 2000):
                projection._apply(producer, items[start:start + 2000])


def query(session, url: str, token: str, region: str) -> tuple[float, dict]:
    started = time.perf_counter()
    body = session.post(url, json={"query": DASHBOARD, "variables": {"region": region}},
                        headers={"Authorization": f"Bearer {token}"}, timeout=120).json()
    elapsed = time.perf_counter() - started
    assert "errors" not in body, body.get("errors")
    return elapsed, body


def baseline(db, region: str, repeat: int, today: date) -> list[float]:
    """The same figures counted record by record (every record read from the shards and visited)."""
    repo, key = SupervisionRepository(db), region_key(region)
    codes = [t for t in townships() if t.startswith(key.prefix)]
    children = sorted({t[:len(key.prefix) + (2 if len(key.prefix) < 6 else 3)] for t in codes})
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        models = repo.read_models()
        counted_record_by_record(models, key, codes, children, period_of(today), today,
                                 figure_scope(Viewer("bench", "province", "320000"), key))
        samples.append(time.perf_counter() - started)
    return samples


def measure_lag(settings, db, rate: float, seconds: float, rng: random.Random, codes: list[str],
                during: callable) -> tuple[list[float], list[float]]:
    publisher = EventPublisher(settings.amqp_uri)
    sent: dict[int, float] = {}
    lags: list[float] = []
    done = {"publishing": True}

    def watch():
        seen = 0
        while done["publishing"] or seen < max(sent, default=0):
            heads = {d["_id"]: d["positions"].get("casework", 0)
                     for d in db[PROJECTIONS].find({"_id": {"$in": CASEWORK_MODELS}}, {"positions": 1})}
            reached = min(heads.values())
            now = time.perf_counter()
            for sequence in range(seen + 1, reached + 1):
                if sequence in sent:
                    lags.append(now - sent[sequence])
            seen = max(seen, reached)
            eventlet.sleep(0.02)

    watcher = eventlet.spawn(watch)
    queries = eventlet.spawn(during)
    started, n = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        code = rng.choice(codes)
        base = {"household_id": f"live{n}", "station_id": f"ST{code}", "township_code": code}
        if n % 2:  # complete payloads: live and logged events are read against their contracts
            sequence, event = logged("casework", "visit.logged", {
                **base, "visit_id": f"lv{n}", "case_id": None, "campaign_id": None, "visit_type": "home",
                "visited_on": "2026-06-20", "duration_minutes": 30, "staff_ids": [], "contact_at": None}, version=2)
        else:
            sequence, event = logged("casework", "household.registered", {
                **base, "community_code": f"{code}201", "member_count": 2, "groups": [],
                "registered_on": "2026-06-20", "source": "registration"})
        sent[sequence] = time.perf_counter()
        publisher.publish(event.to_dict(), sequence)
        n += 1
        eventlet.sleep(max(0.0, started + n / rate - time.perf_counter()))
    publisher.close()
    done["publishing"] = False
    watcher.wait()
    return lags, queries.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fanout", action=argparse.BooleanOptionalAction, default=True,
                        help="also the fan-out baseline: the same figures from the source services over RPC")
    parser.add_argument("--fanout-repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(1300)
    SupervisionService.sweep_alerts = lambda self: None  # reads every record each minute: measured elsewhere
    # The first roll-up of a period counts every township (tens of seconds at this size): a long RPC timeout.
    with private_platform(graphql_max_cost=100_000, rpc_timeout_seconds=180) as settings:
        started = time.perf_counter()
        stations = build_province(rng)
        codes = townships()
        history(codes, args.households, rng)
        db = storage.database("supervision")
        storage.ensure_indexes(db, INDEXES)
        fold_started = time.perf_counter()
        fold_history(db)
        print(f"dataset: {stations} registry stations, {len(codes)} townships, {args.households} households, "
              f"{sum(len(log) for log in LOGS.values())} events folded into the shards in "
              f"{time.perf_counter() - fold_started:.0f} s (all set up in {time.perf_counter() - started:.0f} s)")
        if args.fanout:
            print("casework sources written (households, cases):", province_fanout.write_casework_sources(
                LOGS["casework"]))
        web = dataclasses.replace(settings, http_port=free_port())
        config.override(web)
        url = f"http://127.0.0.1:{web.http_port}/graphql"
        token = mint_token(settings.token_secret, role="province", user_id="bench", region="320000")
        county = codes[0][:6]
        with running(RegistryService, settings=dataclasses.replace(settings, http_port=free_port())), \
                running(province_fanout.casework_service(LOGS["casework"]) if args.fanout else log_service("casework"),
                        settings=dataclasses.replace(settings, http_port=free_port())), \
                running(log_service("volunteers"), settings=settings), \
                running(log_service("funding"), settings=settings), \
                running(SupervisionService, settings=dataclasses.replace(settings, http_port=free_port())), \
                running(GatewayService, settings=web):
            wait_for_port(web.http_port)
            session = requests.Session()
            for region, label in (("32", "province + 13 cities"), (county, f"county {county} + 14 townships")):
                cold, body = query(session, url, token, region)
                samples = [query(session, url, token, region)[0] for _ in range(args.repeat)]
                figures = body["data"]["supervisionRollup"]
                print(f"{label}: {len(figures['children'])} children, {figures['households']['registered']} "
                      f"households, {body['extensions'].get('rpcCalls')} RPC calls per query")
                print(f"  dashboard query (gateway, RPC, cached tallies): first {cold * 1000:.0f} ms; "
                      f"{summary_ms(samples)}")
                base = baseline(db, region, 2, clock.today())
                print(f"  baseline, record by record (in-process):        {summary_ms(base)}")
                print(f"  ratio (p50): {sorted(base)[len(base) // 2] / sorted(samples)[len(samples) // 2]:.0f}x")
                if args.fanout:
                    province_fanout.report(settings, region, body, samples, args.fanout_repeat)

            def dashboard_meanwhile() -> list[float]:
                during = []
                while len(during) < args.seconds * 2:
                    during.append(query(session, url, token, "32")[0])
                    eventlet.sleep(0.5)
                return during

            lags, during = measure_lag(settings, db, args.rate, args.seconds, rng, codes, dashboard_meanwhile)
            print(f"lag at {args.rate:.0f} events/s for {args.seconds:.0f} s ({len(lags)} events), until all "
                  f"{len(CASEWORK_MODELS)} casework read models folded it: {summary_ms(lags)}")
            print(f"  province dashboard meanwhile: {summary_ms(during)}")


if __name__ == "__main__":
    main()
