"""`shegong projections check` for the read models funding's and volunteers' events feed (volunteer hours,
evaluations, contract money; services/supervision/domain/outcome_checks.py), on the in-memory store with the
sources faked as their RPCs answer: an intact read model has no difference, a corrupted record is named."""
from __future__ import annotations

import dataclasses

import pytest

from services.common.projections import PROJECTIONS
from services.contracts import funding
from services.supervision import projections
from services.supervision.usecases import checks
from tests.support import scorecard_events as ev
from tests.support.outcome_events import CONTRACT, FISCAL, LOTTERY, MONEY_EVENTS, awarded, resolved, seed_money
from tests.support.scorecard_events import STATION
from tests.support.supervision_usecases import ADMIN, _paged, supervision


class FundingFake:
    def __init__(self, contracts: list[dict], evaluations: list[dict], disbursements: dict[str, list[dict]]):
        self.contracts, self.evaluations, self.disbursements = contracts, evaluations, disbursements

    def list_contracts(self, viewer: dict, filters: dict) -> dict:
        return _paged(self.contracts, filters)

    def list_evaluations(self, viewer: dict, filters: dict) -> dict:
        return _paged(self.evaluations, filters)

    def disbursements_for_contracts(self, viewer: dict, contract_ids: list[str]) -> dict:
        return {cid: self.disbursements.get(cid, []) for cid in contract_ids}


class VolunteersFake:
    def __init__(self, hours: dict[str, list[dict]]):
        self.hours = hours

    def list_volunteers(self, viewer: dict, filters: dict) -> dict:
        return _paged([{"id": vid} for vid in sorted(self.hours)], filters)

    def hours_for_volunteers(self, viewer: dict, volunteer_ids: list[str]) -> dict:
        return {vid: self.hours.get(vid, []) for vid in volunteer_ids}


def funding_contract(committed: list[tuple[str, int]], status: str = "active") -> dict:
    """Funding's contract_view of ctr-1 as the events of MONEY_EVENTS describe it."""
    return {"id": CONTRACT, "region_code": "321181", "station_ids": [STATION], "status": status,
            "period": {"start": "2026-03-01", "end": "2026-12-31"}, "amount_fen": 1_000_000,
            "funding": [{"budget_line_id": f"bl-{i}", "source_id": source, "committed_fen": fen}
                        for i, (source, fen) in enumerate(committed)]}


def payment(disbursement_id: str, source_id: str, amount: int, paid_on: str, status: str) -> dict:
    return {"id": disbursement_id, "source_id": source_id, "amount_fen": amount, "paid_on": paid_on,
            "status": status}


PAYMENTS = {CONTRACT: [payment("d1", FISCAL, 300_000, "2026-06-30", "paid"),
                       payment("d2", LOTTERY, 100_000, "2026-09-30", "paid"),
                       payment("d3", FISCAL, 50_000, "2026-10-31", "cancelled")]}
EVALUATION = {"id": "evl-1", "subject": {"kind": "contract", "id": CONTRACT}, "contract_id": CONTRACT,
              "station_ids": [STATION], "region_code": "321181", "evaluator_user_ids": ["evaluator-1"],
              "period": {"start": "2026-11-01", "end": "2026-12-31"}, "due_on": "2026-12-31",
              "commissioned_on": "2026-11-01", "status": "in_progress", "grade": None}
HOURS = {"vol-1": [{"entry_id": "e1", "station_id": STATION, "hours": 3.0, "status": "approved"},
                   {"entry_id": "e2", "station_id": STATION, "hours": 1.5, "status": "approved"},
                   {"entry_id": "e3", "station_id": STATION, "hours": 9.0, "status": "pending"}],
         "vol-2": [{"entry_id": "e4", "station_id": STATION, "hours": 2.0, "status": "rejected"}]}


@pytest.fixture
def context():
    context = dataclasses.replace(
        supervision(), volunteers=VolunteersFake(HOURS),
        funding=FundingFake([funding_contract([(FISCAL, 600_000), (LOTTERY, 400_000)])], [EVALUATION], PAYMENTS))
    ev.seed(context, [ev.station(), ev.hours("vol-1", 3, "2026-04-02T02:00:00+00:00"),
                      ev.hours("vol-1", 1.5, "2026-08-02T02:00:00+00:00"),
                      awarded(),
                      ev.commissioned("evl-1", ["evaluator-1"], "2026-11-01", "2026-12-31", contract_id=CONTRACT)])
    seed_money(context, [*MONEY_EVENTS, resolved("d3", "cancel", 50_000)])
    return context


def corrupt(context, name: str, change) -> None:
    doc = context.repo.db[PROJECTIONS].find_one({"_id": name})
    change(doc["state"])
    context.repo.db[PROJECTIONS].replace_one({"_id": name}, doc)


@pytest.mark.parametrize("name", [projections.HOURS, projections.EVALUATIONS, projections.MONEY])
def test_an_intact_read_model_has_no_difference_from_its_source(context, name):
    result = checks.check_read_model(context, ADMIN, name)
    assert result["differences"] == [] and result["records"]["read_model"] == result["records"]["source"] > 0


def test_corrupted_volunteer_hours_are_named_by_volunteer_and_field(context):
    corrupt(context, projections.HOURS,
            lambda s: next(a for a in s["hours"].values() if a["hours"] == 3).update(hours=30))
    found = checks.check_read_model(context, ADMIN, projections.HOURS)["differences"]
    assert found == [{"id": "vol-1", "field": "approved_hours", "read_model": 31.5, "source": 4.5}]


def test_a_corrupted_evaluation_and_a_missing_contract_are_reported(context):
    def change(state):
        state["evaluations"]["evl-1"]["evaluator_user_ids"] = ["someone-else"]
        del state["contracts"][CONTRACT]
    corrupt(context, projections.EVALUATIONS, change)
    found = checks.check_read_model(context, ADMIN, projections.EVALUATIONS)["differences"]
    assert [(d["id"], d["field"]) for d in found] == [(f"contract:{CONTRACT}", None),
                                                      ("evaluation:evl-1", "evaluator_user_ids")]


def test_corrupted_contract_money_is_named_by_record_and_field(context):
    def change(state):
        state["disbursements"]["d3"]["status"] = "paid"
        state["contracts"][CONTRACT]["funding"]["c2"]["amount_fen"] = 1
    corrupt(context, projections.MONEY, change)
    found = checks.check_read_model(context, ADMIN, projections.MONEY)["differences"]
    assert found == [
        {"id": f"contract:{CONTRACT}", "field": "committed_by_source", "read_model": {FISCAL: 600_000, LOTTERY: 1},
         "source": {FISCAL: 600_000, LOTTERY: 400_000}},
        {"id": "disbursement:d3", "field": "status", "read_model": "paid", "source": "cancelled"}]


def test_a_closed_contract_no_longer_counts_the_money_it_returned(context):
    closed = ev.event(funding.CONTRACT_CLOSED, {
        "contract_id": CONTRACT, "region_code": "321181", "station_ids": [STATION], "closed_on": "2026-12-31",
        "reason": "期满", "paid_fen": 400_000, "returned_fen": 600_000,
        "returns": [{"budget_line_id": "bl-c1", "source_id": FISCAL, "amount_fen": 300_000},
                    {"budget_line_id": "bl-c2", "source_id": LOTTERY, "amount_fen": 300_000}]})
    seed_money(context, [closed])
    context.funding.contracts = [funding_contract([(FISCAL, 300_000), (LOTTERY, 100_000)], status="closed")]
    assert checks.check_read_model(context, ADMIN, projections.MONEY)["differences"] == []
