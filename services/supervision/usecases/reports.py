"""月报 and 年报: generated on demand or after each month's end, kept (PDF and Excel), listed, downloaded.

A report is of a finished period and computed with the service's own view of the region, so one report
per region, kind and period serves everyone allowed to read it; reading is allowed exactly where the
region's figures are (access.require_report_reader). Every download is written to the access log.
"""
from __future__ import annotations

import base64
import time
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common import clock
from services.common.auth import EVALUATOR, SYSTEM, Viewer
from services.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.common.rpc import load
from services.contracts import supervision as vocabulary

from ..domain.periods import Period, period_of
from ..domain.regions import region_key
from ..report_storage import FORMATS, report_id_of
from ..reports.evaluation import evaluation_document
from ..reports.pdf import render_pdf
from ..reports.regional import RegionalInputs, regional_document
from ..reports.workbook import render_xlsx
from . import Supervision, alerts, rollups, scorecards, sessions
from .access import evaluations_for_pack, listing_scope, require_administrator, require_report_reader

KINDS = vocabulary.REPORT_KINDS
LEVELS = ("city", "county")
PAGE = 100
# After an outage the timer still catches up on this many past months (and their years).
CATCH_UP_MONTHS = 3
MEDIA_TYPES = {"pdf": "application/pdf",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ReportRequestSchema(Schema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{4}(00|\d{2})$"))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}(-(0[1-9]|1[0-2]))?$"))

    @validates_schema
    def _period_matches_kind(self, data, **_kwargs):
        if (data["kind"] == "monthly") != ("-" in data["period"]):
            raise ValidationError("a monthly report's period is YYYY-MM, a yearly one's YYYY", "period")


class ReportFilterSchema(Schema):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=9))
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(KINDS))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


def report_view(report: dict) -> dict:
    return {"id": report["_id"], "region_code": report["region_code"], "region_name": report["region_name"],
            "level": report["level"], "kind": report["kind"], "period": report["period"],
            "from": report["from"], "to": report["to"], "generated_at": report["generated_at"],
            "generated_by": report["generated_by"], "generation_ms": report["generation_ms"],
            "files": [{"format": fmt, **report["files"][fmt]} for fmt in FORMATS if fmt in report["files"]]}


