"""A household's members: added with their identity claimed, corrected, or recorded as having left."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import RuleViolation, ValidationFailed
from services.common.rpc import load

from .. import domain, schemas
from ..storage import IdentityTaken
from . import access, people
from .context import Casework
from .presentation import household_view


def add_member(casework: Casework, viewer: Viewer, household_id: str, data: dict) -> dict:
    data = load(schemas.MemberAddSchema, data)
    repo = casework.repo
    household = access.household_for_write(casework, viewer, household_id)
    expected = data.pop("expected_version")
    if data["relationship"] == "head":
        raise ValidationFailed.field("relationship", "the household already has a head")
    today = casework.today()
    member, keys = people.build_member(casework.cipher, data, "member", today)
    members = [*household["members"], member]
    flags = people.duplicate_flags(household_id, [(member, keys)],
                                   people.key_index(repo.match_candidates(list(keys.values()))), today)
    all_flags = [*household["duplicate_flags"], *flags]
    claims = people.identity_claims([member])
    try:
        repo.claim_identities(claims, household_id)
    except IdentityTaken:
        raise people.identity_taken() from None
    try:
        repo.households.update(household_id, expected, {
            **domain.household_derived_fields(members), "duplicate_flags": all_flags,
            "open_duplicate_flags": domain.open_flag_count(all_flags)})
    except BaseException:
        repo.release_identities([c for c, _ in claims], household_id)
        raise
    repo.add_match_keys(people.match_key_entries(member["person_id"], household_id, household["station_id"], keys))
    return household_view(casework, viewer, household_id)


def update_member(casework: Casework, viewer: Viewer, household_id: str, person_id: str, data: dict) -> dict:
    data = load(schemas.MemberUpdateSchema, data)
    repo, cipher = casework.repo, casework.cipher
    household = access.household_for_write(casework, viewer, household_id)
    expected = data.pop("expected_version")
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")
    member = domain.find_member(household, person_id)
    updated = dict(member)
    for name in ("name", "relationship", "tags"):
        if name in data:
            updated[name] = data[name].strip() if name == "name" else data[name]
    if "phone" in data:
        updated.update(people.phone_fields(cipher, data["phone"]))
    if "id_number" in data:  # a correction: birth date and sex follow the number
        birth, sex = domain.identity_from_id_number(data["id_number"])
        updated.update({"birth_date": birth.isoformat(), "sex": sex,
                        **people.identity_fields(cipher, data["id_number"])})
        domain.check_birth_date(updated["birth_date"], casework.today(), "member")
    updated.update(people.detail_fields(cipher, data))
    has_disability = bool(updated.get("disability_encrypted"))
    domain.check_tags(updated["tags"], updated["birth_date"], has_disability, casework.today(), "member")
    members = domain.replace_member(household, updated)
    domain.check_members(members)
    new_claim = [(updated["id_index"], person_id)] if updated.get("id_index") != member.get("id_index") else []
    try:
        repo.claim_identities(new_claim, household_id)
    except IdentityTaken:
        raise people.identity_taken() from None
    try:
        repo.households.update(household_id, expected, domain.household_derived_fields(members))
    except BaseException:
        repo.release_identities([c for c, _ in new_claim], household_id)
        raise
    if new_claim and member.get("id_index"):
        repo.release_identities([member["id_index"]], household_id)
    if {"phone", "name", "id_number"} & set(data):
        repo.remove_match_keys(person_id)
        repo.add_match_keys(people.match_key_entries(person_id, household_id, household["station_id"],
                                                     people.person_match_keys(cipher, updated)))
    return household_view(casework, viewer, household_id)


def remove_member(casework: Casework, viewer: Viewer, household_id: str, person_id: str, data: dict) -> dict:
    data = load(schemas.MemberRemoveSchema, data)
    repo = casework.repo
    household = access.household_for_write(casework, viewer, household_id)
    member = domain.find_member(household, person_id)
    if member["relationship"] == "head":
        raise RuleViolation("the head cannot be removed; make another member head first",
                            {"person_id": ["head of the household"]})
    if data["removed_on"] > casework.today():
        raise ValidationFailed.field("removed_on", "cannot be in the future")
    if repo.cases.person_has_open_case(person_id):
        raise RuleViolation("this person has an open case: close it first", {"person_id": ["open case"]})
    members = [m for m in household["members"] if m["person_id"] != person_id]
    departed = {**member, "removed": {"reason": data["reason"], "on": data["removed_on"].isoformat(),
                                      "note": data.get("note"), "by": viewer.user_id}}
    repo.households.update(household_id, data["expected_version"], {
        **domain.household_derived_fields(members),
        "former_members": [*household.get("former_members", []), departed]})
    # A person who moved out may be registered in another household: free their number.
    if member.get("id_index"):
        repo.release_identities([member["id_index"]], household_id)
    repo.remove_match_keys(person_id)
    return household_view(casework, viewer, household_id)
