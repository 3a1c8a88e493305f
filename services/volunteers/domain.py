"""Pure rules of the volunteers service: volunteers and their hours, the resource library, teams,
charity stock, and the life of a need in matching. No I/O here.

Aggregates (one document each, changed by one write with its events):
- a volunteer: identity (protected), skills, availability, training, background check, the tasks
  they hold and the hours they logged: "never two overlapping hours" is a rule of one volunteer;
- a resource (organisation or facility) with its services and the tasks each service holds;
- a team with its members, training sessions and supervision records;
- a stock line (one item at one station) with its donated lots and every movement, so a
  distribution can never take it below zero (the version check serialises writers);
- a need (from casework's needs.assessed or an explicit request) with its proposals and tasks.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from services.common import masking
from services.common.auth import Viewer
from services.common.clock import CHINA_STANDARD_TIME, jsonable
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.contracts.vocabulary import FACILITY_KINDS as FACILITY_KINDS
from services.contracts.vocabulary import NEED_STATUSES as NEED_STATUSES
from services.contracts.vocabulary import ORGANISATION_KINDS as ORGANISATION_KINDS
from services.contracts.vocabulary import RESOURCE_KINDS as RESOURCE_KINDS
from services.contracts.vocabulary import REVIEW_DECISIONS as REVIEW_DECISIONS
from services.contracts.vocabulary import REVIEW_OUTCOMES as REVIEW_OUTCOMES

from . import matching

REVIEW_INTERVAL_MONTHS = 12
DEFAULT_MAX_OPEN_TASKS = 3



def category_of(kind: str) -> str:
    return "organisation" if kind in ORGANISATION_KINDS else "facility"


def as_aware(moment: datetime) -> datetime:
    """A time given without an offset is China time (where the service happened)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def service_time(moment: datetime) -> str:
    """When a service happened, as volunteers and stations read it: China time to the minute, with its
    offset (the API documents it so). One offset for all, so these strings sort and compare as moments."""
    return as_aware(moment).astimezone(CHINA_STANDARD_TIME).isoformat(timespec="minutes")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def derived_id(prefix: str, *parts: str) -> str:
    """Ids derived from what they identify make retries and redeliveries land on the same record."""
    return f"{prefix}_{hashlib.sha1(':'.join(parts).encode()).hexdigest()[:20]}"


def station_township(station_id: str) -> str:
    if not (station_id.startswith("ST") and len(station_id) == 11 and station_id[2:].isdigit()):
        raise ValidationFailed.field("station_id", "a station id is ST followed by the 9-digit township code")
    return station_id[2:]


def weekdays_of(slots: list[dict]) -> frozenset:
    return frozenset(slot["weekday"] for slot in slots)


def check_slots(slots: list[dict], field: str) -> None:
    for index, slot in enumerate(slots):
        if slot["start"] >= slot["end"]:
            raise ValidationFailed.field(f"{field}.{index}.end", "must be after the start")


# --- volunteers ----------------------------------------------------------------------------
def new_volunteer(data: dict, volunteer_id: str, protected: dict, today: date) -> dict:
    check_slots(data["availability"], "availability")
    township = station_township(data["station_id"])
    return jsonable({
        "_id": volunteer_id,
        "station_id": data["station_id"],
        "region_code": township,
        "community_code": data["community_code"],
        "township_code": data["community_code"][:9],
        "county_code": data["community_code"][:6],
        "name": data["name"],
        **protected,
        "skills": sorted(set(data["skills"])),
        "domains": sorted(set(data["domains"])),
        "availability": data["availability"],
        "max_open_tasks": data["max_open_tasks"],
        "status": "active",
        "registered_on": today,
        "training": [],
        "certificates": [],
        "background_check": None,
        # Top level and never null, so "no valid check" is a plain range query ("" sorts first).
        "background_valid_until": "",
        "open_tasks": [],
        "hours": [],
        "approved_hours": 0.0,
    })


def background_valid_until(volunteer: dict) -> str | None:
    check = volunteer.get("background_check") or {}
    valid_until = check.get("valid_until") if check.get("result") == "passed" else None
    return valid_until.isoformat() if isinstance(valid_until, date) else valid_until


