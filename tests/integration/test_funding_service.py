"""The funding service over real RPC and a real document store, with its events consumed by another service."""
from __future__ import annotations

import jsonschema
import pytest
from nameko.rpc import rpc

from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.consumers import Inbox, event_handler
from services.common.errors import (
    ConcurrentModification,
    Conflict,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationFailed,
)
from services.contracts import funding as events
from services.funding.service import FundingService
from tests.support import funding_fixtures as fx
from tests.support.containers import rpc_client, running
from tests.support.waiting import wait_for

ADMIN = SYSTEM.to_dict()
COUNTY = Viewer("danyang-official", "county", fx.COUNTY).to_dict()
OTHER_COUNTY = Viewer("jingkou-official", "county", "321102").to_dict()
CITY = Viewer("zhenjiang-official", "city", "321100").to_dict()
EVALUATOR = Viewer("evaluator-1", "evaluator", "321100").to_dict()
STATION_STAFF = Viewer("worker", "station_staff", None, (fx.STATION,)).to_dict()
PUBLIC = {}

LISTENED = (events.BUDGET_ALLOCATED, events.TENDER_PUBLISHED, events.BID_RECEIVED, events.TENDER_AWARDED,
            events.CONTRACT_AWARDED, events.CONTRACT_AMENDED, events.FUNDING_COMMITTED, events.DISBURSEMENT_MADE,
            events.DISBURSEMENT_FLAGGED, events.EVALUATION_COMPLETED)


class FundingListener:
    """Another service recording the funding service's events, as the registry and dashboards will."""
    name = "funding_listener"
    db = storage.ServiceDatabase("funding_listener", Inbox.indexes)

    def _record(self, event):
        Inbox(self.db, "funding_listener").process_once(
            event.id, lambda: self.db.received.insert_one({"_id": event.id, "type": event.type, **event.payload}))

    @rpc
    def ping(self):
        return "pong"


for _contract in LISTENED:
    def _handler(self, event):
        self._record(event)
    _handler.__name__ = "on_" + _contract.name.replace(".", "_")
    setattr(FundingListener, _handler.__name__, event_handler(_contract)(_handler))


def received(event_type):
    return list(storage.database("funding_listener").received.find({"type": event_type}))


