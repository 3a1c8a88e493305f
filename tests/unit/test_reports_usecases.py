"""月报/年报 use cases on the in-memory store (services/supervision/usecases/reports.py): generated from the
roll-ups, kept once per region+kind+period, listed and downloaded within the figures' scope, logged."""
from __future__ import annotations

import base64
from datetime import datetime

import pytest

from services.common.accesslog import COLLECTION as ACCESS_LOG
from services.common.clock import FrozenClock
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.supervision.report_storage import REPORT_FILES, REPORTS
from services.supervision.reports.document import shown
from services.supervision.reports.regional import HEADLINES, value_at
from services.supervision.usecases import reports, rollups
from tests.support.report_files import pdf_page_is_drawn, pdf_pages, workbook_cells
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    STATION,
    TOWNSHIP,
    WORKER,
    seed_stations,
    supervision,
)

DECEMBER_3RD = datetime(2026, 12, 3, 2, 0)  # 10:00 in Beijing
MONEY = {"region_code": "321181", "rows": [
    {"source_id": "src-1", "source_name": "丹阳市福彩公益金", "source_kind": "lottery", "year": 2026,
     "allocated_fen": 50_000_00, "contracted_fen": 40_000_00, "disbursed_fen": 12_345_67, "flagged_fen": 0,
     "remaining_fen": 37_654_33}],
    "total": {"allocated_fen": 50_000_00, "contracted_fen": 40_000_00, "disbursed_fen": 12_345_67,
              "flagged_fen": 0, "remaining_fen": 37_654_33}}


class FundingFake:
    def __init__(self, reply: dict | None = None):
        self.reply, self.asked = reply, []

    def fund_supervision(self, viewer: dict, filters: dict) -> dict:
        self.asked.append(filters)
        if self.reply is None:
            raise RuntimeError("funding is down")
        return self.reply


@pytest.fixture
def clock():
    with FrozenClock(DECEMBER_3RD) as frozen:
        yield frozen


@pytest.fixture
def context(clock):
    context = supervision()
    context = type(context)(context.repo, context.regions, context.registry, context.casework, FundingFake(MONEY))
    seed_stations(context, **{STATION: {"compliance": "not_met", "rules": {"staffing": "not_met"}}})
    context.repo.alerts.raise_alert({
        "_id": "alt-1", "rule": "station_not_compliant", "severity": "high", "status": "open",
        "station_id": STATION, "region_code": TOWNSHIP, "subject_type": "station", "subject_id": STATION,
        "evidence": {}, "first_seen": "2026-11-20T01:00:00.000000Z", "condition_cleared_at": None}, [])
    context.repo.sessions.add({
        "_id": "ses-1", "supervisor_id": "sup-1", "station_id": STATION, "region_code": TOWNSHIP,
        "date": "2026-11-12", "form": "on_site", "duration_minutes": 90, "topics": ["services"], "problems": [],
        "follow_ups": [{"follow_up_id": "fu-1", "description": "补齐服务台账", "owner": "站长", "due_on": "2026-12-20",
                        "done_on": None, "evidence": None, "done_by": None}],
        "open_follow_ups": 1, "recorded_by": "sup-1"})
    return context


def file_of(context, viewer, report: dict, fmt: str) -> bytes:
    return base64.b64decode(reports.report_file(context, viewer, report["id"], fmt)["content"])


def test_a_monthly_county_report_shows_the_rollups_figures_in_pdf_and_excel(context):
    report = reports.generate_report(context, COUNTY, {"region": "321181", "kind": "monthly", "period": "2026-11"})

    assert report["id"] == "rep-321181-monthly-2026-11" and report["region_name"] == "丹阳市"
    assert (report["from"], report["to"]) == ("2026-11-01", "2026-11-30")
    assert {f["format"] for f in report["files"]} == {"pdf", "xlsx"}
    figures = rollups.rollup(context, COUNTY, {"region": "321181", "period": {"year": 2026, "month": 11}})["region"]
    pdf = file_of(context, COUNTY, report, "pdf")
    text = "\n".join(pdf_pages(pdf))
    assert pdf_page_is_drawn(pdf)
    for expected in ("丹阳市2026年11月社工站监管月报", "一、主要指标", "三、各站点合规情况", "四、本期预警",
                     "五、督导工作", "未录入年度计划", "丹阳市福彩公益金", "12,345.67", STATION, "未达标",
                     "补齐服务台账"):
        assert expected in text, expected
    for label, kind, path in HEADLINES:  # the PDF's headline table shows the roll-up's figures
        assert f"{label} {shown(kind, value_at(figures, path))}" in text, label
    sheet = workbook_cells(file_of(context, COUNTY, report, "xlsx"), "主要指标")
    rows = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert rows["登记站点数"] == figures["stations"]["registered"] == 1
    assert rows["未达标站点数"] == figures["compliance"]["not_met"] == 1
    money = workbook_cells(file_of(context, COUNTY, report, "xlsx"), "资金来源")
    assert money["F2"].value == 12345.67 and money["F2"].number_format == "#,##0.00"
    assert context.funding.asked == [{"region": "321181", "year": 2026}]


