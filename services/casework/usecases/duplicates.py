"""Likely duplicate people: the review flags, dismissing one, merging two records into one."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import Conflict, RuleViolation, ValidationFailed
from services.common.events import event_by
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas, views
from . import access, people
from .context import Casework, actor
from .presentation import household_view


def dismiss_duplicate_flag(casework: Casework, viewer: Viewer, household_id: str, data: dict) -> dict:
    data = load(schemas.DismissFlagSchema, data)
    household = access.household_for_write(casework, viewer, household_id)
    flag = next((f for f in household["duplicate_flags"] if f["flag_id"] == data["flag_id"]), None)
    if flag is None or flag["status"] != "open":
        raise ValidationFailed.field("flag_id", "no open duplicate flag with this id")
    resolution = {"reason": data["reason"], **actor(viewer).record(casework.now())}
    flags = [{**f, "status": "dismissed", "resolution": resolution} if f is flag else f
             for f in household["duplicate_flags"]]
    casework.repo.households.update(household_id, data["expected_version"], {
        "duplicate_flags": flags, "open_duplicate_flags": domain.open_flag_count(flags)})
    return household_view(casework, viewer, household_id)


def merge_persons(casework: Casework, viewer: Viewer, data: dict) -> dict:
    """Merge a duplicate record into the surviving one; audited on both households.

    Two writes when the records sit in different households: the duplicate's household first
    (it loses the person and keeps a tombstone naming the survivor; `person.merged` goes out
    with it), then the survivor's household (it gains what only the duplicate knew). If the
    second write fails (someone edited meanwhile), calling merge again with fresh versions
    finds the tombstone and completes the second step only.
    """
    data = load(schemas.MergeSchema, data)
    repo = casework.repo
    survivor_ref, duplicate_ref = data["survivor"], data["duplicate"]
    if survivor_ref["person_id"] == duplicate_ref["person_id"]:
        raise ValidationFailed.field("duplicate.person_id", "a person cannot be merged into themself")
    survivor_household = access.household_for_write(casework, viewer, survivor_ref["household_id"],
                                                    "survivor.household_id")
    survivor = domain.find_member(survivor_household, survivor_ref["person_id"], "survivor.person_id")
    same_household = survivor_ref["household_id"] == duplicate_ref["household_id"]
    duplicate_household = survivor_household if same_household else access.household_for_write(
        casework, viewer, duplicate_ref["household_id"], "duplicate.household_id", allow_closed=True)
    tombstone = next((t for t in duplicate_household.get("merged_members", [])
                      if t["person_id"] == duplicate_ref["person_id"]), None)
    now, by = casework.now(), actor(viewer)
    if tombstone is not None:
        if tombstone["merged_into"] != survivor_ref["person_id"]:
            raise Conflict("this record was already merged into someone else",
                           {"duplicate.person_id": [f"merged into {tombstone['merged_into']}"]})
        duplicate = tombstone["record"]
    else:
        duplicate = domain.find_member(duplicate_household, duplicate_ref["person_id"], "duplicate.person_id")
    if survivor.get("id_index") and duplicate.get("id_index") and survivor["id_index"] != duplicate["id_index"]:
        raise RuleViolation("the two records carry different ID numbers: they are different people, or one "
                            "number is wrong (correct it first)", {"duplicate.person_id": ["different ID numbers"]})
    if survivor["birth_date"] != duplicate["birth_date"] or survivor["sex"] != duplicate["sex"]:
        raise RuleViolation("the two records disagree on birth date or sex: correct one first",
                            {"duplicate.person_id": ["different birth date or sex"]})
    merged_survivor = people.absorb(survivor, duplicate)
    pair = {survivor["person_id"], duplicate["person_id"]}
    resolution = {"merged": True, "survivor_person_id": survivor["person_id"], **by.record(now),
                  "reason": data["reason"]}
    event = event_by(viewer, events.PERSON_MERGED, {
        "survivor_person_id": survivor["person_id"], "survivor_household_id": survivor_household["_id"],
        "duplicate_person_id": duplicate["person_id"], "duplicate_household_id": duplicate_household["_id"],
        "station_id": duplicate_household["station_id"]})

    if tombstone is None:
        if repo.cases.person_has_open_case(duplicate["person_id"]):
            raise RuleViolation("the duplicate record has an open case: close it or open it on the survivor first",
                                {"duplicate.person_id": ["open case"]})
        remaining = [m for m in duplicate_household["members"] if m["person_id"] != duplicate["person_id"]]
        if same_household:
            remaining = [merged_survivor if m["person_id"] == survivor["person_id"] else m for m in remaining]
        stone = {"person_id": duplicate["person_id"], "merged_into": survivor["person_id"],
                 "survivor_household_id": survivor_household["_id"], "reason": data["reason"],
                 **by.record(now), "record": duplicate}
        flags = domain.resolve_flags(duplicate_household["duplicate_flags"], pair, "merged", resolution)
        changes = {"merged_members": [*duplicate_household.get("merged_members", []), stone],
                   "duplicate_flags": flags, "open_duplicate_flags": domain.open_flag_count(flags)}
        if remaining:
            if duplicate["relationship"] == "head":
                raise RuleViolation("the duplicate is the head of its household: make another member head first",
                                    {"duplicate.person_id": ["head of a household with other members"]})
            changes.update(domain.household_derived_fields(remaining))
        else:
            changes.update({"members": [], "person_ids": [], "groups": [], "member_count": 0, "status": "closed",
                            "closed_reason": "its only member was merged into household "
                                             f"{survivor_household['_id']}"})
        repo.households.update(duplicate_household["_id"], duplicate_ref["expected_version"], changes, [event])
    if not same_household and duplicate["person_id"] not in survivor.get("merged_from", []):
        flags = domain.resolve_flags(survivor_household["duplicate_flags"], pair, "merged", resolution)
        members = domain.replace_member(survivor_household, merged_survivor)
        repo.households.update(survivor_household["_id"], survivor_ref["expected_version"], {
            **domain.household_derived_fields(members), "duplicate_flags": flags,
            "open_duplicate_flags": domain.open_flag_count(flags)})
    if duplicate.get("id_index"):
        repo.move_identity(duplicate["id_index"], survivor["person_id"], survivor_household["_id"])
    repo.remove_match_keys(duplicate["person_id"])
    repo.add_match_keys(people.match_key_entries(survivor["person_id"], survivor_household["_id"],
                                                 survivor_household["station_id"],
                                                 people.person_match_keys(casework.cipher, merged_survivor)))
    return household_view(casework, viewer, survivor_household["_id"])


def list_duplicate_flags(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.DuplicateFilterSchema, filters or {})
    page = casework.repo.households.with_open_duplicate_flags(access.scope(viewer), f["station_id"], f["after"],
                                                              f["limit"])
    seen, today = access.protection(casework, viewer, page.docs), casework.today()
    items = [{"household": views.household_view(h, today, seen),
              "flags": [fl for fl in h["duplicate_flags"] if fl["status"] == "open"]} for h in page.docs]
    return {"items": items, "next_cursor": page.next_cursor, "total": page.total}
