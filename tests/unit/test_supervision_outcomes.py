"""Money to service to outcome on the in-memory store (services/supervision/domain/outcome_folds.py,
domain/outcomes.py, usecases/outcomes.py): funding's events folded into the contract-money read model, the
service at the contract's stations in its period, cost per household served, visit and positively closed case
by fund source (null with a reason at a zero count), scope by role and records masked for evaluators."""
from __future__ import annotations

from datetime import datetime

import pytest

from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.contracts import funding
from services.supervision.domain import outcomes
from services.supervision.usecases import outcomes as outcome_usecases
from tests.support import scorecard_events as ev
from tests.support.outcome_events import (
    CONTRACT,
    FISCAL,
    LOTTERY,
    MONEY_EVENTS,
    awarded,
    committed,
    flagged,
    fold_money,
    made,
    positive_closure,
    resolved,
    seed_money,
)
from tests.support.scorecard_events import OTHER_STATION, STATION
from tests.support.supervision_usecases import ADMIN, COUNTY, OTHER_COUNTY, PUBLIC, WORKER, supervision

EVALUATOR = Viewer("evaluator-1", "evaluator", "321181")
OTHER_EVALUATOR = Viewer("evaluator-2", "evaluator", "321181")
SUPERVISOR = Viewer("supervisor-1", "supervisor", None, (STATION,))
TODAY = datetime(2026, 11, 20, 2, 0)


@pytest.fixture
def context():
    with FrozenClock(TODAY):
        context = supervision()
        ev.seed(context, [
            ev.station(), ev.station(OTHER_STATION, "321102001"),
            ev.household("hh-00000001", "2025-01-01"), ev.household("hh-00000002", "2025-01-01"),
            ev.household("hh-00000003", "2025-01-01"), ev.household("hh-00000009", "2025-01-01", OTHER_STATION),
            ev.visit("vis-1", "hh-00000001", "2026-04-01"), ev.visit("vis-2", "hh-00000001", "2026-07-01"),
            ev.visit("vis-0", "hh-00000002", "2026-02-01"),  # before the contract's period
            ev.visit("vis-9", "hh-00000009", "2026-04-01", station_id=OTHER_STATION),  # not the contract's station
            ev.case_opened("cas-1", "hh-00000002", "2026-01-10"),  # opened before, closed positively in the period
            positive_closure("cas-1", "2026-01-10", "2026-05-01"),
            ev.case_opened("cas-2", "hh-00000003", "2026-08-01"),
            positive_closure("cas-2", "2026-08-01", "2026-10-01", outcome="not_achieved"),
            ev.hours("vol-1", 3, "2026-04-02T02:00:00+00:00"), ev.hours("vol-1", 1.5, "2026-08-02T02:00:00+00:00"),
            ev.hours("vol-9", 7, "2026-04-02T02:00:00+00:00", station_id=OTHER_STATION),
            ev.commissioned("evl-1", [EVALUATOR.user_id], "2026-11-01", "2026-12-31", contract_id=CONTRACT),
        ])
        seed_money(context, MONEY_EVENTS)
        yield context


# --- folds --------------------------------------------------------------------------------------------------
def test_the_folds_keep_money_by_source_and_payment_status_and_a_replay_changes_nothing():
    once = fold_money([*MONEY_EVENTS, resolved("d3", "cancel", 50_000)])
    twice = fold_money([*MONEY_EVENTS, resolved("d3", "cancel", 50_000)], fold_money(MONEY_EVENTS))
    assert once == twice
    contract = once["contracts"][CONTRACT]
    assert (contract["period_start"], contract["period_end"], contract["station_ids"]) == (
        "2026-03-01", "2026-12-31", [STATION])
    assert {c["source_id"]: c["amount_fen"] for c in contract["funding"].values()} == {FISCAL: 600_000,
                                                                                        LOTTERY: 400_000}
    assert {i: d["status"] for i, d in once["disbursements"].items()} == {"d1": "paid", "d2": "paid",
                                                                          "d3": "cancelled"}


def test_a_released_flag_is_paid_and_a_replayed_flag_does_not_hold_it_again():
    state = fold_money([awarded(), flagged("d3", FISCAL, "fiscal", 50_000, "2026-10-31"), resolved("d3", "release",
                                                                                                   50_000),
                        made("d3", FISCAL, "fiscal", 50_000, "2026-10-31")])
    assert state["disbursements"]["d3"]["status"] == "paid"
    again = fold_money([flagged("d3", FISCAL, "fiscal", 50_000, "2026-10-31")], state)
    assert again["disbursements"]["d3"]["status"] == "paid"


def test_an_amendment_moves_the_period_end_and_the_stations():
    amended = ev.event(funding.CONTRACT_AMENDED, {
        "contract_id": CONTRACT, "amendment_id": "amd-1", "reason": "延期", "changed": ["period_end", "station_ids"],
        "amount_fen": 1_200_000, "period_end": "2027-02-28", "station_ids": [OTHER_STATION, STATION]})
    contract = fold_money([awarded(), amended])["contracts"][CONTRACT]
    assert (contract["period_end"], contract["station_ids"], contract["amount_fen"]) == (
        "2027-02-28", [OTHER_STATION, STATION], 1_200_000)


