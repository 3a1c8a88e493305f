"""Rosters from other agencies (issue 13): saved column mappings, starting an import, its progress and its
row-by-row report. The rows themselves are applied in the background (roster_rows.py), a chunk at a time.

An import is one job per (region, source, file content): uploading the same file again returns the same job
(its id is derived from them), so a re-run has no second effect; a file with the same rows in another form
(re-saved, re-ordered) is a new job whose rows all come out `unchanged`.
"""
from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import NotFound, ValidationFailed
from services.common.rpc import load
from services.contracts import vocabulary as catalogue

from .. import schemas
from ..domain import roster_files, rosters
from . import access
from .context import Casework

CHUNK_ROWS = 500
COUNTS = ("rows_read", *catalogue.ROSTER_ROW_OUTCOMES)


# --- mappings -----------------------------------------------------------------------------------------------
def mapping_for(casework: Casework, region: str, source: str) -> dict:
    """The region's saved mapping of this source, else the nearest enclosing region's, else the default."""
    for prefix in _enclosing(region):
        saved = casework.repo.roster_mappings.saved(prefix, source)
        if saved is not None:
            return {"source": source, "region_code": prefix, "columns": saved["columns"], "saved": True,
                    "updated_at": saved.get("updated_at")}
    return {"source": source, "region_code": None, "columns": dict(rosters.DEFAULT_MAPPINGS[source]),
            "saved": False, "updated_at": None}


def _enclosing(region: str) -> list[str]:
    codes = [region]
    if len(region) == 9:
        codes.append(region[:6])
    six = region[:6]
    codes += [c for c in (six[:4] + "00", six[:2] + "0000") if c not in codes]
    return codes


def roster_mapping(casework: Casework, viewer: Viewer, source: str, region: str | None = None) -> dict:
    if source not in catalogue.ROSTER_SOURCES:
        raise ValidationFailed.field("source", "unknown roster source")
    return _mapping_view(mapping_for(casework, access.roster_region(viewer, region), source))


def save_roster_mapping(casework: Casework, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.RosterMappingSchema, data)
    region = access.roster_region(viewer, data["region"])
    columns = {c["field"]: c["header"].strip() for c in data["columns"]}
    if len(columns) != len(data["columns"]):
        raise ValidationFailed.field("columns", "each field once")
    problems = rosters.mapping_problems(data["source"], columns)
    if problems:
        raise ValidationFailed("the mapping cannot be used", {f"columns.{k}": v for k, v in problems.items()})
    casework.repo.roster_mappings.save(region, data["source"], {
        "columns": columns, "updated_at": clock.timestamp(casework.now()), "updated_by": viewer.user_id})
    return _mapping_view(mapping_for(casework, region, data["source"]))


def _mapping_view(mapping: dict) -> dict:
    return {**mapping, "columns": [{"field": f, "header": h} for f, h in mapping["columns"].items()]}


