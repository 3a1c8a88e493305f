"""Supervision alerts in the schema: the feed per role and region (paged), acknowledge and resolve.

Alerts are raised by the supervision service from its read models (rules and thresholds:
services/supervision/domain/alerts.py); each names its station, region, severity, the evidence it was
raised on, when it was first seen, and who acknowledged and resolved it with a note. A station is
loaded through the registry's DataLoader, so a page of alerts costs one station lookup.
"""
from __future__ import annotations

import graphene

from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size, service_data
from .registry import Station
from .registry import loaders as registry_loaders
from .scalars import JSON, Date, DateTime

LIST_SIZES = {"Query.alertPolicies": 10}
LEAF_COSTS = {"Alert.evidence": 10}  # a handful of facts behind one alert (guards.py: CostModel)


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


class AlertAction(graphene.ObjectType):
    by = graphene.String(required=True, description="User id.")
    role = graphene.String(required=True)
    at = DateTime(required=True)
    note = graphene.String(required=True)


class Alert(graphene.ObjectType):
    id = graphene.ID(required=True)
    rule = AlertRule(required=True)
    severity = AlertSeverity(required=True)
    status = AlertStatus(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    region_code = graphene.String(required=True, description="The station's township.")
    subject_type = graphene.String(required=True, description="case, station, need, household or follow_up.")
    subject_id = graphene.ID(required=True)
    evidence = JSON(required=True,
                    description="What the rule saw: dates, thresholds, failing rules (no personal data).")
    first_seen = DateTime(required=True)
    condition_cleared_at = DateTime(description="When the condition stopped holding; the alert stays until resolved.")
    acknowledged = graphene.Field(AlertAction)
    resolved = graphene.Field(AlertAction)
    version = graphene.Int(required=True, description="Pass as expectedVersion to acknowledge or resolve.")

    @staticmethod
    def resolve_station(alert, info):
        return registry_loaders(info).stations.load(alert["station_id"])


class AlertPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Alert), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(page, info):
        return page["total"]


class AlertPolicy(graphene.ObjectType):
    """Thresholds in force from effectiveFrom for townships under regionCode (the most local one applies)."""
    region_code = graphene.String(required=True)
    effective_from = Date(required=True)
    crisis_first_contact_hours = graphene.Int(required=True)
    need_unmet_days = graphene.Int(required=True)
    archive_review_months = graphene.Int(required=True)
    source = graphene.String(required=True)


class AlertsQuery(graphene.ObjectType):
    alerts = graphene.Field(
        AlertPage, region=graphene.String(description="Region code or prefix within your scope."),
        station_id=graphene.ID(), rule=AlertRule(), severity=AlertSeverity(), status=AlertStatusFilter(),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(description="The nextCursor of the previous page."),
        description="Supervision alerts the viewer may see, one page at a time, in id order.")
    alert_policies = graphene.List(graphene.NonNull(AlertPolicy), required=True)

    @staticmethod
    def resolve_alerts(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.supervision.list_alerts({**given(**filters), "limit": limit})

    @staticmethod
    def resolve_alert_policies(root, info):
        return info.context.supervision.alert_policies()


class AlertActionInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    note = graphene.String(required=True, description="What was done or decided (2 to 2000 characters).")


class AlertPolicyInput(graphene.InputObjectType):
    region_code = graphene.String(required=True, description="6 or 9 digits: 320000, 321100, 321181 …")
    effective_from = Date(required=True)
    crisis_first_contact_hours = graphene.Int(required=True)
    need_unmet_days = graphene.Int(required=True)
    archive_review_months = graphene.Int(required=True)
    source = graphene.String(required=True, description="The document the thresholds come from.")


class AlertPayload(graphene.ObjectType):
    alert = graphene.Field(Alert, required=True, description="The alert after the change.")


class AlertsMutation(graphene.ObjectType):
    acknowledge_alert = graphene.Field(AlertPayload, id=graphene.ID(required=True),
                                       input=AlertActionInput(required=True))
    resolve_alert = graphene.Field(AlertPayload, id=graphene.ID(required=True), input=AlertActionInput(required=True))
    set_alert_policy = graphene.Field(AlertPolicy, input=AlertPolicyInput(required=True))

    @staticmethod
    def resolve_acknowledge_alert(root, info, id, input):
        return {"alert": info.context.supervision.acknowledge_alert(id, service_data(input))}

    @staticmethod
    def resolve_resolve_alert(root, info, id, input):
        return {"alert": info.context.supervision.resolve_alert(id, service_data(input))}

    @staticmethod
    def resolve_set_alert_policy(root, info, input):
        return info.context.supervision.set_alert_policy(service_data(input))
