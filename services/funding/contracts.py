"""Contracts: signing from an award, funding commitments, milestones, amendments and disbursements.

Pure rules. A contract is one aggregate holding everything its limits need (see domain.py): the
amount, the milestones with what each has paid and holds, the funding entries per budget line,
the disbursement records and the amendment history. The use cases gather the facts that live
elsewhere (staffing, platform figures, evaluations) and pass them in.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from services.common.clock import jsonable, timestamp
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.contracts import funding as vocabulary

from . import earmarks
from .domain import level_codes, scope_codes, township_of, within, yuan
from .procurement import AWARDED

ACTIVE = vocabulary.CONTRACT_STATUSES[0]
PAID, HELD, CANCELLED = vocabulary.DISBURSEMENT_STATUSES

MILESTONE_TYPES = vocabulary.MILESTONE_TYPES
# OCDS milestone types (codelist milestoneType) for the disclosure feed.
OCDS_MILESTONE_TYPE = {"staffing_in_place": "delivery", "service_volume": "delivery", "archive_coverage": "delivery",
                       "evaluation_passed": "assessment", "report": "reporting"}
METRICS = vocabulary.MILESTONE_METRICS
LATEST_MILESTONE_AFTER_PERIOD = timedelta(days=180)  # the final evaluation and payment follow the period


def contract_id_for(tender_id: str) -> str:
    """One contract per tender: the id says which, so a second signing is a duplicate key."""
    return "ctr_" + tender_id.removeprefix("tdr_")


# --- signing -----------------------------------------------------------------------------------
def check_pay(promise: dict, wage: dict | None) -> dict:
    """The notice (§三(二)): pay not below the local average wage of employees."""
    if wage is None:
        raise RuleViolation("no local average wage is known for this region and year; import it before signing",
                            {"staffing_promise.monthly_pay_fen": ["cannot be checked against the local average wage"]})
    if promise["monthly_pay_fen"] < wage["monthly_wage_fen"]:
        raise RuleViolation(
            f"the promised pay {yuan(promise['monthly_pay_fen'])} a month is below the local average wage "
            f"{yuan(wage['monthly_wage_fen'])} ({wage['region_code']}, {wage['year']})",
            {"staffing_promise.monthly_pay_fen": [f"at least {wage['monthly_wage_fen']}"]})
    return {**promise, "reference_wage": {"monthly_wage_fen": wage["monthly_wage_fen"],
                                          "region_code": wage["region_code"], "year": wage["year"]}}


def check_milestones(milestones: list[dict], amount_fen: int, period: dict, service_domains: list[str],
                     previous: dict[str, dict] | None = None) -> list[dict]:
    previous = previous or {}
    ids = [m["id"] for m in milestones]
    if len(set(ids)) != len(ids):
        raise ValidationFailed.field("milestones", "milestone ids must be unique")
    total = sum(m["amount_fen"] for m in milestones)
    if total != amount_fen:
        raise ValidationFailed.field("milestones",
                                     f"the milestones add up to {total} fen; the contract amount is {amount_fen}")
    latest = (date.fromisoformat(period["end"]) + LATEST_MILESTONE_AFTER_PERIOD).isoformat()
    checked = []
    for index, m in enumerate(milestones):
        due = m["due_on"] if isinstance(m["due_on"], str) else m["due_on"].isoformat()
        if not period["start"] <= due <= latest:
            raise ValidationFailed.field(f"milestones.{index}.due_on", f"between {period['start']} and {latest}")
        if m.get("domain") and m["domain"] not in service_domains:
            raise ValidationFailed.field(f"milestones.{index}.domain",
                                         f"not one of the contract's service domains ({', '.join(service_domains)})")
        evidence = dict(m.get("evidence") or {})
        if m["type"] in ("service_volume", "archive_coverage") and not evidence.get("metric"):
            raise ValidationFailed.field(f"milestones.{index}.evidence.metric",
                                         f"a {m['type']} milestone names its target figure")
        if m["type"] == "archive_coverage" and evidence["metric"]["name"] != "households_assessed":
            raise ValidationFailed.field(f"milestones.{index}.evidence.metric.name",
                                         "archive coverage counts households_assessed")
        if m["type"] == "evaluation_passed" and not evidence.get("min_grade"):
            raise ValidationFailed.field(f"milestones.{index}.evidence.min_grade",
                                         "an evaluation milestone names the grade to reach")
        if m["type"] == "report":
            evidence["documents_required"] = True
        before = previous.get(m["id"], {})
        paid, held = before.get("paid_fen", 0), before.get("held_fen", 0)
        if m["amount_fen"] < paid + held:
            raise RuleViolation(f"milestone {m['id']} has already paid or holds {yuan(paid + held)}",
                                {f"milestones.{index}.amount_fen": [f"at least {paid + held}"]})
        checked.append(jsonable({
            "id": m["id"], "title": m["title"], "type": m["type"], "domain": m.get("domain"), "due_on": due,
            "amount_fen": m["amount_fen"], "deliverables": m.get("deliverables") or [],
            "evidence": {"documents_required": bool(evidence.get("documents_required")),
                         "metric": evidence.get("metric"), "min_grade": evidence.get("min_grade")},
            "paid_fen": paid, "held_fen": held}))
    missing = [mid for mid, m in previous.items() if mid not in ids and m["paid_fen"] + m["held_fen"] > 0]
    if missing:
        raise RuleViolation(f"milestones {', '.join(missing)} have payments and cannot be removed",
                            {"milestones": [f"keep {', '.join(missing)}"]})
    return checked


def new_contract(tender: dict, data: dict, wage: dict | None, signed_by: str) -> dict:
    if tender["status"] != AWARDED:
        raise Conflict(f"a {tender['status']} tender has no award to sign a contract for",
                       {"tender_id": ["award the tender first"]})
    award = tender["award"]
    station_ids = list(dict.fromkeys(data.get("station_ids") or tender["station_ids"]))
    others = [s for s in station_ids if s not in tender["station_ids"]]
    if others:
        raise ValidationFailed.field("station_ids", f"{', '.join(others)} were not part of the tender")
    period = jsonable(data.get("period") or tender["contract_period"])
    if period["end"] < period["start"]:
        raise ValidationFailed.field("period.end", "before the start")
    amount = data.get("amount_fen", award["amount_fen"])
    if amount > award["amount_fen"]:
        raise RuleViolation(f"the contract amount {yuan(amount)} is above the awarded price "
                            f"{yuan(award['amount_fen'])}",
                            {"amount_fen": [f"at most {award['amount_fen']}"]})
    domains = list(dict.fromkeys(data.get("service_domains") or tender["service_domains"]))
    promise = check_pay(jsonable(data["staffing_promise"]), wage)
    milestones = check_milestones(data["milestones"], amount, period, domains)
    return jsonable({
        "_id": contract_id_for(tender["_id"]),
        "tender_id": tender["_id"],
        "ocid": tender["ocid"],
        "title": data.get("title") or tender["title"],
        "region_code": tender["region_code"],
        "scope_codes": scope_codes(tender["region_code"], station_ids),
        "buyer": tender["buyer"],
        "operator": award["operator"],
        "station_ids": station_ids,
        "service_domains": domains,
        "period": period,
        "amount_fen": amount,
        "signed_on": data["signed_on"],
        "signed_by": signed_by,
        "status": ACTIVE,
        "staffing_promise": promise,
        "milestones": milestones,
        "funding": [],
        "commitments": [],
        "disbursements": [],
        "amendments": [],
        "committed_fen": 0,
        "paid_fen": 0,
        "held_fen": 0,
        "open_flags": 0,
    })


def _require_active(contract: dict) -> None:
    if contract["status"] != ACTIVE:
        raise Conflict(f"the contract is {contract['status']}", {"status": [contract["status"]]})


# --- funding commitments -----------------------------------------------------------------------
def commitment_room(contract: dict, amount_fen: int) -> None:
    _require_active(contract)
    room = contract["amount_fen"] - contract["committed_fen"]
    if amount_fen > room:
        raise RuleViolation(f"the contract still needs {yuan(room)} of funding; {yuan(amount_fen)} is more than that",
                            {"amount_fen": [f"at most {room}"]})


def add_commitment(contract: dict, line: dict, commitment_id: str, amount_fen: int, now: datetime) -> dict:
    commitment_room(contract, amount_fen)
    if any(c["id"] == commitment_id for c in contract["commitments"]):
        return {}
    funding = [dict(f) for f in contract["funding"]]
    entry = next((f for f in funding if f["budget_line_id"] == line["_id"]), None)
    if entry is None:
        region = line["region_code"]
        entry = {"budget_line_id": line["_id"], "source_id": line["source_id"], "source_name": line["source_name"],
                 "source_kind": line["source_kind"], "source_domain": line["source_domain"],
                 "funder_name": line["funder_name"], "year": line["year"], "region_code": region,
                 "county_code": region[:6], "station_id": line.get("station_id"), "earmark": line["earmark"],
                 "committed_fen": 0, "paid_fen": 0, "held_fen": 0}
        funding.append(entry)
    entry["committed_fen"] += amount_fen
    return {"funding": funding, "committed_fen": contract["committed_fen"] + amount_fen,
            "commitments": [*contract["commitments"], {"id": commitment_id, "budget_line_id": line["_id"],
                                                       "amount_fen": amount_fen, "at": timestamp(now)}]}


# --- disbursements -------------------------------------------------------------------------------
def find_milestone(contract: dict, milestone_id: str) -> dict:
    for m in contract["milestones"]:
        if m["id"] == milestone_id:
            return m
    raise ValidationFailed.field("milestone_id", f"the contract has no milestone {milestone_id}")


def find_funding(contract: dict, budget_line_id: str) -> dict:
    for f in contract["funding"]:
        if f["budget_line_id"] == budget_line_id:
            return f
    raise ValidationFailed.field("budget_line_id", f"the contract has no funding from budget line {budget_line_id}; "
                                                   "commit funding from it first")


def check_payment(contract: dict, data: dict, today: date) -> tuple[dict, dict]:
    """The limits and the earmark: what refuses a disbursement outright. Returns (milestone, funding)."""
    _require_active(contract)
    if any(d["voucher_number"] == data["voucher_number"] for d in contract["disbursements"]):
        raise Conflict(f"voucher {data['voucher_number']} is already recorded on this contract",
                       {"voucher_number": ["already recorded"]})
    milestone = find_milestone(contract, data["milestone_id"])
    funding = find_funding(contract, data["budget_line_id"])
    paid_on = data["paid_on"]
    if paid_on > today:
        raise ValidationFailed.field("paid_on", "a payment cannot be recorded before it is made")
    if paid_on.isoformat() < contract["signed_on"]:
        raise ValidationFailed.field("paid_on", f"before the contract was signed ({contract['signed_on']})")
    amount = data["amount_fen"]
    over = []
    contract_left = contract["amount_fen"] - contract["paid_fen"] - contract["held_fen"]
    if amount > contract_left:
        over.append(f"exceeds the contract: {yuan(contract_left)} of {yuan(contract['amount_fen'])} is left")
    milestone_left = milestone["amount_fen"] - milestone["paid_fen"] - milestone["held_fen"]
    if amount > milestone_left:
        over.append(f"exceeds milestone {milestone['id']}: {yuan(milestone_left)} "
                    f"of {yuan(milestone['amount_fen'])} is left")
    line_left = funding["committed_fen"] - funding["paid_fen"] - funding["held_fen"]
    if amount > line_left:
        over.append(f"exceeds budget line {funding['budget_line_id']}: {yuan(line_left)} "
                    "committed to this contract is left")
    if over:
        raise RuleViolation(f"{yuan(amount)} {over[0]}", {"amount_fen": over})
    paid_for = [funding["station_id"]] if funding.get("station_id") else contract["station_ids"]
    problems = earmarks.problems(funding["earmark"], domain=milestone["domain"], station_ids=paid_for, region_codes=[],
                                 source_name=funding["source_name"])
    if problems:
        raise RuleViolation(problems[0], {"budget_line_id": problems})
    return milestone, funding


def measurement_window(contract: dict, paid_on: date) -> tuple[str, str]:
    """Platform figures count from the contract's start up to the payment (or the period's end)."""
    end = min(paid_on.isoformat(), contract["period"]["end"])
    return contract["period"]["start"], end


def evidence_problems(milestone: dict, evidence: dict, facts: dict) -> tuple[list[str], dict]:
    """What the milestone's evidence lacks, and the evidence as recorded on the disbursement.

    facts: `figures` {metric: value} over the measurement window; `staffing` (problems of the
    staffing promise, for a staffing milestone); `evaluation` (the evaluation found, or None) and
    `evaluation_passes` (whether its grade reaches the milestone's).
    """
    problems = []
    recorded = {"documents": evidence.get("documents") or [], "platform_figures": None, "evaluation": None}
    rule = milestone["evidence"]
    if rule["documents_required"] and not recorded["documents"]:
        problems.append("supporting documents (reports, registers, receipts)")
    metric = rule.get("metric")
    if metric:
        value = facts["figures"].get(metric["name"], 0)
        recorded["platform_figures"] = {"metric": metric["name"], "value": value, "target": metric["target"],
                                        "window": facts.get("window")}
        if value < metric["target"]:
            problems.append(f"{metric['name']} reached {value} of the {metric['target']} promised")
    if milestone["type"] == "staffing_in_place":
        recorded["platform_figures"] = {"metric": "staffing", "problems": facts["staffing"],
                                        "window": facts.get("window")}
        problems.extend(f"staffing in place: {p}" for p in facts["staffing"])
    if rule.get("min_grade"):
        found = facts.get("evaluation")
        if found is None:
            problems.append(f"a completed third-party evaluation graded {rule['min_grade']} or better")
        else:
            recorded["evaluation"] = {"id": found["id"], "grade": found["grade"], "total": found["total"]}
            if not facts["evaluation_passes"]:
                problems.append(f"evaluation {found['id']} graded {found['grade']} ({found['total']}); "
                                f"the milestone needs {rule['min_grade']} or better")
    return problems, recorded


def disbursement_entry(contract: dict, milestone: dict, funding: dict, data: dict, disbursement_id: str,
                       evidence: dict, flags: list[str], now: datetime, recorded_by: str) -> dict:
    return jsonable({
        "id": disbursement_id, "voucher_number": data["voucher_number"], "milestone_id": milestone["id"],
        "budget_line_id": funding["budget_line_id"], "source_id": funding["source_id"],
        "source_name": funding["source_name"], "source_kind": funding["source_kind"],
        "funder_name": funding["funder_name"], "year": funding["year"],
        "region_code": funding["region_code"], "county_code": funding["county_code"],
        "amount_fen": data["amount_fen"], "paid_on": data["paid_on"], "status": HELD if flags else PAID,
        "evidence": evidence, "flags": flags, "note": data.get("note"), "recorded_at": timestamp(now),
        "recorded_by": recorded_by, "resolution": None})


def _move(contract: dict, entry: dict, paid_delta: int, held_delta: int) -> dict:
    """Changes moving an amount between paid and held on the milestone, the funding entry and the contract."""
    milestones = [{**m, "paid_fen": m["paid_fen"] + paid_delta, "held_fen": m["held_fen"] + held_delta}
                  if m["id"] == entry["milestone_id"] else m for m in contract["milestones"]]
    funding = [{**f, "paid_fen": f["paid_fen"] + paid_delta, "held_fen": f["held_fen"] + held_delta}
               if f["budget_line_id"] == entry["budget_line_id"] else f for f in contract["funding"]]
    return {"milestones": milestones, "funding": funding, "paid_fen": contract["paid_fen"] + paid_delta,
            "held_fen": contract["held_fen"] + held_delta}


def add_disbursement(contract: dict, entry: dict) -> dict:
    held = entry["status"] == HELD
    changes = _move(contract, entry, 0 if held else entry["amount_fen"], entry["amount_fen"] if held else 0)
    changes["disbursements"] = [*contract["disbursements"], entry]
    changes["open_flags"] = contract["open_flags"] + (1 if held else 0)
    return changes


def resolve_flag(contract: dict, disbursement_id: str, decision: str, reason: str, now: datetime,
                 resolved_by: str) -> tuple[dict, dict]:
    entry = next((d for d in contract["disbursements"] if d["id"] == disbursement_id), None)
    if entry is None:
        raise NotFound(f"contract {contract['_id']} has no disbursement {disbursement_id}",
                       {"disbursement_id": ["no such disbursement on this contract"]})
    if entry["status"] != HELD:
        raise Conflict(f"disbursement {disbursement_id} is {entry['status']}, not held", {"status": [entry["status"]]})
    amount = entry["amount_fen"]
    if decision == "release":
        changes = _move(contract, entry, amount, -amount)
        status = PAID
    else:
        changes = _move(contract, entry, 0, -amount)
        status = CANCELLED
    resolved = {**entry, "status": status, "resolution": {"decision": decision, "reason": reason,
                                                          "at": timestamp(now), "by": resolved_by}}
    changes["disbursements"] = [resolved if d["id"] == disbursement_id else d for d in contract["disbursements"]]
    changes["open_flags"] = contract["open_flags"] - 1
    return changes, resolved


# --- amendments ------------------------------------------------------------------------------------
AMENDABLE = ("amount_fen", "period_end", "station_ids", "milestones", "staffing_promise")


def amend(contract: dict, data: dict, amendment_id: str, now: datetime, by: str, wage: dict | None) -> dict:
    """Changes for an amendment; the history keeps each changed field's before and after, and the reason."""
    _require_active(contract)
    changed = [k for k in AMENDABLE if k in data]
    if not changed:
        raise ValidationFailed.field("_schema", "nothing to amend")
    amount = data.get("amount_fen", contract["amount_fen"])
    spent = contract["paid_fen"] + contract["held_fen"]
    if amount < max(contract["committed_fen"], spent):
        floor = max(contract["committed_fen"], spent)
        raise RuleViolation(f"the amount cannot drop below {yuan(floor)} already committed or paid",
                            {"amount_fen": [f"at least {floor}"]})
    period = dict(contract["period"])
    if "period_end" in data:
        period["end"] = data["period_end"].isoformat()
        last_payment = max((d["paid_on"] for d in contract["disbursements"] if d["status"] != CANCELLED), default=None)
        if period["end"] < period["start"] or (last_payment and period["end"] < last_payment):
            raise ValidationFailed.field("period_end", "before the start or before a recorded payment")
    station_ids = list(dict.fromkeys(data.get("station_ids", contract["station_ids"])))
    funded = {f["station_id"] for f in contract["funding"] if f.get("station_id")}
    dropped = sorted(funded - set(station_ids))
    if dropped:
        raise RuleViolation(f"stations {', '.join(dropped)} have funding on this contract and cannot be dropped",
                            {"station_ids": [f"keep {', '.join(dropped)}"]})
    outside = [s for s in station_ids if not within(township_of(s), contract["region_code"])]
    if outside:
        raise ValidationFailed.field("station_ids",
                                     f"{', '.join(outside)} outside the buyer's region {contract['region_code']}")
    previous = {m["id"]: m for m in contract["milestones"]}
    milestones = check_milestones(data["milestones"] if "milestones" in data else contract["milestones"], amount,
                                  period, contract["service_domains"], previous)
    promise = check_pay(jsonable(data["staffing_promise"]), wage) if "staffing_promise" in data \
        else contract["staffing_promise"]
    after = {"amount_fen": amount, "period": period, "station_ids": station_ids, "milestones": milestones,
             "staffing_promise": promise}
    stored_key = {"period_end": "period"}
    history = {}
    for key in changed:
        field = stored_key.get(key, key)
        history[key] = {"before": contract[field] if field != "period" else contract["period"]["end"],
                        "after": after[field] if field != "period" else period["end"]}
    entry = {"id": amendment_id, "at": timestamp(now), "by": by, "reason": data["reason"], "changes": history}
    return {**after, "scope_codes": scope_codes(contract["region_code"], station_ids),
            "amendments": [*contract["amendments"], entry]}


# --- the supervision read model -------------------------------------------------------------------
def positions(contract: dict) -> list[dict]:
    """One small document per (contract, budget line): what the supervision view sums.

    Derived from the contract (the truth) and stamped with its version, so saving an older copy
    over a newer one is refused and saving the same copy twice changes nothing.
    """
    return [{"_id": f"{contract['_id']}:{f['budget_line_id']}", "contract_id": contract["_id"],
             "budget_line_id": f["budget_line_id"], "source_id": f["source_id"], "source_kind": f["source_kind"],
             "year": f["year"], "region_code": f["region_code"], **level_codes(f["region_code"]),
             "station_id": f.get("station_id"), "committed_fen": f["committed_fen"], "paid_fen": f["paid_fen"],
             "held_fen": f["held_fen"],
             "contract_version": contract["_version"]} for f in contract["funding"]]


# --- views ---------------------------------------------------------------------------------------
def contract_view(contract: dict) -> dict:
    return {
        "id": contract["_id"], "tender_id": contract["tender_id"], "ocid": contract["ocid"], "title": contract["title"],
        "region_code": contract["region_code"], "buyer": contract["buyer"], "operator": contract["operator"],
        "station_ids": contract["station_ids"], "service_domains": contract["service_domains"],
        "period": contract["period"], "amount_fen": contract["amount_fen"], "signed_on": contract["signed_on"],
        "status": contract["status"], "staffing_promise": contract["staffing_promise"],
        "milestones": [{**m, "remaining_fen": m["amount_fen"] - m["paid_fen"] - m["held_fen"]}
                       for m in contract["milestones"]],
        "funding": [dict(f) for f in contract["funding"]],
        "committed_fen": contract["committed_fen"], "paid_fen": contract["paid_fen"], "held_fen": contract["held_fen"],
        "remaining_fen": contract["amount_fen"] - contract["paid_fen"] - contract["held_fen"],
        "open_flags": contract["open_flags"], "amendments": contract["amendments"],
        "closure": contract.get("closure"), "version": contract["_version"],
    }


def disbursement_view(contract: dict, entry: dict) -> dict:
    return {**entry, "contract_id": contract["_id"], "operator": contract["operator"],
            "station_ids": contract["station_ids"]}
