"""Supervision alerts: raised by the supervision service from its read models (rules and thresholds:
services/supervision/domain/alerts.py); each names its station, region, severity, the evidence it was raised
on, when it was first seen, and who acknowledged and resolved it with a note. A page of alerts loads its
stations through the registry's loader: one lookup.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.registry.types import Station
from gateway.schema.scalars import JSON, Date, DateTime
from gateway.schema.supervision.enums import (
    AlertRule,
    AlertSeverity,
    AlertStatus,
)


class AlertAction(graphene.ObjectType):
    by = graphene.String(required=True, description="User id.")
    role = graphene.String(required=True)
    at = DateTime(required=True)
    note = graphene.String(required=True)


class AlertEscalation(graphene.ObjectType):
    """One step of a critical alert's climb when nobody acknowledged it in time (county → city → province)."""
    level = graphene.String(required=True, description="city or province.")
    region_code = graphene.String(required=True, description="The division the alert went to.")
    due_at = DateTime(required=True, description="firstSeen plus the policy's hours per step.")
    at = DateTime(required=True, description="When the escalation was recorded.")
    threshold_hours = graphene.Int(required=True)


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
    escalation = graphene.Field(AlertEscalation, description="The latest escalation; null: not escalated.")
    escalations = graphene.List(graphene.NonNull(AlertEscalation), required=True)
    withdrawn = graphene.Boolean(required=True, description="The household's consent was withdrawn: the subject "
                                                            "is a pseudonym and what was said about it is gone.")
    version = graphene.Int(required=True, description="Pass as expectedVersion to acknowledge or resolve.")

    @staticmethod
    def resolve_station(alert, info):
        return loader(info, "registry.stations").load(alert["station_id"])


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
    critical_escalation_hours = graphene.Int(required=True,
                                             description="Hours an open critical alert waits per escalation step.")
    small_count_threshold = graphene.Int(required=True, description="Township counts below it are suppressed.")
    source = graphene.String(required=True)
