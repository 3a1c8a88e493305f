"""Households (一户一档): registration one by one or in bulk, changes of address, masked reads."""
from __future__ import annotations

from datetime import date

from marshmallow import ValidationError

from services.common.auth import Viewer
from services.common.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.common.events import Envelope, event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.storage import aggregate_document
from services.contracts import casework as events

from .. import domain, schemas, views
from ..storage import HouseholdCriteria, IdentityTaken
from . import access, people
from .context import Casework
from .presentation import household_view, household_views

IMPORT_BATCH_LIMIT = 2000


def prepare_household(casework: Casework, viewer: Viewer, data: dict, station: dict, today: date,
                       source: str) -> tuple[dict, list[tuple[dict, dict]], Envelope]:
    domain.require_station_open(station)
    problem = domain.community_problem(data["community_code"], station["township_code"])
    if problem:
        raise ValidationFailed.field("community_code", problem)
    domain.check_members(data["members"])
    registered_on = data.get("registered_on") or today
    if registered_on > today:
        raise ValidationFailed.field("registered_on", "cannot be in the future")
    built = [people.build_member(casework.cipher, m, f"members.{i}", today) for i, m in enumerate(data["members"])]
    members = [member for member, _ in built]
    household_id = new_id("hh")
    household = {
        "_id": household_id, "station_id": station["_id"], "township_code": station["township_code"],
        "region_code": station["township_code"], "community_code": data["community_code"],
        "community_name": data["community_name"], "address": data["address"], "status": "active",
        "registered_on": registered_on.isoformat(), **domain.household_derived_fields(members),
        "consents": [], "archive": [], "visits": [], "services": [], "service_task_ids": [],
        "campaign_visits": {}, "duplicate_flags": [], "open_duplicate_flags": 0, "merged_members": [],
        "last_assessed_on": "", "risk_level": None,
    }
    household["review_due_on"] = domain.review_due_on(household)
    event = event_by(viewer, events.HOUSEHOLD_REGISTERED, {
        "household_id": household_id, "station_id": station["_id"], "township_code": station["township_code"],
        "community_code": data["community_code"], "member_count": len(members), "groups": household["groups"],
        "registered_on": household["registered_on"], "source": source})
    return household, built, event


def register_household(casework: Casework, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.HouseholdInputSchema, data)
    repo = casework.repo
    station = access.station_for_write(casework, viewer, data["station_id"])
    today = casework.today()
    household, built, event = prepare_household(casework, viewer, data, station, today, "registration")
    members = household["members"]
    candidates = repo.match_candidates([k for _, keys in built for k in keys.values()])
    household["duplicate_flags"] = people.duplicate_flags(household["_id"], built, people.key_index(candidates), today)
    household["open_duplicate_flags"] = domain.open_flag_count(household["duplicate_flags"])
    claims = people.identity_claims(members)
    try:
        repo.claim_identities(claims, household["_id"])
    except IdentityTaken as taken:
        raise people.identity_conflict(members, taken) from None
    try:
        repo.households.insert(household, [event])
    except BaseException:
        repo.release_identities([c for c, _ in claims], household["_id"])
        raise
    repo.add_match_keys([e for member, keys in built for e in people.match_key_entries(
        member["person_id"], household["_id"], household["station_id"], keys)])
    return household_view(casework, viewer, household["_id"])


