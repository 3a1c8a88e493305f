"""Reading an agency's roster file: CSV (UTF-8 with or without a byte-order mark, or GBK/GB 18030 as Excel
on a Chinese Windows saves it) or an Excel workbook (`.xlsx`, the first sheet). Pure: bytes in, rows out.

The first row that is not empty is the header row. Cells come back as text (dates from a workbook as ISO
dates, whole numbers without a decimal point), stripped; a row whose cells are all empty is skipped but
keeps its number, so the report's row numbers are the spreadsheet's.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from services.common.errors import ValidationFailed

MAX_ROWS = 200_000
MAX_COLUMNS = 60
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, 1 = the header row; cells)
    encoding: str  # "utf-8", "gb18030" or "xlsx"


def read_table(content: bytes, filename: str = "") -> Table:
    """The file's header and rows; a file that cannot be read raises ValidationFailed on `file`."""
    if not content:
        raise ValidationFailed.field("file", "the file is empty")
    if content.startswith(_XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _table(_xlsx_rows(content), "xlsx")
    text, encoding = _decode(content)
    return _table(((number, [c.strip() for c in cells]) for number, cells in
                   enumerate(csv.reader(io.StringIO(text, newline="")), start=1)), encoding)


def _decode(content: bytes) -> tuple[str, str]:
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # GB 18030 is a superset of GBK and GB 2312
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ValidationFailed.field("file", "the file is neither UTF-8 nor GBK text, nor an .xlsx workbook; "
                                             "save it from Excel as CSV (UTF-8) or as .xlsx") from None


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed.field("file", f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(numbered: Iterator[tuple[int, list[str]]], encoding: str) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in numbered:
        if not any(cells):
            continue
        if headers is None:
            headers = [c.lstrip("\ufeff") for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            if len(headers) > MAX_COLUMNS:
                raise ValidationFailed.field("file", f"at most {MAX_COLUMNS} columns")
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise ValidationFailed.field("file", f"at most {MAX_ROWS:,} rows per file")
    if headers is None:
        raise ValidationFailed.field("file", "the file has no header row")
    if not rows:
        raise ValidationFailed.field("file", "the file has a header row but no rows")
    return Table(headers, rows, encoding)
