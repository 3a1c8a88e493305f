"""marshmallow schemas at the supervision service's RPC boundary."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class PeriodSchema(Schema):
    year = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(2000, 2100))
    quarter = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 4))
    month = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 12))
    start = fields.Date(data_key="from", load_default=None, allow_none=True)
    end = fields.Date(data_key="to", load_default=None, allow_none=True)


class RollupRequestSchema(Schema):
    region = fields.String(required=True, validate=validate.Length(min=2, max=9))
    period = fields.Nested(PeriodSchema, load_default=None, allow_none=True)
    children = fields.Boolean(load_default=True)


ALERT_STATUSES = ("open", "acknowledged", "resolved")


class AlertFilterSchema(Schema):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=9))
    station_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    rule = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(("crisis_no_first_contact", "station_not_compliant", "need_unmet",
                                                  "archive_not_reviewed")))
    severity = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("critical", "high", "medium")))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf((*ALERT_STATUSES, "active")))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class AlertActionSchema(Schema):
    expected_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    note = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class AlertPolicySchema(Schema):
    region_code = fields.String(required=True, validate=validate.Regexp(r"^(\d{6}|\d{9})$"))
    effective_from = fields.Date(required=True)
    crisis_first_contact_hours = fields.Integer(required=True, strict=True, validate=validate.Range(1, 168))
    need_unmet_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 365))
    archive_review_months = fields.Integer(required=True, strict=True, validate=validate.Range(1, 36))
    source = fields.String(required=True, validate=validate.Length(min=2, max=500))