@pytest.fixture
def funding(isolated_settings):
    fx.prepare_store()
    with running(FundingService, FundingListener, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client.funding


def staffed(funding_db, *stations):
    """The staffing projection as the registry's events leave it (the event flow itself is in test_funding_events)."""
    from services.funding.storage import FundingRepository
    from services.funding.usecases import Funding
    use_cases = Funding(FundingRepository(funding_db))
    for station in stations:
        for event in fx.staffed_station_events(station):
            {"staff.joined": use_cases.project_staff_joined,
             "station.compliance_changed": use_cases.project_compliance}[event.type](event)


def test_purchase_lifecycle_from_budget_to_disclosure(funding):
    with clock.FrozenClock(fx.START) as frozen:
        fiscal = funding.create_source(COUNTY, fx.source_input())
        lottery = funding.create_source(ADMIN, fx.lottery_source_input(region_code="320000", amount_fen=500_000_000))
        first = funding.allocate_budget(COUNTY, fiscal["id"], {"station_id": fx.STATION, "amount_fen": 60_000_000})
        second = funding.allocate_budget(COUNTY, fiscal["id"],
                                         {"station_id": fx.SECOND_STATION, "amount_fen": 40_000_000})
        elderly = funding.allocate_budget(ADMIN, lottery["id"],
                                          {"project": {"name": "丹阳市养老社工服务", "region_code": fx.COUNTY},
                                                                  "domain": "elderly", "amount_fen": 20_000_000})
        assert funding.get_sources(COUNTY, [fiscal["id"]])[0]["unallocated_fen"] == 0
        contract = fx.awarded_contract(funding, COUNTY, frozen)
        assert contract["operator"] == fx.operator(1) and contract["amount_fen"] == 110_000_000
        for line, amount in ((first, 60_000_000), (second, 40_000_000), (elderly, 10_000_000)):
            contract = funding.commit_funding(COUNTY, contract["id"],
                                              {"budget_line_id": line["id"], "amount_fen": amount})
        assert contract["committed_fen"] == 110_000_000
        staffed(storage.database("funding"), fx.STATION, fx.SECOND_STATION)
        frozen.advance(days=60)
        paid = funding.record_disbursement(COUNTY, contract["id"], {
            "milestone_id": "M1", "budget_line_id": first["id"], "amount_fen": 27_500_000, "paid_on": "2026-03-31",
            "voucher_number": "DY-2026-001"})
        assert paid["status"] == "paid" and paid["evidence"]["platform_figures"]["problems"] == []
        report = funding.record_disbursement(COUNTY, contract["id"], {
            "milestone_id": "M4", "budget_line_id": second["id"], "amount_fen": 1_234_567, "paid_on": "2026-04-01",
            "voucher_number": "DY-2026-002", "evidence": {"documents": fx.documents()}})
        assert report["status"] == "paid"
        contract = funding.amend_contract(COUNTY, contract["id"], {
            "expected_version": funding.get_contracts(COUNTY, [contract["id"]])[0]["version"],
            "reason": "延长服务期至次年2月", "period_end": "2027-02-28"})
        assert contract["amendments"][0]["changes"]["period_end"]["after"] == "2027-02-28"

        view = funding.fund_supervision(COUNTY, {"region": fx.COUNTY})
        rows = {r["source_id"]: r for r in view["rows"]}
        assert rows[fiscal["id"]]["allocated_fen"] == 100_000_000
        assert rows[fiscal["id"]]["contracted_fen"] == 100_000_000
        assert rows[fiscal["id"]]["disbursed_fen"] == 28_734_567 and rows[fiscal["id"]]["remaining_fen"] == 71_265_433
        assert rows[lottery["id"]]["allocated_fen"] == 20_000_000 and rows[lottery["id"]]["unallocated_fen"] is None
        assert funding.fund_supervision(ADMIN, {"region": "320000"})["total"]["unallocated_fen"] == 480_000_000

        feed = funding.disclosure_feed(PUBLIC, {})
        assert feed["total"] == 1
        release = feed["items"][0]
        jsonschema.validate(release, fx.ocds_schema())
        page = funding.ocds_release_package(PUBLIC, {"uri": "https://data.example.org/public/ocds/releases.json",
                                                     "base_url": "https://data.example.org"})
        history = page["package"]["releases"]
        assert page["total"] == 1 and history[-1] == release  # the feed shows the latest of the whole history
        assert [r["tag"][0] for r in history if r["tag"][0] in ("tender", "award", "contract")] == [
            "tender", "award", "contract"]
        assert {r["tag"][0] for r in history} == {"tender", "award", "contract", "planningUpdate", "implementation",
                                                 "contractAmendment"}
        transactions = release["contracts"][0]["implementation"]["transactions"]
        assert [t["value"]["amount"] for t in transactions] == [275000.0, 12345.67]
        assert funding.disclosure_releases(PUBLIC, [release["ocid"], "ocds-sgjs21-nope"]) == [release, None]
        lottery_use = funding.lottery_fund_use(PUBLIC, {"year": 2026})
        assert [(s["source_id"], s["allocated_fen"], s["contracted_fen"]) for s in lottery_use["sources"]] == [
            (lottery["id"], 20_000_000, 10_000_000)]

    awarded = wait_for(lambda: received("contract.awarded"))
    assert awarded[0]["station_ids"] == [fx.STATION, fx.SECOND_STATION]
    assert awarded[0]["promised_professional_staff"] == 3
    wait_for(lambda: len(received("budget.allocated")) == 3)
    wait_for(lambda: len(received("bid.received")) == 2)
    wait_for(lambda: received("tender.published") and received("tender.awarded") and received("contract.amended"))
    wait_for(lambda: len(received("contract.funding_committed")) == 3)
    made = wait_for(lambda: len(received("disbursement.made")) == 2 and received("disbursement.made"))
    assert sorted(m["amount_fen"] for m in made) == [1_234_567, 27_500_000]


def test_bad_input_is_refused_with_the_reason_and_nothing_is_half_written(funding):
    with clock.FrozenClock(fx.START) as frozen, pytest.raises(ValidationFailed) as caught:
        funding.create_source(COUNTY, fx.source_input(amount_fen=12.5))
        assert "amount_fen" in caught.value.details
        source = funding.create_source(COUNTY, fx.source_input(amount_fen=1_000))
        with pytest.raises(RuleViolation, match="left"):
            funding.allocate_budget(COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 1_001})
        lottery = funding.create_source(COUNTY, fx.lottery_source_input())
        with pytest.raises(RuleViolation, match="专款专用"):
            funding.allocate_budget(COUNTY, lottery["id"], {"project": {"name": "儿童项目", "region_code": fx.COUNTY},
                                                             "domain": "children", "amount_fen": 1})
        assert funding.get_sources(COUNTY, [source["id"], lottery["id"]])[0]["allocated_fen"] == 0
        assert funding.list_budget_lines(COUNTY, {})["total"] == 0
        line = funding.allocate_budget(COUNTY, lottery["id"],
                                       {"project": {"name": "养老项目", "region_code": fx.COUNTY},
                                                                "amount_fen": 5_000_000})

        contract = fx.awarded_contract(funding, COUNTY, frozen)
        contract = funding.commit_funding(COUNTY, contract["id"],
                                          {"budget_line_id": line["id"], "amount_fen": 5_000_000})
        with pytest.raises(RuleViolation, match="left"):
            funding.commit_funding(COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 1})
        staffed(storage.database("funding"), fx.STATION, fx.SECOND_STATION)
        frozen.advance(days=60)
        m2 = {"milestone_id": "M2", "budget_line_id": line["id"], "amount_fen": 1_000_000, "paid_on": "2026-04-01",
              "voucher_number": "V-1"}
        with pytest.raises(RuleViolation, match="needs its evidence") as caught:
            funding.record_disbursement(COUNTY, contract["id"], m2)
        assert any("services_delivered reached 0" in reason for reason in caught.value.details["evidence"])
        with pytest.raises(RuleViolation, match="专款专用"):
            funding.record_disbursement(COUNTY, contract["id"], {**m2, "milestone_id": "M4",
                                                                 "evidence": {"documents": fx.documents()}})
        with pytest.raises(RuleViolation, match="exceeds budget line"):
            funding.record_disbursement(COUNTY, contract["id"], {**m2, "amount_fen": 5_000_001})
        unchanged = funding.get_contracts(COUNTY, [contract["id"]])[0]
        assert unchanged["paid_fen"] == unchanged["held_fen"] == 0 and unchanged["version"] == contract["version"]
        assert funding.disbursements_for_contracts(COUNTY, [contract["id"]]) == {contract["id"]: []}

    with clock.FrozenClock(fx.START) as frozen:
        tender = funding.create_tender(COUNTY, fx.tender_input())
        tender = funding.publish_tender(COUNTY, tender["id"], {"expected_version": tender["version"]})
        bad_bid = fx.bid_input(3)
        bad_bid["organisation"]["credit_code"] = "91320000123456789X"
        with pytest.raises(ValidationFailed) as caught:
            funding.record_bid(COUNTY, tender["id"], bad_bid)
        assert "organisation.credit_code" in caught.value.details
        bid = funding.record_bid(COUNTY, tender["id"], fx.bid_input(3))
        frozen.advance(days=40)
        with pytest.raises(RuleViolation, match="deadline"):
            funding.record_bid(COUNTY, tender["id"], fx.bid_input(4))
        version = funding.get_tenders(COUNTY, [tender["id"]])[0]["version"]
        with pytest.raises(NotFound):
            funding.award_tender(COUNTY, tender["id"], {"expected_version": version, "bid_id": "bid_unknown"})
        funding.review_bid(COUNTY, tender["id"], bid["id"], fx.review_input(version, bid, 99, fail_political=True))
        version = funding.get_tenders(COUNTY, [tender["id"]])[0]["version"]
        with pytest.raises(RuleViolation, match="failed the review"):
            funding.award_tender(COUNTY, tender["id"], {"expected_version": version, "bid_id": bid["id"]})
        with pytest.raises(ConcurrentModification):
            funding.review_bid(COUNTY, tender["id"], bid["id"], fx.review_input(version - 1, bid, 99))
        with pytest.raises(Conflict, match="has no award"):
            funding.sign_contract(COUNTY, tender["id"], fx.contract_input())


