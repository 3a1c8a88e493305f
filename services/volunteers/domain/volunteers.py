"""A volunteer: identity (protected), skills, availability, training, background check, the tasks they
hold and the hours they logged ("never two overlapping hours" is a rule of one volunteer); and teams."""
from __future__ import annotations

from datetime import date, datetime

from services.common import masking
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed

from .. import matching
from .common import as_aware, check_slots, station_township, weekdays_of


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


def team_view(team: dict) -> dict:
    return {
        "id": team["_id"], "station_id": team["station_id"], "name": team["name"], "domains": team["domains"],
        "leader_id": team["leader_id"], "member_ids": team["member_ids"], "status": team["status"],
        "training_sessions": team["training_sessions"], "supervision_records": team["supervision_records"],
        "training_hours": round(sum(s["hours"] for s in team["training_sessions"]), 1),
        "version": team["_version"],
    }
