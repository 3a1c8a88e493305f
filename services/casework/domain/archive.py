"""Pure rules of the needs archive (risk level, versions, reviews) and of consent and legal bases."""
from __future__ import annotations

from datetime import date, datetime

from services.common import clock
from services.common.errors import Conflict, RuleViolation, ValidationFailed
from services.contracts import vocabulary as catalogue

from .people import age_on, find_member, head_of, one_year_after

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
        "withdrawal_reason": None, "recipient_kinds": sorted(set(data.get("recipient_kinds") or [])),
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


