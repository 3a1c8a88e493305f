"""Supervisors' work (督导): supervisors and their assignments to stations, sessions, follow-ups.

The notice (三(四)) asks counties to build supervision teams of experts, leading social workers and
front-line mainstays, by purchase of services or with universities, supervising regularly and helping
with station building, management, supervision, evaluation and training. Pure rules; dates are ISO text.
"""
from __future__ import annotations

from datetime import date

from services.common.errors import RuleViolation, ValidationFailed
from services.contracts import supervision as vocabulary

KINDS = vocabulary.SUPERVISOR_KINDS
FORMS = vocabulary.SESSION_FORMS
TOPICS = vocabulary.SESSION_TOPICS
OPEN, DONE, OVERDUE = vocabulary.FOLLOW_UP_STATUSES


def assigned_on(supervisor: dict, station_id: str, day: str) -> bool:
    """Whether the supervisor is assigned to the station on `day`."""
    return any(a["station_id"] == station_id and a["from"] <= day and (a["to"] is None or day <= a["to"])
               for a in supervisor.get("assignments", []))


def current_station_ids(supervisor: dict, today: date) -> list[str]:
    day = today.isoformat()
    return sorted({a["station_id"] for a in supervisor.get("assignments", [])
                   if a["from"] <= day and (a["to"] is None or day <= a["to"])})


def add_assignment(supervisor: dict, assignment: dict) -> list[dict]:
    """The supervisor's assignments with `assignment` added; periods at one station may not overlap."""
    if assignment["to"] is not None and assignment["to"] < assignment["from"]:
        raise ValidationFailed.field("to", "must not be before from")
    for existing in supervisor.get("assignments", []):
        if existing["station_id"] != assignment["station_id"]:
            continue
        ends = existing["to"] or "9999-12-31"
        new_ends = assignment["to"] or "9999-12-31"
        if existing["from"] <= new_ends and assignment["from"] <= ends:
            raise RuleViolation(f"already assigned to {assignment['station_id']} from {existing['from']}"
                                f" to {existing['to'] or 'open end'}", {"from": ["overlaps an assignment"]})
    return [*supervisor.get("assignments", []), assignment]


def end_assignment(supervisor: dict, assignment_id: str, to: str) -> list[dict]:
    changed = []
    found = False
    for assignment in supervisor.get("assignments", []):
        if assignment["assignment_id"] == assignment_id:
            found = True
            if assignment["to"] is not None and assignment["to"] < to:
                raise RuleViolation("the assignment ended before", {"to": [f"ended on {assignment['to']}"]})
            if to < assignment["from"]:
                raise ValidationFailed.field("to", "must not be before the assignment's start")
            assignment = {**assignment, "to": to}
        changed.append(assignment)
    if not found:
        raise ValidationFailed.field("assignment_id", "not an assignment of this supervisor")
    return changed


def check_session(data: dict, today: date) -> None:
    if data["date"] > today:
        raise ValidationFailed.field("date", "a session is recorded after it took place")
    for index, follow_up in enumerate(data.get("follow_ups", [])):
        if follow_up["due_on"] < data["date"]:
            raise ValidationFailed.field(f"follow_ups.{index}.due_on", "must not be before the session")


def follow_up_status(follow_up: dict, today: date) -> str:
    if follow_up.get("done_on"):
        return DONE
    return OVERDUE if follow_up["due_on"] < today.isoformat() else OPEN


def complete(follow_ups: list[dict], follow_up_id: str, done_on: str, evidence: str, by: str,
             session_date: str) -> list[dict]:
    updated, found = [], False
    for follow_up in follow_ups:
        if follow_up["follow_up_id"] == follow_up_id:
            found = True
            if follow_up.get("done_on"):
                raise RuleViolation("this follow-up is done already",
                                    {"follow_up_id": [f"done on {follow_up['done_on']}"]})
            if done_on < session_date:
                raise ValidationFailed.field("done_on", "must not be before the session")
            follow_up = {**follow_up, "done_on": done_on, "evidence": evidence, "done_by": by}
        updated.append(follow_up)
    if not found:
        raise ValidationFailed.field("follow_up_id", "not a follow-up of this session")
    return updated
