"""Pure rules of casework: households and people, needs archives, cases, crisis, consent, referrals.

No I/O here: the use cases load documents, call these functions and store what they return.
Dates of casework are China Standard Time dates (UTC+8, no daylight saving): a visit on the morning
of 12 March in Zhenjiang is dated 12 March even while it is still 11 March in UTC.

Risk level of a needs assessment (the documented rule)
------------------------------------------------------
Each need weighs by its severity: low 1, medium 4, high 10, urgent (any) → critical.
The household gets +2 once when any person the needs concern (or, for needs that name nobody,
any member) carries a vulnerability tag (living alone elderly, disabled or demented elderly,
child in difficulty, left-behind child, de-facto unsupported child, domestic-violence victim,
extreme poverty, severe mental disorder).
- critical: any urgent need, or a high need of a protection type (domestic-violence crisis,
  minor protection) — these cannot wait for a scheduled visit;
- high: score ≥ 10 (one high need alone is high; two medium needs of a vulnerable household too);
- medium: score ≥ 4 (one medium need, or four low ones);
- low: anything less, including an assessment that found no needs.

Needs archive (需求档案)
-----------------------
Every assessment or amendment is a new version; nothing is overwritten. The version in force on a
date D is the one with the latest assessment date on or before D (amendments of the same date win,
being later versions). A household's next review is due one year after its latest assessment; a
household never assessed is due from the day it was registered (the guide list asks for an archive
per household). Overdue = the review date has passed = no assessment in the last 12 months.

Case lifecycle
--------------
intake → assessment → plan → in_service → review → (in_service | plan); closed from any open stage,
and reopen (closed → assessment). Entry requirements:
- assessment: the assigned social worker is current staff of the case's station;
- plan: a case assessment is recorded;
- in_service: a plan approved by a supervisor or the station lead (never by its author);
- review: at least one visit or service since the case entered in_service;
- closed: only by approving a closure request (reason and outcome) — same approvers.
Every transition records who, with which role, when, and why.

Crisis (危机介入)
----------------
A flagged case jumps to the top of its station's queue and needs a first contact (any visit or
call logged on the case) within 24 hours of the flag. A sweep marks a breach once per crisis
episode (`crisis_contact_overdue` decides, `mark_contact_overdue` records it with its event).

A breach is a fact, not a state: once the deadline passes without a contact it is kept in the
case's `crisis_breaches` (one per episode, with the deadline and when it was recorded) and counted in
`crisis_breach_count`, also after the late first contact, which adds the contact time and the delay
in minutes. A late contact logged before the sweep ran records the breach itself. Only a contact
that the visit shows was made in time (logged late) clears the breach: it stays on record with
`contact_in_time` and no longer counts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from stdnum.cn import ric

from services.common import clock
from services.common.errors import Conflict, RuleViolation, ValidationFailed
from services.contracts import vocabulary as catalogue
from services.contracts.vocabulary import STAGES

CRISIS_FIRST_CONTACT = timedelta(hours=24)
MAX_DUPLICATE_MATCHES = 5


# --- time -------------------------------------------------------------------------------
def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def age_on(birth_date: str | date, on: date) -> int:
    born = date.fromisoformat(birth_date) if isinstance(birth_date, str) else birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# --- people -------------------------------------------------------------------------------
def identity_from_id_number(id_number: str) -> tuple[date, str]:
    """Birth date and sex read from a GB 11643 number: digits 7–14 and the parity of digit 17."""
    return ric.get_birth_date(id_number), ("male" if int(id_number[16]) % 2 else "female")


def settle_identity(member: dict, field: str) -> tuple[str, str]:
    """The member's birth date and sex: derived from the ID number when there is one, and an
    entered birth date or sex that disagrees with the number is refused (a typo in one of them)."""
    id_number = member.get("id_number")
    if id_number:
        birth, sex = identity_from_id_number(id_number)
        if member.get("birth_date") and member["birth_date"] != birth:
            raise ValidationFailed.field(f"{field}.birth_date",
                                         f"the ID number says {birth.isoformat()}; check the number or the date")
        if member.get("sex") and member["sex"] != sex:
            raise ValidationFailed.field(f"{field}.sex", f"the ID number says {sex} (17th digit); check the number")
        return birth.isoformat(), sex
    if not member.get("birth_date") or not member.get("sex"):
        missing = "birth_date" if not member.get("birth_date") else "sex"
        raise ValidationFailed.field(f"{field}.{missing}", "required when there is no ID number")
    return member["birth_date"].isoformat(), member["sex"]


def check_tags(tags: list[str], birth_date: str, has_disability_details: bool, today: date, field: str) -> None:
    age = age_on(birth_date, today)
    for tag in tags:
        if tag in catalogue.ELDERLY_TAGS and age < catalogue.ELDERLY_AGE:
            raise ValidationFailed.field(f"{field}.tags", f"{tag} is for people aged {catalogue.ELDERLY_AGE} or more "
                                                          f"(this person is {age})")
        if tag in catalogue.CHILD_TAGS and age >= catalogue.ADULT_AGE:
            raise ValidationFailed.field(f"{field}.tags", f"{tag} is for children under {catalogue.ADULT_AGE} "
                                                          f"(this person is {age})")
    if "disability" in tags and not has_disability_details:
        raise ValidationFailed.field(f"{field}.disability", "the disability tag needs the category and grade")
    if has_disability_details and "disability" not in tags:
        raise ValidationFailed.field(f"{field}.tags", "disability details are given: add the disability tag")


def check_birth_date(birth_date: str, today: date, field: str) -> None:
    if birth_date > today.isoformat():
        raise ValidationFailed.field(f"{field}.birth_date", "a birth date cannot be in the future")


def check_members(members: list[dict]) -> None:
    heads = [m for m in members if m["relationship"] == "head"]
    if len(heads) != 1:
        raise ValidationFailed.field("members", f"a household has exactly one head (户主); found {len(heads)}")
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        number = member.get("id_number")
        if number:
            if number in seen:
                raise ValidationFailed.field(f"members.{index}.id_number",
                                             f"the same ID number as member {seen[number]}")
            seen[number] = index


# --- casework's copy of the registry's stations ------------------------------------------------
def station_registered(existing: dict | None, payload: dict, at: str | None) -> dict:
    """The copy from station.registered; a status from a newer station.updated that came first stays."""
    doc = {**(existing or {}), "_id": payload["station_id"], "name": payload["name"],
           "township_code": payload["township_code"], "county_code": payload["county_code"],
           "city_code": payload["city_code"]}
    if existing is not None and not _status_is_newer(existing, at):
        return {**doc, "status": existing["status"], "status_at": existing["status_at"]}
    return {**doc, "status": payload["status"], "status_at": at}


def station_updated(existing: dict | None, payload: dict, at: str) -> dict:
    township = payload["region_code"]
    doc = existing or {"_id": payload["station_id"], "township_code": township, "county_code": township[:6],
                       "city_code": township[:4] + "00"}
    if not _status_is_newer(existing, at):
        return doc
    return {**doc, "status": payload["status"], "status_at": at}


def _status_is_newer(existing: dict | None, at: str | None) -> bool:
    return not existing or not existing.get("status_at") or (
        at is not None and clock.parse_timestamp(at) >= clock.parse_timestamp(existing["status_at"]))


def require_station_open(station: dict) -> None:
    """A closed station takes no new households (the registry closes it; casework follows its events).
    A planned or suspended station still keeps its records."""
    if station.get("status") == "closed":
        raise RuleViolation(f"station {station['_id']} is closed: households are registered at an open station",
                            {"station_id": ["the station is closed"]})


def community_problem(community_code: str, township_code: str) -> str | None:
    """Village/residents' committees carry 12-digit statistical codes: the township's 9 + 3 digits
    (001–199 residents' committees 居委会, 200–399 village committees 村委会)."""
    if not community_code.startswith(township_code):
        return f"a community of this station starts with its township code {township_code}"
    serial = int(community_code[9:])
    if not 1 <= serial <= 399:
        return "the last 3 digits are 001–199 (居委会) or 200–399 (村委会)"
    return None


def household_groups(members: list[dict]) -> list[str]:
    """Top-level list of every member's tags: campaigns and lists select on it with one index."""
    return sorted({tag for m in members for tag in m.get("tags", [])})


def head_of(household: dict) -> dict:
    return next(m for m in household["members"] if m["relationship"] == "head")


def find_member(household: dict, person_id: str, field: str = "person_id") -> dict:
    for member in household["members"]:
        if member["person_id"] == person_id:
            return member
    raise ValidationFailed.field(field, "no such person in this household")


def replace_member(household: dict, updated: dict) -> list[dict]:
    return [updated if m["person_id"] == updated["person_id"] else m for m in household["members"]]


def household_derived_fields(members: list[dict]) -> dict:
    """Fields the store filters on, recomputed from the members on every write."""
    head = next(m for m in members if m["relationship"] == "head")
    return {"members": members, "person_ids": [m["person_id"] for m in members], "groups": household_groups(members),
            "head_name": head["name"], "member_count": len(members)}


# --- duplicates -----------------------------------------------------------------------------
def duplicate_flag(flag_id: str, person_id: str, matches: list[dict], today: date) -> dict:
    return {"flag_id": flag_id, "person_id": person_id, "matches": matches[:MAX_DUPLICATE_MATCHES],
            "status": "open", "raised_on": today.isoformat(), "resolution": None}


def open_flag_count(flags: list[dict]) -> int:
    return sum(1 for f in flags if f["status"] == "open")


def resolve_flags(flags: list[dict], person_ids: set[str], status: str, resolution: dict) -> list[dict]:
    """Close every open flag that is about any of `person_ids` (as the flagged person or a match)."""
    resolved = []
    for flag in flags:
        concerned = flag["person_id"] in person_ids or any(m["person_id"] in person_ids for m in flag["matches"])
        if flag["status"] == "open" and concerned:
            flag = {**flag, "status": status, "resolution": resolution}
        resolved.append(flag)
    return resolved


# --- risk and the needs archive ---------------------------------------------------------------
SEVERITY_WEIGHT = {"low": 1, "medium": 4, "high": 10}
PROTECTION_NEEDS = frozenset({"domestic_violence_crisis", "minor_protection"})
VULNERABILITY_BONUS = 2


def risk_level(needs: list[dict], members: list[dict]) -> tuple[str, int]:
    """(level, score) by the rule in this module's docstring."""
    by_person = {m["person_id"]: m for m in members}
    score = sum(SEVERITY_WEIGHT.get(n["severity"], 0) for n in needs)
    concerned_ids = {pid for n in needs for pid in n.get("person_ids", [])}
    if any(not n.get("person_ids") for n in needs) or not needs:
        concerned = members
    else:
        concerned = [by_person[pid] for pid in concerned_ids if pid in by_person]
    if needs and any(catalogue.VULNERABLE_TAGS.intersection(m.get("tags", [])) for m in concerned):
        score += VULNERABILITY_BONUS
    if any(n["severity"] == "urgent" for n in needs) or any(
            n["severity"] == "high" and n["need_type"] in PROTECTION_NEEDS for n in needs):
        return "critical", score
    if score >= 10:
        return "high", score
    if score >= 4:
        return "medium", score
    return "low", score


def current_version(household: dict) -> dict | None:
    versions = household.get("archive", [])
    return versions[-1] if versions else None


def version_as_of(versions: list[dict], on: date) -> dict | None:
    day = on.isoformat()
    candidates = [v for v in versions if v["assessed_on"] <= day]
    if not candidates:
        return None
    return max(candidates, key=lambda v: (v["assessed_on"], v["version"]))


def review_due_on(household: dict) -> str:
    version = current_version(household)
    if version is None:
        return household["registered_on"]
    return version["next_review_on"]


def archive_overdue(household: dict, today: date) -> bool:
    return review_due_on(household) < today.isoformat()


def beneficiary_groups(need: dict, members: list[dict]) -> list[str]:
    concerned = [m for m in members if m["person_id"] in need.get("person_ids", [])] or members
    return sorted({tag for m in concerned for tag in m.get("tags", [])})


def child_related(need: dict, members: list[dict], today: date) -> bool:
    if need["domain"] == "children":
        return True
    concerned = [m for m in members if m["person_id"] in need.get("person_ids", [])]
    return any(age_on(m["birth_date"], today) < catalogue.ADULT_AGE for m in concerned)


def new_archive_version(household: dict, data: dict, assessment_id: str, need_ids: list[str], recorded_by: dict,
                        recorded_at: datetime, today: date) -> dict:
    """A new version of the household's needs archive (first assessment, reassessment or amendment)."""
    current = current_version(household)
    assessed_on = data["assessed_on"]
    if assessed_on > today:
        raise ValidationFailed.field("assessed_on", "an assessment cannot be dated in the future")
    amends = data.get("amends")
    if amends is not None and (current is None or current["assessment_id"] != amends):
        raise Conflict("only the current assessment can be amended",
                       {"amends": [f"the current assessment is {current['assessment_id'] if current else 'none'}"]})
    if current is not None and assessed_on.isoformat() < current["assessed_on"]:
        raise ValidationFailed.field("assessed_on", f"the archive already holds an assessment of "
                                                    f"{current['assessed_on']}; a new version cannot be older")
    previous_ids = {n["need_id"] for n in current["needs"]} if current else set()
    person_ids = {m["person_id"] for m in household["members"]}
    needs = []
    for index, (need, need_id) in enumerate(zip(data["needs"], need_ids, strict=False)):
        field = f"needs.{index}"
        if catalogue.need_type_label(need["domain"], need["need_type"]) is None:
            raise ValidationFailed.field(f"{field}.need_type", f"not a need type of {need['domain']}: one of "
                                                               f"{', '.join(catalogue.NEED_TYPES[need['domain']])}")
        if need.get("need_id") and need["need_id"] not in previous_ids:
            raise ValidationFailed.field(f"{field}.need_id", "continues a need the current assessment does not have")
        for pid in need.get("person_ids", []):
            if pid not in person_ids:
                raise ValidationFailed.field(f"{field}.person_ids", f"{pid} is not a member of this household")
        if need.get("needed_by") and need["needed_by"] < assessed_on:
            raise ValidationFailed.field(f"{field}.needed_by", "cannot be before the assessment date")
        needs.append({"need_id": need.get("need_id") or need_id, "domain": need["domain"],
                      "need_type": need["need_type"], "severity": need["severity"],
                      "description": need["description"], "person_ids": list(need.get("person_ids", [])),
                      "needed_by": need.get("needed_by")})
    level, score = risk_level(needs, household["members"])
    kind = "initial" if current is None else ("amendment" if amends else "reassessment")
    return clock.jsonable({
        "assessment_id": assessment_id,
        "version": (current["version"] + 1) if current else 1,
        "kind": kind,
        "assessed_on": assessed_on,
        "assessor_staff_id": data["assessor_staff_id"],
        "needs": needs,
        "risk_level": level,
        "risk_score": score,
        "next_review_on": one_year_after(assessed_on),
        "supersedes": current["assessment_id"] if current else None,
        "notes": data.get("notes"),
        "recorded_at": recorded_at,
        "recorded_by": recorded_by,
    })


def needs_event_payload(household: dict, version: dict, today: date) -> dict:
    """What matching needs, and no personal data: no names, numbers or person ids. Needs withheld
    from matching (no volunteer_matching basis, see above) are left out."""
    members = household["members"]
    withheld = set(version.get("withheld_from_matching") or ())
    return {
        "assessment_id": version["assessment_id"], "household_id": household["_id"],
        "station_id": household["station_id"], "township_code": household["township_code"],
        "community_code": household.get("community_code"), "assessed_on": version["assessed_on"],
        "risk_level": version["risk_level"], "supersedes": version["supersedes"],
        "needs": [{"need_id": n["need_id"], "domain": n["domain"], "need_type": n["need_type"],
                   "severity": n["severity"], "description": n["description"],
                   "beneficiary_groups": beneficiary_groups(n, members),
                   "child_related": child_related(n, members, today), "needed_by": n["needed_by"]}
                  for n in version["needs"] if n["need_id"] not in withheld],
    }


# --- consent --------------------------------------------------------------------------------
def new_consent(household: dict, data: dict, consent_id: str, recorded_by: dict, today: date) -> dict:
    subject = find_member(household, data["person_id"])
    given_on = data["given_on"]
    if given_on > today:
        raise ValidationFailed.field("given_on", "cannot be in the future")
    giver = data.get("given_by")
    if data["legal_basis"] == "consent":
        if giver is None:
            raise ValidationFailed.field("given_by", "consent needs the person who gave it")
        minor = age_on(subject["birth_date"], given_on) < catalogue.ADULT_AGE
        gives_for_self = giver.get("person_id") == subject["person_id"]
        if giver.get("person_id") and not gives_for_self:
            giver_member = find_member(household, giver["person_id"], "given_by.person_id")
            if age_on(giver_member["birth_date"], given_on) < catalogue.ADULT_AGE:
                raise ValidationFailed.field("given_by.person_id", "a minor cannot give consent for someone else")
        if minor:
            if gives_for_self:
                raise ValidationFailed.field("given_by", "the person is a minor: their guardian gives consent")
            if giver.get("relationship_to_subject") not in catalogue.GUARDIAN_RELATIONSHIPS:
                raise ValidationFailed.field("given_by.relationship_to_subject",
                                             f"a minor's consent is given by a guardian: one of "
                                             f"{', '.join(sorted(catalogue.GUARDIAN_RELATIONSHIPS))}")
        elif not gives_for_self and giver.get("relationship_to_subject") != "legal_guardian":
            raise ValidationFailed.field("given_by", "an adult consents for themself, or through a legal guardian")
    else:
        if giver is not None:
            raise ValidationFailed.field("given_by", f"{data['legal_basis']} does not rest on anyone's consent")
        if not data.get("basis_note"):
            raise ValidationFailed.field("basis_note", "name the duty or the emergency (law, article, situation)")
    return clock.jsonable({
        "consent_id": consent_id, "person_id": subject["person_id"], "legal_basis": data["legal_basis"],
        "purposes": sorted(set(data["purposes"])), "given_by": giver, "given_on": given_on,
        "basis_note": data.get("basis_note"), "recorded_by": recorded_by, "withdrawn_on": None,
        "withdrawal_reason": None,
    })


def withdraw_consent(consent: dict, on: date, reason: str, today: date) -> dict:
    if consent["legal_basis"] != "consent":
        raise RuleViolation(f"processing on the basis of {consent['legal_basis']} is not withdrawn by the person",
                            {"consent_id": ["not a consent"]})
    if consent["withdrawn_on"]:
        raise Conflict("this consent was already withdrawn", {"consent_id": [f"withdrawn {consent['withdrawn_on']}"]})
    if on > today or on.isoformat() < consent["given_on"]:
        raise ValidationFailed.field("withdrawn_on", "between the day consent was given and today")
    return {**consent, "withdrawn_on": on.isoformat(), "withdrawal_reason": reason}


def consent_in_force(consent: dict, person_id: str, purpose: str, on: date) -> bool:
    return (consent["person_id"] == person_id and purpose in consent["purposes"]
            and consent["given_on"] <= on.isoformat()
            and (consent["withdrawn_on"] is None or consent["withdrawn_on"] > on.isoformat()))


# --- consent purposes where the data is used ---------------------------------------------------
# Each purpose is enforced where the data is used for it, checked on the day of use (when the data is
# stored or sent, whatever date the assessment carries). A record with a legal basis other than
# consent (statutory_duty, vital_interest) names its purposes too and counts as that basis.
# - archive: storing a needs-archive version needs, for the head of the household and every person a
#   need names, an `archive` consent or legal basis in force; otherwise the assessment is refused.
# - volunteer_matching: a need goes to volunteer matching (the needs.assessed event, which volunteers
#   matches from) only when every person it concerns (those it names, or the head for a household
#   need) has a `volunteer_matching` consent or legal basis in force. Other needs are kept in the
#   archive but left out of the event, "not at all" rather than stripped: a need without its
#   description and groups cannot be matched, and the description is free text that may identify
#   the person. The event still goes out (funding counts the assessment), and the version records the
#   needs withheld. A later assessment without the need withdraws it from matching (volunteers
#   withdraws needs a superseding assessment no longer names).
def lacking_basis(household: dict, person_ids: list[str], purpose: str, on: date) -> list[str]:
    """The persons among `person_ids` with no consent or legal basis for `purpose` in force on `on`."""
    consents = household.get("consents", [])
    return [pid for pid in person_ids if not any(consent_in_force(c, pid, purpose, on) for c in consents)]


def need_subjects(household: dict, need: dict) -> list[str]:
    return list(need.get("person_ids") or []) or [head_of(household)["person_id"]]


def require_archive_basis(household: dict, needs: list[dict], on: date) -> None:
    subjects = list(dict.fromkeys([head_of(household)["person_id"],
                                   *(pid for need in needs for pid in need.get("person_ids") or [])]))
    missing = lacking_basis(household, subjects, "archive", on)
    if missing:
        raise RuleViolation("a needs archive is kept with the person's consent or a legal basis: record an "
                            "'archive' consent or legal basis first",
                            {"consents": [f"{pid}: no archive consent or legal basis in force" for pid in missing]})


def withheld_from_matching(household: dict, needs: list[dict], on: date) -> list[str]:
    """Need ids that may not go to volunteer matching (no volunteer_matching basis for someone they concern)."""
    return [n["need_id"] for n in needs if lacking_basis(household, need_subjects(household, n),
                                                          "volunteer_matching", on)]


def matching_needs_to_drop(household: dict, person_id: str, on: date) -> list[str]:
    """After a withdrawal: the needs of the archive in force that went to matching, concern `person_id`,
    and may no longer go (the person has no volunteer_matching basis left on `on`)."""
    current = current_version(household)
    if current is None or not lacking_basis(household, [person_id], "volunteer_matching", on):
        return []
    withheld = set(current.get("withheld_from_matching") or ())
    return [n["need_id"] for n in current["needs"]
            if n["need_id"] not in withheld and person_id in need_subjects(household, n)]


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
ACTIVE_CRISIS = ("awaiting_contact", "overdue", "contacted")


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
    if status == "declined" and not data.get("note"):
        raise ValidationFailed.field("note", "record why the referral was declined")
    entry = {"status": status, "on": data["answered_on"].isoformat(), "note": data.get("note"), **actor.record(at)}
    return {**referral, "status": status, "answered_on": data["answered_on"].isoformat(),
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
