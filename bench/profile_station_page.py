"""Where the time of bench_gateway's full stations page goes, stage by stage, in one process (issue 10).

The same 1,330-station province as bench_gateway, on a private nx-27017; no broker. For the full page
and the names-only page of one city it times, each over the same number of rounds:
  registry  list_stations as the registry's RPC method runs it (store read, views, staff, compliance);
  encode    the reply serialised as the registry's reply sender does (kombu's registered serializer);
  decode    the reply deserialised as the gateway's reply listener does;
  gateway   the GraphQL request through GraphQLEndpoint.handle with a client returning the decoded reply
            (parse/validate from its cache, execute, complete, the response's JSON);
and prints the reply's size. The ratio full ÷ names of each stage shows where the gap is.

    python -m bench.profile_station_page [--rounds 30] [--city 320100] [--cprofile]
"""
from __future__ import annotations

import argparse
import copy
import cProfile
import pstats
import random
import time
from collections.abc import Callable

import kombu.serialization

from bench.bench_gateway import FULL, FULL_INCLUDE, NAMES_ONLY, build_province
from bench.common import percentile
from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from services.common import config, storage
from services.common.auth import Viewer
from services.registry.storage import RegistryRepository
from services.registry.usecases import Registry, stations
from tests.support.gateway_fakes import gateway_request, token_for
from tests.support.infrastructure import NxServer


class _ReplyingRegistry:
    """The registry client as the gateway sees it, answering list_stations with one encoded reply."""

    def __init__(self, body: bytes, content_type: str, encoding: str):
        self.body, self.content_type, self.encoding = body, content_type, encoding
        self.calls: list[str] = []

    def list_stations(self, viewer, filters, include=None):
        self.calls.append("list_stations")
        return kombu.serialization.loads(self.body, self.content_type, self.encoding)["result"]


def _p50_ms(run: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return percentile(samples, 0.5) * 1000


def profile(city: str, rounds: int, show_profile: bool) -> None:
    context = Registry(RegistryRepository(storage.database("registry")))
    viewer = Viewer("bench", "province", "320000")
    filters = {"region": city, "limit": 50}
    endpoint = GraphQLEndpoint(schema, COST_MODEL)
    settings = config.Settings(graphql_max_cost=20_000)
    token = token_for("province", user_id="bench", region="320000")
    print(f"city {city}, p50 of {rounds} rounds per stage")
    figures = {}
    for label, query, include in (("full", FULL, FULL_INCLUDE), ("names", NAMES_ONLY, [])):
        reply = stations.list_stations(context, viewer, copy.deepcopy(filters), include=include)
        content_type, encoding, body = kombu.serialization.dumps({"result": reply, "error": None}, "json")
        client = _ReplyingRegistry(body, content_type, encoding)
        variables = {"region": city, "first": 50}

        def through_gateway(client=client, query=query, variables=variables):
            response = gateway_request(endpoint, client, query, variables=variables, token=token,
                                       settings=settings)
            assert '"errors"' not in response.body[:200], response.body[:500]

        stages = {
            "registry": lambda include=include: stations.list_stations(context, viewer, dict(filters),
                                                                       include=include),
            "encode": lambda reply=reply: kombu.serialization.dumps({"result": reply, "error": None}, "json"),
            "decode": lambda client=client: kombu.serialization.loads(client.body, client.content_type,
                                                                      client.encoding),
            "gateway": through_gateway,
        }
        through_gateway()  # the query cache and the loaders' first use
        figures[label] = {name: _p50_ms(run, rounds) for name, run in stages.items()}
        figures[label]["reply KB"] = len(body) / 1024
        if show_profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                through_gateway()
                stages["registry"]()
            profiler.disable()
            print(f"--- cProfile, {label} page, 10 gateway requests + 10 registry calls")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    for name in ("registry", "encode", "decode", "gateway", "reply KB"):
        full, names = figures["full"][name], figures["names"][name]
        unit = "" if name == "reply KB" else " ms"
        print(f"  {name:9} full {full:8.2f}{unit}  names {names:8.2f}{unit}  gap {full - names:8.2f}{unit}  "
              f"ratio {full / names if names else float('inf'):.1f}x")
    total = {label: sum(v for k, v in f.items() if k != "reply KB") for label, f in figures.items()}
    print(f"  sum      full {total['full']:8.2f} ms  names {total['names']:8.2f} ms  "
          f"gap {total['full'] - total['names']:8.2f} ms  ratio {total['full'] / total['names']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--city", action="append")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    server = NxServer().start()
    try:
        config.override(config.Settings(mongo_uri=server.uri, database_prefix="profile", graphql_max_cost=20_000))
        build_province(random.Random(1300))
        for city in args.city or ["320100", "321100"]:
            profile(city, args.rounds, args.cprofile)
    finally:
        config.override(None)
        server.stop()


if __name__ == "__main__":
    main()
