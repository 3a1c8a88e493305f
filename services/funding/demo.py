"""Demo data for the demo city 镇江市 (321100): sources of every kind, budget lines, a tender and a
contract for every registry station, disbursements (some held for review), and evaluations.

Written through the funding use cases, so documents and events are genuine. The history of last
year and this year is replayed on a frozen clock (services.common.clock), because tenders need
their bidding period to pass before review. Deterministic for a given `rng`; a second run changes
nothing.

This module is the only place the funding service reads another service's database: demo seeding
is an operator tool that runs right after the registry's seed, before the registry's events have
reached funding's consumers. It reads the registry's stations (storage.registry_demo_stations) for the demo
stations, their operators (name and credit code) and their staff, and primes funding's staffing
projection with the very facts those events carry (through the same projection functions, so the
events, when they arrive, change nothing).
"""
from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.demo_identities import credit_code, resident_id_number
from services.common.errors import RuleViolation
from services.contracts.qualifications import is_professional

from . import staffing
from .earmarks import DOMAIN_TITLES
from .storage import (
    FundingRepository,
    default_schemes,
    load_reference_data,
    registry_county_names,
    registry_demo_stations,
)
from .usecases import Funding

DEMO_CITY = "321100"
EVALUATORS = [{"name": "江苏弘正社会工作评估中心", "credit_code": credit_code("320100", 901)},
              {"name": "镇江市社会工作发展研究中心", "credit_code": credit_code("321100", 902)}]
EVALUATOR_USERS = ["evaluator-zj-1", "evaluator-zj-2"]
POS_DOMAINS = ("social_assistance", "elderly", "children", "community_building", "social_affairs",
               "social_organisation_development")
LOTTERY_DOMAINS = ("elderly", "disability", "children", "public_welfare")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭何林罗高"


def seed(rng: random.Random) -> dict:
    db = storage.database("funding")
    load_reference_data(db)
    funding = Funding(FundingRepository(db))
    if funding.repo.has_sources_in(DEMO_CITY):
        return {"seeded": False, "reason": "demo funding data exists"}
    stations = registry_demo_stations(DEMO_CITY)
    if not stations:
        return {"seeded": False, "reason": "no registry stations: seed the registry first"}
    prime_staffing(funding, stations)
    return DemoCity(funding, stations, rng).seed()


def prime_staffing(funding: Funding, stations: list[dict]) -> None:
    today = clock.today()
    for station in stations:
        at = clock.timestamp(_moment(station["_updated_at"]))
        for member in station.get("staff", []):
            payload = {"staff_id": member["staff_id"], "station_id": station["_id"],
                       "region_code": station["region_code"],
                       "role": member["role"], "professional": is_professional(member, today),
                       "employment_start": member["employment_start"]}
            funding.repo.merge_staffing(station["_id"], lambda doc, p=payload, at=at: staffing.staff_joined(doc, p, at))
            if member.get("employment_end"):
                ended = {**payload, "employment_end": member["employment_end"]}
                funding.repo.merge_staffing(station["_id"], lambda doc, p=ended, at=at: staffing.staff_left(doc, p, at))
        snapshot = station.get("compliance")
        if snapshot:
            payload = {"station_id": station["_id"], "region_code": station["region_code"],
                       "status": snapshot["status"],
                       "rules": snapshot["rules"], "as_of": snapshot["since"]}
            funding.repo.merge_staffing(station["_id"],
                                        lambda doc, p=payload, at=at: staffing.compliance_changed(doc, p, at))


