"""Disbursements: paying a contract's milestone from a committed budget line, against its evidence, held
when the staffing promise is not kept; resolving what was held; reading payments."""
from __future__ import annotations

from typing import Any

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import RuleViolation, ValidationFailed
from services.common.events import Envelope, event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import funding as events
from services.funding import contracts as contract_rules
from services.funding import evaluation, schemas, staffing, supervision

from .access import writable
from .aggregates import append, edit, page_result
from .context import Funding
from .contracts import visible_contracts


def record_disbursement(context: Funding, viewer: Viewer, contract_id: str, data: dict) -> dict:
    data = load(schemas.DisbursementSchema, data)
    repo = context.repo
    contract = writable(repo.contracts, viewer, contract_id)
    today, now = clock.today(), clock.utcnow()
    milestone, _ = contract_rules.check_payment(contract, data, today)
    facts = _evidence_facts(context, contract, milestone, data)
    problems, evidence = contract_rules.evidence_problems(milestone, data.get("evidence") or {}, facts)
    if problems:
        raise RuleViolation(f"milestone {milestone['id']} needs its evidence: {'; '.join(problems)}",
                            {"evidence": problems})
    flags = [] if milestone["type"] == "staffing_in_place" else staffing.promise_problems(
        contract["staffing_promise"], contract["station_ids"], repo.staffing_for(contract["station_ids"]),
        data["paid_on"])
    disbursement_id = new_id("dsb")

    def build(current: dict) -> tuple[dict, list[Envelope]]:
        milestone_now, funding = contract_rules.check_payment(current, data, today)
        entry = contract_rules.disbursement_entry(current, milestone_now, funding, data, disbursement_id, evidence,
                                                  flags, now, viewer.user_id)
        payload = {"disbursement_id": disbursement_id, "contract_id": contract_id, "milestone_id": milestone_now["id"],
                   "budget_line_id": funding["budget_line_id"], "source_id": funding["source_id"],
                   "source_kind": funding["source_kind"], "operator_credit_code": current["operator"]["credit_code"],
                   "station_ids": current["station_ids"], "region_code": funding["region_code"],
                   "amount_fen": data["amount_fen"], "paid_on": data["paid_on"],
                   "voucher_number": data["voucher_number"]}
        event = event_by(viewer, events.DISBURSEMENT_FLAGGED, {**payload, "reasons": flags}) if flags \
            else event_by(viewer, events.DISBURSEMENT_MADE, payload)
        return contract_rules.add_disbursement(current, entry), [event]

    updated = append(repo.contracts, contract_id, build)
    repo.save_positions(contract_rules.positions(updated))
    entry = next(d for d in updated["disbursements"] if d["id"] == disbursement_id)
    return contract_rules.disbursement_view(updated, entry)


def _evaluation_for(context: Funding, contract: dict, evaluation_id: str | None) -> dict | None:
    """The completed evaluation named as evidence (of this contract or one of its stations), else the latest."""
    if not evaluation_id:
        return context.repo.latest_completed_evaluation(contract["_id"])
    found = context.repo.evaluations.get(evaluation_id)
    subject_ok = found is not None and (found.get("contract_id") == contract["_id"] or (
        found["subject"]["kind"] == "station" and found["subject"]["id"] in contract["station_ids"]))
    if found is None or not subject_ok or found["status"] != evaluation.COMPLETED:
        raise ValidationFailed.field("evidence.evaluation_id",
                                     "not a completed evaluation of this contract or one of its stations")
    return found


def _evidence_facts(context: Funding, contract: dict, milestone: dict, data: dict) -> dict:
    """What the platform knows about the milestone's evidence: figures, staffing, evaluation, in its window."""
    start, end = contract_rules.measurement_window(contract, data["paid_on"])
    facts: dict[str, Any] = {"figures": {}, "staffing": [], "evaluation": None, "evaluation_passes": False,
                             "window": {"start": start, "end": end}}
    if milestone["evidence"].get("metric"):
        facts["figures"] = supervision.outcome_figures(context.repo.activity_at(contract["station_ids"], start, end))
    if milestone["type"] == "staffing_in_place":
        facts["staffing"] = staffing.promise_problems(contract["staffing_promise"], contract["station_ids"],
                                                      context.repo.staffing_for(contract["station_ids"]),
                                                      data["paid_on"])
    min_grade = milestone["evidence"].get("min_grade")
    if min_grade:
        found = _evaluation_for(context, contract, (data.get("evidence") or {}).get("evaluation_id"))
        if found is not None:
            facts["evaluation"] = {"id": found["_id"], "grade": found["grade"], "total": found["total"]}
            facts["evaluation_passes"] = evaluation.reaches(found, min_grade)
    return facts


def resolve_flag(context: Funding, viewer: Viewer, contract_id: str, disbursement_id: str, data: dict) -> dict:
    data = load(schemas.ResolveFlagSchema, data)
    contract = writable(context.repo.contracts, viewer, contract_id)
    changes, resolved = contract_rules.resolve_flag(contract, disbursement_id, data["decision"], data["reason"],
                                                    clock.utcnow(), viewer.user_id)
    change_events = [event_by(viewer, events.DISBURSEMENT_FLAG_RESOLVED, {
        "disbursement_id": disbursement_id, "contract_id": contract_id, "decision": data["decision"],
        "reason": data["reason"], "amount_fen": resolved["amount_fen"]})]
    if data["decision"] == "release":
        change_events.append(event_by(viewer, events.DISBURSEMENT_MADE, {
            "disbursement_id": disbursement_id, "contract_id": contract_id, "milestone_id": resolved["milestone_id"],
            "budget_line_id": resolved["budget_line_id"], "source_id": resolved["source_id"],
            "source_kind": resolved["source_kind"], "operator_credit_code": contract["operator"]["credit_code"],
            "station_ids": contract["station_ids"], "region_code": resolved["region_code"],
            "amount_fen": resolved["amount_fen"], "paid_on": resolved["paid_on"],
            "voucher_number": resolved["voucher_number"]}))
    updated = edit(context.repo.contracts, contract, data["expected_version"], changes, change_events)
    context.repo.save_positions(contract_rules.positions(updated))
    return contract_rules.disbursement_view(updated, resolved)


def disbursements_for_contracts(context: Funding, viewer: Viewer, contract_ids: list[str]) -> dict[str, list[dict]]:
    found = visible_contracts(context, viewer, contract_ids)
    return {cid: [contract_rules.disbursement_view(found[cid], e) for e in found[cid]["disbursements"]]
            if cid in found else [] for cid in contract_ids}


def list_disbursements(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    """Disbursements across contracts in id order, filtered by region, year, status and source."""
    f = load(schemas.DisbursementFilterSchema, filters or {})
    rows = context.repo.disbursement_rows(Scope.of(viewer), region=f["region"], status=f["status"] or None,
                                          paid_in_year=f["year"] or None, source_id=f["source_id"] or None)
    rows.sort(key=lambda r: r["disbursements"]["id"])
    total = len(rows)
    if f["after"]:
        rows = [r for r in rows if r["disbursements"]["id"] > f["after"]]
    page = rows[:f["limit"]]
    items = [{**r["disbursements"], "contract_id": r["_id"], "operator": r["operator"], "station_ids": r["station_ids"]}
             for r in page]
    next_cursor = page[-1]["disbursements"]["id"] if len(rows) > f["limit"] else None
    return page_result(items, next_cursor, total)
