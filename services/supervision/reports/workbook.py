"""A `Document` as an Excel workbook: a cover sheet, then one sheet per table, Chinese headers, typed
cells (numbers as numbers, money in yuan with two decimals, ratios as percentages, dates as dates)."""
from __future__ import annotations

import io
import re
from datetime import date

from .document import SUPPRESSED, SUPPRESSED_TEXT, Document, Table, kind_of

YUAN = "#,##0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
MAX_SHEET_NAME = 31


def render_xlsx(document: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    cover = workbook.worksheets[0]
    cover.title = "封面"
    cover.append([document.title])
    cover["A1"].font = Font(bold=True, size=14)
    for label, value in document.facts:
        cover.append([label, value])
    cover.column_dimensions["A"].width = 16
    cover.column_dimensions["B"].width = 40
    used: set[str] = {cover.title}
    for section in document.sections:
        for index, table in enumerate(section.tables or [Table(columns=[])]):
            sheet = workbook.create_sheet(_sheet_name(table.caption or section.heading, index, used))
            if not table.columns:
                for note in section.notes:
                    sheet.append([note])
                continue
            _fill(sheet, table, section.notes, Font(bold=True))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, index: int, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:MAX_SHEET_NAME]
    while name in used:
        index += 1
        name = f"{name[:MAX_SHEET_NAME - 3]}({index})"
    used.add(name)
    return name


def _fill(sheet, table: Table, notes: list[str], bold) -> None:
    from openpyxl.utils import get_column_letter

    for note in notes:
        sheet.append([note])
    sheet.append([c.label for c in table.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
    for values in table.rows:
        typed = [kind_of(c.kind, v) for c, v in zip(table.columns, values, strict=True)]
        sheet.append([_stored(kind, value) for kind, value in typed])
        for cell, (kind, _) in zip(sheet[sheet.max_row], typed, strict=True):
            number_format = _format(kind)
            if number_format and not isinstance(cell.value, str):
                cell.number_format = number_format
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(column.label) * 2 + 4)


def _stored(kind: str, value):
    if value is SUPPRESSED:
        return SUPPRESSED_TEXT
    if value is None:
        return None
    if kind == "int":
        return int(value)
    if kind in ("decimal", "ratio"):
        return float(value)
    if kind == "money":
        return round(int(value) / 100, 2)
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return str(value)


def _format(kind: str) -> str | None:
    return {"int": "0", "decimal": "0.00", "ratio": PERCENT, "money": YUAN, "date": DATE}.get(kind)
