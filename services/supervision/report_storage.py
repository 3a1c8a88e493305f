"""Kept reports: one record per region, kind and period (its id says which, so asking twice finds the first),
and its rendered files apart from it, so a listing never loads a few hundred KB per row.

Downloads are written to the service's access log (services/common/accesslog.py) beside the files.
"""
from __future__ import annotations

import hashlib

from bson import Binary

from services.common.accesslog import COLLECTION as ACCESS_LOG
from services.common.accesslog import AccessLog
from services.common.auth import Viewer
from services.common.scope import Scope
from services.common.storage import AggregateStore, Index, Page, all_of, page_key_indexes, scope_filter
from services.contracts.supervision import REPORT_FORMATS

REPORTS, REPORT_FILES = "reports", "report_files"
FORMATS = REPORT_FORMATS

REPORT_INDEXES = [
    Index(REPORTS, (("region_code", 1),)),
    Index(REPORTS, (("kind", 1), ("period", 1))),
    Index(REPORT_FILES, (("report_id", 1),)),
    *page_key_indexes(REPORTS),
]


def report_id_of(region_code: str, kind: str, period: str) -> str:
    return f"rep-{region_code}-{kind}-{period}"


class ReportRepository:
    def __init__(self, db):
        self.store = AggregateStore(db, REPORTS, "report")
        self.files = db[REPORT_FILES]
        self.access_log = AccessLog(db[ACCESS_LOG])

    def get(self, report_id: str) -> dict | None:
        return self.store.get(report_id)

    def page(self, scope: Scope, filters: dict, after: str | None, limit: int) -> Page:
        """Reports of the regions within `scope`, optionally of one kind, in id order (region, kind, period)."""
        wanted = {"kind": filters["kind"]} if filters.get("kind") else {}
        return self.store.page(all_of(scope_filter(scope), wanted), after, limit)

    def existing(self, ids: list[str]) -> set[str]:
        return {d["_id"] for d in self.store.find({"_id": {"$in": ids}})}

    def keep(self, report: dict, files: dict[str, bytes]) -> dict:
        """The files first, then the record that lists them: a listed report can always be downloaded."""
        for fmt, content in files.items():
            self.files.replace_one({"_id": f"{report['_id']}.{fmt}"},
                                   {"_id": f"{report['_id']}.{fmt}", "report_id": report["_id"], "format": fmt,
                                    "content": Binary(content)}, upsert=True)
        described = {fmt: {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
                     for fmt, content in files.items()}
        return self.store.insert({**report, "files": described},
                                 duplicate_message=f"report {report['_id']} exists already")

    def content(self, report_id: str, fmt: str) -> bytes | None:
        doc = self.files.find_one({"_id": f"{report_id}.{fmt}"})
        return bytes(doc["content"]) if doc else None

    def log_download(self, viewer: Viewer, report: dict, fmt: str) -> None:
        self.access_log.record(viewer, subject_type="report", subject_id=report["_id"], fields=[fmt],
                               reason=f"download of the {report['kind']} report {report['period']}",
                               station_id=report.get("station_id"), region_code=report["region_code"],
                               action="download_report")
