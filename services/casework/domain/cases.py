"""Pure rules of cases: lifecycle and approvals, visits and services, crisis and its 24-hour rule, referrals,
verification campaigns."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.common import clock
from services.common.errors import Conflict, RuleViolation, ValidationFailed
from services.contracts.vocabulary import ACTIVE_CRISIS_STATES, STAGES

from .archive import consent_in_force, current_version
from .people import CRISIS_FIRST_CONTACT, age_on, find_member, head_of

# --- cases ------------------------------------------------------------------------------------
OPEN_STAGES = STAGES[:-1]
TRANSITIONS = {
    "intake": ("assessment",),
    "assessment": ("plan",),
    "plan": ("in_service",),
    "in_service": ("review",),
    "review": ("in_service", "plan"),
    "closed": (),
}
ACTIVE_CRISIS = ACTIVE_CRISIS_STATES


@dataclass(frozen=True)
class Actor:
    """Who acts, as recorded on the case (registry staff ids for station staff)."""
    user_id: str
    role: str

    def record(self, at: datetime) -> dict:
        return {"by": self.user_id, "role": self.role, "at": clock.timestamp(at)}


def open_key(household_id: str, person_id: str | None, case_domain: str) -> str:
    """One open case per subject and domain: the key is unique while open, the case id once closed."""
    return f"{household_id}:{person_id or '-'}:{case_domain}"


def queue_rank(case: dict) -> int:
    """Station queue order: active crises first, then the other open cases, closed ones last."""
    if case["stage"] == "closed":
        return 2
    return 0 if case.get("crisis_state") in ACTIVE_CRISIS else 1


def new_case(data: dict, household: dict, case_id: str, actor: Actor, at: datetime, today: date) -> dict:
    person_id = data.get("person_id")
    if person_id:
        find_member(household, person_id)
    if data["opened_on"] > today:
        raise ValidationFailed.field("opened_on", "cannot be in the future")
    case = {
        "_id": case_id, "household_id": household["_id"], "person_id": person_id,
        "station_id": household["station_id"], "region_code": household["region_code"],
        "township_code": household["township_code"], "community_code": household["community_code"],
        "domain": data["domain"], "source": data["source"], "summary": data["summary"],
        "opened_on": data["opened_on"].isoformat(), "opened_at": clock.timestamp(at), "stage": "intake",
        "assigned_staff_id": data["assigned_staff_id"],
        "open_key": open_key(household["_id"], person_id, data["domain"]),
        "transitions": [{"from": None, "to": "intake", **actor.record(at), "note": "opened"}],
        "assignments": [{"staff_id": data["assigned_staff_id"], **actor.record(at)}],
        "assessment": None, "plans": [], "closure_requests": [], "closure": None,
        "visits": [], "services": [], "referrals": [], "service_task_ids": [],
        "crisis": None, "crisis_history": [], "crisis_state": "none", "crisis_contact_due_at": "",
        "crisis_breaches": [], "crisis_breach_count": 0,
        "follow_up_due_on": "", "last_contact_at": "",
    }
    case["queue_rank"] = queue_rank(case)
    return case


def entry_requirements(case: dict, to: str, worker_current: bool) -> list[str]:
    """What is missing for `case` to enter stage `to` (empty when it may)."""
    missing = []
    if to in ("assessment",) and not worker_current:
        missing.append("the assigned social worker is not current staff of the station: reassign the case first")
    if to == "plan" and not case.get("assessment"):
        missing.append("record the case assessment first")
    if to == "in_service" and approved_plan(case) is None:
        missing.append("a plan approved by a supervisor or the station lead")
    if to == "in_service" and pending_plan(case) is not None:
        missing.append("a plan revision is waiting for approval")
    if to == "review":
        entered = last_entry(case, "in_service")
        if not any(v["recorded_at"] >= entered for v in case["visits"]) and \
                not any(s["recorded_at"] >= entered for s in case["services"]):
            missing.append("at least one visit or service since the case entered in_service")
    return missing


def last_entry(case: dict, stage: str) -> str:
    return max((t["at"] for t in case["transitions"] if t["to"] == stage), default="")


def change_stage(case: dict, to: str, note: str | None, actor: Actor, at: datetime, worker_current: bool) -> dict:
    current = case["stage"]
    if to == "closed":
        raise RuleViolation("a case is closed by approving a closure request",
                            {"to": ["request closure, then a supervisor or the station lead approves it"]})
    if to == current:
        raise Conflict(f"the case is already in {current}", {"to": [f"already {current}"]})
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(TRANSITIONS[current]) or "none (reopen a closed case)"
        raise RuleViolation(f"a case in {current} cannot move to {to}", {"to": [f"allowed from {current}: {allowed}"]})
    if current == "review" and not note:
        raise ValidationFailed.field("note", "say what the review concluded")
    missing = entry_requirements(case, to, worker_current)
    if missing:
        raise RuleViolation(f"the case cannot enter {to}: " + "; ".join(missing), {"to": missing})
    transitions = [*case["transitions"], {"from": current, "to": to, **actor.record(at), "note": note}]
    updated = {**case, "stage": to, "transitions": transitions}
    return {"stage": to, "transitions": transitions, "follow_up_due_on": follow_up_due_on(updated),
            "queue_rank": queue_rank(updated)}


def record_case_assessment(case: dict, data: dict, household: dict, actor: Actor, at: datetime) -> dict:
    if case["stage"] not in ("assessment", "review"):
        raise RuleViolation(f"a case assessment is recorded in the assessment or review stage, not {case['stage']}",
                            {"stage": [case["stage"]]})
    archive_needs = {n["need_id"] for n in (current_version(household) or {"needs": []})["needs"]}
    for need_id in data.get("need_ids", []):
        if need_id not in archive_needs:
            raise ValidationFailed.field("need_ids", f"{need_id} is not a need of the household's current archive")
    return {"assessment": {"summary": data["summary"], "need_ids": list(data.get("need_ids", [])),
                           "strengths": data.get("strengths"), **actor.record(at)}}


def approved_plan(case: dict) -> dict | None:
    return next((p for p in reversed(case["plans"]) if p["status"] == "approved"), None)


def pending_plan(case: dict) -> dict | None:
    return next((p for p in reversed(case["plans"]) if p["status"] == "submitted"), None)


def submit_plan(case: dict, data: dict, plan_id: str, actor: Actor, at: datetime, today: date) -> dict:
    if case["stage"] != "plan":
        raise RuleViolation(f"plans are submitted in the plan stage (the case is in {case['stage']})",
                            {"stage": [case["stage"]]})
    if data["review_on"] <= today:
        raise ValidationFailed.field("review_on", "the plan's review date is after today")
    plans = [{**p, "status": "withdrawn"} if p["status"] == "submitted" else p for p in case["plans"]]
    plan = clock.jsonable({"plan_id": plan_id, "version": len(case["plans"]) + 1, "goals": data["goals"],
                     "interventions": data["interventions"], "review_on": data["review_on"],
                     "status": "submitted", "submitted_by": actor.user_id, "submitted_at": at, "decision": None})
    return {"plans": [*plans, plan]}


def decide_plan(case: dict, decision: str, comment: str | None, actor: Actor, at: datetime) -> dict:
    plan = pending_plan(case)
    if plan is None:
        raise Conflict("no plan is waiting for approval", {"plan": ["nothing pending"]})
    if plan["submitted_by"] == actor.user_id:
        raise RuleViolation("a plan is approved by someone other than its author", {"decision": ["self-approval"]})
    if decision == "rejected" and not comment:
        raise ValidationFailed.field("comment", "say why the plan is rejected")
    plans = []
    for p in case["plans"]:
        if p["plan_id"] == plan["plan_id"]:
            p = {**p, "status": decision, "decision": {"decision": decision, "comment": comment, **actor.record(at)}}
        elif decision == "approved" and p["status"] == "approved":
            p = {**p, "status": "superseded"}
        plans.append(p)
    updated = {**case, "plans": plans}
    return {"plans": plans, "follow_up_due_on": follow_up_due_on(updated)}


def pending_closure(case: dict) -> dict | None:
    return next((r for r in case["closure_requests"] if r["status"] == "pending"), None)


def request_closure(case: dict, data: dict, actor: Actor, at: datetime) -> dict:
    if case["stage"] == "closed":
        raise Conflict("the case is already closed", {"stage": ["closed"]})
    if pending_closure(case):
        raise Conflict("a closure request is already waiting for approval", {"closure": ["pending"]})
    request = {"reason": data["reason"], "outcome": data["outcome"], "note": data.get("note"),
               "status": "pending", "requested_by": actor.user_id, "requested_at": clock.timestamp(at),
               "decision": None}
    return {"closure_requests": [*case["closure_requests"], request]}


def decide_closure(case: dict, decision: str, comment: str | None, actor: Actor, at: datetime, today: date) -> dict:
    request = pending_closure(case)
    if request is None:
        raise Conflict("no closure request is waiting for approval", {"closure": ["nothing pending"]})
    if request["requested_by"] == actor.user_id:
        raise RuleViolation("a closure is approved by someone other than who asked for it",
                            {"decision": ["self-approval"]})
    if decision == "rejected" and not comment:
        raise ValidationFailed.field("comment", "say why the closure is rejected")
    decided = {**request, "status": decision,
               "decision": {"decision": decision, "comment": comment, **actor.record(at)}}
    requests = [decided if r is request else r for r in case["closure_requests"]]
    if decision == "rejected":
        return {"closure_requests": requests}
    transitions = [*case["transitions"], {"from": case["stage"], "to": "closed", **actor.record(at),
                                          "note": f"closure approved: {request['reason']}"}]
    changes = {"closure_requests": requests, "stage": "closed", "transitions": transitions,
               "closure": {"reason": request["reason"], "outcome": request["outcome"], "note": request["note"],
                           "closed_on": today.isoformat(), "requested_by": request["requested_by"],
                           "approved_by": actor.user_id},
               "open_key": case["_id"], "follow_up_due_on": ""}
    if case.get("crisis_state") in ACTIVE_CRISIS:
        if case["crisis_state"] == "awaiting_contact" and at > clock.parse_timestamp(case["crisis"]["contact_due_at"]):
            changes.update(breach_recorded(case, at))  # closed without the contact: the breach stays a fact
        changes["crisis"] = {**case["crisis"], "resolved_at": clock.timestamp(at), "resolution": "case closed"}
        changes["crisis_state"] = "resolved"
        changes["crisis_contact_due_at"] = ""
    changes["queue_rank"] = 2
    return changes


def reopen(case: dict, reason: str, household: dict, actor: Actor, at: datetime, worker_current: bool,
           assigned_staff_id: str) -> dict:
    """Closed → assessment; the worker may change at the same time (the old one may have left)."""
    if case["stage"] != "closed":
        raise Conflict("only a closed case can be reopened", {"stage": [case["stage"]]})
    if not worker_current:
        raise RuleViolation("the assigned social worker is not current staff of the station: name a current one",
                            {"assigned_staff_id": ["not current staff of the station"]})
    transitions = [*case["transitions"], {"from": "closed", "to": "assessment", **actor.record(at), "note": reason}]
    changes = {"stage": "assessment", "transitions": transitions, "closure": None,
               "open_key": open_key(household["_id"], case["person_id"], case["domain"])}
    if assigned_staff_id != case["assigned_staff_id"]:
        changes["assigned_staff_id"] = assigned_staff_id
        changes["assignments"] = [*case["assignments"], {"staff_id": assigned_staff_id, "reason": reason,
                                                         **actor.record(at)}]
    updated = {**case, **changes}
    return {**changes, "queue_rank": queue_rank(updated), "follow_up_due_on": follow_up_due_on(updated)}


def reassign(case: dict, staff_id: str, reason: str, actor: Actor, at: datetime) -> dict:
    if case["stage"] == "closed":
        raise Conflict("a closed case is not reassigned; reopen it", {"stage": ["closed"]})
    if staff_id == case["assigned_staff_id"]:
        raise Conflict("the case is already assigned to this social worker", {"staff_id": ["already assigned"]})
    return {"assigned_staff_id": staff_id,
            "assignments": [*case["assignments"], {"staff_id": staff_id, "reason": reason, **actor.record(at)}]}


def follow_up_due_on(case: dict) -> str:
    """The earliest pending follow-up: the next visit the latest visit planned, and the approved
    plan's review date while the case is in service. "" when nothing is due."""
    if case["stage"] == "closed":
        return ""
    dates = []
    if case["visits"]:
        latest = max(case["visits"], key=lambda v: (v["visited_on"], v["recorded_at"]))
        if latest.get("next_visit_on"):
            dates.append(latest["next_visit_on"])
    plan = approved_plan(case)
    if plan and case["stage"] == "in_service":
        dates.append(plan["review_on"])
    return min(dates) if dates else ""