def _overlap(a_start: str, a_end: str, b_start: str, b_end: str) -> bool:
    return a_start < b_end and b_start < a_end


def _describe(start: str, end: str) -> str:
    return f"{start[:16].replace('T', ' ')}–{end[11:16]}" if start[:10] == end[:10] else f"{start[:16]}–{end[:16]}"


def reserve_task(volunteer: dict, task_id: str, need_id: str, start: str | None, end: str | None,
                 child_related: bool, today: date) -> list[dict]:
    """The volunteer's open tasks with this one added; refuses capacity, double booking and checks.

    Re-checked here against the current record (a proposal may be hours old)."""
    if any(t["task_id"] == task_id for t in volunteer["open_tasks"]):
        return volunteer["open_tasks"]
    if volunteer["status"] != "active":
        raise RuleViolation(f"volunteer {volunteer['_id']} is {volunteer['status']}, not active")
    if child_related and not matching.background_check_valid(background_valid_until(volunteer), today):
        raise RuleViolation("this need concerns children: the volunteer has no valid background check",
                            {"background_check": ["required for children's needs"]})
    if len(volunteer["open_tasks"]) >= volunteer["max_open_tasks"]:
        raise RuleViolation(f"the volunteer already holds {len(volunteer['open_tasks'])} open tasks "
                            f"(at most {volunteer['max_open_tasks']})", {"candidate": ["at capacity"]})
    if start and end:
        for held in volunteer["open_tasks"]:
            if held.get("start") and _overlap(start, end, held["start"], held["end"]):
                raise RuleViolation(f"double booking: the volunteer is booked {_describe(held['start'], held['end'])} "
                                    f"for task {held['task_id']}", {"scheduled_start": ["overlaps another task"]})
    return [*volunteer["open_tasks"], {"task_id": task_id, "need_id": need_id, "start": start, "end": end}]


def release_task(holder: dict, task_id: str) -> list[dict]:
    return [t for t in holder["open_tasks"] if t["task_id"] != task_id]


def hours_between(start: datetime, end: datetime) -> float:
    return round((as_aware(end) - as_aware(start)).total_seconds() / 3600, 2)


def log_hours(volunteer: dict, entry: dict) -> list[dict]:
    """The volunteer's hours with `entry` added. Hours never overlap for one person."""
    if any(e["entry_id"] == entry["entry_id"] for e in volunteer["hours"]):
        return volunteer["hours"]
    if entry["start"] >= entry["end"]:
        raise ValidationFailed.field("ended_at", "must be after the start")
    if entry["hours"] > 24:
        raise ValidationFailed.field("ended_at", "one entry covers at most 24 hours")
    for existing in volunteer["hours"]:
        if existing["status"] != "rejected" and _overlap(entry["start"], entry["end"], existing["start"],
                                                         existing["end"]):
            raise RuleViolation(
                f"overlapping hours: {_describe(existing['start'], existing['end'])} is already logged "
                f"for task {existing['task_id']}", {"started_at": ["overlaps hours already logged"]})
    return [*volunteer["hours"], entry]


def decide_hours(volunteer: dict, entry_ids: list[str], approve: bool, decided_by: str, decided_at: str,
                 reason: str | None) -> tuple[list[dict], float, float]:
    """(hours, hours decided now, total approved hours)."""
    wanted = set(entry_ids)
    known = {e["entry_id"]: e for e in volunteer["hours"]}
    missing = sorted(wanted - known.keys())
    if missing:
        raise NotFound(f"no hours entry {', '.join(missing)} for this volunteer", {"entry_ids": ["unknown entry"]})
    decided = [known[i] for i in wanted if known[i]["status"] != "pending"]
    if decided:
        raise Conflict(f"entry {decided[0]['entry_id']} was already {decided[0]['status']}",
                       {"entry_ids": ["already decided"]})
    status = "approved" if approve else "rejected"
    hours, moved = [], 0.0
    for entry in volunteer["hours"]:
        if entry["entry_id"] in wanted:
            entry = {**entry, "status": status, "decided_by": decided_by, "decided_at": decided_at, "reason": reason}
            moved += entry["hours"]
        hours.append(entry)
    total = round(sum(e["hours"] for e in hours if e["status"] == "approved"), 2)
    return hours, round(moved, 2), total


