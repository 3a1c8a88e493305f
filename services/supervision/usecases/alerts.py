"""Alerts: evaluated from the read models on a timer (and on demand), listed per role and region,
acknowledged and resolved by people in scope (who, when, note)."""
from __future__ import annotations

from dataclasses import asdict

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, Conflict
from services.common.events import event_by
from services.common.rpc import load
from services.common.scope import load_for_write, load_in_scope
from services.contracts import supervision as events

from ..domain import alerts as rules
from ..schemas import AlertActionSchema, AlertFilterSchema, AlertPolicySchema
from . import Supervision
from .access import listing_scope, require_administrator, require_policy_setter, require_signed_in


def alert_view(alert: dict) -> dict:
    return {"id": alert["_id"], "rule": alert["rule"], "severity": alert["severity"], "status": alert["status"],
            "station_id": alert["station_id"], "region_code": alert["region_code"],
            "subject_type": alert["subject_type"], "subject_id": alert["subject_id"], "evidence": alert["evidence"],
            "first_seen": alert["first_seen"], "last_changed": alert.get("last_changed") or alert["first_seen"],
            "condition_cleared_at": alert.get("condition_cleared_at"),
            "acknowledged": alert.get("acknowledged"), "resolved": alert.get("resolved"),
            "escalation": alert.get("escalation"), "escalations": alert.get("escalations") or [],
            "withdrawn": bool(alert.get("withdrawn")), "version": alert["_version"]}


def evaluate_alerts(supervision: Supervision, viewer: Viewer) -> dict:
    """Raise an alert for each new condition; note when a condition of an active alert ended."""
    require_administrator(viewer, "alerts are evaluated by the service itself or an administrator")
    repo = supervision.repo
    now, today = clock.utcnow(), clock.today()
    found = {**rules.conditions(repo.read_models(), repo.alert_policies(), now, today),
             **rules.follow_up_conditions(repo.sessions.with_open_follow_ups(), today)}
    at = clock.timestamp(now)
    known = repo.alerts.known(list(found))
    raised = 0
    for condition in found.values():
        if condition.alert_id in known:
            continue
        alert = {"_id": condition.alert_id, **{k: v for k, v in asdict(condition).items() if k != "alert_id"},
                 "status": "open", "first_seen": at, "condition_cleared_at": None}
        repo.alerts.raise_alert(alert, [event_by(viewer, events.ALERT_RAISED, {
            "alert_id": condition.alert_id, "rule": condition.rule, "severity": condition.severity,
            "station_id": condition.station_id, "region_code": condition.region_code,
            "subject_type": condition.subject_type, "subject_id": condition.subject_id, "first_seen": at})])
        raised += 1
    cleared = 0
    for alert in repo.alerts.active():
        holds = alert["_id"] in found
        changes: dict[str, object] = {}
        if not holds and alert.get("condition_cleared_at") is None:
            changes["condition_cleared_at"] = at  # the evidence no longer holds; a person still resolves it
        elif holds and alert["evidence"] != found[alert["_id"]].evidence:
            changes["evidence"] = found[alert["_id"]].evidence
        if changes:
            try:
                repo.alerts.change(alert["_id"], alert["_version"], changes)
                cleared += "condition_cleared_at" in changes
            except ConcurrentModification:
                pass  # someone acknowledged it meanwhile: the next evaluation takes it up
    return {"conditions": len(found), "raised": raised, "cleared": cleared}


def list_alerts(supervision: Supervision, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(AlertFilterSchema, filters or {})
    scope = listing_scope(viewer, f["region"], "alerts")
    page = supervision.repo.alerts.page(scope, f, f["after"], f["limit"])
    return {"items": [alert_view(a) for a in page.docs], "next_cursor": page.next_cursor, "total": page.total}


def get_alerts(supervision: Supervision, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found: list[dict | None] = []
    for alert_id in ids:
        alert = supervision.repo.alerts.get(alert_id)
        if alert is not None and viewer.sees_station(alert["station_id"], alert["region_code"]):
            found.append(alert_view(alert))
        else:
            found.append(None)
    return found


def acknowledge_alert(supervision: Supervision, viewer: Viewer, alert_id: str, data: dict) -> dict:
    data = load(AlertActionSchema, data)
    alert = load_for_write(viewer, supervision.repo.alerts.get(alert_id), "alert", alert_id)
    if alert["status"] != "open":
        raise Conflict(f"alert {alert_id} is {alert['status']}", {"status": [f"is {alert['status']}, not open"]})
    return _record_action(supervision, viewer, alert, data, "acknowledged", events.ALERT_ACKNOWLEDGED)


def resolve_alert(supervision: Supervision, viewer: Viewer, alert_id: str, data: dict) -> dict:
    data = load(AlertActionSchema, data)
    alert = load_for_write(viewer, supervision.repo.alerts.get(alert_id), "alert", alert_id)
    if alert["status"] == "resolved":
        raise Conflict(f"alert {alert_id} is resolved", {"status": ["is resolved already"]})
    return _record_action(supervision, viewer, alert, data, "resolved", events.ALERT_RESOLVED)


def _record_action(supervision: Supervision, viewer: Viewer, alert: dict, data: dict, status: str,
                   contract) -> dict:
    at = clock.timestamp(clock.utcnow())
    action = {"by": viewer.user_id, "role": viewer.role, "at": at, "note": data["note"]}
    supervision.repo.alerts.change(
        alert["_id"], data["expected_version"], {status: action, "status": status, "last_changed": at},
        [event_by(viewer, contract, {"alert_id": alert["_id"], "rule": alert["rule"],
                                     "station_id": alert["station_id"], "region_code": alert["region_code"],
                                     "by": viewer.user_id, "at": at})])
    return alert_view(load_in_scope(viewer, supervision.repo.alerts.get(alert["_id"]), "alert", alert["_id"]))


def set_alert_policy(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    data = load(AlertPolicySchema, data)
    require_policy_setter(viewer, data["region_code"])
    stored = {**data, "effective_from": data["effective_from"].isoformat()}
    supervision.repo.save_alert_policy(stored)
    return stored


def alert_policies(supervision: Supervision, viewer: Viewer) -> list[dict]:
    require_signed_in(viewer, "alert policies")
    return [{**asdict(p), "effective_from": p.effective_from.isoformat()}
            for p in [rules.DEFAULT_POLICY, *supervision.repo.alert_policies()]]
