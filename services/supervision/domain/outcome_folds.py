"""The contract-money read model: funding's contracts (stations, period, amount), the money committed to each
from which fund source, and every disbursement with its source, day and status; what `contract_outcome` and
`disbursement_outcome` (domain/outcomes.py) divide by the service delivered.

Same rules as folds.py: codes, ids, days and integer fen only (the operator is its credit code, never its
people), keyed by funding's ids, so folding an event twice leaves the same state. Funding's events come from
one producer's log in order, so a commitment or payment always finds its contract folded already; a fold
that finds none keeps the record anyway (the contract's own event then fills it in).
"""
from __future__ import annotations

from .folds import china_date

PAID, HELD, CANCELLED = "paid", "held", "cancelled"


def _contract(state: dict, contract_id: str) -> dict:
    return state.setdefault("contracts", {}).setdefault(contract_id, {"funding": {}})


def contract_awarded(state: dict, event) -> dict:
    p = event.payload
    contract = _contract(state, p["contract_id"])
    contract.update({"region_code": p["region_code"], "station_ids": sorted(p["station_ids"]),
                     "period_start": p["period_start"], "period_end": p["period_end"], "amount_fen": p["amount_fen"],
                     "operator_credit_code": p["operator_credit_code"],
                     "awarded_on": contract.get("awarded_on") or china_date(event.occurred_at),
                     "status": contract.get("status", "active")})
    return state


def contract_amended(state: dict, event) -> dict:
    """An amendment states the contract's amount, period end and stations after it: taken as they are."""
    p = event.payload
    _contract(state, p["contract_id"]).update({"amount_fen": p["amount_fen"], "period_end": p["period_end"],
                                               "station_ids": sorted(p["station_ids"])})
    return state


def funding_committed(state: dict, event) -> dict:
    p = event.payload
    _contract(state, p["contract_id"])["funding"][p["commitment_id"]] = {
        "source_id": p["source_id"], "source_kind": p["source_kind"], "budget_line_id": p["budget_line_id"],
        "amount_fen": p["amount_fen"]}
    return state


def contract_closed(state: dict, event) -> dict:
    """Closing returns the unspent committed money to its budget lines: it is no longer committed."""
    p = event.payload
    returned: dict[str, int] = {}
    for back in p["returns"]:
        returned[back["source_id"]] = returned.get(back["source_id"], 0) + back["amount_fen"]
    _contract(state, p["contract_id"]).update({"status": "closed", "closed_on": p["closed_on"],
                                               "returned_by_source": returned})
    return state


def _disbursement(state: dict, p: dict, status: str) -> dict:
    payments = state.setdefault("disbursements", {})
    payments[p["disbursement_id"]] = {
        **payments.get(p["disbursement_id"], {}), "contract_id": p["contract_id"], "milestone_id": p["milestone_id"],
        "source_id": p["source_id"], "source_kind": p["source_kind"], "budget_line_id": p["budget_line_id"],
        "station_ids": sorted(p["station_ids"]), "region_code": p["region_code"], "amount_fen": p["amount_fen"],
        "paid_on": p["paid_on"], "status": status}
    return state


def disbursement_made(state: dict, event) -> dict:
    return _disbursement(state, event.payload, PAID)


def disbursement_flagged(state: dict, event) -> dict:
    """Held until released (a disbursement.made follows) or cancelled; a replayed flag never un-pays it."""
    known = state.get("disbursements", {}).get(event.payload["disbursement_id"], {})
    return _disbursement(state, event.payload, known.get("status") if known.get("status") in (PAID, CANCELLED)
                         else HELD)


def disbursement_flag_resolved(state: dict, event) -> dict:
    p = event.payload
    payment = state.setdefault("disbursements", {}).get(p["disbursement_id"])
    if payment is not None and p["decision"] == "cancel":
        payment["status"] = CANCELLED
    return state
