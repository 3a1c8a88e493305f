"""The supervision service's part of the schema: roll-ups of any region and period (reads).

Supervision alerts in the schema: the feed per role and region (paged), acknowledge and resolve.

Alerts are raised by the supervision service from its read models (rules and thresholds:
services/supervision/domain/alerts.py); each names its station, region, severity, the evidence it was
raised on, when it was first seen, and who acknowledged and resolved it with a note. A station is
loaded through the registry's DataLoader, so a page of alerts costs one station lookup.

Supervisors' work (督导) in the schema: supervisors and their assignments to stations, supervision
sessions with their problems and follow-ups, tracked to closure.

Visible to the station, its county (and the levels above) and its supervisor; evaluators see sessions
without their free text. A page of sessions loads its supervisors and stations through DataLoaders.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.registry.enums import RegionLevel
from gateway.schema.registry.types import Station
from gateway.schema.scalars import JSON, Date, DateTime
from gateway.schema.supervision.enums import (
    AlertRule,
    AlertSeverity,
    AlertStatus,
    FollowUpStatus,
    SessionForm,
    SessionTopic,
    SupervisorKind,
)


class PeriodInput(graphene.InputObjectType):
    """A year; a quarter or a month of a year; or from/to dates (at most five years). Default: this year."""
    year = graphene.Int()
    quarter = graphene.Int(description="1 to 4, with year.")
    month = graphene.Int(description="1 to 12, with year.")
    from_ = Date(name="from", description="First day, with to.")
    to = Date(description="Last day, with from.")


class SupervisionPeriod(graphene.ObjectType):
    from_ = Date(name="from", required=True)
    to = Date(required=True)

    @staticmethod
    def resolve_from_(period, info):
        return period["from"]


class SupervisionStations(graphene.ObjectType):
    registered = graphene.Int(required=True, description="Stations registered by asOf (any status).")
    operating = graphene.Int(required=True)
    townships = graphene.Int(required=True, description="Townships in the region tree.")
    townships_covered = graphene.Int(required=True, description="Townships with an operating station.")
    township_coverage = graphene.Float(description="townshipsCovered ÷ townships; null without townships.")


class SupervisionRuleCounts(graphene.ObjectType):
    rule = graphene.String(required=True)
    met = graphene.Int(required=True)
    not_met = graphene.Int(required=True)
    at_risk = graphene.Int(required=True)
    on_track = graphene.Int(required=True)
    unknown = graphene.Int(required=True)
    not_applicable = graphene.Int(required=True)


class SupervisionCompliance(graphene.ObjectType):
    """Stations by their latest compliance with the station standard (station.compliance_changed)."""
    met = graphene.Int(required=True)
    not_met = graphene.Int(required=True)
    at_risk = graphene.Int(required=True)
    unknown = graphene.Int(required=True)
    by_rule = graphene.List(graphene.NonNull(SupervisionRuleCounts), required=True)


class SupervisionStaff(graphene.ObjectType):
    count = graphene.Int(required=True, description="Staff employed on asOf.")
    professional = graphene.Int(required=True)
    professional_ratio = graphene.Float()
    training_hours_average = graphene.Float(description="Continuing-education hours in asOf's year, per person.")
    training_hours_expected = graphene.Float(required=True, description="30 hours pro rata on asOf.")
    training_on_track = graphene.Int(required=True, description="Staff at or above the pro-rata hours.")


class SupervisionHouseholds(graphene.ObjectType):
    registered = graphene.Int(required=True)
    current_archive = graphene.Int(required=True, description="Needs archive reviewed within 12 months of asOf.")
    archive_freshness = graphene.Float(description="currentArchive ÷ registered.")
    never_assessed = graphene.Int(required=True)


class SupervisionDomainCases(graphene.ObjectType):
    domain = graphene.String(required=True)
    open = graphene.Int(required=True)
    opened = graphene.Int(required=True)
    closed = graphene.Int(required=True)


class SupervisionStageCount(graphene.ObjectType):
    stage = graphene.String(required=True)
    count = graphene.Int(required=True)


class SupervisionCases(graphene.ObjectType):
    open = graphene.Int(required=True, description="Open on asOf.")
    opened = graphene.Int(required=True, description="Opened in the period.")
    closed = graphene.Int(required=True, description="Closed in the period.")
    closure_rate = graphene.Float(description="closed ÷ (open at the period's start + opened).")
    median_days_to_close = graphene.Float(description="Of the cases closed in the period.")
    by_domain = graphene.List(graphene.NonNull(SupervisionDomainCases), required=True)
    by_stage = graphene.List(graphene.NonNull(SupervisionStageCount), required=True)


class SupervisionVisits(graphene.ObjectType):
    count = graphene.Int(required=True)
    households_visited = graphene.Int(required=True, description="Households visited at least once in the period.")


class SupervisionCrisis(graphene.ObjectType):
    """Crisis cases flagged in the period and their 24-hour first contact."""
    flagged = graphene.Int(required=True)
    contacted_in_time = graphene.Int(required=True)
    contacted_late = graphene.Int(required=True)
    no_contact_by_due = graphene.Int(required=True)
    breaches = graphene.Int(required=True, description="contactedLate + noContactByDue.")
    awaiting_contact = graphene.Int(required=True, description="Not contacted yet, still within 24 hours.")


class SupervisionRegionFigures(graphene.ObjectType):
    """The figures of one region (a child region's own children: ask supervisionRollup for it)."""
    region_code = graphene.String(required=True, description="6 digits, or 9 for a township.")
    name = graphene.String()
    level = RegionLevel()
    region = graphene.Field("gateway.schema.registry.types.Region")
    period = graphene.Field(SupervisionPeriod, required=True)
    as_of = Date(required=True, description="The day state figures are read on: the period's end, or today.")
    stations = graphene.Field(SupervisionStations, required=True)
    compliance = graphene.Field(SupervisionCompliance, required=True)
    staff = graphene.Field(SupervisionStaff, required=True)
    households = graphene.Field(SupervisionHouseholds, required=True)
    cases = graphene.Field(SupervisionCases, required=True)
    visits = graphene.Field(SupervisionVisits, required=True)
    crisis = graphene.Field(SupervisionCrisis, required=True)

    @staticmethod
    def resolve_region(figures, info):
        return loader(info, "registry.regions").load(figures["region_code"])


class SupervisionRollup(SupervisionRegionFigures):
    """The figures of a region and, for drill-down, of each child region the viewer may see."""
    children = graphene.List(graphene.NonNull(SupervisionRegionFigures), required=True)


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
    source = graphene.String(required=True)


class SupervisorOrganisation(graphene.ObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String()


class SupervisorAssignment(graphene.ObjectType):
    assignment_id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    region_code = graphene.String(required=True)
    from_ = Date(name="from", required=True)
    to = Date()

    @staticmethod
    def resolve_from_(assignment, info):
        return assignment["from"]

    @staticmethod
    def resolve_station(assignment, info):
        return loader(info, "registry.stations").load(assignment["station_id"])


class Supervisor(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True, description="Masked for evaluators.")
    kind = SupervisorKind(required=True)
    organisation = graphene.Field(SupervisorOrganisation, required=True)
    region_code = graphene.String(required=True, description="Where the supervisor is registered.")
    assignments = graphene.List(graphene.NonNull(SupervisorAssignment), required=True)
    current_station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    version = graphene.Int(required=True)


class SupervisionFollowUp(graphene.ObjectType):
    follow_up_id = graphene.ID(required=True)
    description = graphene.String(description="Null for evaluators.")
    owner = graphene.String(required=True, description="Who does it; masked for evaluators.")
    due_on = Date(required=True)
    status = FollowUpStatus(required=True)
    done_on = Date()
    done_by = graphene.String()
    evidence = graphene.String(description="Null for evaluators.")


class SupervisionSession(graphene.ObjectType):
    id = graphene.ID(required=True)
    supervisor_id = graphene.ID(required=True)
    supervisor = graphene.Field(Supervisor)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    region_code = graphene.String(required=True)
    date = Date(required=True)
    form = SessionForm(required=True)
    duration_minutes = graphene.Int(required=True)
    topics = graphene.List(graphene.NonNull(SessionTopic), required=True)
    problems = graphene.List(graphene.NonNull(graphene.String), description="Null for evaluators.")
    follow_ups = graphene.List(graphene.NonNull(SupervisionFollowUp), required=True)
    recorded_by = graphene.String(required=True)
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_supervisor(session, info):
        return loader(info, "supervision.supervisors").load(session["supervisor_id"])

    @staticmethod
    def resolve_station(session, info):
        return loader(info, "registry.stations").load(session["station_id"])


class SupervisorPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Supervisor), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(page, info):
        return page["total"]


class SupervisionSessionPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(SupervisionSession), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(page, info):
        return page["total"]