class DemoCity:
    def __init__(self, funding: Funding, stations: list[dict], rng: random.Random):
        self.funding = funding
        self.stations = stations
        self.rng = rng
        self.counties = sorted({s["county_code"] for s in stations})
        # The registry publishes the division names; a demo seeder may read what the registry seeded before it.
        self.county_names = registry_county_names()
        self.today = clock.today()  # history is replayed up to today, never beyond
        self.voucher_serials = itertools.count(1)  # unique vouchers: ids' random tails could collide
        self.counts = {"sources": 0, "budget_lines": 0, "tenders": 0, "contracts": 0, "disbursements": 0,
                       "held": 0, "resolved": 0, "refused": 0, "evaluations": 0}
        self.scheme_id = default_schemes()[0]["id"]

    def seed(self) -> dict:
        this_year = self.today.year
        for year in (this_year - 1, this_year):
            if date(year, 2, 20) > self.today:
                continue
            with clock.FrozenClock(datetime(year, 1, 6, 1, 0, tzinfo=UTC)) as frozen:
                sources = self.sources(year)
                lines = self.budget_lines(year, sources)
                self.purchase(year, lines, frozen, complete_year=year < this_year)
        return {"seeded": True, "city": DEMO_CITY, **self.counts}

    # --- budgets -------------------------------------------------------------------------------------
    def _source(self, year: int, **data) -> dict:
        self.counts["sources"] += 1
        return self.funding.create_source(SYSTEM, {"year": year, **data})

    def sources(self, year: int) -> dict:
        per_station = len(self.stations)
        found: dict[str, dict] = {"county_fiscal": {}, "pos": {}, "lottery": {}}
        for county in self.counties:
            name = self.county_names[county]
            found["county_fiscal"][county] = self._source(
                year, name=f"{year}年{name}社工站运营财政资金", kind="fiscal", region_code=county,
                funder={"name": f"{name}财政局"}, document_number=f"{name[0]}财社〔{year}〕{county[-2:]}号",
                amount_fen=sum(1 for s in self.stations if s["county_code"] == county) * 52_000_000)
        for domain_name in POS_DOMAINS:
            found["pos"][domain_name] = self._source(
                year, name=f"{year}年镇江市政府购买服务资金({DOMAIN_TITLES[domain_name]})", kind="purchase_of_service",
                domain=domain_name, region_code=DEMO_CITY, funder={"name": "镇江市民政局"},
                document_number=f"镇民购〔{year}〕{POS_DOMAINS.index(domain_name) + 1}号",
                amount_fen=per_station * 6_000_000)
        for domain_name in LOTTERY_DOMAINS:
            found["lottery"][domain_name] = self._source(
                year, name=f"{year}年省级福利彩票公益金({DOMAIN_TITLES[domain_name]})", kind="lottery",
                domain=domain_name,
                region_code="320000", funder={"name": "江苏省民政厅"},
                document_number=f"苏民福〔{year}〕{LOTTERY_DOMAINS.index(domain_name) + 7}号",
                amount_fen=per_station * 8_000_000, earmark={"region_codes": [DEMO_CITY]})
        found["charity"] = self._source(
            year, name=f"{year}年镇江市慈善总会社工站专项", kind="charity", domain="children", region_code=DEMO_CITY,
            funder={"name": "镇江市慈善总会", "credit_code": credit_code("321100", 903)},
            amount_fen=per_station * 2_000_000)
        return found

    def _allocate(self, source: dict, **data) -> dict:
        self.counts["budget_lines"] += 1
        return self.funding.allocate_budget(SYSTEM, source["id"], data)

    def budget_lines(self, year: int, sources: dict) -> dict:
        lines = {}
        for station in self.stations:
            sid = station["_id"]
            lines[sid] = {
                "fiscal": self._allocate(sources["county_fiscal"][station["county_code"]], station_id=sid,
                                         amount_fen=50_000_000),
                "elderly": self._allocate(sources["pos"]["elderly"], station_id=sid, domain="elderly",
                                          amount_fen=self.rng.choice((4_000_000, 5_000_000))),
                "lottery_elderly": self._allocate(sources["lottery"]["elderly"], station_id=sid, domain="elderly",
                                                  amount_fen=self.rng.choice((3_000_000, 6_000_000))),
            }
        for county in self.counties:
            region = {"name": f"{self.county_names[county]}困境儿童关爱项目", "region_code": county}
            lines[county] = {"children": self._allocate(sources["lottery"]["children"], project=region,
                                                        domain="children",
                                                        amount_fen=12_000_000),
                             "charity": self._allocate(sources["charity"],
                                                       project={**region, "name": f"{county}慈善助学"},
                                                       domain="children", amount_fen=4_000_000)}
        return lines

    # --- purchase of services -------------------------------------------------------------------------
    def purchase(self, year: int, lines: dict, frozen, complete_year: bool) -> None:
        published_at = clock.utcnow()
        contracts = []
        for station in self.stations:
            contracts.append(self.tender_and_contract(year, station, lines, published_at))
        frozen.at = datetime(year, 3, 2, 1, 0, tzinfo=UTC)
        for station, contract in zip(self.stations, contracts, strict=False):
            self.commit(contract, lines[station["_id"]])
        self.pay(year, contracts, lines, frozen, complete_year)

    def tender_and_contract(self, year: int, station: dict, lines: dict, published_at: datetime) -> dict:
        operator = station["operator"]
        rival_station = self.rng.choice([s for s in self.stations if s["_id"] != station["_id"]])
        with clock.FrozenClock(published_at) as frozen:
            tender = self.funding.create_tender(SYSTEM, {
                "title": f"{year}年{station['name']}运营服务项目", "region_code": station["county_code"],
                "buyer": {"name": f"{self.county_names[station['county_code']]}民政局"},
                "project": {"name": f"{year}年乡镇(街道)社工站运营", "year": year,
                            "rationale": "落实江苏省加快推进乡镇(街道)社工站建设的通知"},
                "station_ids": [station["_id"]], "service_domains": ["social_assistance", "elderly", "children"],
                "method": "open", "budget_fen": 60_000_000,
                "deadline": (published_at + timedelta(days=25)).isoformat(),
                "contract_period": {"start": f"{year}-03-01", "end": f"{year}-12-31"},
                "eligibility": ["依法登记的社会服务机构", "具备专业社会工作人员"]})
            tender = self.funding.publish_tender(SYSTEM, tender["id"], {"expected_version": tender["version"]})
            self.counts["tenders"] += 1
            bidders = [(operator, self.rng.randint(48_000_000, 56_000_000)),
                       (rival_station["operator"], self.rng.randint(50_000_000, 59_000_000))]
            bids = [self.funding.record_bid(SYSTEM, tender["id"], self.bid(org, price, index))
                    for index, (org, price) in enumerate(bidders)]
            frozen.advance(days=30)
            scores = (self.rng.randint(84, 95), self.rng.randint(70, 83))
            for bid, score in zip(bids, scores, strict=False):
                version = self.funding.get_tenders(SYSTEM, [tender["id"]])[0]["version"]
                self.funding.review_bid(SYSTEM, tender["id"], bid["id"], self.review(version, bid, score))
            version = self.funding.get_tenders(SYSTEM, [tender["id"]])[0]["version"]
            self.funding.award_tender(SYSTEM, tender["id"], {"expected_version": version, "bid_id": bids[0]["id"]})
            amount = bidders[0][1]
            contract = self.funding.sign_contract(SYSTEM, tender["id"], {
                "signed_on": (published_at + timedelta(days=35)).date().isoformat(),
                "staffing_promise": {"professional_social_workers_per_station": 3,
                                     "monthly_pay_fen": self.rng.randint(1_110_000, 1_250_000)},
                "milestones": self.milestones(year, amount, elderly_fen(lines[station["_id"]]))})
            self.counts["contracts"] += 1
        return contract

    def bid(self, organisation: dict, price: int, index: int) -> dict:
        county = organisation["credit_code"][2:8]
        people = [(f"{self.rng.choice(SURNAMES)}{self.rng.choice('建国志强秀英丽华文军')}", role)
                  for role in ("responsible_person", "founder")]
        return {"organisation": {"name": organisation["name"], "credit_code": organisation["credit_code"],
                                 "qualifications": ["社会组织评估等级3A"], "charity_recognised": index == 0},
                "contact": {"name": f"{self.rng.choice(SURNAMES)}经办",
                            "phone": f"139{self.rng.randint(10_000_000, 99_999_999)}"},
                "leaders": [{"name": name, "role": role,
                             "id_number": resident_id_number(county, date(self.rng.randint(1965, 1990), 6, 1),
                                                             self.rng.randint(1, 400), female=position == 1)}
                            for position, (name, role) in enumerate(people)],
                "price_fen": price, "proposal": "驻站专业社工3名,覆盖全部村(社区)"}

    @staticmethod
    def review(version: int, bid: dict, score: int) -> dict:
        return {"expected_version": version,
                "checklist": {code: {"passed": True} for code in (
                    "legal_registration", "credit_record", "professional_staff", "financial_management",
                    "service_experience", "charity_recognition")},
                "leaders": [{"leader_id": leader["id"], "political_quality": True, "work_experience": True,
                             "professional_ethics": True} for leader in bid["leaders"]],
                "scores": [{"criterion": "服务方案", "score": round(score * 0.6, 1), "max_score": 60},
                           {"criterion": "报价", "score": round(score * 0.3, 1), "max_score": 30},
                           {"criterion": "信誉与业绩", "score": round(score * 0.1, 1), "max_score": 10}]}

    @staticmethod
    def milestones(year: int, amount: int, elderly_share: int) -> list[dict]:
        """The elderly-care milestone is what the elderly-earmarked lines can pay; the rest from fiscal money."""
        staffing_share, evaluation_share = amount * 30 // 100, amount * 30 // 100
        return [
            {"id": "M1", "title": "驻站专业社工到岗", "type": "staffing_in_place", "due_on": f"{year}-03-31",
             "amount_fen": staffing_share, "deliverables": ["3名专业社工到岗", "劳动合同与社保缴纳记录"]},
            {"id": "M2", "title": "养老兜底服务(入户探访)", "type": "report", "domain": "elderly",
             "due_on": f"{year}-06-30",
             "amount_fen": elderly_share, "deliverables": ["独居、空巢老人入户探访台账"]},
            {"id": "M3", "title": "中期第三方评估合格", "type": "evaluation_passed", "due_on": f"{year}-09-30",
             "amount_fen": evaluation_share, "evidence": {"min_grade": "合格"}},
            {"id": "M4", "title": "年度服务总结与档案移交", "type": "report", "due_on": f"{year}-12-31",
             "amount_fen": amount - staffing_share - elderly_share - evaluation_share,
             "deliverables": ["年度服务报告", "居民需求档案更新"]},
        ]

    def commit(self, contract: dict, station_lines: dict) -> None:
        fiscal = contract["amount_fen"] - elderly_fen(station_lines)
        for line, amount in ((station_lines["fiscal"], fiscal),
                             (station_lines["elderly"], station_lines["elderly"]["amount_fen"]),
                             (station_lines["lottery_elderly"], station_lines["lottery_elderly"]["amount_fen"])):
            self.funding.commit_funding(SYSTEM, contract["id"], {"budget_line_id": line["id"], "amount_fen": amount})

    # --- disbursements and evaluations ------------------------------------------------------------------
    def _disburse(self, contract: dict, milestone_id: str, line: dict, amount: int, paid_on: date,
                  evaluation_id: str | None = None) -> None:
        if amount <= 0:
            return
        try:
            paid = self.funding.record_disbursement(SYSTEM, contract["id"], {
                "milestone_id": milestone_id, "budget_line_id": line["id"], "amount_fen": amount,
                "paid_on": paid_on.isoformat(),
                "voucher_number": f"ZJ{paid_on:%Y%m%d}-{milestone_id}-{next(self.voucher_serials):06d}",
                "evidence": {"documents": [{"title": "服务台账及支付申请", "number": f"TZ{paid_on:%Y%m}"}],
                             "evaluation_id": evaluation_id}})
        except RuleViolation:  # e.g. staffing not in place: the demo shows the refusal by leaving it unpaid
            self.counts["refused"] += 1
            return
        self.counts["disbursements"] += 1
        self.counts["held"] += paid["status"] == "held"

    def pay(self, year: int, contracts: list[dict], lines: dict, frozen, complete_year: bool) -> None:
        evaluations = {}
        for station, contract in zip(self.stations, contracts, strict=False):
            milestones = {m["id"]: m for m in contract["milestones"]}
            station_lines = lines[station["_id"]]
            if date(year, 4, 8) > self.today:
                continue
            frozen.at = datetime(year, 4, 10, 1, 0, tzinfo=UTC)
            self._disburse(contract, "M1", station_lines["fiscal"], milestones["M1"]["amount_fen"], date(year, 4, 8))
            if date(year, 7, 6) > self.today:
                continue
            frozen.at = datetime(year, 7, 10, 1, 0, tzinfo=UTC)
            self._disburse(contract, "M2", station_lines["lottery_elderly"],
                           station_lines["lottery_elderly"]["amount_fen"],
                           date(year, 7, 6))
            self._disburse(contract, "M2", station_lines["elderly"], station_lines["elderly"]["amount_fen"],
                           date(year, 7, 6))
            if date(year, 9, 10) <= self.today:
                evaluations[contract["id"]] = self.evaluate(contract, year,
                                                            completed=complete_year or self.rng.random() < 0.6)
        if not complete_year:
            return
        for station, contract in zip(self.stations, contracts, strict=False):
            milestones = {m["id"]: m for m in contract["milestones"]}
            fiscal = lines[station["_id"]]["fiscal"]
            frozen.at = datetime(year, 10, 20, 1, 0, tzinfo=UTC)
            self._disburse(contract, "M3", fiscal, milestones["M3"]["amount_fen"], date(year, 10, 15),
                           evaluations[contract["id"]])
            frozen.at = datetime(year, 12, 28, 1, 0, tzinfo=UTC)
            self._disburse(contract, "M4", fiscal, milestones["M4"]["amount_fen"], date(year, 12, 26))
        frozen.at = datetime(year + 1, 1, 15, 1, 0, tzinfo=UTC)
        self.resolve_flags(contracts)

    def resolve_flags(self, contracts: list[dict]) -> None:
        """By the new year most held payments are resolved: released once staffing was put right, a few cancelled."""
        for contract in contracts:
            for payment in self.funding.disbursements_for_contracts(SYSTEM, [contract["id"]])[contract["id"]]:
                draw = self.rng.random()
                if payment["status"] != "held" or draw >= 0.8:
                    continue
                decision, reason = (("release", "承接机构已补足专业社工并补缴社保,核查后放行") if draw < 0.65
                                    else ("cancel", "未按合同配备专业社工,扣减相应经费"))
                version = self.funding.get_contracts(SYSTEM, [contract["id"]])[0]["version"]
                self.funding.resolve_flag(SYSTEM, contract["id"], payment["id"],
                                          {"expected_version": version, "decision": decision, "reason": reason})
                self.counts["resolved"] += 1

    def evaluate(self, contract: dict, year: int, completed: bool) -> str:
        evaluator = self.rng.randrange(len(EVALUATORS))
        with clock.FrozenClock(datetime(year, 8, 1, 1, 0, tzinfo=UTC)) as frozen:
            evaluation = self.funding.commission_evaluation(SYSTEM, {
                "subject": {"kind": "contract", "id": contract["id"]}, "scheme_id": self.scheme_id,
                "evaluator": EVALUATORS[evaluator], "evaluator_user_ids": [EVALUATOR_USERS[evaluator]],
                "period": {"start": f"{year}-03-01", "end": f"{year}-08-31"}, "due_on": f"{year}-09-30"})
            self.counts["evaluations"] += 1
            if not completed:
                return evaluation["id"]
            frozen.advance(days=40)
            weak = self.rng.random() < 0.1
            scores = [{"indicator": indicator["code"],
                       "score": round(self.rng.uniform(4.5, 6.5) if weak else self.rng.uniform(7.0, 9.8), 1),
                       "comment": "查阅台账、入户回访", "evidence": [{"title": "评估工作底稿"}]}
                      for indicator in evaluation["scheme"]["indicators"]]
            evaluator_viewer = Viewer(EVALUATOR_USERS[evaluator], "evaluator", DEMO_CITY)
            evaluation = self.funding.score_evaluation(evaluator_viewer, evaluation["id"],
                                                       {"expected_version": evaluation["version"], "scores": scores})
            self.funding.complete_evaluation(evaluator_viewer, evaluation["id"], {
                "expected_version": evaluation["version"],
                "summary": "运行规范,服务台账完整" if not weak else "服务量不足,需整改"})
            return evaluation["id"]


def _moment(value) -> datetime:
    """A stored timestamp as an aware datetime (the store may hand it back as text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return clock.parse_timestamp(str(value))


def elderly_fen(station_lines: dict) -> int:
    return station_lines["elderly"]["amount_fen"] + station_lines["lottery_elderly"]["amount_fen"]
