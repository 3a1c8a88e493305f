"""Contracts, commitments, disbursements, closing and the event projections, on the in-memory store."""
from __future__ import annotations

import pytest

from services.common import clock
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.funding.usecases import closing, contracts, disbursements, projections, tenders
from tests.support import funding_fixtures as fx
from tests.unit import funding_usecase_fixtures as support
from tests.unit.funding_usecase_fixtures import (
    COUNTY,
    OTHER_COUNTY,
    STATION_WORKER,
    committed_contract,
    outbox_types,
    signed_contract,
    staffed,
)

STAFFING = {"milestone_id": "M1", "amount_fen": 27_500_000, "paid_on": "2026-03-31", "voucher_number": "DY-001"}


frozen, funding = support.frozen, support.funding  # the fixtures of these tests


def test_signing_a_contract_publishes_the_award_and_links_the_tender(funding, frozen):
    contract = signed_contract(funding, frozen)
    assert contract["operator"] == fx.operator(1)
    assert outbox_types(funding.repo.contracts, contract["id"]) == ["contract.awarded"]
    assert tenders.get_tenders(funding, COUNTY, [contract["tender_id"]])[0]["contract_id"] == contract["id"]
    with pytest.raises(Conflict):
        contracts.sign_contract(funding, COUNTY, contract["tender_id"], fx.contract_input())
    assert contracts.contracts_for_tenders(funding, COUNTY, [contract["tender_id"]])[contract["tender_id"]][0][
        "id"] == contract["id"]


def test_contracts_are_read_in_scope(funding, frozen):
    contract = signed_contract(funding, frozen)
    assert contracts.list_contracts(funding, COUNTY, {"station_id": fx.STATION})["total"] == 1
    assert contracts.list_contracts(funding, COUNTY, {"flagged": True})["total"] == 0
    assert contracts.list_contracts(funding, OTHER_COUNTY)["total"] == 0
    assert contracts.get_contracts(funding, OTHER_COUNTY, [contract["id"]]) == [None]
    assert [c["id"] for c in contracts.contracts_for_stations(funding, STATION_WORKER, [fx.STATION])[fx.STATION]] == [
        contract["id"]]
    with pytest.raises(ValidationFailed):
        contracts.contract_staffing(funding, COUNTY, [contract["id"]], "soon")
    staffing = contracts.contract_staffing(funding, COUNTY, [contract["id"], "ctr_none"])
    assert staffing[1] is None and not staffing[0]["kept"]


def test_amending_a_contract_records_the_change_and_its_event(funding, frozen):
    contract = signed_contract(funding, frozen)
    with pytest.raises(NotFound):
        contracts.amend_contract(funding, OTHER_COUNTY, contract["id"], {
            "expected_version": 1, "reason": "延长服务期", "period_end": "2027-02-28"})
    amended = contracts.amend_contract(funding, COUNTY, contract["id"], {
        "expected_version": 1, "reason": "延长服务期", "period_end": "2027-02-28"})
    assert amended["period"]["end"] == "2027-02-28"
    assert outbox_types(funding.repo.contracts, contract["id"])[-1] == "contract.amended"


def test_committing_money_reserves_it_on_the_line(funding, frozen):
    contract, line = committed_contract(funding, frozen)
    assert contract["committed_fen"] == 60_000_000
    assert funding.repo.lines.require(line["id"])["committed_fen"] == 60_000_000
    assert outbox_types(funding.repo.contracts, contract["id"])[-1] == "contract.funding_committed"
    with pytest.raises(RuleViolation):
        contracts.commit_funding(funding, COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 1})
    with pytest.raises(ValidationFailed):
        contracts.commit_funding(funding, COUNTY, contract["id"], {"budget_line_id": "bl_none", "amount_fen": 1})