def volunteer_view(volunteer: dict, viewer: Viewer) -> dict:
    return {
        "id": volunteer["_id"],
        "station_id": volunteer["station_id"],
        "name": masking.shown("Volunteer.name", viewer, volunteer["name"]),
        "id_number": volunteer["id_number_masked"],
        "phone": volunteer["phone_masked"],
        "community_code": volunteer["community_code"],
        "township_code": volunteer["township_code"],
        "skills": volunteer["skills"],
        "domains": volunteer["domains"],
        "availability": volunteer["availability"],
        "max_open_tasks": volunteer["max_open_tasks"],
        "open_tasks": len(volunteer["open_tasks"]),
        "status": volunteer["status"],
        "registered_on": volunteer["registered_on"],
        "training": volunteer["training"],
        "training_hours": round(sum(t["hours"] for t in volunteer["training"]), 1),
        "certificates": volunteer["certificates"],
        "background_check": volunteer.get("background_check"),
        "approved_hours": volunteer.get("approved_hours", 0.0),
        "pending_hours": round(sum(e["hours"] for e in volunteer["hours"] if e["status"] == "pending"), 2),
        "version": volunteer["_version"],
    }


def hours_view(volunteer: dict, entry: dict) -> dict:
    return {"volunteer_id": volunteer["_id"], "station_id": volunteer["station_id"], **entry}


def volunteer_candidate(doc: dict) -> matching.VolunteerCandidate:
    return matching.VolunteerCandidate(
        id=doc["_id"], name=doc["name"], community_code=doc["community_code"], skills=frozenset(doc["skills"]),
        domains=frozenset(doc["domains"]), weekdays=weekdays_of(doc["availability"]),
        background_valid_until=background_valid_until(doc), load=len(doc["open_tasks"]),
        max_load=doc["max_open_tasks"])


# --- resource library ----------------------------------------------------------------------
def new_resource(data: dict, resource_id: str, service_ids: list[str], today: date) -> dict:
    township = station_township(data["station_id"])
    if data["township_code"][:6] != township[:6]:
        raise ValidationFailed.field("township_code", "a station records resources of its own county")
    community = data.get("community_code")
    if community and community[:9] != data["township_code"]:
        raise ValidationFailed.field("community_code", "must lie in the given township")
    if data["reviewed_on"] > today:
        raise ValidationFailed.field("reviewed_on", "cannot be in the future")
    services = []
    for service_id, service in zip(service_ids, data["services"], strict=False):
        check_slots(service["opening_hours"], "services.opening_hours")
        services.append({**service, "service_id": service_id})
    return jsonable({
        "_id": resource_id,
        "kind": data["kind"],
        "category": category_of(data["kind"]),
        "name": data["name"],
        "credit_code": data.get("credit_code"),
        "description": data.get("description"),
        "station_id": data["station_id"],
        "region_code": township,
        "township_code": data["township_code"],
        "county_code": data["township_code"][:6],
        "community_code": community,
        "services": services,
        "domains": sorted({s["domain"] for s in services}),
        "contact": data["contact"],
        "location": data["location"],
        "status": "active",
        "reviewed_on": data["reviewed_on"],
        "next_review_due": add_months(data["reviewed_on"], REVIEW_INTERVAL_MONTHS),
        "reviews": [{"reviewed_on": data["reviewed_on"], "outcome": REVIEW_OUTCOMES[0], "notes": None}],
        "open_tasks": [],
    })


