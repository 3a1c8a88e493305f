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
(b) read-model lag: casework events published at R/s for S seconds (each logged first, as the relay does)
    by the casework stand-in in a process of its own (it also serves the casework log), which stamps each
    sequence as sent; this process watches the heads and takes, per event, the time until all four casework
    read models' heads have passed its sequence, and the rate actually reached; the dashboard query is
    repeated meanwhile.
Casework (the publisher process during (b)), volunteers and funding are stand-ins that serve their event log
(events_since) from memory; the alert sweep timer is switched off (it reads every record: not part of what is
measured here).
(c) with --fanout (the default): the fan-out baseline, the same figures from the registry and the real casework
    service over RPC, their stores holding the same records (bench/province_fanout.py), timed and checked; the
    real casework service then runs in the publisher's process, serving the casework log as the stand-in does.

    python -m bench.bench_province [--households 100000] [--repeat 30] [--rate 200] [--seconds 60]
                                   [--no-fanout] [--fanout-repeat 3]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import pickle  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
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
from services.supervision.usecases import warming  # noqa: E402
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


def wait_for_warm_tallies(limit_seconds: float = 900.0) -> str:
    """Until the service's background pass has counted this year's tallies (usecases/warming.py; the
    service runs in this process), so that "first" below is the first query of a warmed day."""
    started = time.perf_counter()
    while not warming.WARMTH.full_passes and time.perf_counter() - started < limit_seconds:
        eventlet.sleep(0.5)
    if not warming.WARMTH.full_passes:
        return f"not within {limit_seconds:.0f} s"
    return f"{warming.WARMTH.full_passes[0]:.1f} s pass, done {time.perf_counter() - started:.1f} s after the start"


class GcPauses:
    """The collector's pauses while timing (every service runs in this process): count and worst."""

    def __enter__(self):
        self.pauses: list[tuple[int, float]] = []
        gc.callbacks.append(self._callback)
        return self

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)

    def __str__(self) -> str:
        full = [p for g, p in self.pauses if g == 2]
        worst = max((p for _, p in self.pauses), default=0.0)
        return (f"{len(self.pauses)} ({len(full)} full), {sum(p for _, p in self.pauses) * 1000:.0f} ms in all, "
                f"longest {worst * 1000:.1f} ms")


def load_average() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


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


# --- (b) read-model lag: the casework stand-in in its own process ------------------------------------------
# The publisher (log each event, publish it at R/s, serve events_since from the log) runs in a process of its
# own: in the bench's process it shared one core with the services it measures and reached 53 events/s.
# Both processes stamp with time.monotonic (CLOCK_MONOTONIC: one clock for the whole machine).
LIVE_SEED = 2026
WATCH_SECONDS = 0.2  # each look reads four heads of ~100 KiB, from the store the services write to
LAG_GIVE_UP_SECONDS = 300.0


@contextlib.contextmanager
def publisher_process(settings, rate: float, seconds: float, codes: list[str], real_casework: bool):
    """The casework stand-in (its log as generated so far, then the live events) in a child process."""
    with tempfile.TemporaryDirectory(prefix="bench-lag-") as workdir:
        folder = pathlib.Path(workdir)
        setup = {"settings": settings, "rate": rate, "seconds": seconds, "codes": codes, "log": LOGS["casework"],
                 "real_casework": real_casework}
        with open(folder / "setup.pickle", "wb") as out:
            pickle.dump(setup, out, protocol=pickle.HIGHEST_PROTOCOL)
        child = subprocess.Popen([sys.executable, "-m", "bench.bench_province", "--publish", workdir])
        try:
            while not (folder / "ready").exists():
                if child.poll() is not None:
                    raise RuntimeError(f"the publisher process exited with {child.returncode}")
                eventlet.sleep(0.1)
            yield folder
        finally:
            child.terminate()
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def publish_in_this_process(workdir: str) -> None:
    """The child's side: serve the casework log, wait for `go`, publish at the rate, report the send times."""
    folder = pathlib.Path(workdir)
    with open(folder / "setup.pickle", "rb") as source:
        setup = pickle.load(source)
    LOGS["casework"] = setup["log"]
    settings, rate, seconds, codes = setup["settings"], setup["rate"], setup["seconds"], setup["codes"]
    config.override(settings)
    rng = random.Random(LIVE_SEED)
    # The fan-out baseline asks the real casework service (its store written by the parent); else a stand-in.
    casework = province_fanout.casework_service(LOGS["casework"]) if setup["real_casework"] \
        else log_service("casework")
    with running(casework, settings=dataclasses.replace(settings, http_port=free_port())):
        (folder / "ready").touch()
        while not (folder / "go").exists():
            eventlet.sleep(0.02)
        publisher = EventPublisher(settings.amqp_uri)
        sent: dict[int, float] = {}
        started, n = time.monotonic(), 0
        while time.monotonic() - started < seconds:
            code = rng.choice(codes)
            base = {"household_id": f"live{n}", "station_id": f"ST{code}", "township_code": code}
            if n % 2:  # complete payloads: live and logged events are read against their contracts
                sequence, event = logged("casework", "visit.logged", {
                    **base, "visit_id": f"lv{n}", "case_id": None, "campaign_id": None, "visit_type": "home",
                    "visited_on": "2026-06-20", "duration_minutes": 30, "staff_ids": [], "contact_at": None},
                    version=2)
            else:
                sequence, event = logged("casework", "household.registered", {
                    **base, "community_code": f"{code}201", "member_count": 2, "groups": [],
                    "registered_on": "2026-06-20", "source": "registration"})
            sent[sequence] = time.monotonic()
            publisher.publish(event.to_dict(), sequence)
            n += 1
            eventlet.sleep(max(0.0, started + n / rate - time.monotonic()))
        publisher.close()
        report = {"sent": sent, "seconds": time.monotonic() - started}
        (folder / "sent.tmp").write_text(json.dumps(report))
        (folder / "sent.tmp").rename(folder / "sent.json")
        while True:  # keep serving events_since until the bench has measured and ends this process
            eventlet.sleep(1.0)


