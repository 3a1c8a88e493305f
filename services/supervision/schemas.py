"""marshmallow schemas at the supervision service's RPC boundary."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.contracts import supervision as vocabulary
from services.contracts.inbox import INBOX_KINDS

from .domain.plans import INDICATORS as PLAN_INDICATORS


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
    # also the volunteer hours approved: they read the volunteer_hours read model (usecases/hours.py)
    volunteers = fields.Boolean(load_default=False)


class TrendRequestSchema(Schema):
    region = fields.String(required=True, validate=validate.Length(min=2, max=9))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))


ALERT_STATUSES = vocabulary.ALERT_STATUSES


class AlertFilterSchema(Schema):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=9))
    station_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    rule = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(vocabulary.ALERT_RULES))
    severity = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(vocabulary.ALERT_SEVERITIES))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(vocabulary.ALERT_STATUS_FILTERS))
    escalated = fields.Boolean(load_default=None, allow_none=True)
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
    critical_escalation_hours = fields.Integer(load_default=4, strict=True, validate=validate.Range(1, 168))
    small_count_threshold = fields.Integer(load_default=5, strict=True, validate=validate.Range(2, 50))
    source = fields.String(required=True, validate=validate.Length(min=2, max=500))


# --- supervisors' work ------------------------------------------------------------------------------
KINDS = vocabulary.SUPERVISOR_KINDS
FORMS = vocabulary.SESSION_FORMS
TOPICS = vocabulary.SESSION_TOPICS


class OrganisationSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    credit_code = fields.String(load_default=None, allow_none=True,
                                validate=validate.Regexp(r"^[0-9A-HJ-NPQRTUWXY]{18}$"))


class SupervisorInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    organisation = fields.Nested(OrganisationSchema, required=True)
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))


class AssignmentSchema(Schema):
    station_id = fields.String(required=True, validate=validate.Regexp(r"^ST\d{9}$"))
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", load_default=None, allow_none=True)


class EndAssignmentSchema(Schema):
    expected_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    assignment_id = fields.String(required=True, validate=validate.Length(min=1, max=60))
    end = fields.Date(data_key="to", required=True)


class FollowUpInputSchema(Schema):
    description = fields.String(required=True, validate=validate.Length(min=2, max=1000))
    owner = fields.String(required=True, validate=validate.Length(min=1, max=100))
    due_on = fields.Date(required=True)


class SessionSchema(Schema):
    supervisor_id = fields.String(required=True, validate=validate.Length(min=1, max=60))
    station_id = fields.String(required=True, validate=validate.Regexp(r"^ST\d{9}$"))
    date = fields.Date(required=True)
    form = fields.String(required=True, validate=validate.OneOf(FORMS))
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(15, 600))
    topics = fields.List(fields.String(validate=validate.OneOf(TOPICS)), required=True,
                         validate=validate.Length(min=1, max=len(TOPICS)))
    problems = fields.List(fields.String(validate=validate.Length(min=2, max=1000)), load_default=list,
                           validate=validate.Length(max=30))
    follow_ups = fields.List(fields.Nested(FollowUpInputSchema), load_default=list, validate=validate.Length(max=30))


class CompleteFollowUpSchema(Schema):
    expected_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    done_on = fields.Date(required=True)
    evidence = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class SessionFilterSchema(Schema):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=9))
    station_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    supervisor_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=60))
    open_follow_ups = fields.Boolean(load_default=None, allow_none=True)
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class SupervisorFilterSchema(Schema):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=9))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


# --- county yearly plans ----------------------------------------------------------------------------
class PlanTargetSchema(Schema):
    station_id = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^ST\d{9}$"))
    indicator = fields.String(required=True, validate=validate.OneOf(PLAN_INDICATORS))
    domain = fields.String(load_default=None, allow_none=True)
    value = fields.Float(required=True, validate=validate.Range(min=0, max=10_000_000))


class PlanSchema(Schema):
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    effective_from = fields.Date(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True,
                                      validate=validate.Range(min=1))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    targets = fields.List(fields.Nested(PlanTargetSchema), required=True, validate=validate.Length(min=1, max=500))


class PlanRequestSchema(Schema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    month = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 12))


class InboxItemRefSchema(Schema):
    """Which inbox item an action is on, as the source service listed it."""
    source = fields.String(required=True, validate=validate.OneOf(("casework", "volunteers", "registry",
                                                                   "supervision")))
    kind = fields.String(required=True, validate=validate.OneOf(INBOX_KINDS))
    item_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    station_id = fields.String(required=True, validate=validate.Regexp(r"^ST\d{9}$"))
    owner_id = fields.String(load_default=None, validate=validate.Length(max=200))


class InboxActionSchema(Schema):
    item = fields.Nested(InboxItemRefSchema, required=True)
    note = fields.String(load_default=None, validate=validate.Length(min=2, max=2000))


class InboxItemsRequestSchema(Schema):
    """The items other services listed for the viewer, whose actions the inbox shows beside them."""
    items = fields.List(fields.Nested(Schema.from_dict({"key": fields.String(required=True),
                                                        "station_id": fields.String(required=True)})),
                        load_default=list, validate=validate.Length(max=2000))
