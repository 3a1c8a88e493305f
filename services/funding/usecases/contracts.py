"""Contracts signed from an awarded tender: signing, amending, committing budget-line money, reading them."""
from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import RuleViolation, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import funding as events
from services.funding import contracts as contract_rules
from services.funding import domain, schemas, staffing

from .access import visible_by_id, writable
from .aggregates import append, edit, page_result
from .context import Funding
from .reservations import require_fresh, reserve, settle


def wage_for(context: Funding, region_code: str, on: str) -> dict | None:
    return domain.local_wage(context.repo.wages(), region_code, int(on[:4]))


def sign_contract(context: Funding, viewer: Viewer, tender_id: str, data: dict) -> dict:
    data = load(schemas.ContractInputSchema, data)
    data = {k: v for k, v in data.items() if v is not None}
    tender = writable(context.repo.tenders, viewer, tender_id)
    start = jsonable((data.get("period") or tender["contract_period"])["start"])
    contract = contract_rules.new_contract(tender, data, wage_for(context, tender["region_code"], start),
                                           viewer.user_id)
    awarded = event_by(viewer, events.CONTRACT_AWARDED, {
        "contract_id": contract["_id"], "tender_id": tender_id, "operator_name": contract["operator"]["name"],
        "operator_credit_code": contract["operator"]["credit_code"], "station_ids": contract["station_ids"],
        "region_code": contract["region_code"], "period_start": contract["period"]["start"],
        "period_end": contract["period"]["end"], "amount_fen": contract["amount_fen"],
        "promised_professional_staff": contract["staffing_promise"]["professional_social_workers_per_station"]})
    context.repo.contracts.insert(contract, [awarded], duplicate_message=f"tender {tender_id} already has a contract")
    return contract_rules.contract_view(context.repo.contracts.require(contract["_id"]))


def amend_contract(context: Funding, viewer: Viewer, contract_id: str, data: dict) -> dict:
    data = load(schemas.AmendmentSchema, data)
    contract = writable(context.repo.contracts, viewer, contract_id)
    wage = (wage_for(context, contract["region_code"], contract["period"]["start"])
            if "staffing_promise" in data else None)
    changes = contract_rules.amend(contract, data, new_id("amd"), clock.utcnow(), viewer.user_id, wage)
    amendment = changes["amendments"][-1]
    amended = event_by(viewer, events.CONTRACT_AMENDED, {
        "contract_id": contract_id, "amendment_id": amendment["id"], "reason": amendment["reason"],
        "changed": sorted(amendment["changes"]), "amount_fen": changes["amount_fen"],
        "period_end": changes["period"]["end"], "station_ids": changes["station_ids"]})
    return contract_rules.contract_view(edit(context.repo.contracts, contract, data["expected_version"], changes,
                                             [amended]))


def commit_funding(context: Funding, viewer: Viewer, contract_id: str, data: dict) -> dict:
    """Encumber part of a budget line for the contract: reserved on the line, then added to the contract."""
    data = load(schemas.CommitmentSchema, data)
    repo = context.repo
    contract = writable(repo.contracts, viewer, contract_id)
    line = repo.lines.get(data["budget_line_id"])
    if line is None or not domain.sees(viewer, line):
        raise ValidationFailed.field("budget_line_id", "no such budget line in your scope")
    problem = domain.covers_contract(line, contract)
    if problem:
        raise RuleViolation(problem, {"budget_line_id": [problem]})
    amount = data["amount_fen"]
    contract_rules.commitment_room(contract, amount)
    commitment_id = new_id("cmt")
    reserve(repo.lines, line["_id"], "committed_fen", commitment_id, amount, {"contract_id": contract_id})
    try:
        require_fresh(repo.lines, line["_id"], commitment_id)

        def build(current: dict) -> tuple[dict, list]:
            committed = event_by(viewer, events.FUNDING_COMMITTED, {
                "contract_id": contract_id, "commitment_id": commitment_id, "budget_line_id": line["_id"],
                "source_id": line["source_id"], "source_kind": line["source_kind"], "amount_fen": amount})
            return contract_rules.add_commitment(current, line, commitment_id, amount, clock.utcnow()), [committed]

        updated = append(repo.contracts, contract_id, build)
    except BaseException:
        settle(repo.lines, line["_id"], commitment_id, "committed_fen")
        raise
    settle(repo.lines, line["_id"], commitment_id, None)
    repo.save_positions(contract_rules.positions(updated))
    return contract_rules.contract_view(updated)


def list_contracts(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.ContractFilterSchema, filters or {})
    page = context.repo.contract_page(Scope.of(viewer), region=f["region"], station_id=f["station_id"] or None,
                                      flagged=f["flagged"], after=f["after"], limit=f["limit"])
    return page_result([contract_rules.contract_view(d) for d in page.docs], page.next_cursor, page.total)


def visible_contracts(context: Funding, viewer: Viewer, ids: list[str]) -> dict[str, dict]:
    return visible_by_id(context.repo.by_ids(context.repo.contracts, ids), viewer)


def get_contracts(context: Funding, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = visible_contracts(context, viewer, ids)
    return [contract_rules.contract_view(found[i]) if i in found else None for i in ids]


def contracts_for_stations(context: Funding, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {sid: [] for sid in station_ids}
    for contract in context.repo.contracts_of_stations(station_ids):
        if domain.sees(viewer, contract):
            view = contract_rules.contract_view(contract)
            for sid in contract["station_ids"]:
                if sid in grouped:
                    grouped[sid].append(view)
    return grouped


def contracts_for_tenders(context: Funding, viewer: Viewer, tender_ids: list[str]) -> dict[str, list[dict]]:
    found = get_contracts(context, viewer, [contract_rules.contract_id_for(t) for t in tender_ids])
    return {tid: [view] if view else [] for tid, view in zip(tender_ids, found, strict=False)}


def contract_staffing(context: Funding, viewer: Viewer, contract_ids: list[str],
                      on: str | None = None) -> list[dict | None]:
    """Each contract's staffing promise against the registry's figures (from its events)."""
    day = parse_date(on, "on")
    found = visible_contracts(context, viewer, contract_ids)
    projections = context.repo.staffing_for(sorted({s for c in found.values() for s in c["station_ids"]}))
    result: list[dict | None] = []
    for contract_id in contract_ids:
        contract = found.get(contract_id)
        if contract is None:
            result.append(None)
            continue
        problems = staffing.promise_problems(contract["staffing_promise"], contract["station_ids"], projections, day)
        result.append({"contract_id": contract_id, "on": day.isoformat(), "kept": not problems,
                       "problems": problems, "promise": contract["staffing_promise"],
                       "stations": [staffing.station_figures(projections.get(s), day) or _unknown_station(s)
                                    for s in contract["station_ids"]]})
    return result


def _unknown_station(station_id: str) -> dict:
    return {"station_id": station_id, "staff": None, "professional_staff": None, "salary": "unknown",
            "social_insurance": "unknown", "compliance_as_of": None}


def parse_date(value: str | None, field: str) -> date:
    if value in (None, ""):
        return clock.today()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, "a date like 2026-06-30") from None
