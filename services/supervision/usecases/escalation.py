"""Escalation of critical alerts nobody acknowledged in time (domain/escalation.py): run on the alert
timer, and on demand by administrators. Each step is written with its `alert.escalated` event."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification
from services.common.events import event_by
from services.contracts import supervision as events

from ..domain.alerts import policy_in_force
from ..domain.escalation import escalations_due
from . import Supervision
from .access import require_administrator


def escalate_alerts(supervision: Supervision, viewer: Viewer) -> dict:
    """Record every escalation step due now; {escalated: how many alerts climbed}."""
    require_administrator(viewer, "alerts are escalated by the service itself or an administrator")
    repo = supervision.repo
    now, today = clock.utcnow(), clock.today()
    policies = repo.alert_policies()
    escalated = 0
    for alert in repo.alerts.open_critical():
        hours = policy_in_force(policies, alert["region_code"], today).critical_escalation_hours
        due = escalations_due(alert, hours, now)
        if not due:
            continue
        at = clock.timestamp(now)
        steps = [{**step, "at": at} for step in due]
        history = [*(alert.get("escalations") or []), *steps]
        try:
            repo.alerts.change(alert["_id"], alert["_version"], {"escalations": history, "escalation": history[-1],
                                                                "escalation_level": history[-1]["level"]},
                               [event_by(viewer, events.ALERT_ESCALATED, {
                                   "alert_id": alert["_id"], "rule": alert["rule"], "severity": alert["severity"],
                                   "station_id": alert["station_id"], "region_code": alert["region_code"],
                                   "level": step["level"], "escalated_to": step["region_code"],
                                   "due_at": step["due_at"], "at": at}) for step in steps])
        except ConcurrentModification:
            continue  # acknowledged meanwhile: nothing to escalate
        escalated += 1
    return {"escalated": escalated}