def test_scopes_hide_other_regions_and_keep_read_only_roles_read_only(funding):
    with clock.FrozenClock(fx.START) as frozen:
        source = funding.create_source(COUNTY, fx.source_input())
        contract = fx.awarded_contract(funding, COUNTY, frozen)
        tender_id = contract["tender_id"]
        assert funding.get_sources(OTHER_COUNTY, [source["id"]]) == [None]
        assert funding.list_contracts(OTHER_COUNTY, {})["total"] == 0
        with pytest.raises(NotFound):
            funding.allocate_budget(OTHER_COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 1})
        with pytest.raises(PermissionDenied):
            funding.create_source(OTHER_COUNTY, fx.source_input())
        assert funding.list_contracts(CITY, {})["total"] == 1
        assert [c["id"] for c in funding.list_contracts(CITY, {"region": "321181001"})["items"]] == [contract["id"]]
        assert funding.contracts_for_stations(STATION_STAFF, [fx.STATION, fx.SECOND_STATION]) == {
            fx.STATION: [contract], fx.SECOND_STATION: [contract]}
        with pytest.raises(NotFound):  # station staff do not see the county's sources at all
            funding.allocate_budget(STATION_STAFF, source["id"], {"station_id": fx.STATION, "amount_fen": 1})
        with pytest.raises(PermissionDenied):
            funding.amend_contract(STATION_STAFF, contract["id"], {"expected_version": contract["version"],
                                                                   "reason": "站点不能改合同",
                                                                   "period_end": "2026-11-30"})
        assert funding.get_contracts(EVALUATOR, [contract["id"]])[0]["id"] == contract["id"]
        with pytest.raises(PermissionDenied):
            funding.amend_contract(EVALUATOR, contract["id"], {"expected_version": contract["version"],
                                                               "reason": "评估方不可修改", "period_end": "2026-11-30"})
        bids = funding.bids_for_tenders(EVALUATOR, [tender_id])[tender_id]
        assert bids[0]["leaders"][0]["name"] == "张*责" and "*" in bids[0]["contact"]["phone"]
        assert funding.bids_for_tenders(COUNTY, [tender_id])[tender_id][0]["leaders"][0]["name"] == "张负责"
        assert funding.list_sources(PUBLIC, {})["total"] == 0
        assert funding.get_contracts(PUBLIC, [contract["id"]]) == [None]
        with pytest.raises(PermissionDenied):
            funding.fund_supervision(PUBLIC, {"region": "320000"})
        assert funding.fund_supervision(OTHER_COUNTY, {"region": fx.COUNTY})["rows"] == []
        assert funding.disclosure_feed(PUBLIC, {"region": "321102"})["total"] == 0
        assert funding.disclosure_feed(PUBLIC, {"region": fx.COUNTY})["total"] == 1