# --- starting an import -----------------------------------------------------------------------------------
def start_roster_import(casework: Casework, viewer: Viewer, data: dict) -> dict:
    """Read and stage the file (its rows encrypted, in chunks); the rows are applied in the background."""
    data = load(schemas.RosterImportSchema, data)
    region, importer = access.roster_importer(viewer, data["region"], data["source"])
    try:
        content = base64.b64decode(data["content"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed.field("content", "the file's bytes in base64") from None
    return stage_import(casework, importer, region, data["source"], data["filename"], content,
                        agency_id=viewer.agency_id)


def stage_import(casework: Casework, viewer: Viewer, region: str, source: str, filename: str,
                 content: bytes, agency_id: str | None = None) -> dict:
    """`agency_id`: the agency whose client started the import (`viewer` applies its rows on the client's behalf)."""
    repo = casework.repo
    file_sha256 = hashlib.sha256(content).hexdigest()
    import_id = "ri-" + hashlib.sha256(f"{region}|{source}|{file_sha256}".encode()).hexdigest()[:24]
    existing = repo.roster_imports.get(import_id)
    if existing is not None:
        return import_view(existing)
    table = roster_files.read_table(content, filename)
    mapping = mapping_for(casework, region, source)
    try:
        positions = rosters.column_positions(source, mapping["columns"], table.headers)
    except rosters.RowProblem as problem:
        raise ValidationFailed.field("file", problem.reason) from None
    chunks: list[dict] = []
    first_row: dict[str, int] = {}
    for number, start in enumerate(range(0, len(table.rows), CHUNK_ROWS)):
        rows: list[dict] = [{"row": n, "values": rosters.mapped(positions, cells)} for n, cells in
                            table.rows[start:start + CHUNK_ROWS]]
        id_indexes = set()
        for row in rows:
            if row["values"].get("id_number"):
                index = casework.cipher.blind_index(rosters.normal_id_number(row["values"]["id_number"]))
                if index in first_row:  # the same person twice in the file: the first row counts
                    row["duplicate_of"] = first_row[index]
                first_row.setdefault(index, row["row"])
                id_indexes.add(index)
        chunks.append({"_id": f"{import_id}:{number:05d}", "import_id": import_id, "number": number,
                       "rows_encrypted": casework.cipher.encrypt(json.dumps(rows, ensure_ascii=False)),
                       "id_indexes": sorted(id_indexes), "outcomes": None, "processed_at": None})
    repo.roster_chunks.stage(chunks)
    job = {"_id": import_id, "source": source, "region_code": region, "station_id": None,
           "viewer": viewer.to_dict(), "filename": filename[:200], "file_sha256": file_sha256,
           "encoding": table.encoding, "columns": mapping["columns"], "mapping_region": mapping["region_code"],
           "total_rows": len(table.rows), "chunk_count": len(chunks), "next_chunk": 0,
           "counts": dict.fromkeys(COUNTS, 0), "status": "running", "created_at": clock.timestamp(casework.now()),
           "created_by": viewer.user_id, "completed_at": None, "left": 0, "removal_applied": None,
           "removal_note": None, **({"agency_id": agency_id} if agency_id else {})}
    stored = repo.roster_imports.insert(job, duplicate_message="this file is being imported already")
    return import_view(stored)


# --- progress and the report ----------------------------------------------------------------------------------
def import_view(job: dict) -> dict:
    return {"id": job["_id"], "source": job["source"], "region_code": job["region_code"],
            "filename": job["filename"], "file_sha256": job["file_sha256"], "encoding": job["encoding"],
            "status": job["status"], "total_rows": job["total_rows"], **job["counts"],
            "chunks_done": job["next_chunk"], "chunk_count": job["chunk_count"], "left": job["left"],
            "removal_applied": job["removal_applied"], "removal_note": job["removal_note"],
            "created_at": job["created_at"], "created_by": job["created_by"], "completed_at": job["completed_at"],
            "columns": [{"field": f, "header": h} for f, h in job["columns"].items()]}


def _visible_job(casework: Casework, viewer: Viewer, import_id: str) -> dict:
    job = casework.repo.roster_imports.get(import_id)
    if job is None or not access.sees_roster_import(viewer, job):
        raise NotFound(f"unknown roster import {import_id}", {"id": ["no such roster import in your scope"]})
    return job


def get_roster_imports(casework: Casework, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = {j["_id"]: j for j in casework.repo.roster_imports.by_ids(ids) if access.sees_roster_import(viewer, j)}
    return [import_view(found[i]) if i in found else None for i in ids]


def list_roster_imports(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.RosterImportFilterSchema, filters or {})
    page = casework.repo.roster_imports.page_in(access.scope(viewer, f["region"]), f["source"], f["after"],
                                                f["limit"])
    return {"items": [import_view(j) for j in page.docs], "next_cursor": page.next_cursor, "total": page.total}


def _outcomes(casework: Casework, job: dict) -> list[dict]:
    chunks = casework.repo.roster_chunks.of_import(job["_id"], job["next_chunk"], ("outcomes",))
    return [o for c in chunks for o in (c.get("outcomes") or [])]


def roster_import_rows(casework: Casework, viewer: Viewer, import_id: str, filters: dict | None = None) -> dict:
    """The processed rows' outcomes in file order (masked), e.g. the flagged ones to review."""
    f = load(schemas.RosterRowFilterSchema, filters or {})
    rows = [o for o in _outcomes(casework, _visible_job(casework, viewer, import_id))
            if (f["outcome"] is None or o["outcome"] == f["outcome"]) and o["row"] > f["after"]]
    page = rows[:f["limit"]]
    return {"items": page, "next_cursor": str(page[-1]["row"]) if len(rows) > f["limit"] else None,
            "total": len(rows)}


REPORT_COLUMNS = ("行号", "结果", "原因", "字段", "姓名", "身份证号", "户编号", "人员编号", "变化")


def roster_import_report(casework: Casework, viewer: Viewer, import_id: str) -> dict:
    """The row-by-row report as CSV (UTF-8 with a byte-order mark, for Excel): names and ID numbers masked.
    The download is written to the access log."""
    job = _visible_job(casework, viewer, import_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for o in _outcomes(casework, job):
        writer.writerow([o["row"], o["outcome"], o.get("reason") or "", o.get("field") or "",
                         _neutral(o.get("name_masked") or ""), o.get("id_number_masked") or "",
                         o.get("household_id") or "", o.get("person_id") or "", o.get("change") or ""])
    casework.repo.access_log.record(viewer, action="export_roster_report", subject_type="roster_import",
                                    subject_id=import_id, fields=["name_masked", "id_number_masked"],
                                    reason="roster import report", station_id=None,
                                    region_code=job["region_code"])
    name = f"roster-{job['source']}-{import_id}.csv"
    return {"filename": name, "ascii_filename": name, "media_type": "text/csv; charset=utf-8",
            "content": base64.b64encode(("\ufeff" + out.getvalue()).encode()).decode()}


def _neutral(text: str) -> str:
    """A cell starting like a formula would run as one in a spreadsheet (CSV injection): prefix a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
