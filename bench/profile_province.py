"""Where the time of bench_province's warm dashboard goes, stage by stage, in one process (issue 11).

bench_province's data (the registry's province, supervision's sharded read models folded from generated
logs) on a private nx-27017; no broker. Each stage is timed over the same number of warm rounds:
  rollup     the `rollup` use case as its RPC method runs it (heads read, kept answer or tallies, figures);
  protected  the `protected_rollup` use case (the same, then suppression);
  rollups    the `rollups` use case answering both, as the gateway asks them (one call);
  encode     its reply serialised as the supervision service's reply sender does (kombu's serializer);
  decode     deserialised as the gateway's reply listener does;
  gateway    the dashboard request through GraphQLEndpoint.handle with a supervision client answering
             the decoded reply (parse/validate from its cache, execute, complete, the response's JSON);
and prints the replies' sizes. `--pyinstrument` prints a profile of each stage (pyinstrument is not a
dependency of the platform: install it into .venv for this only).

    python -m bench.profile_province [--households 20000] [--rounds 30] [--pyinstrument]
"""
from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable

import kombu.serialization

from bench.bench_gateway import build_province
from bench.bench_province import DASHBOARD, fold_history, history, townships
from bench.common import percentile
from gateway.execution import GraphQLEndpoint
from gateway.http import HttpRequest
from gateway.schema import COST_MODEL, schema
from services.common import config, storage
from services.common.auth import Viewer
from services.registry.storage import RegistryRepository
from services.registry.usecases import Registry
from services.registry.usecases import regions as registry_regions
from services.supervision.regiontree import RegionTree
from services.supervision.storage import INDEXES, SupervisionRepository
from services.supervision.usecases import Supervision, privacy, rollups
from tests.support.gateway_fakes import token_for
from tests.support.infrastructure import NxServer

VIEWER = Viewer("bench", "province", "320000")


class _Registry:
    """The registry's RPC surface as supervision reads it (the region tree), in-process."""

    def __init__(self):
        self.context = Registry(RegistryRepository(storage.database("registry")))

    def regions_under(self, viewer: dict, prefix: str) -> list[dict]:
        return registry_regions.regions_under(self.context, VIEWER, prefix)


class _ReplyingSupervision:
    """The supervision client as the gateway sees it, answering with the encoded replies."""

    def __init__(self, replies: dict[str, tuple[str, str, bytes]]):
        self.replies = replies
        self.calls: list[str] = []

    def rollups(self, viewer, questions):  # the gateway's supervision.rollups loader: one call
        self.calls.append("rollups")
        content_type, encoding, body = self.replies["rollups"]
        return kombu.serialization.loads(body, content_type, encoding)["result"]


def _p50_ms(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return percentile(samples, 0.5) * 1000, percentile(samples, 0.95) * 1000


def profile(region: str, rounds: int, show_profile: bool) -> None:
    context = Supervision(SupervisionRepository(storage.database("supervision")), RegionTree(_Registry()))
    request = {"region": region}
    endpoint = GraphQLEndpoint(schema, COST_MODEL)
    settings = config.Settings(graphql_max_cost=100_000)
    token = token_for("province", user_id="bench", region="320000")
    started = time.perf_counter()
    questions = [{"kind": rollups.ROLLUP, "request": request}, {"kind": rollups.PROTECTED, "request": request}]
    replies = {"rollups": rollups.rollups(context, VIEWER, questions)}
    print(f"region {region}: first (cold) use cases {1000 * (time.perf_counter() - started):.0f} ms")
    encoded = {m: kombu.serialization.dumps({"result": r, "error": None}, "json") for m, r in replies.items()}
    client = _ReplyingSupervision(encoded)

    def through_gateway():
        response = endpoint.handle(_request(token), clients={"supervision": client}, settings=settings,
                                   correlation_id="profile", rpc_calls=lambda: len(client.calls))
        assert '"errors"' not in response.body[:300], response.body[:500]

    stages: dict[str, Callable[[], object]] = {
        "rollup": lambda: rollups.rollup(context, VIEWER, dict(request)),
        "protected": lambda: privacy.protected_rollup(context, VIEWER, dict(request)),
        "rollups": lambda: rollups.rollups(context, VIEWER, questions),
        "encode": lambda: [kombu.serialization.dumps({"result": r, "error": None}, "json") for r in replies.values()],
        "decode": lambda: [kombu.serialization.loads(b, t, e) for t, e, b in encoded.values()],
        "gateway": through_gateway,
    }
    through_gateway()
    total = 0.0
    for name, run in stages.items():
        p50, p95 = _p50_ms(run, rounds)
        total += p50
        print(f"  {name:10} p50 {p50:8.2f} ms  p95 {p95:8.2f} ms")
    print(f"  sum of p50 {total:.2f} ms; replies " + ", ".join(f"{m} {len(b) / 1024:.0f} KiB"
                                                              for m, (_, _, b) in encoded.items()))
    if show_profile:
        from pyinstrument import Profiler  # only for this profile: not a dependency of the platform

        for name, run in stages.items():
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(rounds):
                run()
            profiler.stop()
            print(f"--- pyinstrument, {name}, {rounds} rounds")
            print(profiler.output_text(unicode=False, color=False, show_all=False))


def _request(token: str) -> HttpRequest:
    body = json.dumps({"query": DASHBOARD, "variables": {"region": "32"}})
    return HttpRequest.build("POST", {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, {},
                             body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--region", action="append")
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args()
    server = NxServer().start()
    try:
        config.override(config.Settings(mongo_uri=server.uri, database_prefix="profile", graphql_max_cost=100_000))
        rng = random.Random(1300)
        build_province(rng)
        history(townships(), args.households, rng)
        db = storage.database("supervision")
        storage.ensure_indexes(db, INDEXES)
        fold_history(db)
        for region in args.region or ["32"]:
            profile(region, args.rounds, args.pyinstrument)
    finally:
        config.override(None)
        server.stop()


if __name__ == "__main__":
    main()
