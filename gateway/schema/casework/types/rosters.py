"""Roster imports from other agencies (issue 13): a job's progress, its rows' outcomes (masked), saved mappings.

Files are uploaded at `POST /rosters/<source>/imports` and the row-by-row report downloaded at
`GET /rosters/imports/<id>/report.csv` (gateway/rosters_http.py); these types read the jobs.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import DEFAULT_PAGE_SIZE, given, page_size, page_type
from gateway.schema.casework.enums import RosterField, RosterImportStatus, RosterRowOutcome, RosterSource
from gateway.schema.scalars import DateTime


class RosterColumn(graphene.ObjectType):
    field = RosterField(required=True)
    header = graphene.String(required=True, description="The file's column header holding the field.")


class RosterMapping(graphene.ObjectType):
    """Which column holds what, for one source: the region's saved mapping, or the default (Chinese headers)."""
    source = RosterSource(required=True)
    region_code = graphene.String(description="The region whose saved mapping this is; null for the default.")
    saved = graphene.Boolean(required=True)
    updated_at = DateTime()
    columns = graphene.List(graphene.NonNull(RosterColumn), required=True)


class RosterImportRow(graphene.ObjectType):
    """What the import did with one row of the file; the name and ID number masked."""
    row = graphene.Int(required=True, description="The row number in the file (1 is the header row).")
    outcome = RosterRowOutcome(required=True)
    reason = graphene.String()
    field = graphene.String(description="The column the reason is about.")
    name_masked = graphene.String()
    id_number_masked = graphene.String()
    household_id = graphene.ID()
    person_id = graphene.ID()
    change = graphene.String(description="added, relisted or details_changed, for matched rows.")


RosterImportRowPage = page_type("RosterImportRowPage", RosterImportRow, "rows of a roster import",
                                ordered_by="file")


class RosterImport(graphene.ObjectType):
    """One file of one agency's roster imported for a region, and its progress (applied in the background)."""
    id = graphene.ID(required=True)
    source = RosterSource(required=True)
    region_code = graphene.String(required=True)
    filename = graphene.String(required=True)
    file_sha256 = graphene.String(required=True)
    encoding = graphene.String(required=True, description="utf-8, gb18030 or xlsx.")
    status = RosterImportStatus(required=True)
    total_rows = graphene.Int(required=True)
    rows_read = graphene.Int(required=True)
    matched = graphene.Int(required=True)
    unchanged = graphene.Int(required=True)
    created = graphene.Int(required=True)
    flagged = graphene.Int(required=True)
    failed = graphene.Int(required=True)
    left = graphene.Int(required=True, description="People marked as having left the roster (absent from the file).")
    removal_applied = graphene.Boolean(description="Null until completed; false when nobody could be marked.")
    removal_note = graphene.String()
    chunks_done = graphene.Int(required=True)
    chunk_count = graphene.Int(required=True)
    created_at = DateTime(required=True)
    created_by = graphene.String(required=True)
    completed_at = DateTime()
    columns = graphene.List(graphene.NonNull(RosterColumn), required=True)
    rows = graphene.Field(RosterImportRowPage, required=True, outcome=RosterRowOutcome(),
                          first=graphene.Int(default_value=DEFAULT_PAGE_SIZE),
                          after=graphene.String(description="The nextCursor of the previous page."),
                          description="The processed rows, in file order (e.g. outcome: FLAGGED to review).")

    @staticmethod
    def resolve_rows(job, info, first=DEFAULT_PAGE_SIZE, after=None, outcome=None):
        filters = given(outcome=outcome)
        if after:
            filters["after"] = int(after) if after.isdigit() else 0
        return info.context.service("casework").roster_import_rows(
            job["id"], {**filters, "limit": page_size(first, 500, DEFAULT_PAGE_SIZE)})


RosterImportPage = page_type("RosterImportPage", RosterImport, "roster imports", ordered_by="id")
