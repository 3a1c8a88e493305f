"""`reports`: the kept reports of the regions the viewer may see whole, one page at a time."""
from __future__ import annotations

import graphene

from gateway.schema.base import listed, page_args

from .enums import ReportKind
from .types import ReportPage


class ReportsQuery(graphene.ObjectType):
    reports = graphene.Field(
        ReportPage, required=True, **page_args(
            region=graphene.String(description="A county or city code, or a prefix within your scope."),
            kind=ReportKind()),
        description="Kept 月报 and 年报 of the counties and cities in your scope, in id order (region, kind, "
                    "period); civil-affairs staff and administrators only (a station sees none).")

    @staticmethod
    def resolve_reports(root, info, first=None, after=None, **filters):
        return listed(info.context.service("supervision").list_reports, first, after, filters)
