"""Pure rules of the station registry: building and changing station documents.

No I/O here. A station is one aggregate document: its venue, operator, coordinator, status
history and its staff (each with qualification and training records). Keeping staff inside the
station makes every change plus its compliance recomputation plus its events one document write.
"""
from __future__ import annotations

from datetime import date

from services.common import masking
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.common.protection import mask_id_number, mask_phone

from . import compliance
from .regions import Region, check_station_name  # noqa: F401 (re-exported for use cases)

STATUS_TRANSITIONS = {
    "planned": {"operating", "closed"},
    "operating": {"suspended", "closed"},
    "suspended": {"operating", "closed"},
    "closed": {"operating"},
}


def station_id_for(township_code: str) -> str:
    """One station per township: the township decides the id, so a second one is a duplicate key."""
    return f"ST{township_code}"


def new_station(data: dict, township: Region | None, county: Region | None, today: date) -> dict:
    code = data["township_code"]
    if township is None or township.level != "township":
        raise ValidationFailed.field("township_code", f"{code} is not a known township or street code")
    if county is None:
        raise ValidationFailed.field("township_code", f"the county of {code} is not known")
    problem = check_station_name(data["name"], county, township)
    if problem:
        raise ValidationFailed.field("name", problem)
    status_since = data.get("status_since") or today
    return jsonable({
        "_id": station_id_for(code),
        "name": data["name"],
        "township_code": code,
        "county_code": code[:6],
        "city_code": code[:4] + "00",
        "region_code": code,
        "venue": data["venue"],
        "population": data.get("population"),
        "legal_form": data["legal_form"],
        "operator": data.get("operator"),
        "coordinator": data.get("coordinator"),
        "status": data["status"],
        "status_since": status_since,
        "status_history": [{"status": data["status"], "on": status_since}],
        "staff": [],
    })


def change_status(station: dict, new_status: str, on: date) -> dict:
    current = station["status"]
    if new_status == current:
        raise Conflict(f"station is already {current}", {"status.status": [f"already {current}"]})
    if new_status not in STATUS_TRANSITIONS[current]:
        raise RuleViolation(f"a {current} station cannot become {new_status}",
                            {"status.status": [f"allowed from {current}: "
                                               f"{', '.join(sorted(STATUS_TRANSITIONS[current]))}"]})
    if on.isoformat() < station["status_since"]:
        raise ValidationFailed.field("status.on", f"cannot be before the current status date {station['status_since']}")
    return {"status": new_status, "status_since": on.isoformat(),
            "status_history": [*station.get("status_history", []), {"status": new_status, "on": on.isoformat()}]}


def dated_history(record: dict, changes: dict, fields: tuple[str, ...], on: date) -> dict | None:
    """The record's `history` with a dated entry for each of `fields` that `changes` alters, or
    None when none does. The value before the first recorded change becomes an undated entry (as
    registered), so a date before the change still finds it. A change takes effect on `on`; a
    second change the same day corrects the first; a change dated before the last one is refused
    (the current value is always the last entry)."""
    history = {k: list(v) for k, v in (record.get("history") or {}).items()}
    altered = False
    for field in fields:
        if field not in changes or changes[field] == record.get(field):
            continue
        entries = history.get(field) or [{"from": None, "value": record.get(field)}]
        last = entries[-1]["from"]
        if last is not None and on.isoformat() < last:
            raise ValidationFailed.field("effective_on", f"{field} last changed on {last}; "
                                                         "a change cannot take effect before that")
        entry = {"from": on.isoformat(), "value": changes[field]}
        entries = [*entries[:-1], entry] if last == on.isoformat() else [*entries, entry]
        history[field] = entries
        altered = True
    return history if altered else None


def effective_date(value: date | None, today: date) -> date:
    if value is None:
        return today
    if value > today:
        raise ValidationFailed.field("effective_on", "a change cannot take effect in the future")
    return value


def find_staff(station: dict, staff_id: str) -> dict:
    for member in station.get("staff", []):
        if member["staff_id"] == staff_id:
            return member
    raise NotFound(f"station {station['_id']} has no staff member {staff_id}", {"staff_id": ["unknown staff member"]})


def replace_staff(station: dict, updated: dict) -> list[dict]:
    return [updated if m["staff_id"] == updated["staff_id"] else m for m in station.get("staff", [])]


