"""Alerts: evaluated from the read models on a timer (and on demand), listed per role and region,
acknowledged and resolved by people in scope (who, when, note)."""
from __future__ import annotations

import builtins  # `list` is a method name here
from dataclasses import asdict

from services.common import clock
from services.common.auth import ADMIN, PROVINCE, Viewer
from services.common.errors import ConcurrentModification, Conflict, PermissionDenied
from services.common.events import new_event
from services.common.observability import current_correlation_id
from services.common.rpc import load
from services.common.scope import load_for_write, load_in_scope
from services.contracts import supervision as events

from ..domain import alerts as rules
from ..domain.regions import region_key
from ..schemas import AlertActionSchema, AlertFilterSchema, AlertPolicySchema
from ..storage import SupervisionRepository


def alert_view(alert: dict) -> dict:
    return {"id": alert["_id"], "rule": alert["rule"], "severity": alert["severity"], "status": alert["status"],
            "station_id": alert["station_id"], "region_code": alert["region_code"],
            "subject_type": alert["subject_type"], "subject_id": alert["subject_id"], "evidence": alert["evidence"],
            "first_seen": alert["first_seen"], "last_changed": alert.get("last_changed") or alert["first_seen"],
            "condition_cleared_at": alert.get("condition_cleared_at"),
            "acknowledged": alert.get("acknowledged"), "resolved": alert.get("resolved"), "version": alert["_version"]}


class Alerts:
    def __init__(self, repo: SupervisionRepository):
        self.repo = repo

    def _event(self, contract, payload: dict, viewer: Viewer):
        return new_event(contract, payload, correlation_id=current_correlation_id(),
                         actor={"user_id": viewer.user_id, "role": viewer.role})

    # --- evaluation -------------------------------------------------------------------------
    def evaluate(self, viewer: Viewer) -> dict:
        """Raise an alert for each new condition; note when a condition of an active alert ended."""
        if viewer.role != ADMIN:
            raise PermissionDenied("alerts are evaluated by the service itself or an administrator")
        now, today = clock.utcnow(), clock.today()
        found = {**rules.conditions(self.repo.read_models(), self.repo.alert_policies(), now, today),
                 **rules.follow_up_conditions(self.repo.sessions.with_open_follow_ups(), today)}
        at = clock.iso(now)
        known = self.repo.alerts.known(list(found))
        raised = 0
        for condition in found.values():
            if condition.alert_id in known:
                continue
            alert = {"_id": condition.alert_id, **{k: v for k, v in asdict(condition).items() if k != "alert_id"},
                     "status": "open", "first_seen": at, "condition_cleared_at": None}
            self.repo.alerts.raise_alert(alert, [self._event(events.ALERT_RAISED, {
                "alert_id": condition.alert_id, "rule": condition.rule, "severity": condition.severity,
                "station_id": condition.station_id, "region_code": condition.region_code,
                "subject_type": condition.subject_type, "subject_id": condition.subject_id, "first_seen": at},
                viewer)])
            raised += 1
        cleared = 0
        for alert in self.repo.alerts.active():
            holds = alert["_id"] in found
            changes: dict[str, object] = {}
            if not holds and alert.get("condition_cleared_at") is None:
                changes["condition_cleared_at"] = at  # the evidence no longer holds; a person still resolves it
            elif holds and alert["evidence"] != found[alert["_id"]].evidence:
                changes["evidence"] = found[alert["_id"]].evidence
            if changes:
                try:
                    self.repo.alerts.change(alert["_id"], alert["_version"], changes)
                    cleared += "condition_cleared_at" in changes
                except ConcurrentModification:
                    pass  # someone acknowledged it meanwhile: the next evaluation takes it up
        return {"conditions": len(found), "raised": raised, "cleared": cleared}

    # --- reads --------------------------------------------------------------------------------
    def list(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(AlertFilterSchema, filters or {})
        if viewer.is_public:
            raise PermissionDenied("alerts need a signed-in user")
        within = region_key(f["region"]).prefix if f["region"] else None
        scope = viewer.station_filter(region_field="region_code", id_field="station_id", within=within)
        page = self.repo.alerts.page(scope, f, f["after"], f["limit"])
        return {"items": [alert_view(a) for a in page.docs], "next_cursor": page.next_cursor, "total": page.total}

    def get(self, viewer: Viewer, alert_ids: builtins.list[str]) -> builtins.list[dict | None]:
        found: builtins.list[dict | None] = []
        for alert_id in alert_ids:
            alert = self.repo.alerts.get(alert_id)
            if alert is not None and viewer.sees_station(alert["station_id"], alert["region_code"]):
                found.append(alert_view(alert))
            else:
                found.append(None)
        return found

    # --- people's actions -------------------------------------------------------------------
    def acknowledge(self, viewer: Viewer, alert_id: str, data: dict) -> dict:
        data = load(AlertActionSchema, data)
        alert = load_for_write(viewer, self.repo.alerts.get(alert_id), "alert", alert_id)
        if alert["status"] != "open":
            raise Conflict(f"alert {alert_id} is {alert['status']}", {"status": [f"is {alert['status']}, not open"]})
        return self._record(viewer, alert, data, "acknowledged", events.ALERT_ACKNOWLEDGED)

    def resolve(self, viewer: Viewer, alert_id: str, data: dict) -> dict:
        data = load(AlertActionSchema, data)
        alert = load_for_write(viewer, self.repo.alerts.get(alert_id), "alert", alert_id)
        if alert["status"] == "resolved":
            raise Conflict(f"alert {alert_id} is resolved", {"status": ["is resolved already"]})
        return self._record(viewer, alert, data, "resolved", events.ALERT_RESOLVED)

    def _record(self, viewer: Viewer, alert: dict, data: dict, status: str, contract) -> dict:
        at = clock.iso(clock.utcnow())
        action = {"by": viewer.user_id, "role": viewer.role, "at": at, "note": data["note"]}
        self.repo.alerts.change(alert["_id"], data["expected_version"], {status: action, "status": status,
                                                                          "last_changed": at},
                                [self._event(contract, {"alert_id": alert["_id"], "rule": alert["rule"],
                                                        "station_id": alert["station_id"],
                                                        "region_code": alert["region_code"], "by": viewer.user_id,
                                                        "at": at}, viewer)])
        return alert_view(load_in_scope(viewer, self.repo.alerts.get(alert["_id"]), "alert", alert["_id"]))

    # --- thresholds ---------------------------------------------------------------------------
    def set_policy(self, viewer: Viewer, data: dict) -> dict:
        data = load(AlertPolicySchema, data)
        if viewer.role not in (ADMIN, PROVINCE) and not (viewer.role in ("city", "county")
                                                          and viewer.sees_region(data["region_code"])):
            raise PermissionDenied("alert thresholds are set by administrators and civil-affairs staff in their region")
        stored = {**data, "effective_from": data["effective_from"].isoformat()}
        self.repo.save_alert_policy(stored)
        return stored

    def policies(self, viewer: Viewer) -> builtins.list[dict]:
        if viewer.is_public:
            raise PermissionDenied("alert policies need a signed-in user")
        return [{**asdict(p), "effective_from": p.effective_from.isoformat()}
                for p in [rules.DEFAULT_POLICY, *self.repo.alert_policies()]]
