"""What callers see: stored documents turned into responses, masked by default.

- ID numbers and phones appear masked; health and disability details and crisis-case notes only
  as "recorded" flags. Unmasking is a separate, reasoned, logged call (usecases.reveal_*).
- Third-party evaluators see names masked too.
- The person of a crisis case (every member, for a household case) is hidden from everyone outside
  the case team: name, numbers, tags and the household link are withheld, and marked as such.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.common import masking
from services.common.protection import mask_name
from services.contracts import vocabulary as catalogue

from . import domain

PROTECTED_NAME = "受保护对象"


@dataclass
class Visibility:
    """How one request may see people: which persons are hidden, whether names are masked."""
    mask_names: bool = False
    withhold_addresses: bool = False
    hidden_persons: set[str] = field(default_factory=set)
    hidden_households: set[str] = field(default_factory=set)

    def person_hidden(self, household_id: str, person_id: str | None) -> bool:
        return household_id in self.hidden_households or (person_id is not None and person_id in self.hidden_persons)

    def name(self, value: str | None) -> str | None:
        return mask_name(value) if self.mask_names else value

    @classmethod
    def for_viewer(cls, viewer) -> Visibility:
        # One rule for every person's name casework returns (services/common/masking.py).
        return cls(mask_names=not masking.sees_in_clear("Person.name", viewer),
                   withhold_addresses=not masking.sees_in_clear("Household.address", viewer))


def member_view(member: dict, household_id: str, today: date, seen: Visibility) -> dict:
    hidden = seen.person_hidden(household_id, member["person_id"])
    return {
        "person_id": member["person_id"],
        "household_id": None if hidden else household_id,
        "identity_protected": hidden,
        "name": PROTECTED_NAME if hidden else seen.name(member["name"]),
        "relationship": None if hidden else member["relationship"],
        "sex": None if hidden else member["sex"],
        "age": None if hidden else domain.age_on(member["birth_date"], today),
        "id_number": None if hidden else member.get("id_number_masked"),
        "phone": None if hidden else member.get("phone_masked"),
        "tags": [] if hidden else list(member.get("tags", [])),
        "disability_recorded": False if hidden else bool(member.get("disability_encrypted")),
        "health_recorded": False if hidden else bool(member.get("health_encrypted")),
        "merged_from": [] if hidden else list(member.get("merged_from", [])),
    }


def consent_view(consent: dict, seen: Visibility | None = None) -> dict:
    """`seen` None: the writer who just recorded it, a working role."""
    view = {k: consent[k] for k in ("consent_id", "person_id", "legal_basis", "purposes", "given_by", "given_on",
                                    "basis_note", "withdrawn_on", "withdrawal_reason", "recorded_by")}
    view["recipient_kinds"] = consent.get("recipient_kinds") or []
    given_by = view.get("given_by")
    if seen is not None and isinstance(given_by, dict) and given_by.get("name"):
        view["given_by"] = {**given_by, "name": seen.name(given_by["name"])}
    return view


def archive_summary(household: dict, today: date) -> dict:
    current = domain.current_version(household)
    return {
        "current_assessment_id": current["assessment_id"] if current else None,
        "versions": len(household.get("archive", [])),
        "last_assessed_on": current["assessed_on"] if current else None,
        "risk_level": current["risk_level"] if current else None,
        "review_due_on": domain.review_due_on(household),
        "overdue": domain.archive_overdue(household, today),
        "never_assessed": current is None,
    }


def household_view(household: dict, today: date, seen: Visibility) -> dict:
    whole_hidden = household["_id"] in seen.hidden_households
    members = [member_view(m, household["_id"], today, seen) for m in household["members"]]
    head = next((m for m in household["members"] if m["relationship"] == "head"), None)
    return {
        "id": household["_id"],
        "station_id": household["station_id"],
        "township_code": household["township_code"],
        "community_code": household["community_code"],
        "community_name": household["community_name"],
        "address": None if whole_hidden or seen.withhold_addresses else household["address"],
        "status": household.get("status", "active"),
        "registered_on": household["registered_on"],
        "head_name": (PROTECTED_NAME if head and seen.person_hidden(household["_id"], head["person_id"])
                      else seen.name(head["name"]) if head else None),
        "member_count": len(household["members"]),
        "members": members,
        "groups": [] if whole_hidden else list(household.get("groups", [])),
        "consents": [] if whole_hidden else [consent_view(c, seen) for c in household.get("consents", [])],
        "archive": archive_summary(household, today),
        "open_duplicate_flags": household.get("open_duplicate_flags", 0),
        "visit_count": len(household.get("visits", [])),
        "service_count": len(household.get("services", [])),
        "version": household["_version"],
    }


def need_view(need: dict) -> dict:
    return {**need, "domain_label": catalogue.DOMAIN_LABELS[need["domain"]],
            "need_type_label": catalogue.need_type_label(need["domain"], need["need_type"])}


def archive_version_view(household_id: str, version: dict) -> dict:
    return {
        "household_id": household_id,
        **{k: version[k] for k in ("assessment_id", "version", "kind", "assessed_on", "assessor_staff_id",
                                   "risk_level", "risk_score", "next_review_on", "supersedes", "recorded_at",
                                   "recorded_by")},
        "needs": [need_view(n) for n in version["needs"]],
        "withheld_from_matching": list(version.get("withheld_from_matching") or []),
    }


def _notes(entry: dict) -> dict:
    protected = "notes_encrypted" in entry and entry["notes_encrypted"] is not None
    return {"notes": None if protected else entry.get("notes"), "notes_protected": protected}


def visit_view(visit: dict, hidden: bool) -> dict:
    return {
        "id": visit["visit_id"], "case_id": visit.get("case_id"),
        "household_id": None if hidden else visit["household_id"],
        "campaign_id": visit.get("campaign_id"), "visit_type": visit["visit_type"],
        "visited_on": visit["visited_on"], "contact_at": visit["contact_at"],
        "duration_minutes": visit["duration_minutes"], "staff_ids": visit["staff_ids"],
        "other_participants": [] if hidden else visit.get("other_participants", []),
        "next_visit_on": visit.get("next_visit_on"), "recorded_at": visit["recorded_at"],
        "recorded_by": visit["recorded_by"], **_notes(visit),
    }


def service_view(service: dict, seen: Visibility | None = None) -> dict:
    delivered_by = service.get("delivered_by")
    if seen is not None and isinstance(delivered_by, dict) and delivered_by.get("name"):
        delivered_by = {**delivered_by, "name": seen.name(delivered_by["name"])}
    return {
        "id": service["service_id"], "source": service["source"], "activity_type": service["activity_type"],
        "delivered_on": service["delivered_on"], "duration_minutes": service.get("duration_minutes"),
        "hours": service.get("hours"), "staff_ids": service.get("staff_ids", []),
        "delivered_by": delivered_by, "need_ids": service.get("need_ids", []),
        "task_id": service.get("task_id"), "recorded_at": service["recorded_at"], **_notes(service),
    }


def referral_view(referral: dict, case_id: str) -> dict:
    return {"id": referral["referral_id"], "case_id": case_id,
            **{k: referral[k] for k in ("target", "service_requested", "made_on", "made_by", "shares_personal_data",
                                        "sharing_basis", "status", "answered_on", "history")},
            **{k: referral.get(k) for k in ("expires_on", "reason_code")}}


def crisis_view(case: dict) -> dict | None:
    crisis = case.get("crisis")
    if not crisis:
        return None
    return {
        "state": case["crisis_state"], "episode": crisis["episode"], "flagged_at": crisis["flagged_at"],
        "flagged_by": crisis["flagged_by"], "contact_due_at": crisis["contact_due_at"],
        "first_contact_at": crisis["first_contact_at"], "first_contact_late": crisis["first_contact_late"],
        "overdue_at": crisis["overdue_at"], "resolved_at": crisis["resolved_at"],
        "notes_protected": crisis.get("notes_encrypted") is not None,
    }


def breaches_view(case: dict) -> list[dict]:
    """Every missed 24-hour deadline of the case's crisis episodes: facts that stay after the contact."""
    return [{k: b[k] for k in ("episode", "flagged_at", "contact_due_at", "recorded_at", "first_contact_at",
                               "delay_minutes", "contact_in_time")} for b in case.get("crisis_breaches") or []]


