"""Event contracts the casework service publishes. Producers and consumers both import these.

`needs.assessed` is consumed by the volunteers service for matching: it carries the needs list
without personal data (no names, no ID numbers), only what matching needs.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import contract

PRODUCER = "casework"

DOMAINS = ("social_assistance", "elderly", "children", "disability", "marriage_family", "other")


class AssessedNeedSchema(Schema):
    need_id = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    need_type = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(("low", "medium", "high", "urgent")))
    description = fields.String(required=True)
    beneficiary_groups = fields.List(fields.String(), required=True)
    child_related = fields.Boolean(required=True)
    needed_by = fields.Date(required=True, allow_none=True)


class NeedsAssessedV1(Schema):
    assessment_id = fields.String(required=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    community_code = fields.String(required=True, allow_none=True)
    assessed_on = fields.Date(required=True)
    risk_level = fields.String(required=True)
    supersedes = fields.String(required=True, allow_none=True)
    needs = fields.List(fields.Nested(AssessedNeedSchema), required=True)


NEEDS_ASSESSED = contract("needs.assessed", 1, PRODUCER, NeedsAssessedV1,
                          "a household's needs were assessed (new or re-assessment)")
