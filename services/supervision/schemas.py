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
