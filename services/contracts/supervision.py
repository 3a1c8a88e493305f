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


class AlertEscalatedV1(Schema):
    alert_id = fields.String(required=True)
    rule = fields.String(required=True)
    severity = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(("city", "province")))
    escalated_to = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    at = fields.AwareDateTime(required=True)


ALERT_ESCALATED = contract("alert.escalated", 1, PRODUCER, AlertEscalatedV1,
                           "a critical alert was not acknowledged in time and went to the next level up")


class SupervisorAssignedV1(Schema):
    supervisor_id = fields.String(required=True)
    assignment_id = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True, allow_none=True)


SUPERVISOR_ASSIGNED = contract("supervisor.assigned", 1, PRODUCER, SupervisorAssignedV1,
                               "a supervisor was assigned to a station for a period (or the period changed)")


class SessionRecordedV1(Schema):
    session_id = fields.String(required=True)
    supervisor_id = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    date = fields.Date(required=True)
    form = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    topics = fields.List(fields.String(), required=True)
    follow_ups = fields.Integer(required=True)


SESSION_RECORDED = contract("supervision_session.recorded", 1, PRODUCER, SessionRecordedV1,
                            "a supervision session took place at a station (problems and follow-ups stay here)")


class FollowUpCompletedV1(Schema):
    session_id = fields.String(required=True)
    follow_up_id = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    due_on = fields.Date(required=True)
    done_on = fields.Date(required=True)


FOLLOW_UP_COMPLETED = contract("supervision_follow_up.completed", 1, PRODUCER, FollowUpCompletedV1,
                               "an agreed follow-up of a supervision session was done, with evidence")


class PlanRecordedV1(Schema):
    plan_id = fields.String(required=True)
    region_code = fields.String(required=True)
    year = fields.Integer(required=True)
    version = fields.Integer(required=True)
    effective_from = fields.Date(required=True)
    targets = fields.Integer(required=True)


PLAN_RECORDED = contract("supervision_plan.recorded", 1, PRODUCER, PlanRecordedV1,
                         "a county recorded its yearly plan, or a revision replacing the targets from a day on")


class ScorecardScoreRecordedV1(Schema):
    """An evaluator's own score of one indicator beside the computed one (the note stays in the review)."""
    review_id = fields.String(required=True)
    evaluation_id = fields.String(required=True)
    subject_kind = fields.String(required=True, validate=validate.OneOf(("station", "contract")))
    subject_id = fields.String(required=True)
    region_code = fields.String(required=True)
    scheme_id = fields.String(required=True)
    indicator = fields.String(required=True)
    as_of = fields.Date(required=True)
    computed_score = fields.Float(required=True, allow_none=True)
    evaluator_score = fields.Float(required=True)
    by = fields.String(required=True)


SCORECARD_SCORE_RECORDED = contract("scorecard.score_recorded", 1, PRODUCER, ScorecardScoreRecordedV1,
                                    "an evaluator scored an indicator of a station's or contract's scorecard")



class InboxItemActedV1(Schema):
    """A supervisor's (or the county's) action on an item of someone's worker inbox. The note or comment stays
    in the supervision service, shown to those who see the item (it may name people)."""
    item_key = fields.String(required=True)
    kind = fields.String(required=True)
    item_id = fields.String(required=True)
    source = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    owner_id = fields.String(required=True, allow_none=True)
    action_id = fields.String(required=True)
    by = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


INBOX_ITEM_REMINDED = contract("inbox_item.reminded", 1, PRODUCER, InboxItemActedV1,
                               "a supervisor reminded the owner of an inbox item of the work waiting for them")
INBOX_ITEM_AFFIRMED = contract("inbox_item.affirmed", 1, PRODUCER, InboxItemActedV1,
                               "a supervisor acknowledged and endorsed the work behind an inbox item")
INBOX_ITEM_COMMENTED = contract("inbox_item.commented", 1, PRODUCER, InboxItemActedV1,
                                "a supervisor added a comment to an inbox item")

# --- supervision's vocabularies (its schemas, payloads and the gateway's enums use them) -------------------------
ALERT_RULES = ("crisis_no_first_contact", "station_not_compliant", "need_unmet", "archive_not_reviewed",
               "follow_up_overdue")
ALERT_SEVERITIES = ("critical", "high", "medium")
ALERT_STATUSES = ("open", "acknowledged", "resolved")
ALERT_STATUS_FILTERS = (*ALERT_STATUSES, "active")  # "active": not yet resolved
ALERT_THRESHOLDS = ("crisis_first_contact_hours", "need_unmet_days", "archive_review_months",
                    "critical_escalation_hours")
ESCALATION_LEVELS = ("city", "province")
SUPERVISOR_KINDS = ("expert", "leading_social_worker", "university", "purchased_service")
# The forms and topics of supervision the notice names (§三: station building, management, services, evaluation).
SESSION_FORMS = ("on_site", "remote", "group", "training")
SESSION_TOPICS = ("station_building", "management", "services", "evaluation", "training")
FOLLOW_UP_STATUSES = ("open", "done", "overdue")
# What a county's yearly plan (年度管理与服务计划) sets targets for (the notice's yearly plan, §三).
PLAN_INDICATORS = ("households_archived", "visits", "cases", "volunteer_hours", "training_hours",
                   "supervision_sessions", "evaluation")
# The computations a scorecard indicator may name (services/supervision/domain/indicators.py).
SCORECARD_FORMULAS = ("staff_count", "professional_ratio", "training_hours_pro_rata", "archive_coverage",
                      "archive_freshness", "visits_per_household", "case_closure_rate", "crisis_first_contact_24h",
                      "volunteer_hours", "supervision_sessions_vs_plan")
# The records behind a contract's or disbursement's outcome figures (supervision's outcomeRecords).
OUTCOME_RECORD_KINDS = ("household", "visit", "case", "volunteer_hours")
REPORT_KINDS = ("monthly", "yearly")  # 月报, 年报
REPORT_FORMATS = ("pdf", "xlsx")