def case_view(case: dict, in_team: bool, worker_current: bool, now: datetime) -> dict:
    hidden = domain.is_crisis_case(case) and not in_team
    plan = domain.approved_plan(case)
    pending = domain.pending_plan(case)
    closure_request = domain.pending_closure(case)
    return {
        "id": case["_id"],
        "household_id": None if hidden else case["household_id"],
        "person_id": None if hidden else case["person_id"],
        "subject": "person" if case["person_id"] else "household",
        "identity_protected": hidden,
        "station_id": case["station_id"], "township_code": case["township_code"],
        "community_code": None if hidden else case["community_code"],
        "domain": case["domain"], "source": case["source"],
        "summary": None if hidden else case["summary"],
        "stage": case["stage"], "opened_on": case["opened_on"], "opened_at": case["opened_at"],
        "assigned_staff_id": case["assigned_staff_id"], "assigned_worker_current": worker_current,
        "assessment": None if hidden else case.get("assessment"),
        "plans": [] if hidden else case["plans"],
        "approved_plan_id": plan["plan_id"] if plan else None,
        "pending_plan_id": pending["plan_id"] if pending else None,
        "closure_request": closure_request,
        "closure": case.get("closure"),
        "transitions": case["transitions"], "assignments": case["assignments"],
        "visit_count": len(case["visits"]), "service_count": len(case["services"]),
        "referral_count": len(case["referrals"]),
        "last_contact_at": case.get("last_contact_at") or None,
        "follow_up_due_on": case.get("follow_up_due_on") or None,
        "overdue": domain.case_overdue(case, now),
        "crisis": crisis_view(case),
        "crisis_breaches": breaches_view(case),
        "queue_rank": case["queue_rank"],
        "version": case["_version"],
    }
