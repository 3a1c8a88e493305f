"""Supervision enums, derived from its vocabularies (services/contracts/supervision.py): alert rules,
severities and states; supervisor kinds, session forms and topics."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum
from services.contracts import supervision as vocabulary

AlertRule = vocabulary_enum("AlertRule", vocabulary.ALERT_RULES)
AlertSeverity = vocabulary_enum("AlertSeverity", vocabulary.ALERT_SEVERITIES)
AlertStatus = vocabulary_enum("AlertStatus", vocabulary.ALERT_STATUSES)
AlertStatusFilter = vocabulary_enum("AlertStatusFilter", vocabulary.ALERT_STATUS_FILTERS)
SupervisorKind = vocabulary_enum("SupervisorKind", vocabulary.SUPERVISOR_KINDS)
SessionForm = vocabulary_enum("SessionForm", vocabulary.SESSION_FORMS)
SessionTopic = vocabulary_enum("SessionTopic", vocabulary.SESSION_TOPICS,
                               description="What the notice (三(四)) asks supervision to help with.")
FollowUpStatus = vocabulary_enum("FollowUpStatus", vocabulary.FOLLOW_UP_STATUSES)
PlanIndicator = vocabulary_enum("PlanIndicator", vocabulary.PLAN_INDICATORS,
                                description="What a county's yearly plan sets a target for.")
ScorecardFormula = vocabulary_enum("ScorecardFormula", vocabulary.SCORECARD_FORMULAS,
                                   description="The computations a scorecard indicator may name.")
OutcomeRecordKind = vocabulary_enum("OutcomeRecordKind", vocabulary.OUTCOME_RECORD_KINDS,
                                    description="The records behind a contract's or disbursement's outcome.")