def test_unmasking_bid_personal_data_is_role_checked_and_logged(funding):
    with clock.FrozenClock(fx.START):
        tender = funding.create_tender(COUNTY, fx.tender_input())
        tender = funding.publish_tender(COUNTY, tender["id"], {"expected_version": tender["version"]})
        bid = funding.record_bid(COUNTY, tender["id"], fx.bid_input(5))
    assert "*" in bid["leaders"][0]["id_number"]
    with pytest.raises(PermissionDenied):
        funding.reveal_bid_personal_data(EVALUATOR, tender["id"], bid["id"], "抽查评估")
    with pytest.raises(PermissionDenied):
        funding.reveal_bid_personal_data(CITY, tender["id"], bid["id"], "资格复核")
    with pytest.raises(ValidationFailed):
        funding.reveal_bid_personal_data(COUNTY, tender["id"], bid["id"], "")
    revealed = funding.reveal_bid_personal_data(COUNTY, tender["id"], bid["id"], "负责人资格复核")
    assert revealed["leaders"][0]["id_number"] == fx.bid_input(5)["leaders"][0]["id_number"]
    assert [(e["user_id"], e["reason"]) for e in funding.access_log(ADMIN, {"subject_id": bid["id"]})] == [
        ("danyang-official", "负责人资格复核")]
    stored = storage.database("funding").tenders.find_one({"_id": tender["id"]})
    assert fx.bid_input(5)["leaders"][0]["id_number"] not in str(stored)


