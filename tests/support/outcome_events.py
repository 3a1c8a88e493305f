"""Funding's contract and payment events for outcome tests, folded through the supervision service's own
contract-money folds (projections.FOLDS), so the read model holds what the projection would."""
from __future__ import annotations

from services.common.projections import PROJECTIONS
from services.contracts import casework, funding
from services.supervision import projections
from tests.support import scorecard_events as ev
from tests.support.scorecard_events import STATION

CONTRACT = "ctr-1"
FISCAL, LOTTERY = "src-fiscal", "src-lottery"


def awarded(contract_id: str = CONTRACT, stations: tuple[str, ...] = (STATION,), start: str = "2026-03-01",
            end: str = "2026-12-31", amount: int = 1_000_000):
    return ev.event(funding.CONTRACT_AWARDED, {
        "contract_id": contract_id, "tender_id": "tdr-1", "operator_name": "某社工机构",
        "operator_credit_code": "52321181MJ0000000X", "station_ids": list(stations), "region_code": "321181",
        "period_start": start, "period_end": end, "amount_fen": amount, "promised_professional_staff": 3},
        "2026-02-20T02:00:00+00:00")


def committed(commitment_id: str, source_id: str, kind: str, amount: int, contract_id: str = CONTRACT):
    return ev.event(funding.FUNDING_COMMITTED, {
        "contract_id": contract_id, "commitment_id": commitment_id, "budget_line_id": f"bl-{commitment_id}",
        "source_id": source_id, "source_kind": kind, "amount_fen": amount})


def payment(contract, disbursement_id: str, source_id: str, kind: str, amount: int, paid_on: str,
            contract_id: str = CONTRACT, **extra):
    return ev.event(contract, {
        "disbursement_id": disbursement_id, "contract_id": contract_id, "milestone_id": "M1",
        "budget_line_id": "bl-1", "source_id": source_id, "source_kind": kind,
        "operator_credit_code": "52321181MJ0000000X", "station_ids": [STATION], "region_code": "321181",
        "amount_fen": amount, "paid_on": paid_on, "voucher_number": f"V-{disbursement_id}", **extra})


def made(disbursement_id: str, source_id: str, kind: str, amount: int, paid_on: str):
    return payment(funding.DISBURSEMENT_MADE, disbursement_id, source_id, kind, amount, paid_on)


def flagged(disbursement_id: str, source_id: str, kind: str, amount: int, paid_on: str):
    return payment(funding.DISBURSEMENT_FLAGGED, disbursement_id, source_id, kind, amount, paid_on,
                   reasons=["staffing"])


def resolved(disbursement_id: str, decision: str, amount: int):
    return ev.event(funding.DISBURSEMENT_FLAG_RESOLVED, {
        "disbursement_id": disbursement_id, "contract_id": CONTRACT, "decision": decision, "reason": "核实",
        "amount_fen": amount})


def positive_closure(case_id: str, opened_on: str, closed_on: str, outcome: str = "achieved"):
    closed = ev.case_closed(case_id, opened_on, closed_on)
    return ev.event(casework.CASE_CLOSED, {**closed.payload, "outcome": outcome})


def fold_money(events: list, state: dict | None = None) -> dict:
    state = state if state is not None else {}
    for envelope in events:
        for contract, apply in projections.FOLDS[projections.MONEY]:
            if contract.name == envelope.type:
                state = apply(state, envelope)
    return state


def seed_money(context, events: list) -> None:
    doc = context.repo.db[PROJECTIONS].find_one({"_id": projections.MONEY}) or {}
    state = fold_money(events, doc.get("state") or {})
    context.repo.db[PROJECTIONS].replace_one({"_id": projections.MONEY},
                                             {"_id": projections.MONEY, "state": state, "positions": {}}, upsert=True)


MONEY_EVENTS = [awarded(), committed("c1", FISCAL, "fiscal", 600_000), committed("c2", LOTTERY, "lottery", 400_000),
                made("d1", FISCAL, "fiscal", 300_000, "2026-06-30"),
                made("d2", LOTTERY, "lottery", 100_000, "2026-09-30"),
                flagged("d3", FISCAL, "fiscal", 50_000, "2026-10-31")]
