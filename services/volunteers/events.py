"""Event contracts the volunteers service publishes. Producers and consumers both import these."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import contract

PRODUCER = "volunteers"


class DeliveredBySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("volunteer", "resource", "charity")))
    id = fields.String(required=True)
    name = fields.String(required=True)


class ServiceDeliveredV1(Schema):
    task_id = fields.String(required=True)
    match_id = fields.String(required=True)
    need_id = fields.String(required=True)
    assessment_id = fields.String(required=True, allow_none=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    delivered_by = fields.Nested(DeliveredBySchema, required=True)
    service_type = fields.String(required=True)
    domain = fields.String(required=True)
    delivered_on = fields.Date(required=True)
    hours = fields.Float(required=True)
    notes = fields.String(required=True, allow_none=True)


SERVICE_DELIVERED = contract("service.delivered", 1, PRODUCER, ServiceDeliveredV1,
                             "a matched volunteer, resource or charity delivered a service (with hours)")