def new_staff_member(station: dict, data: dict, staff_id: str, protected_id: str, id_index: str,
                     protected_phone: str) -> dict:
    for member in station.get("staff", []):
        if member["id_index"] == id_index and member.get("employment_end") is None:
            raise Conflict("this person is already current staff of the station",
                           {"id_number": ["already current staff here"]})
    return jsonable({
        "staff_id": staff_id,
        "name": data["name"],
        "id_number_encrypted": protected_id,
        "id_index": id_index,
        "id_number_masked": mask_id_number(data["id_number"]),
        "phone_encrypted": protected_phone,
        "phone_masked": mask_phone(data["phone"]),
        "role": data["role"],
        "employment_start": data["employment_start"],
        "employment_end": None,
        "monthly_salary_fen": data.get("monthly_salary_fen"),
        "social_insurance": data.get("social_insurance"),
        "qualification": data.get("qualification"),
        "training": [],
    })


def end_employment(member: dict, end: date, reason: str | None) -> dict:
    if member.get("employment_end"):
        raise Conflict("employment already ended", {"employment_end": [f"ended {member['employment_end']}"]})
    if end.isoformat() < member["employment_start"]:
        raise ValidationFailed.field("employment_end", "cannot be before the employment start")
    return {**member, "employment_end": end.isoformat(), "leaving_reason": reason}


def add_training(member: dict, record: dict, record_id: str, today: date) -> dict:
    if record["date"] > today:
        raise ValidationFailed.field("date", "training cannot be recorded for a future date")
    if record["date"].isoformat() < member["employment_start"]:
        raise ValidationFailed.field("date", "training before the employment start belongs to another employer")
    entry = jsonable({"id": record_id, "date": record["date"], "hours": record["hours"],
                      "topic": record["topic"], "provider": record["provider"]})
    return {**member, "training": [*member.get("training", []), entry]}


def training_hours_in_year(member: dict, year: int) -> float:
    return round(sum(t["hours"] for t in member.get("training", []) if t["date"].startswith(str(year))), 1)


# What a reader may ask for of a staff member beyond the id and the station (the page's `include`).
STAFF_FIELDS = ("name", "id_number", "phone", "role", "employment_start", "employment_end", "monthly_salary_fen",
                "social_insurance", "qualification", "professional", "training_hours_this_year", "training")


def staff_view(member: dict, station_id: str, today: date, wanted: frozenset[str] | None = None) -> dict:
    """What callers see: personal data masked; unmasking is a separate, logged read.

    `wanted` (names from STAFF_FIELDS) keeps the reply to what the reader asked for: the masked identity,
    pay and the training records are left out unless named; None is every field."""
    view = {"id": member["staff_id"], "station_id": station_id}
    for name in STAFF_FIELDS if wanted is None else (f for f in STAFF_FIELDS if f in wanted):
        view[name] = _staff_field(member, name, today)
    return view


def _staff_field(member: dict, name: str, today: date):
    if name == "id_number":
        return member["id_number_masked"]
    if name == "phone":
        return member["phone_masked"]
    if name == "professional":
        return compliance.is_professional(member, today)
    if name == "training_hours_this_year":
        return training_hours_in_year(member, today.year)
    if name == "training":
        return member.get("training", [])
    if name in ("name", "role", "employment_start"):
        return member[name]
    return member.get(name)


def station_view(station: dict, viewer: Viewer) -> dict:
    return {
        "id": station["_id"],
        "name": station["name"],
        "township_code": station["township_code"],
        "county_code": station["county_code"],
        "city_code": station["city_code"],
        "region_code": station["region_code"],
        "status": station["status"],
        "status_since": station["status_since"],
        "venue": station["venue"],
        "population": station.get("population"),
        "legal_form": station["legal_form"],
        "operator": station.get("operator"),
        "coordinator": _coordinator_view(station.get("coordinator"), viewer),
        "compliance_status": (station.get("compliance") or {}).get("status", "unknown"),
        "version": station["_version"],
    }


def _coordinator_view(coordinator: dict | None, viewer: Viewer) -> dict | None:
    if coordinator is None:
        return None
    return {**coordinator, "phone": masking.shown("Coordinator.phone", viewer, coordinator.get("phone"))}


def wage_for(wages: dict[tuple[str, int], dict], region_code: str, year: int) -> dict | None:
    """The most local average wage known for the year (county, then city, then province);
    falls back to the latest earlier year when this year's figure is not published yet."""
    candidates = [region_code[:6], region_code[:4] + "00", region_code[:2] + "0000"]
    for wanted_year in range(year, year - 3, -1):
        for code in candidates:
            wage = wages.get((code, wanted_year))
            if wage:
                return wage
    return None
