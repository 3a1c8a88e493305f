"""County yearly plans (年度管理与服务计划) in the schema: the plan with its versions, plan versus actual
per month (from the same figures as `supervisionRollup`, one RPC), and recording a plan or a revision.

Scoped like the roll-ups: the county, the levels above it, administrators; station staff and supervisors
see their stations' targets only. Rules: services/supervision/domain/plans.py.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import service_data
from gateway.schema.scalars import Date, DateTime
from gateway.schema.supervision.enums import PlanIndicator


class SupervisionPlanTarget(graphene.ObjectType):
    station_id = graphene.ID(description="The station the target is for; null: the whole county.")
    indicator = PlanIndicator(required=True)
    domain = graphene.String(description="The case domain of a cases target.")
    value = graphene.Float(required=True)


class SupervisionPlanVersion(graphene.ObjectType):
    version = graphene.Int(required=True)
    effective_from = Date(required=True, description="The day its targets replace the previous version's.")
    targets = graphene.List(graphene.NonNull(SupervisionPlanTarget), required=True)
    note = graphene.String()
    recorded_by = graphene.String(required=True)
    recorded_at = DateTime(required=True)


class SupervisionPlan(graphene.ObjectType):
    id = graphene.ID(required=True)
    region_code = graphene.String(required=True, description="The county's six-digit code.")
    year = graphene.Int(required=True)
    versions = graphene.List(graphene.NonNull(SupervisionPlanVersion), required=True,
                             description="Every version, oldest first: the history of the plan.")
    version = graphene.Int(required=True, description="Pass as expectedVersion to record a revision.")


class PlanMonth(graphene.ObjectType):
    month = graphene.Int(required=True)
    target = graphene.Float(description="The target in force at the month's end; null: none in that version.")
    version = graphene.Int(description="The plan version the target comes from.")
    actual = graphene.Float(description="The month's figure (state figures: read at its end); null: not "
                                        "computable from the read models yet.")
    cumulative = graphene.Float(description="From 1 January to the month's end.")
    share_of_target = graphene.Float(description="cumulative ÷ target; null without both.")


class PlanVersusActualRow(graphene.ObjectType):
    station_id = graphene.ID()
    indicator = PlanIndicator(required=True)
    domain = graphene.String()
    months = graphene.List(graphene.NonNull(PlanMonth), required=True)


class PlanVersusActual(graphene.ObjectType):
    region_code = graphene.String(required=True)
    year = graphene.Int(required=True)
    month = graphene.Int(description="The month asked for; null: every month of the year so far.")
    versions = graphene.List(graphene.NonNull(SupervisionPlanVersion), required=True)
    rows = graphene.List(graphene.NonNull(PlanVersusActualRow), required=True)


class PlanTargetInput(graphene.InputObjectType):
    station_id = graphene.ID(description="A station of the county; omit for a county-wide target.")
    indicator = PlanIndicator(required=True)
    domain = graphene.String(description="The case domain, for cases targets only.")
    value = graphene.Float(required=True)


class RecordSupervisionPlanInput(graphene.InputObjectType):
    region_code = graphene.String(required=True, description="The county's six-digit code.")
    year = graphene.Int(required=True)
    effective_from = Date(required=True, description="Within the year; a revision: after the current version's.")
    expected_version = graphene.Int(description="The plan's version, to revise an existing plan.")
    note = graphene.String()
    targets = graphene.List(graphene.NonNull(PlanTargetInput), required=True)


class SupervisionPlanQuery(graphene.ObjectType):
    supervision_plan = graphene.Field(SupervisionPlan, region=graphene.String(required=True),
                                      year=graphene.Int(required=True),
                                      description="A county's yearly plan with its versions.")
    plan_versus_actual = graphene.Field(
        PlanVersusActual, region=graphene.String(required=True), year=graphene.Int(required=True),
        month=graphene.Int(description="1 to 12; omitted: every month so far."),
        description="A county's plan against the roll-up figures, monthly and cumulative.")

    @staticmethod
    def resolve_supervision_plan(root, info, region, year):
        return info.context.service("supervision").supervision_plan(region, year)

    @staticmethod
    def resolve_plan_versus_actual(root, info, region, year, month=None):
        return info.context.service("supervision").plan_versus_actual({"region": region, "year": year,
                                                                        "month": month})


class SupervisionPlanMutation(graphene.ObjectType):
    record_supervision_plan = graphene.Field(SupervisionPlan, input=RecordSupervisionPlanInput(required=True))

    @staticmethod
    def resolve_record_supervision_plan(root, info, input):
        return info.context.service("supervision").record_plan(service_data(input))
