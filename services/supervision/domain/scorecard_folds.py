"""The read models scorecards need beyond the roll-ups': volunteer hours approved (volunteers), and
funding's contracts and evaluations (who is commissioned to evaluate which stations, and when).

Same rules as folds.py: codes, ids and dates only (an evaluator is kept as the user ids commissioned,
never the organisation's people), keyed by the producer's ids, so folding an event twice changes nothing.
"""
from __future__ import annotations

from .folds import china_date


def hours_approved(state: dict, event) -> dict:
    p = event.payload
    state.setdefault("hours", {})[event.id] = {"station": p["station_id"], "township": p["township_code"],
                                               "volunteer": p["volunteer_id"], "hours": p["hours"],
                                               "approved_on": china_date(event.occurred_at)}
    return state


def contract_awarded(state: dict, event) -> dict:
    p = event.payload
    state.setdefault("contracts", {})[p["contract_id"]] = {
        "station_ids": sorted(p["station_ids"]), "region_code": p["region_code"],
        "period_start": p["period_start"], "period_end": p["period_end"]}
    return state


def contract_amended(state: dict, event) -> dict:
    """An amendment may move the period's end and change the stations an evaluation of the contract covers."""
    p = event.payload
    contract = state.setdefault("contracts", {}).get(p["contract_id"])
    if contract is not None:
        contract.update({"station_ids": sorted(p["station_ids"]), "period_end": p["period_end"]})
    return state


def evaluation_commissioned(state: dict, event) -> dict:
    p = event.payload
    known = state.setdefault("evaluations", {}).get(p["evaluation_id"], {})
    state["evaluations"][p["evaluation_id"]] = {
        **known, "subject_kind": p["subject_kind"], "subject_id": p["subject_id"], "contract_id": p["contract_id"],
        "station_ids": sorted(p["station_ids"]), "region_code": p["region_code"], "scheme_id": p["scheme_id"],
        "evaluator_user_ids": sorted(p["evaluator_user_ids"]),
        "start": p["period_start"] or p["commissioned_on"] or china_date(event.occurred_at),
        "end": p["period_end"] or p["due_on"], "status": known.get("status", "commissioned")}
    return state


def evaluation_completed(state: dict, event) -> dict:
    p = event.payload
    evaluation = state.setdefault("evaluations", {}).setdefault(
        p["evaluation_id"], {"subject_kind": p["subject_kind"], "subject_id": p["subject_id"],
                             "contract_id": p["contract_id"], "station_ids": sorted(p["station_ids"]),
                             "region_code": p["region_code"], "scheme_id": p["scheme_id"], "evaluator_user_ids": [],
                             "start": p["completed_on"], "end": p["completed_on"]})
    evaluation.update({"status": "completed", "completed_on": p["completed_on"], "total": p["total"],
                       "grade": p["grade"]})
    return state