def case_overdue(case: dict, now: datetime) -> bool:
    return crisis_contact_overdue(case, now) or case.get("crisis_state") == "overdue" or (
        bool(case.get("follow_up_due_on")) and case["follow_up_due_on"] < clock.local_date(now).isoformat())


# --- visits and services ------------------------------------------------------------------------
def check_visit(data: dict, now: datetime) -> None:
    today = clock.local_date(now)
    if data["visited_on"] > today:
        raise ValidationFailed.field("visited_on", "a visit cannot be dated in the future")
    if data.get("visited_at"):
        if data["visited_at"] > now + timedelta(minutes=5):
            raise ValidationFailed.field("visited_at", "a visit cannot be timed in the future")
        if clock.local_date(data["visited_at"]) != data["visited_on"]:
            raise ValidationFailed.field("visited_at", "falls on another day than visited_on (China time)")
    if data.get("next_visit_on") and data["next_visit_on"] <= data["visited_on"]:
        raise ValidationFailed.field("next_visit_on", "after the visit date")


def add_case_visit(case: dict, visit: dict, now: datetime) -> dict:
    """Append a visit; on an active crisis awaiting contact, it is the first contact."""
    if case["stage"] == "closed":
        raise RuleViolation("visits are logged on open cases; reopen the case first", {"case_id": ["closed"]})
    visits = [*case["visits"], visit]
    changes = {"visits": visits, "last_contact_at": max(case.get("last_contact_at") or "", visit["contact_at"])}
    if case.get("crisis_state") in ("awaiting_contact", "overdue"):
        contact_at = visit["contact_at"]
        late = clock.parse_timestamp(contact_at) > clock.parse_timestamp(case["crisis"]["contact_due_at"])
        crisis = {**case["crisis"], "first_contact_at": contact_at, "first_contact_late": late}
        changes.update({"crisis": crisis, "crisis_state": "contacted", "crisis_contact_due_at": "",
                        **breach_settled(case, contact_at, now)})
    updated = {**case, **changes}
    changes["follow_up_due_on"] = follow_up_due_on(updated)
    changes["queue_rank"] = queue_rank(updated)
    return changes