# --- cost per unit ------------------------------------------------------------------------------------------
def test_cost_is_money_over_count_rounded_half_up_and_null_with_a_reason_at_zero_count():
    figures = {"households_served": 3, "visits": 0, "cases_closed_positively": 2}
    cost = outcomes.costs(100_001, figures)
    assert cost["household"] == {"fen": 33_334, "reason": None}  # 33,333.67 rounds up
    assert cost["positive_closure"] == {"fen": 50_001, "reason": None}  # 50,000.5: the half goes up
    assert cost["visit"] == {"fen": None, "reason": "no visits were logged in the period"}
    assert outcomes.divide_fen(10, 4) == 3 and outcomes.divide_fen(9, 4) == 2


# --- the use cases --------------------------------------------------------------------------------------------
def test_a_contracts_outcome_counts_its_stations_in_its_period_and_costs_each_fund_source(context):
    view = outcome_usecases.contract_outcome(context, COUNTY, CONTRACT)
    assert view["period"] == {"from": "2026-03-01", "to": "2026-12-31"}
    # hh-1 visited twice, hh-2 with a case closed in the period, hh-3 with a case opened in it
    assert view["service"] == {"households_served": 3, "visits": 2, "cases_opened": 1, "cases_closed": 2,
                               "cases_closed_positively": 1, "volunteer_hours": 4.5}
    rows = {r["source_id"]: r for r in view["by_source"]}
    assert (rows[FISCAL]["committed_fen"], rows[FISCAL]["paid_fen"], rows[FISCAL]["held_fen"]) == (
        600_000, 300_000, 50_000)
    assert rows[FISCAL]["cost"] == {"household": {"fen": 100_000, "reason": None},
                                    "visit": {"fen": 150_000, "reason": None},
                                    "positive_closure": {"fen": 300_000, "reason": None}}
    assert rows[LOTTERY]["cost"]["household"] == {"fen": 33_333, "reason": None}
    assert view["total"]["paid_fen"] == 400_000 and view["total"]["cost"]["visit"]["fen"] == 200_000


def test_a_disbursement_covers_its_contracts_start_up_to_its_day(context):
    view = outcome_usecases.disbursement_outcome(context, COUNTY, "d1")
    assert view["period"] == {"from": "2026-03-01", "to": "2026-06-30"} and view["contract_id"] == CONTRACT
    assert view["service"]["visits"] == 1 and view["service"]["households_served"] == 2  # hh-1, and hh-2's case
    assert view["service"]["cases_closed_positively"] == 1 and view["service"]["volunteer_hours"] == 3
    assert [(r["source_id"], r["paid_fen"]) for r in view["by_source"]] == [(FISCAL, 300_000)]
    assert view["total"]["cost"]["visit"] == {"fen": 300_000, "reason": None}


def test_zero_counts_give_null_costs_with_reasons_not_zero(context):
    seed_money(context, [awarded("ctr-2", (OTHER_STATION,), "2026-10-01", "2026-12-31"),
                         committed("c9", FISCAL, "fiscal", 10_000, contract_id="ctr-2")])
    view = outcome_usecases.contract_outcome(context, ADMIN, "ctr-2")
    assert view["service"]["households_served"] == 0
    assert view["total"]["cost"] == {
        "household": {"fen": None, "reason": "no households were served in the period"},
        "visit": {"fen": None, "reason": "no visits were logged in the period"},
        "positive_closure": {"fen": None, "reason": "no case was closed positively in the period"}}


def test_records_behind_the_figures_are_paged_and_masked_for_the_commissioned_evaluator(context):
    plain = outcome_usecases.outcome_records(context, COUNTY, {"contract_id": CONTRACT, "kind": "household"})
    assert [r["id"] for r in plain["items"]] == ["hh-00000002", "hh-00000001", "hh-00000003"]
    masked = outcome_usecases.outcome_records(context, EVALUATOR, {"contract_id": CONTRACT, "kind": "household",
                                                                   "limit": 2})
    assert masked["total"] == 3 and masked["next_cursor"] == "2"
    assert all("****" in r["id"] and "hh-00000001" not in str(r) for r in masked["items"])
    visits = outcome_usecases.outcome_records(context, EVALUATOR, {"disbursement_id": "d1", "kind": "visit"})
    assert [r["id"] for r in visits["items"]] == ["vis-1"] and "****" in visits["items"][0]["detail"]["household"]
    assert outcome_usecases.contract_outcome(context, EVALUATOR, CONTRACT)["records_masked"] is True


def test_scope_other_regions_station_staff_and_uncommissioned_evaluators_see_no_such_contract(context):
    with pytest.raises(PermissionDenied):
        outcome_usecases.contract_outcome(context, PUBLIC, CONTRACT)
    for viewer in (OTHER_COUNTY, WORKER, OTHER_EVALUATOR, SUPERVISOR):
        with pytest.raises(NotFound):
            outcome_usecases.contract_outcome(context, viewer, CONTRACT)
        with pytest.raises(NotFound):
            outcome_usecases.disbursement_outcome(context, viewer, "d1")
    with pytest.raises(NotFound):
        outcome_usecases.contract_outcome(context, COUNTY, "ctr-unknown")
    with pytest.raises(ValidationFailed):
        outcome_usecases.outcome_records(context, COUNTY, {"contract_id": CONTRACT, "kind": "staff"})
    with pytest.raises(ValidationFailed):
        outcome_usecases.contract_outcome(context, COUNTY, "bad id!")
