"""The views `shegong projections check` compares for the read models funding and volunteers feed: volunteer
hours, evaluations (with the contracts they cover) and contract money. Same idea as checks.py: both sides
reduced to {record id: {field: value}} with only what the figures read and both sides know; a difference
names the record and field a figure would be wrong by (checks.differences compares them).

Record ids carry their kind where one read model holds two (`contract:ID`, `evaluation:ID`, `disbursement:ID`).
"""
from __future__ import annotations

from .outcomes import contract_money

COMPLETED = "completed"


def _hours(value: float) -> float:
    return round(float(value), 2)


# --- volunteer hours: approved hours per volunteer --------------------------------------------------------
def hours_read_model_view(hours: dict) -> dict[str, dict]:
    view: dict[str, dict] = {}
    for approval in sorted(hours.values(), key=lambda a: a["approved_on"]):
        entry = view.setdefault(approval["volunteer"], {"station": approval["station"], "approved_hours": 0.0})
        entry["station"] = approval["station"]
        entry["approved_hours"] = _hours(entry["approved_hours"] + approval["hours"])
    return view


def hours_source_view(hours_by_volunteer: dict[str, list[dict]]) -> dict[str, dict]:
    """Volunteers' hours entries as the volunteers service lists them; those with none approved are left out."""
    view = {}
    for volunteer_id, entries in hours_by_volunteer.items():
        approved = [e for e in entries if e["status"] == "approved"]
        if approved:
            view[volunteer_id] = {"station": approved[0]["station_id"],
                                  "approved_hours": _hours(sum(e["hours"] for e in approved))}
    return view


# --- evaluations and the contracts they cover ------------------------------------------------------------
def evaluations_read_model_view(contracts: dict, evaluations: dict) -> dict[str, dict]:
    view = {f"contract:{cid}": {"station_ids": sorted(c["station_ids"]), "region_code": c["region_code"],
                                "period_start": c["period_start"], "period_end": c["period_end"]}
            for cid, c in contracts.items()}
    for eid, e in evaluations.items():
        view[f"evaluation:{eid}"] = {
            "subject": f"{e['subject_kind']}:{e['subject_id']}", "contract_id": e.get("contract_id"),
            "station_ids": sorted(e.get("station_ids", [])), "region_code": e["region_code"],
            "evaluator_user_ids": sorted(e.get("evaluator_user_ids", [])), "start": e.get("start"),
            "end": e.get("end"), "completed": e.get("status") == COMPLETED, "grade": e.get("grade")}
    return view


def evaluations_source_view(contracts: list[dict], evaluations: list[dict]) -> dict[str, dict]:
    """Funding's contract and evaluation views (services/funding: contract_view, evaluation_view)."""
    view = {f"contract:{c['id']}": {"station_ids": sorted(c["station_ids"]), "region_code": c["region_code"],
                                    "period_start": c["period"]["start"], "period_end": c["period"]["end"]}
            for c in contracts}
    for e in evaluations:
        period = e.get("period") or {}
        view[f"evaluation:{e['id']}"] = {
            "subject": f"{e['subject']['kind']}:{e['subject']['id']}", "contract_id": e.get("contract_id"),
            "station_ids": sorted(e["station_ids"]), "region_code": e["region_code"],
            "evaluator_user_ids": sorted(e["evaluator_user_ids"]),
            "start": period.get("start") or e.get("commissioned_on"), "end": period.get("end") or e["due_on"],
            "completed": e["status"] == COMPLETED, "grade": e.get("grade")}
    return view


# --- contract money ----------------------------------------------------------------------------------------
def money_read_model_view(money: dict) -> dict[str, dict]:
    payments_of: dict[str, list[dict]] = {}
    for payment in money["disbursements"].values():
        payments_of.setdefault(payment["contract_id"], []).append(payment)
    view = {}
    for cid, c in money["contracts"].items():
        committed = {r["source_id"]: r["committed_fen"] for r in contract_money(c, []) if r["committed_fen"]}
        view[f"contract:{cid}"] = {"station_ids": c.get("station_ids"), "region_code": c.get("region_code"),
                                   "period_start": c.get("period_start"), "period_end": c.get("period_end"),
                                   "amount_fen": c.get("amount_fen"), "status": c.get("status"),
                                   "committed_by_source": committed}
    for did, d in money["disbursements"].items():
        view[f"disbursement:{did}"] = _payment(d["contract_id"], d)
    return view


def money_source_view(contracts: list[dict], disbursements: dict[str, list[dict]]) -> dict[str, dict]:
    """Funding's contract views and each contract's disbursements (disbursements_for_contracts)."""
    view = {}
    for c in contracts:
        committed: dict[str, int] = {}
        for entry in c["funding"]:
            committed[entry["source_id"]] = committed.get(entry["source_id"], 0) + entry["committed_fen"]
        view[f"contract:{c['id']}"] = {"station_ids": sorted(c["station_ids"]), "region_code": c["region_code"],
                                       "period_start": c["period"]["start"], "period_end": c["period"]["end"],
                                       "amount_fen": c["amount_fen"], "status": c["status"],
                                       "committed_by_source": {k: v for k, v in committed.items() if v}}
    for contract_id, payments in disbursements.items():
        for d in payments:
            view[f"disbursement:{d['id']}"] = _payment(contract_id, d)
    return view


def _payment(contract_id: str, d: dict) -> dict:
    return {"contract_id": contract_id, "source_id": d["source_id"], "amount_fen": d["amount_fen"],
            "paid_on": d["paid_on"], "status": d["status"]}