def add_case_service(case: dict, service: dict) -> dict:
    if case["stage"] == "closed":
        raise RuleViolation("services are recorded on open cases; reopen the case first", {"case_id": ["closed"]})
    changes = {"services": [*case["services"], service]}
    if service.get("task_id"):
        changes["service_task_ids"] = [*case["service_task_ids"], service["task_id"]]
    return changes


def case_for_delivery(cases: list[dict], delivery: dict, household: dict) -> dict | None:
    """The open case a volunteers' delivery belongs to: same domain, preferring the case of a person
    the delivered need concerns, then the household's own case, then the oldest."""
    candidates = [c for c in cases if c["stage"] != "closed" and c["domain"] == delivery["domain"]]
    if not candidates:
        return None
    concerned = set()
    for version in household.get("archive", []):
        for need in version["needs"]:
            if need["need_id"] == delivery["need_id"]:
                concerned = set(need.get("person_ids", []))
    return min(candidates, key=lambda c: (c.get("person_id") not in concerned, c.get("person_id") is not None,
                                          c["opened_at"]))


# --- crisis -----------------------------------------------------------------------------------
def flag_crisis(case: dict, protected_notes: str | None, actor: Actor, now: datetime) -> dict:
    if case["stage"] == "closed":
        raise RuleViolation("a closed case cannot be flagged as a crisis; reopen it or open a new case",
                            {"case_id": ["closed"]})
    if case.get("crisis_state") in ACTIVE_CRISIS:
        raise Conflict("the case is already flagged as a crisis", {"crisis": [case["crisis_state"]]})
    history = [*case["crisis_history"], case["crisis"]] if case.get("crisis") else case["crisis_history"]
    due = now + CRISIS_FIRST_CONTACT
    crisis = {"episode": len(history) + 1, "flagged_at": clock.timestamp(now), "flagged_by": actor.user_id,
              "contact_due_at": clock.timestamp(due), "first_contact_at": None, "first_contact_late": None,
              "overdue_at": None, "resolved_at": None, "resolution": None, "notes_encrypted": protected_notes}
    updated = {**case, "crisis": crisis, "crisis_state": "awaiting_contact"}
    return {"crisis": crisis, "crisis_history": history, "crisis_state": "awaiting_contact",
            "crisis_contact_due_at": clock.timestamp(due), "queue_rank": queue_rank(updated)}