def generate_report(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    """The report of a region, kind and period; the kept one when it exists already."""
    data = load(ReportRequestSchema, request)
    region = region_key(data["region"])
    require_report_reader(viewer, region)
    kept = supervision.reports.get(report_id_of(region.code, data["kind"], data["period"]))
    if kept is not None:
        return report_view(kept)
    period = _period(data["kind"], data["period"])
    if period.end >= clock.today():
        raise ValidationFailed.field("period", f"{data['period']} has not ended yet: a report is of a finished period")
    return report_view(_generate(supervision, viewer, region.code, data["kind"], data["period"], period))


def list_reports(supervision: Supervision, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(ReportFilterSchema, filters or {})
    page = supervision.reports.page(listing_scope(viewer, f["region"], "reports"), f, f["after"], f["limit"])
    return {"items": [report_view(r) for r in page.docs], "next_cursor": page.next_cursor, "total": page.total}


def report_file(supervision: Supervision, viewer: Viewer, report_id: str, format: str) -> dict:
    """One file of a kept report, base64 (RPC replies are JSON), after the download is logged."""
    report = supervision.reports.get(report_id) if format in FORMATS else None
    if report is None:
        raise NotFound(f"unknown report {report_id}.{format}", {"id": ["no such report"]})
    try:
        require_report_reader(viewer, region_key(report["region_code"]))
    except PermissionDenied:
        raise NotFound(f"unknown report {report_id}", {"id": ["no such report in your scope"]}) from None
    content = supervision.reports.content(report_id, format)
    if content is None:
        raise NotFound(f"report {report_id} has no {format} file", {"format": ["not kept for this report"]})
    supervision.reports.log_download(viewer, report, format)
    return {"filename": f"{report['region_name']}{report['period']}{_kind_title(report['kind'])}.{format}",
            "ascii_filename": f"{report_id}.{format}", "media_type": MEDIA_TYPES[format],
            "content": base64.b64encode(content).decode("ascii")}


def generate_due_reports(supervision: Supervision, viewer: Viewer) -> dict:
    """Every report of the recently ended months (and years) not kept yet, for each county and city with a
    station; the timer runs it, so it is idempotent."""
    require_administrator(viewer, "reports are generated on schedule by the service itself or an administrator")
    due = _due_periods(clock.today())
    regions = _reporting_regions(supervision)
    wanted = [(code, kind, label) for code in regions for kind, label in due]
    kept = supervision.reports.existing([report_id_of(*w) for w in wanted])
    generated = []
    for code, kind, label in wanted:
        if report_id_of(code, kind, label) in kept:
            continue
        try:
            generated.append(_generate(supervision, viewer, code, kind, label, _period(kind, label))["_id"])
        except Conflict:
            continue  # another worker kept it first
        time.sleep(0)  # rendering never waits on I/O: let the worker's other green threads run between reports
    return {"generated": generated, "already_kept": len(kept)}


def _due_periods(today: date) -> list[tuple[str, str]]:
    months, year, month = [], today.year, today.month
    for _ in range(CATCH_UP_MONTHS):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(("monthly", f"{year}-{month:02d}"))
    years = sorted({label[:4] for _, label in months if int(label[:4]) < today.year})
    return [*months, *(("yearly", y) for y in years)]


def _reporting_regions(supervision: Supervision) -> list[str]:
    townships = {s["township"] for s in supervision.repo.read_models().stations.values() if s.get("township")}
    return sorted({t[:6] for t in townships} | {t[:4] + "00" for t in townships})


def _period(kind: str, label: str) -> Period:
    year = int(label[:4])
    return period_of(clock.today(), year=year, month=int(label[5:7]) if kind == "monthly" else None)


def _kind_title(kind: str) -> str:
    return "月报" if kind == "monthly" else "年报"


def _period_label(kind: str, period: Period) -> str:
    return f"{period.start.year}年{period.start.month}月" if kind == "monthly" else f"{period.start.year}年"


def _generate(supervision: Supervision, viewer: Viewer, code: str, kind: str, label: str, period: Period) -> dict:
    started = time.perf_counter()
    inputs = _gather(supervision, code, kind, period)
    document = regional_document(inputs)
    files = {"pdf": render_pdf(document), "xlsx": render_xlsx(document)}
    level = region_key(code).level
    report = {"_id": report_id_of(code, kind, label), "region_code": code, "region_name": inputs.region_name,
              "level": level, "kind": kind, "period": label, "from": period.start.isoformat(),
              "to": period.end.isoformat(), "generated_at": inputs.generated_at, "generated_by": viewer.user_id,
              "generation_ms": round((time.perf_counter() - started) * 1000)}
    return supervision.reports.keep(report, files)


def _gather(supervision: Supervision, code: str, kind: str, period: Period) -> RegionalInputs:
    """The figures the report shows, read with the service's own view (the caller's was checked)."""
    period_request = {"year": period.start.year, **({"month": period.start.month} if kind == "monthly" else {})}
    figures = rollups.rollup(supervision, SYSTEM, {"region": code, "period": period_request, "children": True})
    region = region_key(code)
    names = {r.code: r.name for r in supervision.regions.under(region.prefix)}
    stations = [{"station_id": sid, "township_name": names.get(s["township"], s["township"]),
                 "status": s.get("status"), "compliance": s.get("compliance"), "rules": s.get("rules", {})}
                for sid, s in sorted(supervision.repo.read_models().stations.items())
                if region.covers(s.get("township")) and s.get("registered_on", "") <= period.end.isoformat()]
    period_alerts = [a for a in _all(alerts.list_alerts, supervision, {"region": code})
                     if period.contains(clock.local_date(clock.parse_timestamp(a["first_seen"])))]
    all_sessions = _all(sessions.list_sessions, supervision, {"region": code})
    open_follow_ups = [{**f, "station_id": s["station_id"]} for s in all_sessions for f in s["follow_ups"]
                       if f["status"] in ("open", "overdue")]
    return RegionalInputs(
        kind=kind, region_code=code, region_name=figures["region"].get("name") or code,
        period_label=_period_label(kind, period), generated_at=clock.timestamp(clock.utcnow()), rollup=figures,
        stations=stations, alerts=period_alerts,
        sessions=[s for s in all_sessions if period.contains(s["date"])], open_follow_ups=open_follow_ups,
        money=_money(supervision, code, period.start.year))


def _all(list_use_case, supervision: Supervision, filters: dict) -> list[dict]:
    items, after = [], None
    while True:
        page = list_use_case(supervision, SYSTEM, {**filters, "after": after, "limit": PAGE})
        items += page["items"]
        after = page["next_cursor"]
        if not after:
            return items


def _money(supervision: Supervision, code: str, year: int) -> dict | None:
    """Money by source from funding over RPC (the read models follow no funding events); None when
    funding cannot answer, which the report says rather than showing zeros."""
    if supervision.funding is None:
        return None
    try:
        return supervision.funding.fund_supervision(SYSTEM.to_dict(), {"region": code, "year": year})
    except Exception:  # noqa: BLE001 - any failure of the other service: the section says the figures are missing
        return None


def evaluation_pack(supervision: Supervision, viewer: Viewer, station_id: str) -> dict:
    """A station's evaluation pack (PDF, base64): for evaluators commissioned for the station while their
    evaluation runs, and for civil-affairs staff who see the station; the download is logged. It carries the
    station's scorecard computed today (usecases/scorecards.py), with the evaluators' scores beside it."""
    station = supervision.repo.station(station_id)
    evaluations = (supervision.funding.evaluations_for_stations(SYSTEM.to_dict(), [station_id]).get(station_id, [])
                   if supervision.funding is not None and station is not None else [])
    shown = evaluations_for_pack(viewer, station_id, station, evaluations, clock.today().isoformat())
    assert station is not None  # evaluations_for_pack refuses an unknown station
    compliance = supervision.registry.compliance_for_stations(SYSTEM.to_dict(), [station_id]).get(station_id)
    names = {r.code: r.name for r in supervision.regions.under(station["township"])}
    township = names.get(station["township"], station["township"])
    evaluator = viewer.role == EVALUATOR
    card = scorecards.station_card(supervision, station_id, [e["id"] for e in shown] if evaluator else None,
                                   evaluator)
    content = render_pdf(evaluation_document(station_id, township, compliance, shown, clock.timestamp(clock.utcnow()),
                                             card))
    supervision.reports.log_download(viewer, {"_id": f"evaluation-pack-{station_id}", "kind": "evaluation_pack",
                                              "period": clock.today().isoformat(), "station_id": station_id,
                                              "region_code": station["township"]}, "pdf")
    return {"filename": f"{township}社工站评估材料.pdf", "ascii_filename": f"evaluation-pack-{station_id}.pdf",
            "media_type": MEDIA_TYPES["pdf"], "content": base64.b64encode(content).decode("ascii")}