def test_evaluation_commissioned_scored_and_gating_a_payment(funding):
    with clock.FrozenClock(fx.START) as frozen:
        line = funding.allocate_budget(COUNTY, funding.create_source(COUNTY, fx.source_input())["id"],
                                       {"station_id": fx.STATION, "amount_fen": 60_000_000})
        contract = fx.awarded_contract(funding, COUNTY, frozen)
        funding.commit_funding(COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 60_000_000})
        staffed(storage.database("funding"), fx.STATION, fx.SECOND_STATION)
        scheme = funding.list_indicator_schemes(EVALUATOR, {})["items"][0]
        evaluation = funding.commission_evaluation(COUNTY, {
            "subject": {"kind": "contract", "id": contract["id"]}, "scheme_id": scheme["id"],
            "evaluator": fx.operator(8, "江苏弘正社会工作评估中心"), "evaluator_user_ids": ["evaluator-1"],
            "due_on": "2026-09-30"})
        with pytest.raises(PermissionDenied):
            funding.score_evaluation(COUNTY, evaluation["id"], {"expected_version": 1, "scores": [
                {"indicator": "A1", "score": 8, "comment": "县级不能打分"}]})
        frozen.advance(days=150)
        m3 = {"milestone_id": "M3", "budget_line_id": line["id"], "amount_fen": 27_500_000, "paid_on": "2026-07-01",
              "voucher_number": "V-M3"}
        with pytest.raises(RuleViolation, match="third-party evaluation"):
            funding.record_disbursement(COUNTY, contract["id"], m3)
        scores = [{"indicator": i["code"], "score": 5.5, "comment": "资料不全", "evidence": fx.documents()}
                  for i in scheme["indicators"]]
        evaluation = funding.score_evaluation(EVALUATOR, evaluation["id"], {"expected_version": 1, "scores": scores})
        evaluation = funding.complete_evaluation(EVALUATOR, evaluation["id"], {
            "expected_version": evaluation["version"], "summary": "服务开展不足,需整改"})
        assert (evaluation["total"], evaluation["grade"]) == (55.0, "不合格")
        with pytest.raises(RuleViolation, match="needs 合格 or better"):
            funding.record_disbursement(COUNTY, contract["id"], m3)
        second = funding.commission_evaluation(COUNTY, {
            "subject": {"kind": "contract", "id": contract["id"]}, "scheme_id": scheme["id"],
            "evaluator": fx.operator(8, "江苏弘正社会工作评估中心"), "evaluator_user_ids": ["evaluator-1"],
            "due_on": "2026-09-30"})
        frozen.advance(days=1)
        second = funding.score_evaluation(EVALUATOR, second["id"], {"expected_version": 1, "scores": [
            {**s, "score": 8, "comment": "整改到位"} for s in scores]})
        second = funding.complete_evaluation(EVALUATOR, second["id"], {"expected_version": second["version"],
                                                                       "summary": "整改后复评良好"})
        assert second["grade"] == "良好"
        paid = funding.record_disbursement(COUNTY, contract["id"], {**m3, "evidence": {"evaluation_id": second["id"]}})
        assert paid["evidence"]["evaluation"]["grade"] == "良好" and paid["status"] == "paid"
        evaluations = funding.evaluations_for_contracts(CITY, [contract["id"]])[contract["id"]]
        assert {e["grade"] for e in evaluations} == {"不合格", "良好"}
        assert funding.list_evaluations(EVALUATOR, {"assigned_to_me": True})["total"] == 2
    completed = wait_for(lambda: len(received("evaluation.completed")) == 2 and received("evaluation.completed"))
    assert {c["grade"] for c in completed} == {"不合格", "良好"}