def crisis_contact_overdue(case: dict, now: datetime) -> bool:
    """True when a crisis awaits its first contact past the 24-hour deadline and the breach has not
    been recorded yet (so the sweep reports each breach once)."""
    return (case.get("crisis_state") == "awaiting_contact"
            and now > clock.parse_timestamp(case["crisis"]["contact_due_at"]))


def mark_contact_overdue(case: dict, now: datetime) -> dict:
    if not crisis_contact_overdue(case, now):
        raise Conflict("the crisis is not overdue", {"crisis": [case.get("crisis_state", "none")]})
    return {"crisis": {**case["crisis"], "overdue_at": clock.timestamp(now)}, "crisis_state": "overdue",
            **breach_recorded(case, now)}


def counted_breaches(breaches: list[dict]) -> int:
    return sum(1 for b in breaches if not b.get("contact_in_time"))


def breach_recorded(case: dict, now: datetime) -> dict:
    """Changes recording the current episode's missed deadline (nothing if it is already recorded)."""
    crisis = case["crisis"]
    breaches = list(case.get("crisis_breaches") or [])
    if any(b["episode"] == crisis["episode"] for b in breaches):
        return {}
    breaches.append({"episode": crisis["episode"], "flagged_at": crisis["flagged_at"],
                     "contact_due_at": crisis["contact_due_at"], "recorded_at": clock.timestamp(now),
                     "first_contact_at": None, "delay_minutes": None, "contact_in_time": False})
    return {"crisis_breaches": breaches, "crisis_breach_count": counted_breaches(breaches)}