def test_a_report_is_kept_once_and_asking_again_returns_it(context):
    request = {"region": "321100", "kind": "yearly", "period": "2025"}
    first = reports.generate_report(context, ADMIN, request)
    again = reports.generate_report(context, ADMIN, request)

    assert again == first
    assert context.repo.db[REPORTS].count_documents({}) == 1
    assert context.repo.db[REPORT_FILES].count_documents({}) == 2


def test_reports_are_listed_and_downloaded_within_the_figures_scope_and_each_download_is_logged(context):
    reports.generate_report(context, ADMIN, {"region": "321181", "kind": "monthly", "period": "2026-11"})
    reports.generate_report(context, ADMIN, {"region": "321102", "kind": "monthly", "period": "2026-11"})
    city = reports.generate_report(context, ADMIN, {"region": "321100", "kind": "monthly", "period": "2026-11"})

    assert [r["id"] for r in reports.list_reports(context, COUNTY)["items"]] == ["rep-321181-monthly-2026-11"]
    assert reports.list_reports(context, ADMIN, {"region": "321100"})["total"] == 3
    assert reports.list_reports(context, WORKER)["items"] == []
    with pytest.raises(NotFound):
        reports.report_file(context, COUNTY, city["id"], "pdf")
    with pytest.raises(NotFound):
        reports.report_file(context, OTHER_COUNTY, "rep-321181-monthly-2026-11", "xlsx")

    reports.report_file(context, COUNTY, "rep-321181-monthly-2026-11", "xlsx")
    logged = list(context.repo.db[ACCESS_LOG].find({}))
    assert [(e["user_id"], e["subject_id"], e["fields"], e["region_code"], e["action"]) for e in logged] == [
        (COUNTY.user_id, "rep-321181-monthly-2026-11", ["xlsx"], "321181", "download_report")]


def test_station_staff_and_other_counties_cannot_have_a_countys_report_generated(context):
    request = {"region": "321181", "kind": "monthly", "period": "2026-11"}
    with pytest.raises(PermissionDenied):
        reports.generate_report(context, WORKER, request)
    with pytest.raises(PermissionDenied):
        reports.generate_report(context, OTHER_COUNTY, request)
    assert context.repo.db[REPORTS].count_documents({}) == 0


@pytest.mark.parametrize("request_", [
    {"region": "321181", "kind": "monthly", "period": "2026"},
    {"region": "321181", "kind": "yearly", "period": "2026-11"},
    {"region": "321181", "kind": "monthly", "period": "2026-13"},
    {"region": "321181001", "kind": "monthly", "period": "2026-11"},
    {"region": "321181", "kind": "weekly", "period": "2026-11"},
    {"region": "321181", "kind": "monthly", "period": "2026-12"},  # still running
])
def test_a_malformed_or_unfinished_period_is_refused(context, request_):
    with pytest.raises(ValidationFailed):
        reports.generate_report(context, ADMIN, request_)


def test_funding_down_says_the_money_is_missing_rather_than_zero(context):
    context = type(context)(context.repo, context.regions, context.registry, context.casework, FundingFake(None))
    report = reports.generate_report(context, ADMIN, {"region": "321181", "kind": "monthly", "period": "2026-10"})

    assert "资金数据暂不可用" in "\n".join(pdf_pages(file_of(context, ADMIN, report, "pdf")))


def test_the_timer_keeps_the_ended_months_of_every_county_and_city_once(context, clock, monkeypatch):
    monkeypatch.setattr(reports, "render_pdf", lambda document: b"%PDF-1.6 rendered above")  # seconds each
    clock.advance(days=29)  # 1 January 2027: December and the year 2026 have ended

    first = reports.generate_due_reports(context, ADMIN)
    again = reports.generate_due_reports(context, ADMIN)

    regions = {"321181", "321102", "321100"}
    periods = {("monthly", "2026-12"), ("monthly", "2026-11"), ("monthly", "2026-10"), ("yearly", "2026")}
    assert set(first["generated"]) == {f"rep-{r}-{k}-{p}" for r in regions for k, p in periods}
    assert again == {"generated": [], "already_kept": 12}
    with pytest.raises(PermissionDenied):
        reports.generate_due_reports(context, COUNTY)
