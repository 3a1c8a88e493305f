"""Funding benchmark (issue 5): the fund supervision view on a province-sized data set.

Jiangsu's 13 cities and 95 county-level divisions, ~1,300 stations, 5 years. Per station and year:
three budget lines (county fiscal money, city purchase-of-service money for elderly care, provincial
lottery money for elderly care), one contract funded by them, four milestones and twelve monthly
disbursements (about one in twenty held for review). Per county and year one project line more.

The view is computed two ways in the same run, on the same data:
- the service's way: the document store sums, per source, the budget lines (allocated, committed)
  and the funding positions (paid, held: one small document per contract and budget line, saved
  after each contract write; see services/funding/domain.py);
- the naive baseline: read the region's budget lines and contracts and add up every raw
  disbursement in Python (supervision.naive_cells), as a report built on the raw ledger would.
Both must give identical figures (checked for every region measured). Timings are in-process use
case calls (the ratio) and full nameko RPC calls to the running service (what a caller sees).

The data set is written with insert_many from documents built by the same pure rules the use
cases apply (new_source, new_budget_line, new_contract, add_commitment, check_payment,
add_disbursement): writing 78,000 disbursements one RPC at a time would take most of an hour here.

    python -m bench.bench_funding [--quick] [--repeat 20]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import date, datetime  # noqa: E402

from bench.common import percentile, private_platform  # noqa: E402
from services.common import storage  # noqa: E402
from services.common.auth import SYSTEM, region_prefix  # noqa: E402
from services.common.consumers import Inbox  # noqa: E402
from services.common.demo_identities import credit_code  # noqa: E402
from services.common.rpc import load  # noqa: E402
from services.funding import contracts, domain, supervision  # noqa: E402
from services.funding.schemas import AllocationSchema, ContractInputSchema, DisbursementSchema, SourceInputSchema  # noqa: E402
from services.funding.service import FundingService  # noqa: E402
from services.funding.storage import (  # noqa: E402
    CONTRACTS,
    INDEXES,
    LINES,
    POSITIONS,
    SOURCES,
    FundingRepository,
    load_reference_data,
)
from services.funding.usecases import Funding  # noqa: E402
from services.registry.regions import load_reference_regions  # noqa: E402
from tests.support.containers import rpc_client, running  # noqa: E402

WAGE = {"region_code": "320000", "year": 2021, "monthly_wage_fen": 959_442}


def stamp(doc: dict) -> dict:
    return storage.aggregate_document(doc)


class ProvinceData:
    """Builds the data set in memory, one year at a time, and writes it in bulk."""

    def __init__(self, db, years: list[int], stations_total: int, seed: int = 5):
        self.db = db
        self.years = years
        self.rng = random.Random(seed)
        regions = load_reference_regions()
        self.cities = [r.code for r in regions if r.level == "city"]
        self.counties = [r.code for r in regions if r.level == "county"]
        per_county, extra = divmod(stations_total, len(self.counties))
        self.stations = [f"ST{county}{index:03d}" for position, county in enumerate(self.counties)
                         for index in range(1, per_county + (1 if position < extra else 0) + 1)]
        self.counts = {"sources": 0, "budget_lines": 0, "contracts": 0, "disbursements": 0}

    def _source(self, source_id, **data):
        doc = domain.new_source(load(SourceInputSchema, data), source_id)
        return {**doc, "_version": 1}

    def build(self) -> dict:
        for year in self.years:
            self._year(year)
        return self.counts

    def _year(self, year: int) -> None:
        sources = {}
        for county in self.counties:
            sources[county] = self._source(f"src_{year}_fiscal_{county}", name=f"{year}年{county}财政资金",
                                           kind="fiscal",
                                           year=year, region_code=county, funder={"name": f"{county}财政局"},
                                           amount_fen=60_000_000 * 20)
        for city in self.cities:
            sources[city] = self._source(f"src_{year}_pos_{city}", name=f"{year}年{city}购买服务(养老)",
                                         kind="purchase_of_service", domain="elderly", year=year, region_code=city,
                                         funder={"name": f"{city}民政局"}, amount_fen=6_000_000 * 200)
        lottery = self._source(f"src_{year}_lottery_elderly", name=f"{year}年省福彩公益金(养老)", kind="lottery",
                               domain="elderly", year=year, region_code="320000", funder={"name": "江苏省民政厅"},
                               amount_fen=4_000_000 * 1500)
        children = self._source(f"src_{year}_lottery_children", name=f"{year}年省福彩公益金(儿童)", kind="lottery",
                                domain="children", year=year, region_code="320000", funder={"name": "江苏省民政厅"},
                                amount_fen=10_000_000 * 100)
        lines, contract_docs = [], []
        for station in self.stations:
            county, city = station[2:8], station[2:6] + "00"
            station_lines = [self._line(sources[county], f"bl_{year}_f_{station}", station, 50_000_000, None),
                             self._line(sources[city], f"bl_{year}_p_{station}", station, 5_000_000, "elderly"),
                             self._line(lottery, f"bl_{year}_l_{station}", station, 4_000_000, "elderly")]
            lines.extend(station_lines)
            contract_docs.append(self._contract(year, station, station_lines))
        for county in self.counties:
            lines.append(self._line(children, f"bl_{year}_c_{county}", None, 10_000_000, "children", county))
        for source in (*sources.values(), lottery, children):
            source["allocated_fen"] = sum(line["amount_fen"] for line in lines if line["source_id"] == source["_id"])
        self.db[SOURCES].insert_many([stamp(s) for s in (*sources.values(), lottery, children)])
        self.db[LINES].insert_many([stamp(line) for line in lines])
        for start in range(0, len(contract_docs), 500):
            self.db[CONTRACTS].insert_many([stamp(c) for c in contract_docs[start:start + 500]])
        self.db[POSITIONS].insert_many([p for c in contract_docs for p in contracts.positions(c)])
        self.counts["sources"] += len(sources) + 2
        self.counts["budget_lines"] += len(lines)
        self.counts["contracts"] += len(contract_docs)

    def _line(self, source, line_id, station, amount, line_domain, project_region=None):
        data = {"station_id": station, "amount_fen": amount, "domain": line_domain} if station else \
            {"project": {"name": "困境儿童关爱项目", "region_code": project_region}, "amount_fen": amount,
             "domain": line_domain}
        return {**domain.new_budget_line(source, load(AllocationSchema, data), line_id), "_version": 1}

    def _contract(self, year: int, station: str, station_lines: list[dict]) -> dict:
        amount = 48_000_000 + self.rng.randrange(0, 8_000_000, 100)
        elderly = sum(line["amount_fen"] for line in station_lines[1:])
        monthly = (amount - elderly) * 70 // 100 // 12
        tender = {"_id": f"tdr_{year}_{station}", "ocid": f"ocds-sgjs21-tdr_{year}_{station}",
                  "title": f"{year}年{station}运营",
                  "status": "awarded", "region_code": station[2:8], "buyer": {"name": "民政局"},
                  "station_ids": [station],
                  "service_domains": ["elderly", "social_assistance"],
                  "contract_period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
                  "award": {"operator": {"name": f"{station}承接机构",
                                         "credit_code": credit_code(station[2:8], int(station[-3:]))},
                            "amount_fen": amount}}
        milestones = [
            {"id": "M1", "title": "月度运营", "type": "report", "due_on": date(year, 12, 31),
             "amount_fen": monthly * 12},
            {"id": "M2", "title": "养老服务", "type": "report", "domain": "elderly", "due_on": date(year, 12, 31),
             "amount_fen": elderly},
            {"id": "M3", "title": "评估", "type": "evaluation_passed", "due_on": date(year, 12, 31),
             "amount_fen": (amount - elderly - monthly * 12) // 2, "evidence": {"min_grade": "合格"}},
            {"id": "M4", "title": "总结", "type": "report", "due_on": date(year, 12, 31),
             "amount_fen": amount - elderly - monthly * 12 - (amount - elderly - monthly * 12) // 2},
        ]
        data = load(ContractInputSchema, {"signed_on": f"{year}-01-01", "milestones": [
            {**m, "due_on": m["due_on"].isoformat()} for m in milestones],
            "staffing_promise": {"professional_social_workers_per_station": 3, "monthly_pay_fen": 1_000_000}})
        contract = {**contracts.new_contract(tender, {k: v for k, v in data.items() if v is not None}, WAGE, "bench"),
                    "_version": 1}
        shares = (amount - elderly, *(other["amount_fen"] for other in station_lines[1:]))
        for number, (line, share) in enumerate(zip(station_lines, shares, strict=True)):
            contract.update(contracts.add_commitment(contract, line, f"cmt_{number}", share, datetime(year, 1, 2)))
            line["committed_fen"] += share
        for month in range(1, 13):
            self._pay(contract, "M1", station_lines[0], monthly, date(year, month, 25), held=self.rng.random() < 0.05)
        self._pay(contract, "M2", station_lines[1], station_lines[1]["amount_fen"], date(year, 6, 30))
        self._pay(contract, "M2", station_lines[2], station_lines[2]["amount_fen"], date(year, 6, 30))
        return contract

    def _pay(self, contract, milestone_id, line, amount, paid_on, held=False):
        data = load(DisbursementSchema, {"milestone_id": milestone_id, "budget_line_id": line["_id"],
                                         "amount_fen": amount, "paid_on": paid_on.isoformat(),
                                         "voucher_number": f"V{paid_on:%Y%m%d}-{milestone_id}-{line['_id']}"})
        milestone, funding = contracts.check_payment(contract, data, date(2100, 1, 1))
        entry = contracts.disbursement_entry(contract, milestone, funding, data,
                                             f"dsb_{contract['_id']}_{len(contract['disbursements'])}",
                                             {"documents": []}, ["staffing"] if held else [],
                                             datetime(paid_on.year, 12, 31), "bench")
        contract.update(contracts.add_disbursement(contract, entry))
        self.counts["disbursements"] += 1


def naive_view(repo: FundingRepository, region: str) -> dict:
    """The baseline: the region's raw documents (found with the same indexed filters), every
    disbursement added up in Python."""
    prefix = region_prefix(region)
    scope = prefix + "0" * (6 - len(prefix)) if len(prefix) < 6 else region
    lines = list(repo.db[LINES].find(domain.region_match(region)))
    contract_docs = list(repo.db[CONTRACTS].find({"scope_codes": {"$in": [scope]}}))
    cells = supervision.naive_cells(region, lines, contract_docs)
    own = repo.sources.find(domain.region_match(region))
    meta = repo.source_summaries({"_id": {"$in": list(set(cells) | {s["_id"] for s in own})}})
    return supervision.view(region, cells, meta, own)


def timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def ms(samples: list[float], fraction: float) -> float:
    return percentile(samples, fraction) * 1000


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 year and 260 stations instead of 5 years and 1,300")
    parser.add_argument("--repeat", type=int, default=20, help="calls per region and method (the province: a quarter)")
    args = parser.parse_args(argv)
    years = [2025] if args.quick else [2021, 2022, 2023, 2024, 2025]
    stations = 260 if args.quick else 1300

    with private_platform() as settings:
        db = storage.database("funding")
        storage.ensure_indexes(db, [*INDEXES, *Inbox.indexes])
        load_reference_data(db)
        started = time.perf_counter()
        data = ProvinceData(db, years, stations)
        counts = data.build()
        print(f"data set: 13 cities, {len(data.counties)} counties, {len(data.stations)} stations, "
              f"{len(years)} year(s): "
              f"{counts['sources']} sources, {counts['budget_lines']} budget lines, {counts['contracts']} contracts, "
              f"{counts['disbursements']} disbursements (written in {time.perf_counter() - started:.0f} s)")

        funding = Funding(FundingRepository(db))
        rng = random.Random(7)
        levels = {"province": ["320000"], "city": rng.sample(data.cities, 3), "county": rng.sample(data.counties, 5)}
        for regions in levels.values():
            for region in regions:
                fast = funding.fund_supervision(SYSTEM, {"region": region})
                assert fast == naive_view(funding.repo, region), f"the two ways disagree for {region}"
        print("check: the store's sums and the raw disbursements give identical views for every region measured")

        results = {}
        with running(FundingService, settings=settings), rpc_client(settings, timeout=120) as client:
            for level, regions in levels.items():
                repeat = max(3, args.repeat // 4) if level == "province" else args.repeat
                per_region = max(1, repeat // len(regions))
                samples = {"service": [], "naive": [], "rpc": []}
                for region in regions:
                    samples["service"] += timed(lambda r=region: funding.fund_supervision(SYSTEM, {"region": r}),
                                                per_region)
                    samples["naive"] += timed(lambda r=region: naive_view(funding.repo, r), per_region)
                    samples["rpc"] += timed(
                        lambda r=region: client.funding.fund_supervision(SYSTEM.to_dict(), {"region": r}), per_region)
                results[level] = samples

    print()
    print(f"{'view':<9} {'calls':>5} | {'service p50':>11} {'p95':>9} | {'naive p50':>11} {'p95':>9} | "
          f"{'naive/service p50':>17} | {'RPC p50':>9} {'p95':>9}")
    for level, samples in results.items():
        service_p50, naive_p50 = ms(samples["service"], 0.5), ms(samples["naive"], 0.5)
        print(f"{level:<9} {len(samples['service']):>5} | "
              f"{service_p50:>8.1f} ms {ms(samples['service'], 0.95):>6.1f} ms | "
              f"{naive_p50:>8.1f} ms {ms(samples['naive'], 0.95):>6.1f} ms | {naive_p50 / service_p50:>16.1f}x | "
              f"{ms(samples['rpc'], 0.5):>6.1f} ms {ms(samples['rpc'], 0.95):>6.1f} ms")


if __name__ == "__main__":
    main()
