"""One write of a case with the events it causes, shared by the case, visit, crisis and referral use cases."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import Conflict
from services.common.events import Envelope, EventContract, event_by
from services.contracts import casework as events

from .. import domain
from .context import Casework
from .presentation import case_views


def save_case(casework: Casework, viewer: Viewer, case: dict, expected: int, changes: dict,
              case_events: Iterable[Envelope] = ()) -> dict:
    try:
        casework.repo.cases.update(case["_id"], expected, changes, case_events)
    except DuplicateKeyError:
        raise Conflict("the person or household already has another open case in this domain",
                       {"case_id": ["another open case in the same domain"]}) from None
    return case_views(casework, viewer, [casework.repo.cases.require(case["_id"])])[0]


def stage_event(viewer: Viewer, case: dict, changes: dict, approved_by: str | None = None) -> Envelope:
    return event_by(viewer, events.CASE_STAGE_CHANGED, {
        "case_id": case["_id"], "station_id": case["station_id"], "domain": case["domain"],
        "from_stage": case["stage"], "to_stage": changes["stage"], "changed_at": changes["transitions"][-1]["at"],
        "approved_by": approved_by})


def crisis_event(viewer: Viewer, contract: EventContract, case: dict, detected_at: datetime | None = None) -> Envelope:
    payload = {"case_id": case["_id"], "station_id": case["station_id"], "township_code": case["township_code"],
               "domain": case["domain"], "assigned_staff_id": case["assigned_staff_id"],
               "flagged_at": case["crisis"]["flagged_at"], "contact_due_at": case["crisis"]["contact_due_at"]}
    if detected_at is not None:
        payload["detected_at"] = clock.timestamp(detected_at)
    return event_by(viewer, contract, payload)


def breach_events(viewer: Viewer, case: dict, changes: dict) -> list[Envelope]:
    """crisis.contact_overdue for a breach recorded by this change rather than by the sweep
    (a late first contact, or a closure, before the sweep ran): still once per breach."""
    if not domain.is_new_breach(case, changes):
        return []
    detected_at = clock.parse_timestamp(changes["crisis_breaches"][-1]["recorded_at"])
    return [crisis_event(viewer, events.CRISIS_CONTACT_OVERDUE, case, detected_at)]
