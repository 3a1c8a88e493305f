"""The worker inbox in supervision: the viewer's supervision follow-ups open or overdue and the open alerts in
their scope, and supervisors' actions on any inbox item (remind the owner, affirm the work, comment), which
show on the item for everyone who sees it (the reminded owner reads "reminded by X at T").

An action is supervisors' work: the supervisor currently assigned to the item's station (their viewer's
stations are their current assignments: access.current_viewer), or the station's county. The action is kept
under the item and its station: the gateway shows it only on the item of that station.
"""
from __future__ import annotations

from services.common import clock
from services.common.auth import ADMIN, COUNTY, EVALUATOR, SUPERVISOR, Viewer
from services.common.errors import ConcurrentModification, Conflict, NotFound, PermissionDenied, ValidationFailed
from services.common.events import EventContract, event_by
from services.common.ids import new_id
from services.common.masking import shown
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import inbox as vocabulary
from services.contracts import supervision as events

from ..domain import supervisors as rules
from ..inbox_storage import note_id
from ..schemas import InboxActionSchema, InboxItemsRequestSchema
from . import Supervision

SOURCE = "supervision"
WRITE_ATTEMPTS = 5
ACTIONS = {"remind": events.INBOX_ITEM_REMINDED, "affirm": events.INBOX_ITEM_AFFIRMED,
           "comment": events.INBOX_ITEM_COMMENTED}


def inbox_items(supervision: Supervision, viewer: Viewer, request: dict | None = None) -> dict:
    """{items, truncated, actions: {item key: [action]}}: the viewer's own supervision items, and the actions on
    them and on the other services' items named in `request.items` ([{key, station_id}]) that the viewer sees."""
    request = load(InboxItemsRequestSchema, request or {})
    items, truncated = ([], False) if viewer.is_public or viewer.is_agency or viewer.role == EVALUATOR \
        else _own_items(supervision, viewer)
    wanted = [(i["key"], i["station_id"]) for i in request["items"]] + [(i["key"], i["station_id"]) for i in items]
    # A station's id is its township's code after "ST" (one station per township): no read model read here.
    seen = [(key, station_id) for key, station_id in wanted if viewer.sees_station(station_id, station_id[2:])]
    notes = supervision.inbox_notes.of_items(seen) if seen else {}
    actions = {key: [_action_view(a, viewer) for a in note["actions"]] for (key, _), note in notes.items()}
    return {"items": items, "truncated": truncated, "actions": actions}


def _own_items(supervision: Supervision, viewer: Viewer) -> tuple[list[dict], bool]:
    today, limit = clock.today(), vocabulary.INBOX_LIMIT
    scope = Scope.of(viewer)
    mine = {"supervisor_id": viewer.user_id} if viewer.role == SUPERVISOR else {}
    sessions = supervision.repo.sessions.page(scope, {"open_follow_ups": True, **mine}, None, limit)
    alerts = supervision.repo.alerts.page(scope, {"status": "open"}, None, limit)
    items = [_follow_up_item(session, f, today) for session in sessions.docs for f in session["follow_ups"]
             if not f.get("done_on")]
    items += [_alert_item(alert) for alert in alerts.docs]
    return vocabulary.most_urgent(items)[:limit], bool(sessions.next_cursor or alerts.next_cursor) or len(items) > limit


def _follow_up_item(session: dict, follow_up: dict, today) -> dict:
    return vocabulary.inbox_item(
        source=SOURCE, kind=vocabulary.SUPERVISION_FOLLOW_UP, item_id=follow_up["follow_up_id"],
        title=f"Follow-up of the supervision session of {session['date']}: {follow_up['description']}",
        station_id=session["station_id"], region_code=session["region_code"], due_on=follow_up["due_on"],
        today=today, link_type="SupervisionSession", link_id=session["_id"], owner_id=None,
        status=vocabulary.OVERDUE if rules.follow_up_status(follow_up, today) == rules.OVERDUE else vocabulary.DUE)


