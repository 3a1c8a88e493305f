"""`generateReport`: a county's or city's report of a finished month or year (the kept one if it exists)."""
from __future__ import annotations

import graphene

from gateway.schema.base import service_data

from .enums import ReportKind
from .types import Report


class ReportPayload(graphene.ObjectType):
    report = graphene.Field(Report, required=True)


class ReportsMutation(graphene.ObjectType):
    generate_report = graphene.Field(
        ReportPayload, region=graphene.String(required=True, description="A county (321181) or city (321100)."),
        kind=ReportKind(required=True),
        period=graphene.String(required=True, description="YYYY-MM for MONTHLY, YYYY for YEARLY; a finished one."),
        description="Generate (or return the kept) 月报/年报 of a region in your scope, as PDF and Excel.")

    @staticmethod
    def resolve_generate_report(root, info, region, kind, period):
        return {"report": info.context.service("supervision").generate_report(
            service_data({"region": region, "kind": kind, "period": period}))}