def review(resource: dict, reviewed_on: date, outcome: str, notes: str | None, today: date) -> dict:
    if reviewed_on > today:
        raise ValidationFailed.field("reviewed_on", "cannot be in the future")
    if reviewed_on.isoformat() < resource["reviewed_on"]:
        raise ValidationFailed.field("reviewed_on", f"is before the last review ({resource['reviewed_on']})")
    if resource["status"] == "closed":
        raise Conflict("this resource is closed; register it again if it reopened")
    closed = outcome == "closed"
    return jsonable({
        "reviewed_on": reviewed_on,
        "next_review_due": None if closed else add_months(reviewed_on, REVIEW_INTERVAL_MONTHS),
        "status": "closed" if closed else "active",
        "reviews": [*resource["reviews"], {"reviewed_on": reviewed_on, "outcome": outcome, "notes": notes}],
    })


def review_overdue(resource: dict, today: date) -> bool:
    """Not reviewed for 12 months: the yearly update of the resource library is late."""
    return resource["status"] == "active" and resource["next_review_due"] < today.isoformat()


def find_service(resource: dict, service_id: str) -> dict:
    for service in resource["services"]:
        if service["service_id"] == service_id:
            return service
    raise NotFound(f"resource {resource['_id']} has no service {service_id}")


def reserve_service(resource: dict, service_id: str, task_id: str, need_id: str) -> list[dict]:
    if any(t["task_id"] == task_id for t in resource["open_tasks"]):
        return resource["open_tasks"]
    if resource["status"] != "active":
        raise RuleViolation(f"resource {resource['name']} is {resource['status']}")
    service = find_service(resource, service_id)
    taken = sum(1 for t in resource["open_tasks"] if t["service_id"] == service_id)
    if taken >= service["capacity"]:
        raise RuleViolation(f"{service['name']} is full ({taken} of {service['capacity']} places taken)",
                            {"candidate": ["at capacity"]})
    return [*resource["open_tasks"], {"task_id": task_id, "need_id": need_id, "service_id": service_id}]


def resource_view(resource: dict, today: date) -> dict:
    load: dict[str, int] = {}
    for task in resource["open_tasks"]:
        load[task["service_id"]] = load.get(task["service_id"], 0) + 1
    return {
        "id": resource["_id"],
        "kind": resource["kind"],
        "kind_label": RESOURCE_KINDS[resource["kind"]],
        "category": resource["category"],
        "name": resource["name"],
        "credit_code": resource.get("credit_code"),
        "description": resource.get("description"),
        "station_id": resource["station_id"],
        "township_code": resource["township_code"],
        "community_code": resource.get("community_code"),
        "services": [{**s, "places_taken": load.get(s["service_id"], 0)} for s in resource["services"]],
        "domains": resource["domains"],
        "contact": resource["contact"],
        "location": resource["location"],
        "status": resource["status"],
        "reviewed_on": resource["reviewed_on"],
        "next_review_due": resource.get("next_review_due"),
        "review_overdue": review_overdue(resource, today),
        "reviews": resource["reviews"],
        "version": resource["_version"],
    }


def resource_candidate(doc: dict) -> matching.ResourceCandidate:
    load: dict[str, int] = {}
    for task in doc["open_tasks"]:
        load[task["service_id"]] = load.get(task["service_id"], 0) + 1
    return matching.ResourceCandidate(
        id=doc["_id"], name=doc["name"], kind=doc["kind"], township_code=doc["township_code"],
        community_code=doc.get("community_code"),
        services=tuple(matching.ServiceOffer(
            service_id=s["service_id"], name=s["name"], domain=s["domain"], need_types=frozenset(s["need_types"]),
            capacity=s["capacity"], eligible_groups=frozenset(s["eligibility"]["beneficiary_groups"]),
            weekdays=weekdays_of(s["opening_hours"]), load=load.get(s["service_id"], 0)) for s in doc["services"]))


# --- teams ---------------------------------------------------------------------------------
def team_view(team: dict) -> dict:
    return {
        "id": team["_id"], "station_id": team["station_id"], "name": team["name"], "domains": team["domains"],
        "leader_id": team["leader_id"], "member_ids": team["member_ids"], "status": team["status"],
        "training_sessions": team["training_sessions"], "supervision_records": team["supervision_records"],
        "training_hours": round(sum(s["hours"] for s in team["training_sessions"]), 1),
        "version": team["_version"],
    }


