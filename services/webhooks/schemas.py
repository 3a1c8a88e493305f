"""Marshmallow schemas of the webhooks service's RPC inputs."""
from __future__ import annotations

from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.common.config import settings

from .domain.catalogue import EVENT_TYPES, PERSONAL_FIELDS
from .storage import DELIVERY_STATES

MAX_PAGE = 100
DIVISION_PREFIX = validate.Regexp(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$", error="a division code (2 to 12 digits)")


class SubscriptionInput(Schema):
    agency_client_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    url = fields.String(required=True, validate=validate.Length(max=2000))
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), required=True,
                              validate=validate.Length(min=1, max=len(EVENT_TYPES)))
    regions = fields.List(fields.String(validate=DIVISION_PREFIX), required=True,
                          validate=validate.Length(min=1, max=50))
    personal_fields = fields.List(fields.String(validate=validate.OneOf(PERSONAL_FIELDS)), load_default=list)
    description = fields.String(load_default="", validate=validate.Length(max=500))

    @validates("url")
    def _url(self, value: str, **_) -> None:
        parts = urlsplit(value)
        schemes = ("https",) if settings().production else ("https", "http")
        if parts.scheme not in schemes or not parts.hostname:
            raise ValidationError(f"an absolute {' or '.join(schemes)} URL")
        if parts.username or parts.password:
            raise ValidationError("no credentials in the URL: receivers verify the signature instead")


class SubscriptionFilters(Schema):
    agency_client_id = fields.String(load_default=None, validate=validate.Length(max=100))
    after = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class DeliveryFilters(Schema):
    subscription_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    state = fields.String(load_default=None, validate=validate.OneOf(DELIVERY_STATES))
    after = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class ReplaySince(Schema):
    subscription_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    since = fields.AwareDateTime(required=True)
