"""What waits for a viewer in casework, for the worker inbox: follow-ups due or overdue and crises waiting for
their first contact (the assigned worker's, or the whole station's for its lead and supervisors), and plans and
closures waiting for the viewer's approval (the approver rules of access.py: the station's supervisors and
lead, never the author). Titles name the case and its domain, never the household or person."""
from __future__ import annotations

from datetime import timedelta

from services.common import clock
from services.common.auth import STATION_STAFF, SUPERVISOR, Viewer
from services.common.scope import Scope
from services.contracts import inbox as vocabulary

from .. import domain
from . import access
from .context import Casework

SOURCE = "casework"


def inbox_items(casework: Casework, viewer: Viewer) -> dict:
    """{items, truncated}: the viewer's case work due within a week or overdue, and approvals waiting for them."""
    if viewer.role not in (STATION_STAFF, SUPERVISOR) or not viewer.station_ids:
        return {"items": [], "truncated": False}
    now, today = casework.now(), casework.today()
    leads = access.lead_stations(casework, viewer)
    whole_station = viewer.role == SUPERVISOR or set(viewer.station_ids) <= leads
    due_by = (today + timedelta(days=vocabulary.DUE_WITHIN_DAYS)).isoformat()
    limit = vocabulary.INBOX_LIMIT
    due = casework.repo.cases.inbox_due(Scope.of(viewer), None if whole_station else viewer.user_id, due_by, now,
                                        limit + 1)
    items = [item for case in due[:limit] for item in _due_items(case, now, today)]
    approvers_of = sorted(viewer.station_ids) if viewer.role == SUPERVISOR else sorted(leads)
    waiting = casework.repo.cases.awaiting_approval(approvers_of, limit + 1) if approvers_of else []
    items += [item for case in waiting[:limit] for item in _approval_items(case, viewer, today)]
    return {"items": vocabulary.most_urgent(items)[:limit], "truncated": len(due) > limit or len(waiting) > limit}


def _item(case: dict, kind: str, title: str, due_on: str | None, today, **extra) -> dict:
    return vocabulary.inbox_item(source=SOURCE, kind=kind, item_id=case["_id"], title=title,
                                 station_id=case["station_id"], region_code=case["region_code"], due_on=due_on,
                                 today=today, link_type="Case", link_id=case["_id"],
                                 owner_id=case["assigned_staff_id"], **extra)


def _due_items(case: dict, now, today) -> list[dict]:
    items = []
    if case.get("crisis_state") in ("awaiting_contact", "overdue") and case.get("crisis_contact_due_at"):
        due_at = clock.parse_timestamp(case["crisis_contact_due_at"])
        overdue = case["crisis_state"] == "overdue" or due_at < now
        items.append(_item(case, vocabulary.CRISIS_FIRST_CONTACT,
                           f"Crisis case {case['_id']} ({case['domain']}): first contact due by "
                           f"{case['crisis_contact_due_at']}", clock.local_date(due_at).isoformat(), today,
                           status=vocabulary.OVERDUE if overdue else vocabulary.DUE))
    if case.get("follow_up_due_on"):
        items.append(_item(case, vocabulary.CASE_FOLLOW_UP,
                           f"Follow-up of case {case['_id']} ({case['domain']}, {case['stage']})",
                           case["follow_up_due_on"], today))
    return items


def _approval_items(case: dict, viewer: Viewer, today) -> list[dict]:
    items = []
    plan = domain.pending_plan(case)
    if plan is not None and plan["submitted_by"] != viewer.user_id:
        items.append(_item(case, vocabulary.CASE_PLAN_APPROVAL,
                           f"Plan v{plan['version']} of case {case['_id']} ({case['domain']}) waits for approval",
                           None, today, since=plan["submitted_at"]))
    closure = domain.pending_closure(case)
    if closure is not None and closure["requested_by"] != viewer.user_id:
        items.append(_item(case, vocabulary.CASE_CLOSURE_APPROVAL,
                           f"Closure of case {case['_id']} ({case['domain']}, {closure['outcome']}) waits for "
                           "approval", None, today, since=closure["requested_at"]))
    return items