def import_households(casework: Casework, viewer: Viewer, rows: list) -> dict:
    """Bulk import: every row validated on its own (a bad row is reported, the others go in),
    then written in batches — claims, households (each with its own household.registered
    event in its outbox) and match keys each in one insert_many."""
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed.field("rows", "a non-empty list of households")
    if len(rows) > IMPORT_BATCH_LIMIT:
        raise ValidationFailed.field("rows", f"at most {IMPORT_BATCH_LIMIT} households per call")
    repo, today = casework.repo, casework.today()
    schema = schemas.HouseholdInputSchema()
    stations: dict[str, dict | Exception] = {}
    refused: list[dict] = []
    prepared = []  # (row number, household, people, event)
    numbers_in_batch: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            data = schema.load(row)
            station_id = data["station_id"]
            if station_id not in stations:
                try:
                    stations[station_id] = access.station_for_write(casework, viewer, station_id)
                except (ValidationFailed, PermissionDenied, NotFound) as exc:
                    stations[station_id] = exc
            station = stations[station_id]
            if isinstance(station, Exception):
                raise station
            household, built, event = prepare_household(casework, viewer, data, station, today, "import")
            for index, member in enumerate(household["members"]):
                if member["id_index"] and member["id_index"] in numbers_in_batch:
                    raise ValidationFailed.field(f"members.{index}.id_number", "the same ID number is on row "
                                                 f"{numbers_in_batch[member['id_index']]}")
            for member in household["members"]:
                if member["id_index"]:
                    numbers_in_batch[member["id_index"]] = number
        except ValidationError as exc:
            refused.extend(_refusals(number, ValidationFailed.from_marshmallow(exc.messages).details))
            continue
        except (ValidationFailed, RuleViolation) as exc:  # RuleViolation: a closed station
            refused.extend(_refusals(number, exc.details))
            continue
        except (PermissionDenied, NotFound) as exc:
            refused.append({"row": number, "field": "station_id", "reason": exc.message})
            continue
        prepared.append((number, household, built, event))

    claims = [{"_id": m["id_index"], "person_id": m["person_id"], "household_id": h["_id"],
               "claimed_at": casework.now()}
              for _, h, _, _ in prepared for m in h["members"] if m["id_index"]]
    taken = repo.claim_identities_bulk(claims)
    accepted = []
    for number, household, built, event in prepared:
        clash = next((i for i, m in enumerate(household["members"]) if m["id_index"] in taken), None)
        if clash is None:
            accepted.append((number, household, built, event))
            continue
        refused.append({"row": number, "field": f"members.{clash}.id_number",
                        "reason": "already registered in another household (one person, one record)"})
        repo.release_identities([m["id_index"] for m in household["members"]
                                 if m["id_index"] and m["id_index"] not in taken], household["_id"])

    keys = [k for _, _, built, _ in accepted for _, member_keys in built for k in member_keys.values()]
    by_key = people.key_index(repo.match_candidates(keys))
    batch_entries, flagged = [], 0
    for _, household, built, _ in accepted:
        household["duplicate_flags"] = people.duplicate_flags(household["_id"], built, by_key, today)
        household["open_duplicate_flags"] = domain.open_flag_count(household["duplicate_flags"])
        flagged += household["open_duplicate_flags"]
        entries = [e for member, member_keys in built for e in people.match_key_entries(
            member["person_id"], household["_id"], household["station_id"], member_keys)]
        people.key_index(entries, by_key)  # later rows of the batch are matched against this one
        batch_entries.extend(entries)
    repo.households.insert_many([aggregate_document(h, [e]) for _, h, _, e in accepted])
    repo.add_match_keys(batch_entries)
    refused.sort(key=lambda r: r["row"])
    return {"accepted": len(accepted), "refused": refused,
            "household_ids": [h["_id"] for _, h, _, _ in accepted], "duplicate_flags": flagged}


def update_household(casework: Casework, viewer: Viewer, household_id: str, data: dict) -> dict:
    data = load(schemas.HouseholdUpdateSchema, data)
    household = access.household_for_write(casework, viewer, household_id)
    expected = data.pop("expected_version")
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")
    if "community_code" in data:
        problem = domain.community_problem(data["community_code"], household["township_code"])
        if problem:
            raise ValidationFailed.field("community_code", problem)
    casework.repo.households.update(household_id, expected, data)
    return household_view(casework, viewer, household_id)


# --- reads ---------------------------------------------------------------------------------------------------
def get_households(casework: Casework, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = access.visible_households(casework, viewer, ids)
    shown = dict(zip(found, household_views(casework, viewer, list(found.values())), strict=False))
    return [shown.get(i) for i in ids]


def list_households(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.HouseholdFilterSchema, filters or {})
    criteria = HouseholdCriteria(station_id=f["station_id"], community_code=f["community_code"], group=f["group"],
                                 archive_overdue=f["archive_overdue"], risk_level=f["risk_level"],
                                 duplicates_open=f["duplicates_open"], head_name=f["head_name"])
    page = casework.repo.households.page_in(access.scope(viewer, f["region"]), criteria,
                                            casework.today().isoformat(), f["after"], f["limit"])
    return {"items": household_views(casework, viewer, page.docs), "next_cursor": page.next_cursor,
            "total": page.total}


def get_persons(casework: Casework, viewer: Viewer, person_ids: list[str]) -> list[dict | None]:
    households = [h for h in casework.repo.households.holding(person_ids)
                  if viewer.sees_station(h["station_id"], h["region_code"])]
    seen, today = access.protection(casework, viewer, households), casework.today()
    found = {m["person_id"]: views.member_view(m, h["_id"], today, seen) for h in households for m in h["members"]}
    return [found.get(pid) for pid in person_ids]


def persons_for_households(casework: Casework, viewer: Viewer, household_ids: list[str]) -> dict:
    found = access.visible_households(casework, viewer, household_ids)
    seen, today = access.protection(casework, viewer, list(found.values())), casework.today()
    return {hid: [views.member_view(m, hid, today, seen) for m in found[hid]["members"]] if hid in found else []
            for hid in household_ids}


def _refusals(row: int, details: dict) -> list[dict]:
    return [{"row": row, "field": field, "reason": "; ".join(reasons)} for field, reasons in details.items()]
