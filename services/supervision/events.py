"""Event contracts the supervision service publishes. Producers and consumers both import these.

Alerts carry ids, codes and the rule, never the free-text notes people add when they acknowledge or
resolve them (notes may name people; they stay in the alert, shown to those in scope).
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import contract

PRODUCER = "supervision"


class AlertRaisedV1(Schema):
    alert_id = fields.String(required=True)
    rule = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(("critical", "high", "medium")))
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    subject_type = fields.String(required=True)
    subject_id = fields.String(required=True)
    first_seen = fields.AwareDateTime(required=True)


ALERT_RAISED = contract("alert.raised", 1, PRODUCER, AlertRaisedV1,
                        "a supervision rule found a condition that needs attention (once per alert)")


class AlertHandledV1(Schema):
    alert_id = fields.String(required=True)
    rule = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    by = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


ALERT_ACKNOWLEDGED = contract("alert.acknowledged", 1, PRODUCER, AlertHandledV1,
                              "someone in scope took an alert on")
ALERT_RESOLVED = contract("alert.resolved", 1, PRODUCER, AlertHandledV1, "an alert was resolved, with a note")
