"""The worker inbox's shared vocabulary: what each source service's `inbox_items` RPC answers, item by item.

Every item says what waits (kind), on whom (owner_id), where (station_id, region_code), by when (due_on) and
how urgent it is (status): the gateway merges the services' answers into one feed per person and the
supervision service keys its reminders, affirmations and comments by `item_key`.
"""
from __future__ import annotations

from datetime import date

CASE_FOLLOW_UP = "case_follow_up"
CRISIS_FIRST_CONTACT = "crisis_first_contact"
CASE_PLAN_APPROVAL = "case_plan_approval"
CASE_CLOSURE_APPROVAL = "case_closure_approval"
HOURS_APPROVAL = "volunteer_hours_approval"
TRAINING_BEHIND = "training_behind"
SUPERVISION_FOLLOW_UP = "supervision_follow_up"
ALERT = "alert"
INBOX_KINDS = (CASE_FOLLOW_UP, CRISIS_FIRST_CONTACT, CASE_PLAN_APPROVAL, CASE_CLOSURE_APPROVAL, HOURS_APPROVAL,
               TRAINING_BEHIND, SUPERVISION_FOLLOW_UP, ALERT)

OVERDUE, DUE, WAITING = "overdue", "due", "waiting"
INBOX_STATUSES = (OVERDUE, DUE, WAITING)  # the feed's order: overdue first, then due, then waiting approvals

INBOX_ACTIONS = ("remind", "affirm", "comment")
# What a source service lists: at most this many items per viewer, the most urgent first.
INBOX_LIMIT = 300
# Work due within this many days is in the inbox already ("due"); later work is not yet.
DUE_WITHIN_DAYS = 7


def item_key(source: str, kind: str, item_id: str) -> str:
    """The one name of an inbox item across services (supervision stores its actions under it)."""
    return f"{source}:{kind}:{item_id}"


def status_on(due_on: str | None, today: date) -> str:
    """Overdue when the due day has passed, due when it is set, waiting when the item has no due day."""
    if not due_on:
        return WAITING
    return OVERDUE if due_on < today.isoformat() else DUE


def inbox_item(*, source: str, kind: str, item_id: str, title: str, station_id: str, region_code: str,
               due_on: str | None, today: date, link_type: str, link_id: str, owner_id: str | None = None,
               since: str | None = None, status: str | None = None) -> dict:
    """One item as every source service answers it; `title` carries no personal data the viewer may not see."""
    return {"key": item_key(source, kind, item_id), "kind": kind, "id": item_id, "title": title,
            "station_id": station_id, "region_code": region_code, "due_on": due_on or None,
            "status": status or status_on(due_on, today), "source": source, "owner_id": owner_id, "since": since,
            "link": {"type": link_type, "id": link_id}}


def most_urgent(items: list[dict]) -> list[dict]:
    """Overdue first, then due, then waiting; by due day (waiting: by how long), then by key."""
    rank = {status: index for index, status in enumerate(INBOX_STATUSES)}
    return sorted(items, key=lambda i: (rank[i["status"]], i["due_on"] or i["since"] or "", i["key"]))