def breach_settled(case: dict, contact_at: str, now: datetime) -> dict:
    """Changes for the first contact of a crisis whose deadline has passed: the breach (recorded now
    if the sweep had not yet) gains the contact time and the delay; it stays counted unless the
    contact itself was in time."""
    crisis = case["crisis"]
    due = clock.parse_timestamp(crisis["contact_due_at"])
    if now <= due:
        return {}
    recorded = breach_recorded(case, now)
    breaches = recorded.get("crisis_breaches") or list(case.get("crisis_breaches") or [])
    delay = (clock.parse_timestamp(contact_at) - due).total_seconds() / 60
    breaches = [{**b, "first_contact_at": contact_at, "delay_minutes": max(0, math.ceil(delay)),
                 "contact_in_time": delay <= 0} if b["episode"] == crisis["episode"] else b for b in breaches]
    return {"crisis_breaches": breaches, "crisis_breach_count": counted_breaches(breaches)}


def is_new_breach(case: dict, changes: dict) -> bool:
    """Whether `changes` record a breach the case did not hold (its event is then due)."""
    before = {b["episode"] for b in case.get("crisis_breaches") or []}
    return any(b["episode"] not in before for b in changes.get("crisis_breaches") or [])


def resolve_crisis(case: dict, note: str, actor: Actor, now: datetime) -> dict:
    if case.get("crisis_state") not in ACTIVE_CRISIS:
        raise Conflict("the case has no active crisis", {"crisis": [case.get("crisis_state", "none")]})
    if case["crisis_state"] != "contacted":
        raise RuleViolation("a crisis is resolved after the first contact", {"crisis": [case["crisis_state"]]})
    crisis = {**case["crisis"], "resolved_at": clock.timestamp(now), "resolution": note, "resolved_by": actor.user_id}
    updated = {**case, "crisis": crisis, "crisis_state": "resolved"}
    return {"crisis": crisis, "crisis_state": "resolved", "queue_rank": queue_rank(updated)}


