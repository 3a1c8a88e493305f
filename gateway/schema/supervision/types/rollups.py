"""Roll-ups of any region and period: one RPC answers the region's figures and the same figures for
each child region (drill-down), computed by the supervision service from its read models. Definitions of
every figure: services/supervision/domain/figures.py; a ratio with nothing to divide by is null, never 0.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.registry.enums import RegionLevel
from gateway.schema.scalars import Date


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


class SupervisionVolunteers(graphene.ObjectType):
    hours_approved = graphene.Float(required=True, description="Volunteer hours approved in the period at the "
                                                              "region's stations in the viewer's scope.")


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
    volunteers = graphene.Field(SupervisionVolunteers, description="Volunteer hours approved (not a count of "
                                                                   "people: never suppressed).")

    @staticmethod
    def resolve_region(figures, info):
        return loader(info, "registry.regions").load(figures["region_code"])


class SupervisionRollup(SupervisionRegionFigures):
    """The figures of a region and, for drill-down, of each child region the viewer may see."""
    children = graphene.List(graphene.NonNull(SupervisionRegionFigures), required=True)
