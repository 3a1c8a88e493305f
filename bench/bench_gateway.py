"""GraphQL latency (issue 2, item c): "stations in a city with staff and compliance" over a
province-sized registry (13 cities, every county, ~14 townships each: 1,300+ stations).

The dataset is built with the registry's own domain functions and written in bulk (the benchmark
measures reads, not the seeding path). Baseline in the same run: the same page asking only for
station names, so the ratio shows what staff + compliance cost on top.

    python -m bench.bench_gateway [--requests 100] [--page 50]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402

import kombu.serialization  # noqa: E402
import requests  # noqa: E402

from bench.common import percentile, private_platform, summary_ms  # noqa: E402
from gateway.service import GatewayService  # noqa: E402
from services.common import clock, config, storage  # noqa: E402
from services.common.auth import Viewer, mint_token  # noqa: E402
from services.common.demo_identities import credit_code, resident_id_number  # noqa: E402
from services.common.protection import FieldCipher  # noqa: E402
from services.registry import compliance as rules  # noqa: E402
from services.registry import domain  # noqa: E402
from services.registry.regions import Region, load_reference_regions  # noqa: E402
from services.registry.service import RegistryService  # noqa: E402
from services.registry.storage import INDEXES, STATIONS, RegistryRepository, load_reference_data  # noqa: E402
from services.registry.usecases import Registry, compliance, staff, stations  # noqa: E402
from tests.support.containers import running  # noqa: E402
from tests.support.infrastructure import free_port  # noqa: E402

TOWNSHIPS_PER_COUNTY = 14

FULL = """query($region: String!, $first: Int) { stations(region: $region, first: $first) { totalCount items {
  name status venue { officeAreaM2 } staff { name idNumber role professional trainingHoursThisYear }
  compliance { status rules { rule status since evidence } } } } }"""
NAMES_ONLY = """query($region: String!, $first: Int) {
  stations(region: $region, first: $first) { totalCount items { name } } }"""


def build_province(rng: random.Random) -> int:
    db = storage.database("registry")
    storage.ensure_indexes(db, INDEXES)
    load_reference_data(db)
    repo = RegistryRepository(db)
    cipher = FieldCipher()
    today = clock.today()
    counties = [r for r in load_reference_regions() if r.level == "county"]
    townships, stations = [], []
    for county in counties:
        for index in range(1, TOWNSHIPS_PER_COUNTY + 1):
            township = Region(f"{county.code}{100 + index:03d}", f"第{index}街道", "township", county.code)
            townships.append(township)
            station = domain.new_station({
                "township_code": township.code, "name": f"{county.name}{township.name}社工站",
                "venue": {"office_area_m2": rng.choice([32.0, 45.0, 60.0, 80.0]), "signboard_hung": rng.random() > 0.1},
                "population": {"residents": rng.randint(10_000, 80_000), "year": today.year - 1},
                "legal_form": "operated_by_organisation", "status": "operating",
                "operator": {"name": f"{county.name}社会工作服务中心", "credit_code": credit_code(county.code, index)},
            }, township, county, today)
            staff = []
            for n in range(rng.randint(2, 5)):
                id_number = resident_id_number(county.code, date(1985, 1, 1) + timedelta(days=n * 97), index * 10 + n)
                member = domain.new_staff_member(
                    {"staff": staff}, {"name": f"社工{n}", "id_number": id_number, "phone": "13800000000",
                                       "role": "social_worker", "employment_start": date(2022, 1, 1),
                                       "monthly_salary_fen": rng.randint(900_000, 1_400_000), "social_insurance": True,
                                       "qualification": {"kind": "certificate", "level": "social_worker",
                                                         "obtained_on": "2020-01-01", "certificate_number": "SW0001"}},
                    f"stf_{township.code}_{n}", cipher.encrypt(id_number), cipher.blind_index(id_number),
                    cipher.encrypt("13800000000"))
                member["training"] = [{"id": f"trn_{township.code}_{n}_{k}", "date": f"{today.year}-0{k + 1}-10",
                                       "hours": rng.choice([4, 6, 8]), "topic": "培训", "provider": "市民政局"}
                                      for k in range(rng.randint(1, 5))]
                staff.append(member)
            station["staff"] = staff
            station["compliance"] = rules.snapshot(rules.evaluate(
                station, rules.JIANGSU_2021, today,
                domain.wage_for(repo.wages(), station["region_code"], today.year)))
            stations.append(storage.aggregate_document(station))
    repo.save_regions(townships)
    for start in range(0, len(stations), 500):
        db[STATIONS].insert_many(stations[start:start + 500])
    return len(stations)


# What the gateway asks the registry for with FULL's page (gateway/schema/registry/queries.station_page_include).
FULL_INCLUDE = ["staff", "staff.id_number", "staff.name", "staff.professional", "staff.role",
                "staff.training_hours_this_year", "compliance", "compliance.evidence"]


class _CountingFind:
    """The stations collection, counting the documents its finds hand back."""

    def __init__(self, collection):
        self._collection, self.read = collection, 0

    def find(self, *args, **kwargs):
        return _CountingCursor(self._collection.find(*args, **kwargs), self)

    def __getattr__(self, name):
        return getattr(self._collection, name)


class _CountingCursor:
    def __init__(self, cursor, counter: _CountingFind):
        self._cursor, self._counter = cursor, counter

    def sort(self, *args):
        self._cursor = self._cursor.sort(*args)
        return self

    def limit(self, n):
        self._cursor = self._cursor.limit(n)
        return self

    def __iter__(self):
        for doc in self._cursor:
            self._counter.read += 1
            yield doc


def reply_sizes(city: str, page: int) -> None:
    """In process, on the bench's data: the registry's replies for FULL's page, as the loaders asked for them
    (the page, then a staff batch and a compliance batch re-reading the stations) and as the page now
    answers with `include` (one read). Bytes of the JSON sent (kombu's "json" serializer,
    services/common/json_codec.py); documents the store handed back."""
    context = Registry(RegistryRepository(storage.database("registry")))
    counting = _CountingFind(context.repo.stations.collection)
    context.repo.stations.collection = counting  # type: ignore[assignment]
    viewer = Viewer("bench", "province", "320000")
    query = {"region": city, "limit": page}

    listed = stations.list_stations(context, viewer, query)
    ids = [item["id"] for item in listed["items"]]
    staff_reply = staff.staff_for_stations(context, viewer, ids)
    compliance_reply = compliance.compliance_for_stations(context, viewer, ids)
    before_read, counting.read = counting.read, 0
    carried = stations.list_stations(context, viewer, query, include=FULL_INCLUDE)
    now_read, counting.read = counting.read, 0
    kb = {name: len(kombu.serialization.dumps(reply, "json")[2].encode()) / 1024 for name, reply in (
        ("page", listed), ("staff", staff_reply), ("compliance", compliance_reply), ("page+include", carried))}
    print(f"  replies, loaders: page {kb['page']:.0f} KB + staff {kb['staff']:.0f} KB + compliance "
          f"{kb['compliance']:.0f} KB = {kb['page'] + kb['staff'] + kb['compliance']:.0f} KB, "
          f"{before_read} station documents read")
    print(f"  replies, page with include: {kb['page+include']:.0f} KB, {now_read} station documents read")


def measure(url: str, token: str, query: str, region: str, page: int, count: int
            ) -> tuple[list[float], list[float], dict]:
    """Wall time per request, and the CPU time this process spent on it (the gateway, the registry and
    the HTTP client all run here; the store is another process): on a loaded machine the wall time
    mostly waits for a core, the CPU time much less."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"query": query, "variables": {"region": region, "first": page}}
    last = session.post(url, json=body, headers=headers, timeout=60).json()  # warm caches
    samples, cpu = [], []
    for _ in range(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        last = session.post(url, json=body, headers=headers, timeout=60).json()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    assert "errors" not in last, last
    return samples, cpu, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args()
    # The full page of 50 costs about 6,800 by the cost model, above the default limit of 5,000.
    with private_platform(graphql_max_cost=20_000) as settings:
        started = time.perf_counter()
        total = build_province(random.Random(1300))
        print(f"dataset: {total} stations written in {time.perf_counter() - started:.1f} s")
        web = dataclasses.replace(settings, http_port=free_port())
        config.override(web)
        registry_settings = dataclasses.replace(settings, http_port=free_port())
        url = f"http://127.0.0.1:{web.http_port}/graphql"
        token = mint_token(settings.token_secret, role="province", user_id="bench", region="320000")
        with running(RegistryService, settings=registry_settings), running(GatewayService, settings=web):
            for city in ("320100", "321100"):
                full, full_cpu, body = measure(url, token, FULL, city, args.page, args.requests)
                names, names_cpu, _ = measure(url, token, NAMES_ONLY, city, args.page, args.requests)
                stations = body["data"]["stations"]
                print(f"city {city}: {stations['totalCount']} stations, page of {len(stations['items'])}, "
                      f"{body['extensions']['rpcCalls']} RPC calls per request")
                print(f"  stations + staff + compliance: {summary_ms(full)}")
                print(f"  baseline, names only:          {summary_ms(names)}")
                print(f"  ratio (p50): {sorted(full)[len(full) // 2] / sorted(names)[len(names) // 2]:.2f}x")
                print(f"  CPU of this process, full: {summary_ms(full_cpu)}")
                print(f"  CPU of this process, names: {summary_ms(names_cpu)}")
                print(f"  CPU ratio (p50): {percentile(full_cpu, 0.5) / percentile(names_cpu, 0.5):.2f}x")
                reply_sizes(city, args.page)


if __name__ == "__main__":
    main()