def is_crisis_case(case: dict) -> bool:
    """Once flagged, a case stays protected: its identity and notes are the case team's only."""
    return bool(case.get("crisis")) or bool(case.get("crisis_history"))


# --- referrals ------------------------------------------------------------------------------
REFERRAL_ANSWERS = {"sent": ("accepted", "declined"), "accepted": ("completed", "declined")}


def referral_subjects(case: dict, household: dict) -> list[str]:
    """Whose data a referral shares: the case's person, or for a household case its head."""
    return [case["person_id"]] if case.get("person_id") else [head_of(household)["person_id"]]


def check_sharing_basis(data: dict, case: dict, household: dict, today: date) -> dict | None:
    """Sharing personal data in a referral needs the person's consent to it, or a recorded legal
    basis with a reason. Returns the basis to record (None when nothing personal is shared)."""
    basis = data.get("sharing_basis")
    if not data["shares_personal_data"]:
        if basis:
            raise ValidationFailed.field("sharing_basis", "only needed when personal data is shared")
        return None
    if not basis:
        raise ValidationFailed.field("sharing_basis", "sharing personal data needs the person's consent "
                                                      "or a recorded legal basis and reason")
    if basis["kind"] == "consent":
        consent = next((c for c in household.get("consents", []) if c["consent_id"] == basis.get("consent_id")), None)
        if consent is None:
            raise ValidationFailed.field("sharing_basis.consent_id", "no such consent recorded for this household")
        if not any(consent_in_force(consent, pid, "referral_sharing", today)
                   for pid in referral_subjects(case, household)):
            raise ValidationFailed.field("sharing_basis.consent_id",
                                         "this consent does not cover sharing this person's data in a referral "
                                         "(other person, other purpose, or withdrawn)")
        # A consent record may also document a statutory basis; the referral records which it was.
        return {"kind": "consent" if consent["legal_basis"] == "consent" else "legal_basis",
                "consent_id": consent["consent_id"], "legal_basis": consent["legal_basis"]}
    if not basis.get("legal_basis") or basis["legal_basis"] == "consent":
        raise ValidationFailed.field("sharing_basis.legal_basis", "statutory_duty or vital_interest")
    if not basis.get("reason") or len(basis["reason"].strip()) < 4:
        raise ValidationFailed.field("sharing_basis.reason", "say why the data is shared without consent")
    return {"kind": "legal_basis", "legal_basis": basis["legal_basis"], "reason": basis["reason"].strip()}


def answer_referral(referral: dict, data: dict, actor: Actor, at: datetime, today: date) -> dict:
    status = data["status"]
    allowed = REFERRAL_ANSWERS.get(referral["status"], ())
    if status not in allowed:
        raise RuleViolation(f"a {referral['status']} referral cannot become {status}",
                            {"status": [f"allowed: {', '.join(allowed) or 'none (final)'}"]})
    if data["answered_on"] > today or data["answered_on"].isoformat() < referral["made_on"]:
        raise ValidationFailed.field("answered_on", "between the day the referral was made and today")
    if status == "declined" and not data.get("note") and not data.get("reason_code"):
        raise ValidationFailed.field("note", "record why the referral was declined")
    entry = {"status": status, "on": data["answered_on"].isoformat(), "note": data.get("note"),
             "reason_code": data.get("reason_code"), **actor.record(at)}
    return {**referral, "status": status, "answered_on": data["answered_on"].isoformat(),
            "reason_code": data.get("reason_code") or referral.get("reason_code"),
            "history": [*referral["history"], entry]}


# --- verification campaigns (全面核查) ----------------------------------------------------------
def person_targeted(member: dict, criteria: dict, on: date) -> bool:
    if not set(criteria["tags_any"]).intersection(member.get("tags", [])):
        return False
    age = age_on(member["birth_date"], on)
    if criteria.get("age_min") is not None and age < criteria["age_min"]:
        return False
    return not (criteria.get("age_max") is not None and age > criteria["age_max"])


def targeted_members(household: dict, criteria: dict, on: date) -> list[dict]:
    return [m for m in household["members"] if person_targeted(m, criteria, on)]
