"""Valid funding inputs and other services' events for tests; override what a test is about."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from services.common import storage
from services.common.consumers import Inbox
from services.common.demo_identities import credit_code, resident_id_number
from services.common.events import new_event
from services.common.protection import FieldCipher
from services.common.rpc import load
from services.contracts.registry import COMPLIANCE_CHANGED, STAFF_JOINED, STAFF_LEFT
from services.contracts.volunteers import SERVICE_DELIVERED
from services.funding import contracts, domain, procurement
from services.funding.schemas import (
    AllocationSchema,
    BidInputSchema,
    BidReviewSchema,
    ContractInputSchema,
    DisbursementSchema,
    SourceInputSchema,
    TenderInputSchema,
)
from services.funding.storage import INDEXES, load_reference_data

COUNTY = "321181"  # 丹阳市
STATION = "ST321181001"  # 云阳街道
SECOND_STATION = "ST321181002"  # 曲阿街道
OTHER_COUNTY_STATION = "ST321102001"  # 京口区正东路街道
BUYER = {"name": "丹阳市民政局", "credit_code": None}
# The wage table's latest Jiangsu/镇江 figure (2024): 11,032.50 yuan a month.
AVERAGE_WAGE_FEN = 1_103_250
OCDS_SCHEMA = Path(__file__).with_name("ocds_release_schema.json")

START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # tests freeze the clock here and move it on


def ocds_schema() -> dict:
    return json.loads(OCDS_SCHEMA.read_text(encoding="utf-8"))


def operator(serial: int, name: str | None = None) -> dict:
    return {"name": name or f"丹阳市第{serial}社会工作服务中心", "credit_code": credit_code(COUNTY, serial)}


def source_input(**overrides) -> dict:
    data = {"name": "2026年丹阳市社工站建设财政资金", "kind": "fiscal", "domain": None, "year": 2026,
            "region_code": COUNTY, "funder": {"name": "丹阳市财政局"}, "document_number": "丹财社〔2026〕1号",
            "amount_fen": 100_000_000}
    data.update(overrides)
    return data


def lottery_source_input(**overrides) -> dict:
    return source_input(name="2026年省级福彩公益金(养老服务)", kind="lottery", domain="elderly",
                        funder={"name": "江苏省民政厅"}, document_number="苏民福〔2026〕3号", **overrides)


def tender_input(**overrides) -> dict:
    data = {"title": "2026年丹阳市云阳街道、曲阿街道社工站运营服务项目", "region_code": COUNTY, "buyer": BUYER,
            "project": {"name": "丹阳市乡镇(街道)社工站运营", "year": 2026, "rationale": "落实省民政厅社工站建设通知"},
            "station_ids": [STATION, SECOND_STATION], "service_domains": ["social_assistance", "elderly", "children"],
            "method": "open", "budget_fen": 1_200_000_00, "deadline": "2026-02-10T09:00:00+08:00",
            "contract_period": {"start": "2026-03-01", "end": "2026-12-31"},
            "eligibility": ["依法登记的社会服务机构"], "documents": [{"title": "招标文件", "url": "https://example.org/t.pdf"}]}
    data.update(overrides)
    return data


def bid_input(serial: int = 1, price_fen: int = 1_100_000_00, **overrides) -> dict:
    data = {"organisation": {**operator(serial), "qualifications": ["社会组织等级3A"]},
            "contact": {"name": "李联系", "phone": f"1391234{serial:04d}"},
            "leaders": [{"name": "张负责", "role": "responsible_person",
                         "id_number": resident_id_number(COUNTY, date(1980, 5, 1), serial * 10)},
                        {"name": "王发起", "role": "founder",
                         "id_number": resident_id_number(COUNTY, date(1975, 3, 2), serial * 10 + 1)}],
            "price_fen": price_fen, "proposal": "驻站社工6名,覆盖两个街道"}
    data.update(overrides)
    return data


def review_input(version: int, bid: dict, score: float = 85, fail_political: bool = False) -> dict:
    return {"expected_version": version,
            "checklist": {code: {"passed": True} for code in (
                "legal_registration", "credit_record", "professional_staff", "financial_management",
                "service_experience", "charity_recognition")},
            "leaders": [{"leader_id": leader["id"], "political_quality": not (fail_political and index == 0),
                         "work_experience": True, "professional_ethics": True}
                        for index, leader in enumerate(bid["leaders"])],
            "scores": [{"criterion": "技术方案", "score": score * 0.6, "max_score": 60},
                       {"criterion": "价格", "score": score * 0.3, "max_score": 30},
                       {"criterion": "信誉", "score": score * 0.1, "max_score": 10}]}


def milestones(amount_fen: int = 1_100_000_00) -> list[dict]:
    """Four milestones adding up to the amount: staffing, service volume (elderly), evaluation, report."""
    quarter = amount_fen // 4
    return [
        {"id": "M1", "title": "驻站社工到岗", "type": "staffing_in_place", "due_on": "2026-03-31",
         "amount_fen": quarter,
         "deliverables": ["每站3名专业社工到岗"]},
        {"id": "M2", "title": "养老服务入户探访", "type": "service_volume", "domain": "elderly", "due_on": "2026-06-30",
         "amount_fen": quarter, "deliverables": ["入户服务"],
         "evidence": {"metric": {"name": "services_delivered", "target": 2}, "documents_required": True}},
        {"id": "M3", "title": "中期评估合格", "type": "evaluation_passed", "due_on": "2026-09-30",
         "amount_fen": quarter,
         "evidence": {"min_grade": "合格"}},
        {"id": "M4", "title": "年度服务总结", "type": "report", "due_on": "2026-12-31",
         "amount_fen": amount_fen - 3 * quarter},
    ]


def contract_input(**overrides) -> dict:
    data = {"signed_on": "2026-02-20",
            "staffing_promise": {"professional_social_workers_per_station": 3, "monthly_pay_fen": 1_150_000},
            "milestones": milestones()}
    data.update(overrides)
    return data


def documents() -> list[dict]:
    return [{"title": "服务台账", "number": "TZ-2026-01"}]


# --- other services' events, as their producers would publish them ---------------------------------------
def staff_joined(station_id: str, staff_id: str, professional: bool = True, start: str = "2025-06-01"):
    return new_event(STAFF_JOINED, {"staff_id": staff_id, "station_id": station_id, "region_code": station_id[2:],
                                    "name": "王社工", "role": "social_worker", "professional": professional,
                                    "employment_start": start}, correlation_id="registry-test")


def staff_left(station_id: str, staff_id: str, end: str):
    return new_event(STAFF_LEFT, {"staff_id": staff_id, "station_id": station_id, "region_code": station_id[2:],
                                  "employment_end": end}, correlation_id="registry-test")


def compliance_changed(station_id: str, salary: str = "met", insurance: str = "met", as_of: str = "2026-01-05"):
    rules = {rule: {"status": status, "since": as_of} for rule, status in (
        ("venue_area", "met"), ("signboard", "met"), ("professional_staff", "met"), ("training_hours", "on_track"),
        ("salary", salary), ("social_insurance", insurance))}
    overall = "not_met" if "not_met" in (salary, insurance) else "met"
    return new_event(COMPLIANCE_CHANGED, {"station_id": station_id, "region_code": station_id[2:], "status": overall,
                                          "previous_status": None, "rules": rules, "as_of": as_of},
                     correlation_id="registry-test")


def service_delivered(station_id: str, household_id: str, delivered_on: str, hours: float = 2.0,
                      kind: str = "volunteer", domain: str = "elderly"):
    return new_event(SERVICE_DELIVERED, {
        "task_id": f"task-{household_id}-{delivered_on}", "match_id": "m1", "need_id": "n1", "assessment_id": None,
        "household_id": household_id, "station_id": station_id, "township_code": station_id[2:],
        "delivered_by": {"kind": kind, "id": "v1", "name": "志愿者"}, "service_type": "home_visit", "domain": domain,
        "delivered_on": delivered_on, "hours": hours, "notes": None}, correlation_id="volunteers-test")


def staffed_station_events(station_id: str, professionals: int = 3) -> list:
    return [*(staff_joined(station_id, f"{station_id}-s{i}") for i in range(professionals)),
            compliance_changed(station_id)]


# --- documents built by the pure rules, for unit tests ------------------------------------------------
PAYMENT_NOW = datetime(2026, 4, 1, tzinfo=UTC)
PAYMENT_DAY = date(2026, 4, 1)
WAGE = {"region_code": "321100", "year": 2024, "monthly_wage_fen": AVERAGE_WAGE_FEN}
AMOUNT = 1_100_000_00


def awarded_tender():
    doc = {**procurement.new_tender(load(TenderInputSchema, tender_input()), "tdr_1"), "_version": 1}
    doc.update(procurement.publish(doc, START))
    bid = procurement.new_bid(doc, load(BidInputSchema, bid_input(1)), "bid_1", START, FieldCipher())
    doc["bids"] = [bid]
    later = START + timedelta(days=40)
    doc["bids"], _ = procurement.review(doc, "bid_1", load(BidReviewSchema, review_input(1, bid)), later, "r")
    doc.update(procurement.award(doc, "bid_1", None, later))
    return doc


def signed(**overrides):
    data = load(ContractInputSchema, contract_input(**overrides))
    return {**contracts.new_contract(awarded_tender(), {k: v for k, v in data.items() if v is not None}, WAGE, "u"),
            "_version": 1}


def line(line_id="bl_1", station_id=STATION, amount=60_000_000, **source_overrides):
    src = {**domain.new_source(load(SourceInputSchema, source_input(**source_overrides)), "src_1"), "_version": 1}
    data = load(AllocationSchema, {"station_id": station_id, "amount_fen": amount} if station_id else
                {"project": {"name": "丹阳市养老社工服务", "region_code": "321181"}, "amount_fen": amount,
                 "domain": source_overrides.get("domain")})
    return {**domain.new_budget_line(src, data, line_id), "_version": 1}


def funded(contract, *lines_and_amounts):
    for index, (budget_line, amount) in enumerate(lines_and_amounts):
        contract = {**contract, **contracts.add_commitment(contract, budget_line, f"cmt_{index}", amount, PAYMENT_NOW)}
    return contract


def payment(**overrides):
    data = {"milestone_id": "M4", "budget_line_id": "bl_1", "amount_fen": 1_000_000, "paid_on": "2026-03-20",
            "voucher_number": "V-1"}
    data.update(overrides)
    return load(DisbursementSchema, data)


def pay(contract, flags=(), **overrides):
    data = payment(**overrides)
    milestone, funding = contracts.check_payment(contract, data, PAYMENT_DAY)
    entry = contracts.disbursement_entry(contract, milestone, funding, data, f"dsb_{data['voucher_number']}",
                                         {"documents": []}, list(flags), PAYMENT_NOW, "u")
    return {**contract, **contracts.add_disbursement(contract, entry)}


# --- flows over RPC, for integration tests ------------------------------------------------------------------
def prepare_store() -> None:
    """Indexes, the wage table and the default indicator scheme, as `shegong migrate` will load them."""
    db = storage.database("funding")
    storage.ensure_indexes(db, [*INDEXES, *Inbox.indexes])
    load_reference_data(db)


def awarded_contract(funding, viewer: dict, clock, **contract_overrides) -> dict:
    """Tender → two bids → review → award to the better one → signed contract. Moves the clock 40 days."""
    tender = funding.create_tender(viewer, tender_input())
    tender = funding.publish_tender(viewer, tender["id"], {"expected_version": tender["version"]})
    bids = [funding.record_bid(viewer, tender["id"], bid_input(1)),
            funding.record_bid(viewer, tender["id"], bid_input(2, price_fen=1_000_000_00))]
    clock.advance(days=40)
    for bid, score in zip(bids, (90, 80), strict=False):
        version = funding.get_tenders(viewer, [tender["id"]])[0]["version"]
        funding.review_bid(viewer, tender["id"], bid["id"], review_input(version, bid, score))
    version = funding.get_tenders(viewer, [tender["id"]])[0]["version"]
    funding.award_tender(viewer, tender["id"], {"expected_version": version, "bid_id": bids[0]["id"]})
    return funding.sign_contract(viewer, tender["id"], contract_input(**contract_overrides))
