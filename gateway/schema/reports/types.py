"""A kept report and its files."""
from __future__ import annotations

import graphene

from gateway.schema.scalars import Date, DateTime

from ..registry.enums import RegionLevel
from .enums import ReportFormat, ReportKind

DOWNLOAD_PATH = "/reports/{id}.{format}"


class ReportFile(graphene.ObjectType):
    format = ReportFormat(required=True)
    bytes = graphene.Int(required=True, description="Size of the file.")
    sha256 = graphene.String(required=True)
    url = graphene.String(required=True, description="GET it with the same Authorization header; logged.")

    @staticmethod
    def resolve_url(file, info):
        return DOWNLOAD_PATH.format(id=file["report_id"], format=file["format"])


class Report(graphene.ObjectType):
    """A county's or city's report of a finished month or year, kept once and the same for every reader."""
    id = graphene.ID(required=True)
    region_code = graphene.String(required=True)
    region_name = graphene.String(required=True)
    level = RegionLevel(required=True)
    kind = ReportKind(required=True)
    period = graphene.String(required=True, description="YYYY-MM (monthly) or YYYY (yearly).")
    from_ = Date(name="from", required=True)
    to = Date(required=True)
    generated_at = DateTime(required=True)
    generation_ms = graphene.Int(required=True, description="How long assembling and rendering took.")
    files = graphene.List(graphene.NonNull(ReportFile), required=True)

    @staticmethod
    def resolve_from_(report, info):
        return report["from"]

    @staticmethod
    def resolve_files(report, info):
        return [{**file, "report_id": report["id"]} for file in report["files"]]


class ReportPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Report), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(page, info):
        return page["total"]