# --- charity stock -------------------------------------------------------------------------
def stock_id_for(station_id: str, category: str, item: str, unit: str) -> str:
    """One stock line per (station, item, unit): donations of the same goods add up."""
    if category == "money":
        return f"{station_id}:money"
    return derived_id("stk", station_id, category, item.strip(), unit.strip())


def new_lot(donation: dict, donation_id: str, quantity: int) -> dict:
    restrictions = donation.get("restrictions") or {}
    return jsonable({
        "donation_id": donation_id,
        "quantity": quantity,
        "remaining": quantity,
        "received_on": donation["received_on"],
        "donor": donation["donor_view"],
        "restrictions": {"domains": sorted(restrictions.get("domains") or []),
                         "region_code": restrictions.get("region_code"),
                         "beneficiary_groups": sorted(restrictions.get("beneficiary_groups") or [])},
        "notes": donation.get("notes"),
    })


def on_hand(stock: dict) -> int:
    return sum(lot["remaining"] for lot in stock["lots"])


def allocate(stock: dict, quantity: int, domain: str, region_code: str, groups) -> tuple[list[dict], list[dict]]:
    """Take `quantity` from the lots this household may receive: (lots taken, lots after).

    Restricted lots meant for this household go first (earmarked gifts are used as the donor
    intended), then the oldest. Refuses, with the reason, rather than go below zero or break an earmark.
    """
    if quantity <= 0:
        raise ValidationFailed.field("quantity", "must be at least 1")
    available = on_hand(stock)
    if quantity > available:
        raise RuleViolation(f"only {available} {stock['unit']} of {stock['item']} on hand; {quantity} requested",
                            {"quantity": [f"at most {available}"]})
    eligible: list[dict] = []
    blocked: dict[str, int] = {}
    for lot in stock["lots"]:
        if lot["remaining"] == 0:
            continue
        problem = matching.earmark_problem(lot["restrictions"], domain, region_code, groups)
        if problem:
            blocked[problem] = blocked.get(problem, 0) + lot["remaining"]
        else:
            eligible.append(lot)
    usable = sum(lot["remaining"] for lot in eligible)
    if quantity > usable:
        why = "; ".join(f"{amount} {stock['unit']} {reason}" for reason, amount in sorted(blocked.items()))
        raise RuleViolation(f"earmark: only {usable} of {available} {stock['unit']} on hand may go to this "
                            f"household ({why}); {quantity} requested", {"quantity": [f"at most {usable} here"]})
    eligible.sort(key=lambda lot: (not _restricted(lot), lot["received_on"], lot["donation_id"]))
    wanted, taken = quantity, {}
    for lot in eligible:
        if wanted == 0:
            break
        take = min(wanted, lot["remaining"])
        taken[lot["donation_id"]] = take
        wanted -= take
    lots = [{**lot, "remaining": lot["remaining"] - taken.get(lot["donation_id"], 0)} for lot in stock["lots"]]
    return [{"donation_id": k, "quantity": v} for k, v in taken.items()], lots


def _restricted(lot: dict) -> bool:
    r = lot["restrictions"]
    return bool(r["domains"] or r["region_code"] or r["beneficiary_groups"])


def stock_view(stock: dict, viewer: Viewer) -> dict:
    return {
        "id": stock["_id"], "station_id": stock["station_id"], "township_code": stock["township_code"],
        "kind": stock["kind"], "category": stock["category"], "item": stock["item"], "unit": stock["unit"],
        "on_hand": on_hand(stock),
        "earmarked": sum(lot["remaining"] for lot in stock["lots"] if _restricted(lot)),
        "lots": [lot_view(lot, viewer) for lot in stock["lots"] if lot["remaining"] > 0],
        "version": stock["_version"],
    }


def lot_view(lot: dict, viewer: Viewer) -> dict:
    """A donated lot as callers see it: the donor's phone masked (its ciphertext stays inside), an
    individual donor's name as the masking policy says; an organisation's name is not personal data."""
    donor = {k: v for k, v in lot["donor"].items() if k != "phone_encrypted"}
    if donor.get("kind") == "individual" and donor.get("name"):
        donor["name"] = masking.shown("CharityDonor.name", viewer, donor["name"])
    return {**lot, "donor": donor}


