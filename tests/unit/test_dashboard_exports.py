"""Exports of dashboard tables (gateway/exports.py): typed Excel cells, CSV that Excel reads, personal data
masked again whatever the client sent, and requests that do not describe a table refused."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from gateway import exports
from services.common.errors import ValidationFailed

COLUMNS = [{"label": "站点", "type": "text"}, {"label": "户数", "type": "int"},
           {"label": "已拨付（元）", "type": "money"},
           {"label": "培训小时", "type": "decimal"}, {"label": "入职日期", "type": "date"},
           {"label": "身份证号", "type": "id_number"}, {"label": "电话", "type": "phone"}]
ROWS = [["丹阳市云阳街道社工站", 12, 1234567, 31.5, "2021-03-04", "321181199001011234", "13912345678"],
        ["=HYPERLINK(\"x\")", None, None, None, "", None, None]]


def body(**overrides) -> bytes:
    return json.dumps({"format": "xlsx", "table": "stations", "title": "丹阳市站点列表", "region_code": "321181",
                       "columns": COLUMNS, "rows": ROWS, **overrides}, ensure_ascii=False).encode()


def test_the_workbook_has_chinese_headers_and_typed_cells():
    export = exports.parse(body())
    sheet = load_workbook(io.BytesIO(exports.render(export))).active
    assert [c.value for c in sheet[1]] == [c["label"] for c in COLUMNS]
    name, households, money, hours, started, id_number, phone = (c for c in sheet[2])
    assert name.value == "丹阳市云阳街道社工站"
    assert households.value == 12 and isinstance(households.value, int)
    assert money.value == 12345.67 and money.number_format == "#,##0.00"
    assert hours.value == 31.5
    assert started.value.date() == date(2021, 3, 4) and started.is_date
    assert id_number.value == "321181********1234" and phone.value.startswith("139") and "*" in phone.value
    suppressed = [c.value for c in sheet[3]]
    assert suppressed[1:4] == ["已抑制"] * 3
    assert sheet["A3"].data_type == "s"  # formula-looking text stays text


def test_csv_is_utf8_with_a_bom_money_in_yuan_and_formulas_neutralised():
    text = exports.render(exports.parse(body(format="csv"))).decode("utf-8")
    assert text.startswith("\ufeff站点,户数,已拨付（元）")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[1].split(",")[:5] == ["丹阳市云阳街道社工站", "12", "12345.67", "31.5", "2021-03-04"]
    assert "321181********1234" in lines[1] and "199001011234" not in text
    assert lines[2].startswith("\"'=HYPERLINK") and "已抑制" in lines[2]


def test_the_log_entry_names_the_table_and_scope_never_the_cells():
    entry = exports.parse(body()).log_entry()
    assert entry == {"table": "stations", "format": "xlsx", "columns": [c["label"] for c in COLUMNS], "rows": 2,
                     "region_code": "321181", "station_id": None}


@pytest.mark.parametrize("overrides", [
    {"format": "pdf"}, {"rows": [[1]]}, {"columns": [{"label": "x", "type": "html"}], "rows": []},
    {"rows": [["a", "12", None, None, "", None, None]]}, {"rows": [["a", 1.5, None, None, "", None, None]]},
    {"rows": [["a", 1, 10.5, None, "", None, None]]}, {"rows": [["a", 1, 1, None, "4 March", None, None]]},
    {"region_code": None}, {"region_code": "32"}, {"unexpected": 1},
])
def test_a_request_that_is_not_a_well_formed_table_is_refused(overrides):
    with pytest.raises(ValidationFailed):
        exports.parse(body(**overrides))


def test_the_download_names_the_file_in_chinese_with_an_ascii_fallback():
    headers = exports.download_headers(exports.parse(body()))
    assert headers["Content-Type"] == exports.XLSX and headers["Cache-Control"] == "no-store"
    assert 'filename="stations.xlsx"' in headers["Content-Disposition"]
    assert "filename*=UTF-8''%E4%B8%B9" in headers["Content-Disposition"]
