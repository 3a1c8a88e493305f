"""Supervision enums: alert rules, severities and states; supervisor kinds, session forms and topics."""
from __future__ import annotations

import graphene


class AlertRule(graphene.Enum):
    CRISIS_NO_FIRST_CONTACT = "crisis_no_first_contact"
    STATION_NOT_COMPLIANT = "station_not_compliant"
    NEED_UNMET = "need_unmet"
    ARCHIVE_NOT_REVIEWED = "archive_not_reviewed"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"


class AlertSeverity(graphene.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"


class AlertStatus(graphene.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertStatusFilter(graphene.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    ACTIVE = "active"


class SupervisorKind(graphene.Enum):
    EXPERT = "expert"
    LEADING_SOCIAL_WORKER = "leading_social_worker"
    UNIVERSITY = "university"
    PURCHASED_SERVICE = "purchased_service"


class SessionForm(graphene.Enum):
    ON_SITE = "on_site"
    REMOTE = "remote"
    GROUP = "group"
    TRAINING = "training"


class SessionTopic(graphene.Enum):
    """What the notice (三(四)) asks supervision to help with."""
    STATION_BUILDING = "station_building"
    MANAGEMENT = "management"
    SERVICES = "services"
    EVALUATION = "evaluation"
    TRAINING = "training"


class FollowUpStatus(graphene.Enum):
    OPEN = "open"
    DONE = "done"
    OVERDUE = "overdue"
