"""The gateway's executor and DataLoaders alone (issue 14, security item 8): no broker, no store.

The registry is the in-memory fake of the unit tests, so what is timed is parsing aside (cached),
the executor walking the query, the loaders batching and the serialisation of the answer. Query: a
page of N stations with region, county, staff and their training, training totals and two compliance
dates (the unit tests' dashboard, 5 batches whatever N). Baseline in the same run: the same page with
station names only (no loader involved).

    python -m bench.bench_dataloader [--requests 200] [--stations 100]

Run it at an older commit to compare executors (docs/benchmarks.md says which).
"""
from __future__ import annotations

import argparse
import time

from bench.common import summary_ms
from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from services.common import config
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

DASHBOARD = """query ($first: Int) { stations(first: $first) { totalCount items {
    id name region { name parent { name } } county { name }
    staff { name training { hours } } trainingTotals { hoursThisYear }
    compliance { status rules { rule status evidence } }
    lastYear: compliance(asOf: "2023-12-31") { status } } } }"""
NAMES = "query ($first: Int) { stations(first: $first) { totalCount items { id name } } }"


def timed(endpoint, registry, query, stations, requests, settings, token) -> tuple[list[float], list[float], dict]:
    """Wall-clock and CPU seconds per request: CPU time is what the executor costs, and it moves far
    less than wall time on a machine shared with other work."""
    wall, cpu = [], []
    body = {}
    for _ in range(requests):
        registry.calls.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = gateway_request(endpoint, registry, query, variables={"first": stations}, token=token,
                                   settings=settings)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        body = response.json()
    assert "errors" not in body, body["errors"]
    assert len(body["data"]["stations"]["items"]) == stations
    return wall, cpu, body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--stations", type=int, default=100)
    args = parser.parse_args()
    endpoint = GraphQLEndpoint(schema, COST_MODEL)
    settings = config.Settings(graphql_max_cost=1_000_000)
    registry = FakeRegistry(stations=args.stations, staff_per_station=3)
    token = token_for("admin")
    for label, query in (("dashboard (5 batches)", DASHBOARD), ("baseline, names only", NAMES)):
        timed(endpoint, registry, query, args.stations, 10, settings, token)  # warm the caches
        wall, cpu, body = timed(endpoint, registry, query, args.stations, args.requests, settings, token)
        print(f"{label:<24} {args.stations} stations, RPC calls per request {body['extensions']['rpcCalls']}\n"
              f"    wall {summary_ms(wall)}\n    cpu  {summary_ms(cpu)}")


if __name__ == "__main__":
    main()
