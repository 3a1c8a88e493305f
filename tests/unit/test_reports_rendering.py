"""The report renderers (services/supervision/reports/): a Document as PDF with the CJK font embedded and
as a workbook of typed cells."""
from __future__ import annotations

from datetime import date

import pytest

from services.supervision.reports import pdf as pdf_module
from services.supervision.reports.document import SUPPRESSED, Column, Document, Section, Table, Typed
from services.supervision.reports.pdf import ReportFontMissing, render_pdf
from services.supervision.reports.workbook import render_xlsx
from tests.support.report_files import pdf_page_is_drawn, pdf_pages, workbook_cells, workbook_sheets


def sample() -> Document:
    figures = Table([Column("指标"), Column("数值", "decimal")],
                    [["登记站点数", Typed("int", 12)], ["乡镇（街道）覆盖率", Typed("ratio", 0.75)],
                     ["危机个案数", Typed("int", SUPPRESSED)]], "主要指标")
    money = Table([Column("资金来源"), Column("已拨付（元）", "money"), Column("日期", "date")],
                  [["福彩公益金", 1234567, "2026-11-30"]], "资金来源")
    return Document("丹阳市2026年11月社工站监管月报", [("地区", "丹阳市（321181）")],
                    [Section("一、主要指标", [figures]), Section("二、计划与实际完成", notes=["未录入年度计划"]),
                     Section("六、资金来源与使用", [money])])


def test_the_pdf_embeds_the_font_draws_the_page_and_its_text_is_the_chinese_headings_and_figures():
    content = render_pdf(sample())

    text = "\n".join(pdf_pages(content))
    assert content.startswith(b"%PDF") and b"/FontFile3" in content  # the CFF glyphs, embedded
    assert pdf_page_is_drawn(content)
    for expected in ("丹阳市2026年11月社工站监管月报", "一、主要指标", "登记站点数", "75.0%", "已抑制",
                     "未录入年度计划", "12,345.67", "2026-11-30"):
        assert expected in text
    assert len(content) < 60_000  # a subset of the font, not its 16 MB


def test_the_workbook_has_chinese_headers_and_typed_cells():
    content = render_xlsx(sample())

    sheets = workbook_sheets(content)
    assert list(sheets) == ["封面", "主要指标", "二、计划与实际完成", "资金来源"]
    figures = workbook_cells(content, "主要指标")
    assert [c.value for c in figures[1]] == ["指标", "数值"]
    assert figures["B2"].value == 12 and figures["B2"].number_format == "0"
    assert figures["B3"].value == 0.75 and figures["B3"].number_format == "0.0%"
    assert figures["B4"].value == "已抑制"
    money = workbook_cells(content, "资金来源")
    assert money["B2"].value == 12345.67 and money["B2"].number_format == "#,##0.00"
    assert money["C2"].value.date() == date(2026, 11, 30) and money["C2"].number_format == "yyyy-mm-dd"


def test_a_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SHEGONG_REPORT_FONT", str(tmp_path / "missing.ttc"))

    with pytest.raises(ReportFontMissing, match="fonts-noto-cjk"):
        render_pdf(sample())
    assert pdf_module.DEFAULT_FONT.endswith("NotoSansCJK-Regular.ttc")


def test_an_unknown_cell_kind_is_refused():
    with pytest.raises(ValueError):
        Column("x", "currency")