def test_a_payment_is_made_when_the_promise_is_kept_and_refused_without_evidence(funding, frozen):
    contract, line = committed_contract(funding, frozen)
    staffed(funding, fx.STATION, fx.SECOND_STATION)
    frozen.advance(days=60)
    paid = disbursements.record_disbursement(funding, COUNTY, contract["id"], {**STAFFING,
                                                                              "budget_line_id": line["id"]})
    assert paid["status"] == "paid"
    assert outbox_types(funding.repo.contracts, contract["id"])[-1] == "disbursement.made"
    with pytest.raises(ValidationFailed):
        disbursements.record_disbursement(funding, COUNTY, contract["id"], {**STAFFING, "voucher_number": None,
                                                                           "budget_line_id": line["id"]})
    with pytest.raises(NotFound):
        disbursements.record_disbursement(funding, OTHER_COUNTY, contract["id"], {**STAFFING,
                                                                                 "budget_line_id": line["id"]})
    with pytest.raises(RuleViolation, match="evidence"):
        disbursements.record_disbursement(funding, COUNTY, contract["id"], {
            "milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 1_000, "paid_on": "2026-04-01",
            "voucher_number": "DY-002"})
    rows = disbursements.list_disbursements(funding, COUNTY, {"year": 2026, "status": "paid"})
    assert [r["id"] for r in rows["items"]] == [paid["id"]] and rows["total"] == 1
    assert disbursements.list_disbursements(funding, OTHER_COUNTY)["total"] == 0
    assert disbursements.disbursements_for_contracts(funding, OTHER_COUNTY, [contract["id"]]) == {contract["id"]: []}


def test_a_payment_against_a_broken_promise_is_held_then_resolved(funding, frozen):
    contract, line = committed_contract(funding, frozen)
    frozen.advance(days=60)
    held = disbursements.record_disbursement(funding, COUNTY, contract["id"], {
        "milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 1_000, "paid_on": "2026-04-01",
        "voucher_number": "DY-003", "evidence": {"documents": fx.documents()}})
    assert held["status"] == "held" and held["flags"]
    assert outbox_types(funding.repo.contracts, contract["id"])[-1] == "disbursement.flagged"
    version = contracts.get_contracts(funding, COUNTY, [contract["id"]])[0]["version"]
    released = disbursements.resolve_flag(funding, COUNTY, contract["id"], held["id"], {
        "expected_version": version, "decision": "release", "reason": "已补齐社工"})
    assert released["status"] == "paid"
    assert outbox_types(funding.repo.contracts, contract["id"])[-2:] == [
        "disbursement.flag_resolved", "disbursement.made"]


def test_closing_returns_the_unspent_money_once(funding, frozen):
    contract, line = committed_contract(funding, frozen)
    frozen.advance(days=30)
    data = {"expected_version": contract["version"], "closed_on": clock.today().isoformat(), "reason": "服务期满"}
    with pytest.raises(NotFound):
        closing.close_contract(funding, OTHER_COUNTY, contract["id"], data)
    with pytest.raises(ValidationFailed):
        closing.close_contract(funding, COUNTY, contract["id"], {**data, "reason": ""})
    closed = closing.close_contract(funding, COUNTY, contract["id"], data)
    assert closed["status"] == "closed"
    assert outbox_types(funding.repo.contracts, contract["id"])[-1] == "contract.closed"
    assert funding.repo.lines.require(line["id"])["committed_fen"] == 0
    closing.complete_closing(funding, contract["id"])  # the event's consumer changes nothing more
    assert funding.repo.lines.require(line["id"])["committed_fen"] == 0


def test_projections_keep_other_services_facts_once(funding):
    staffed(funding, fx.STATION)
    assert list(funding.repo.staffing_for([fx.STATION])) == [fx.STATION]
    delivered = fx.service_delivered(fx.STATION, "hh1", "2026-01-04")
    for _ in range(2):
        projections.project_activity(funding, delivered.id, "service_delivered", delivered.payload, "2026-01-04", 2.0,
                                     True)
    assert len(funding.repo.activity_in("321181", 2026)) == 1
    projections.project_staff_left(funding, fx.staff_left(fx.STATION, f"{fx.STATION}-s0", "2026-01-05"))
    projections.sync_positions(funding, "ctr_none")  # an unknown contract has no positions to repair