def stock_candidate(doc: dict) -> matching.StockCandidate:
    return matching.StockCandidate(id=doc["_id"], name=doc["item"], category=doc["category"], unit=doc["unit"],
                                   township_code=doc["township_code"],
                                   lots=tuple(lot for lot in doc["lots"] if lot["remaining"] > 0))


# --- needs, proposals and tasks ------------------------------------------------------------
def new_need(need: dict, context: dict, source: str) -> dict:
    township = context["township_code"]
    community = context.get("community_code")
    if community and community[:9] != township:
        raise ValidationFailed.field("community_code", "must lie in the township")
    return jsonable({
        "_id": need["need_id"],
        "assessment_id": context.get("assessment_id"),
        "household_id": context["household_id"],
        "station_id": context["station_id"],
        "region_code": township,
        "township_code": township,
        "county_code": township[:6],
        "community_code": community,
        "assessed_on": context.get("assessed_on"),
        "source": source,
        "domain": need["domain"],
        "need_type": need["need_type"],
        "severity": need["severity"],
        "description": need["description"],
        "beneficiary_groups": sorted(set(need["beneficiary_groups"])),
        "child_related": bool(need["child_related"]),
        "needed_by": need.get("needed_by"),
        "status": "open",
        "proposals": [],
        "tasks": [],
        "task_assignees": [],
        "unmet": None,
        "matching_runs": 0,
    })


def matching_need(doc: dict) -> matching.Need:
    return matching.Need(
        need_id=doc["_id"], domain=doc["domain"], need_type=doc["need_type"], severity=doc["severity"],
        beneficiary_groups=frozenset(doc["beneficiary_groups"]), child_related=bool(doc["child_related"]),
        needed_by=date.fromisoformat(doc["needed_by"]) if doc.get("needed_by") else None,
        township_code=doc["township_code"], community_code=doc.get("community_code"))


def proposal_id(need_id: str, kind: str, candidate_id: str) -> str:
    return f"{need_id}:{kind}:{candidate_id}"


def merge_proposals(need: dict, ranked: list, proposed_at: str) -> tuple[list[dict], list[dict]]:
    """Existing proposals stay as they are; a candidate already proposed is never proposed twice."""
    existing = {p["proposal_id"] for p in need["proposals"]}
    added = []
    for scored in ranked:
        pid = proposal_id(need["_id"], scored.kind, scored.candidate_id)
        if pid in existing:
            continue
        existing.add(pid)
        added.append({"proposal_id": pid, "kind": scored.kind, "candidate_id": scored.candidate_id,
                      "candidate_name": scored.candidate_name, "score": scored.score,
                      "breakdown": scored.breakdown, "reasons": scored.reasons, "detail": scored.detail,
                      "state": "proposed", "proposed_at": proposed_at, "decided_at": None, "decided_by": None,
                      "decision_reason": None})
    base = len(need["proposals"])
    for offset, proposal in enumerate(added, start=1):
        proposal["rank"] = base + offset
    return [*need["proposals"], *added], added


def find_proposal(need: dict, pid: str) -> dict:
    for proposal in need["proposals"]:
        if proposal["proposal_id"] == pid:
            return proposal
    raise NotFound(f"need {need['_id']} has no proposal {pid}", {"proposal_id": ["unknown proposal"]})


def find_task(need: dict, task_id: str) -> dict:
    for task in need["tasks"]:
        if task["task_id"] == task_id:
            return task
    raise NotFound(f"need {need['_id']} has no task {task_id}", {"task_id": ["unknown task"]})


