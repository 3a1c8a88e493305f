"""Trends: `supervisionTrend(region, year)`, the roll-up's figures per month of a year, for charts.

One RPC answers the whole year (the supervision service reads its read models once). Counts of people
are protected as in `supervisionProtectedRollup`: a hidden count is null and named in `suppressed`, never
a zero. Definitions: services/supervision/domain/trends.py and docs/supervision.md ("Trends").
"""
from __future__ import annotations

import graphene

from gateway.schema.funding.money import Fen
from gateway.schema.scalars import Date
from gateway.schema.supervision.types.rollups import SupervisionPeriod


class SupervisionTrendMonth(graphene.ObjectType):
    month = graphene.String(required=True, description="YYYY-MM.")
    period = graphene.Field(SupervisionPeriod, required=True)
    as_of = Date(required=True, description="The day state figures are read on: the month's end, or today.")
    stations_operating = graphene.Int(required=True)
    townships_covered = graphene.Int(required=True)
    township_coverage = graphene.Float(description="Townships with an operating station ÷ townships.")
    households_registered = graphene.Int(description="null when suppressed.")
    households_current_archive = graphene.Int(description="Households whose needs archive is current; "
                                                          "null when suppressed.")
    archive_freshness = graphene.Float(description="householdsCurrentArchive ÷ households; null when either is "
                                                   "suppressed or without households.")
    cases_opened = graphene.Int(description="null when suppressed.")
    cases_closed = graphene.Int(description="null when suppressed.")
    closure_rate = graphene.Float(description="Closed ÷ (open at the month's start + opened); null when suppressed "
                                              "or not computable.")
    visits = graphene.Int(description="null when suppressed.")
    crisis_breaches = graphene.Int(description="Late or missed crisis first contacts; null when suppressed.")
    volunteer_hours = graphene.Float(description="Volunteer hours approved in the month at the region's stations in "
                                                 "the viewer's scope (not a count of people: never suppressed).")
    money_disbursed_fen = Fen(description="Fen paid in the month by disbursements whose stations all lie in the "
                                          "region and the viewer's scope (a payment spanning several townships "
                                          "counts in the region holding all of them); not suppressed.")
    suppressed = graphene.List(graphene.NonNull(graphene.String), required=True,
                               description="The keys of the protected roll-up hidden this month "
                                           "(cases.opened, visits.count …).")


class SupervisionTrend(graphene.ObjectType):
    region_code = graphene.String(required=True)
    name = graphene.String()
    level = graphene.String()
    year = graphene.Int(required=True)
    threshold = graphene.Int(required=True, description="Counts from 1 to threshold − 1 may be suppressed.")
    months = graphene.List(graphene.NonNull(SupervisionTrendMonth), required=True,
                           description="January to the current month (months not begun are left out).")


class SupervisionTrendQuery(graphene.ObjectType):
    supervision_trend = graphene.Field(
        SupervisionTrend, region=graphene.String(required=True, description="Any level: 32, 3211, 321181 …"),
        year=graphene.Int(required=True),
        description="The roll-up's figures per month of a year within the viewer's scope, small township "
                    "counts of people suppressed as in supervisionProtectedRollup.")

    @staticmethod
    def resolve_supervision_trend(root, info, region, year):
        return info.context.service("supervision").trend({"region": region, "year": year})