def _alert_item(alert: dict) -> dict:
    # An alert is a deadline already missed (24 hours, 30 days, 12 months, a due date): overdue from first seen.
    first_seen = clock.local_date(clock.parse_timestamp(alert["first_seen"])).isoformat()
    return vocabulary.inbox_item(
        source=SOURCE, kind=vocabulary.ALERT, item_id=alert["_id"],
        title=f"Alert {alert['rule']} ({alert['severity']}) at {alert['station_id']}",
        station_id=alert["station_id"], region_code=alert["region_code"], due_on=first_seen,
        today=clock.today(), link_type="Alert", link_id=alert["_id"], status=vocabulary.OVERDUE)


def _action_view(action: dict, viewer: Viewer) -> dict:
    return {**action, "by_name": shown("Supervisor.name", viewer, action["by_name"]) if action["by_name"] else None}


# --- supervisors' actions ---------------------------------------------------------------------------------
def remind_inbox_item(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    """Remind the item's owner again of the work waiting for them."""
    return _act(supervision, viewer, "remind", load(InboxActionSchema, data))


def affirm_inbox_item(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    """Acknowledge and endorse the work behind the item (a note optional)."""
    return _act(supervision, viewer, "affirm", load(InboxActionSchema, data))


def comment_inbox_item(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    """Add a comment (the note, required) to the item."""
    data = load(InboxActionSchema, data)
    if not data["note"]:
        raise ValidationFailed.field("note", "say what the comment is")
    return _act(supervision, viewer, "comment", data)


def require_inbox_actor(viewer: Viewer, station_id: str, township: str) -> None:
    """Supervisors on the stations of their current assignments; county staff within their county."""
    if viewer.role == ADMIN:
        return
    if viewer.role == SUPERVISOR and station_id in viewer.station_ids:
        return
    if viewer.role == COUNTY and viewer.sees_region(township):
        return
    raise PermissionDenied(f"reminders, affirmations and comments on the inbox items of {station_id} are the work "
                           "of the supervisors currently assigned to it and of its county")


def _act(supervision: Supervision, viewer: Viewer, action: str, data: dict) -> dict:
    item = data["item"]
    station = supervision.repo.station(item["station_id"])
    if station is None:
        raise NotFound(f"unknown station {item['station_id']}", {"item.station_id": ["no such station"]})
    # Refused rather than hidden: which stations exist is no secret, and the actor learns whose work it is.
    require_inbox_actor(viewer, item["station_id"], station["township"])
    key = vocabulary.item_key(item["source"], item["kind"], item["item_id"])
    supervisor = supervision.repo.supervisors.get(viewer.user_id) if viewer.role == SUPERVISOR else None
    done = {"action_id": new_id("act"), "action": action, "by": viewer.user_id, "by_role": viewer.role,
            "by_name": supervisor["name"] if supervisor else None, "at": clock.timestamp(clock.utcnow()),
            "note": data["note"]}
    event = event_by(viewer, ACTIONS[action], {
        "item_key": key, "kind": item["kind"], "item_id": item["item_id"], "source": item["source"],
        "station_id": item["station_id"], "region_code": station["township"], "owner_id": item["owner_id"],
        "action_id": done["action_id"], "by": viewer.user_id, "at": done["at"]})
    note = _record(supervision, key, item, station["township"], done, ACTIONS[action], event)
    return {"key": key, "station_id": item["station_id"],
            "actions": [_action_view(a, viewer) for a in note["actions"]]}


def _record(supervision: Supervision, key: str, item: dict, township: str, done: dict, contract: EventContract,
            event) -> dict:
    """Append the action to the item's note (created with the first one), retried when another actor wrote
    between the read and the write: actions on one item commute."""
    notes = supervision.inbox_notes
    for attempt in range(WRITE_ATTEMPTS):
        note = notes.get(key, item["station_id"])
        try:
            if note is None:
                return notes.add({"_id": note_id(key, item["station_id"]), "item_key": key, "kind": item["kind"],
                                  "item_id": item["item_id"], "source": item["source"],
                                  "station_id": item["station_id"], "region_code": township,
                                  "owner_id": item["owner_id"], "actions": [done]}, [event])
            notes.change(key, item["station_id"], note["_version"], {"actions": [*note["actions"], done]}, [event])
            return notes.get(key, item["station_id"]) or note
        except (ConcurrentModification, Conflict):
            if attempt == WRITE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