def cancel_task(need: dict, task_id: str, reason: str, by: str, at: str) -> tuple[dict, dict]:
    """(changes to the need, the cancelled task). Only an open task is cancelled; its proposal is
    marked cancelled so matching does not offer the same candidate again, and the need goes back to
    matching (its other proposals, or open/unmet). The candidate's hold is released by the caller."""
    task = find_task(need, task_id)
    if task["status"] != "open":
        raise Conflict(f"the task is already {task['status']}", {"task_id": [f"already {task['status']}"]})
    cancelled = {**task, "status": "cancelled", "cancelled_at": at, "cancelled_by": by, "cancellation_reason": reason}
    proposals = [{**p, "state": "cancelled"} if p["proposal_id"] == task["proposal_id"] else p
                 for p in need["proposals"]]
    state = {**need, "tasks": replace(need["tasks"], "task_id", cancelled), "proposals": proposals}
    return {"tasks": state["tasks"], "proposals": proposals, "status": status_of(state)}, cancelled


def replace(items: list[dict], key: str, updated: dict) -> list[dict]:
    return [updated if item[key] == updated[key] else item for item in items]


def status_of(need: dict) -> str:
    if need["status"] == "withdrawn":
        return "withdrawn"
    tasks = need["tasks"]
    if any(t["status"] == "open" for t in tasks):
        return "matched"
    if any(t["status"] == "completed" for t in tasks):
        return "delivered"
    if any(p["state"] == "proposed" for p in need["proposals"]):
        return "proposed"
    if need.get("unmet"):
        return "unmet"
    return "open"


def require_decidable(need: dict, proposal: dict) -> None:
    if need["status"] == "withdrawn":
        raise Conflict("the need was withdrawn by a re-assessment")
    if proposal["state"] != "proposed":
        raise Conflict(f"proposal was already {proposal['state']}", {"proposal_id": [f"already {proposal['state']}"]})


def declined_reason(need: dict) -> str:
    # Candidates by kind and id, never by name: this text is stored, shown and sent in events to anyone
    # who may read the need, where names are masked by role (services/common/masking.py).
    reasons = [f"{p['kind']} {p['candidate_id']}: {p['decision_reason']}" for p in need["proposals"]
               if p["state"] == "declined"]
    return "all proposals declined (" + "; ".join(reasons) + ")"


def need_view(need: dict, viewer: Viewer) -> dict:
    return {
        "id": need["_id"], "assessment_id": need.get("assessment_id"), "household_id": need["household_id"],
        "station_id": need["station_id"], "township_code": need["township_code"],
        "community_code": need.get("community_code"), "source": need["source"], "domain": need["domain"],
        "need_type": need["need_type"], "severity": need["severity"], "description": need["description"],
        "beneficiary_groups": need["beneficiary_groups"], "child_related": bool(need["child_related"]),
        "needed_by": need.get("needed_by"), "status": need["status"], "unmet": need.get("unmet"),
        "proposals": [proposal_view(need, p, viewer) for p in sorted(need["proposals"], key=lambda p: p["rank"])],
        "tasks": [task_view(need, t, viewer) for t in need["tasks"]],
        "version": need["_version"],
    }


def _candidate_name(field: str, candidate: dict, viewer: Viewer) -> str | None:
    # Only a volunteer is a person; resources and charity stock carry organisation and item names.
    if candidate["kind"] != "volunteer":
        return candidate["candidate_name"]
    return masking.shown(field, viewer, candidate["candidate_name"])


def proposal_view(need: dict, proposal: dict, viewer: Viewer) -> dict:
    return {"need_id": need["_id"], "station_id": need["station_id"], **proposal,
            "candidate_name": _candidate_name("MatchProposal.candidateName", proposal, viewer)}


def task_view(need: dict, task: dict, viewer: Viewer) -> dict:
    return {"need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
            "domain": need["domain"], "need_type": need["need_type"], **task,
            "candidate_name": _candidate_name("MatchTask.candidateName", task, viewer)}


def task_window(start: datetime | None, end: datetime | None) -> tuple[str | None, str | None]:
    if (start is None) != (end is None):
        raise ValidationFailed.field("scheduled_end", "give both the scheduled start and end, or neither")
    if start is None or end is None:
        return None, None
    if as_aware(end) <= as_aware(start):
        raise ValidationFailed.field("scheduled_end", "must be after the start")
    return service_time(start), service_time(end)
