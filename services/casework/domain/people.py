"""Pure rules about people and households: identity from the ID number, tags, members, casework's copy of
the registry's stations, duplicate flags."""
from __future__ import annotations

from datetime import date, timedelta

from stdnum.cn import ric

from services.common import clock
from services.common.errors import RuleViolation, ValidationFailed
from services.contracts import vocabulary as catalogue

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