def casework_heads(db) -> int:
    """The casework position every casework read model has reached."""
    heads = {d["_id"]: d["positions"].get("casework", 0)
             for d in db[PROJECTIONS].find({"_id": {"$in": CASEWORK_MODELS}}, {"positions": 1})}
    return min(heads.get(name, 0) for name in CASEWORK_MODELS)


def measure_lag(db, workdir: pathlib.Path, during: callable) -> tuple[list[float], float, int, list[float]]:
    """Per live event, the time from its send (the publisher's stamp) until every casework read model's head
    has passed it (this process watches the heads); the send rate reached; events never folded."""
    seen_at: dict[int, float] = {}
    seen = casework_heads(db)
    (workdir / "go").touch()
    queries = eventlet.spawn(during)
    report = None
    gave_up = None
    while True:
        reached = casework_heads(db)
        now = time.monotonic()
        for sequence in range(seen + 1, reached + 1):
            seen_at[sequence] = now
        seen = max(seen, reached)
        if report is None and (workdir / "sent.json").exists():
            report = json.loads((workdir / "sent.json").read_text())
            gave_up = now + LAG_GIVE_UP_SECONDS
        if report is not None and (seen >= max(map(int, report["sent"]), default=0) or now > gave_up):
            break
        eventlet.sleep(WATCH_SECONDS)
    sent = {int(sequence): at for sequence, at in report["sent"].items()}
    lags = [seen_at[sequence] - at for sequence, at in sent.items() if sequence in seen_at]
    return lags, len(sent) / report["seconds"], len(sent) - len(lags), queries.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--publish", metavar="DIR", help=argparse.SUPPRESS)  # the publisher process (measure_lag)
    parser.add_argument("--fanout", action=argparse.BooleanOptionalAction, default=True,
                        help="also the fan-out baseline: the same figures from the source services over RPC")
    parser.add_argument("--fanout-repeat", type=int, default=3)
    args = parser.parse_args()
    if args.publish:
        publish_in_this_process(args.publish)
        return
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
        with publisher_process(settings, args.rate, args.seconds, codes, args.fanout) as workdir, \
                running(RegistryService, settings=dataclasses.replace(settings, http_port=free_port())), \
                running(log_service("volunteers"), settings=settings), \
                running(log_service("funding"), settings=settings), \
                running(SupervisionService, settings=dataclasses.replace(settings, http_port=free_port())), \
                running(GatewayService, settings=web):
            wait_for_port(web.http_port)
            warmed = wait_for_warm_tallies()
            print(f"this year's tallies warmed in the background after the start: {warmed}")
            session = requests.Session()
            for region, label in (("32", "province + 13 cities"), (county, f"county {county} + 14 townships")):
                cold, body = query(session, url, token, region)
                with GcPauses() as pauses:
                    samples = [query(session, url, token, region)[0] for _ in range(args.repeat)]
                figures = body["data"]["supervisionRollup"]
                print(f"{label}: {len(figures['children'])} children, {figures['households']['registered']} "
                      f"households, {body['extensions'].get('rpcCalls')} RPC calls per query")
                print(f"  dashboard query (gateway, RPC, cached tallies): first {cold * 1000:.0f} ms; "
                      f"{summary_ms(samples)}; load average {load_average()}")
                print(f"  garbage collections while timed: {pauses}")
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

            print(f"load average before the lag run: {os.getloadavg()}")
            lags, reached, missing, during = measure_lag(db, workdir, dashboard_meanwhile)
            print(f"lag aimed at {args.rate:.0f} events/s for {args.seconds:.0f} s, publisher in its own process: "
                  f"{reached:.1f} events/s sent, {len(lags)} events folded ({missing} not folded), until all "
                  f"{len(CASEWORK_MODELS)} casework read models folded it: {summary_ms(lags)}")
            print(f"load average after the lag run: {os.getloadavg()}")
            print(f"  province dashboard meanwhile: {summary_ms(during)}")


if __name__ == "__main__":
    main()
