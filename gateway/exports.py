"""Exports of the dashboard's tables as CSV and Excel (`POST /dashboard/export`, issue 12).

The browser sends the table as it shows it: the column labels and types and the rows' values, which came
from the GraphQL API with the same token, so scope, masking and suppression are the screen's. The gateway
still does not take the client's word for personal data: columns of the `id_number` and `phone` types are
masked again here, whatever they contain. Before the file is handed over the export is written to the
registry's access log (who, which table, which columns, how many rows, which region or station) by an RPC
that also checks the scope named is the caller's own; the gateway owns no store of its own to log in.

Cells are typed in the workbook: counts as integers, decimals as numbers, money (sent in fen) as yuan with
two decimals, dates as dates, suppressed values (null) as 「已抑制」. CSV is UTF-8 with a byte-order mark,
which is how Excel on a Chinese Windows recognises UTF-8.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.common.errors import ValidationFailed
from services.common.protection import mask_id_number, mask_phone

COLUMN_TYPES = ("text", "int", "decimal", "money", "date", "percent", "id_number", "phone")
SUPPRESSED = "已抑制"
MAX_ROWS = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
YUAN = "#,##0.00"
DATE = "yyyy-mm-dd"
_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


class _Column(Schema):
    class Meta:
        unknown = RAISE
    label = fields.String(required=True, validate=validate.Length(min=1, max=40))
    type = fields.String(required=True, validate=validate.OneOf(COLUMN_TYPES))


class ExportRequestSchema(Schema):
    class Meta:
        unknown = RAISE
    format = fields.String(required=True, validate=validate.OneOf(tuple(MEDIA_TYPES)))
    table = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_-]{1,39}$"))
    title = fields.String(required=True, validate=validate.Length(min=1, max=80))
    region_code = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{6}(\d{3})?$"))
    station_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    columns = fields.List(fields.Nested(_Column), required=True, validate=validate.Length(min=1, max=40))
    rows = fields.List(fields.List(fields.Raw(allow_none=True)), required=True,
                       validate=validate.Length(max=MAX_ROWS))

    @validates_schema
    def _cells(self, data, **_kwargs):
        width = len(data["columns"])
        for index, row in enumerate(data["rows"]):
            if len(row) != width:
                raise ValidationError(f"row {index} has {len(row)} cells for {width} columns", "rows")
            for column, value in zip(data["columns"], row, strict=False):
                _check_cell(column["type"], value, index)


def _check_cell(kind: str, value, index: int) -> None:
    if value is None:
        return
    numeric = kind in ("int", "decimal", "money", "percent")
    if numeric and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValidationError(f"row {index}: a {kind} cell must be a number or null", "rows")
    if kind in ("int", "money") and not float(value).is_integer():
        raise ValidationError(f"row {index}: a {kind} cell must be whole (money is sent in fen)", "rows")
    if not numeric and not isinstance(value, str):
        raise ValidationError(f"row {index}: a {kind} cell must be text or null", "rows")
    if kind == "date" and value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValidationError(f"row {index}: a date cell is YYYY-MM-DD", "rows")
    if not numeric and len(value) > 2000:
        raise ValidationError(f"row {index}: a cell is longer than 2,000 characters", "rows")


@dataclass(frozen=True)
class Export:
    format: str
    table: str
    title: str
    region_code: str | None
    station_id: str | None
    columns: list[dict]
    rows: list[list]

    def log_entry(self) -> dict:
        """What the access log keeps: never the cells, only what was exported and where from."""
        return {"table": self.table, "format": self.format, "columns": [c["label"] for c in self.columns],
                "rows": len(self.rows), "region_code": self.region_code, "station_id": self.station_id}

    def filename(self) -> str:
        return f"{self.title}.{self.format}"


def parse(body: bytes) -> Export:
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationFailed("the request body is not valid JSON") from None
    try:
        data = ExportRequestSchema().load(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        raise ValidationFailed.from_marshmallow(exc.messages) from None
    if not data["region_code"] and not data["station_id"]:
        raise ValidationFailed.field("regionCode", "name the region or the station the table is about")
    masked = [[_MASKS[c["type"]](v) if c["type"] in _MASKS and v else v
               for c, v in zip(data["columns"], row, strict=True)] for row in data["rows"]]
    return Export(data["format"], data["table"], data["title"], data["region_code"], data["station_id"],
                  data["columns"], masked)


def _typed(kind: str, value):
    """A cell's value as the workbook stores it, and its number format."""
    if value is None:
        return (SUPPRESSED, None) if kind in ("int", "decimal", "money", "percent") else ("", None)
    if kind == "int":
        return int(value), "0"
    if kind == "decimal":
        return float(value), "0.0"
    if kind == "money":
        return round(int(value) / 100, 2), YUAN
    if kind == "percent":
        return float(value) / 100, "0.0%"
    if kind == "date":
        return (date.fromisoformat(value), DATE) if value else ("", None)
    return value, None


def _csv_text(kind: str, value) -> str:
    cell, _ = _typed(kind, value)
    if kind == "money" and value is not None:
        return f"{cell:.2f}"
    if kind == "percent" and value is not None:
        return f"{float(value):.1f}%"
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def render_csv(export: Export) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c["label"] for c in export.columns])
    for row in export.rows:
        writer.writerow([_neutralise(_csv_text(c["type"], v)) for c, v in zip(export.columns, row, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _neutralise(text: str) -> str:
    """Text starting like a formula would run as one in a spreadsheet (CSV injection): prefix a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
        return True
    except ValueError:
        return False


def render_xlsx(export: Export) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.create_sheet(index=0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", export.title)[:31]
    sheet.append([c["label"] for c in export.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export.rows:
        typed = [_typed(c["type"], v) for c, v in zip(export.columns, row, strict=True)]
        sheet.append([value for value, _ in typed])
        for cell, (_, number_format) in zip(sheet[sheet.max_row], typed, strict=True):
            if number_format:
                cell.number_format = number_format
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
    sheet.freeze_panes = "A2"
    for index, column in enumerate(export.columns, start=1):
        longest = max([len(column["label"]) * 2, *(len(str(r[index - 1] or "")) for r in export.rows[:200])])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, longest + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(export: Export) -> bytes:
    return render_xlsx(export) if export.format == "xlsx" else render_csv(export)


def download_headers(export: Export) -> dict[str, str]:
    # RFC 6266 / 5987: an ASCII fallback name and the UTF-8 Chinese one.
    return {"Content-Type": MEDIA_TYPES[export.format], "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f"attachment; filename=\"{export.table}.{export.format}\"; "
                                   f"filename*=UTF-8''{quote(export.filename())}"}


STATUS_OF_CODE = {"BAD_USER_INPUT": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404,
                  "SERVICE_UNAVAILABLE": 503}


def handle(request, registry, secret: str, max_bytes: int, jwks=None):
    """The export endpoint: who is asking, what they send, the access-log entry, then the file.
    Returns a werkzeug Response (nameko's tuples carry text only, and a workbook is binary)."""
    from werkzeug.wrappers import Response

    from services.common.errors import PermissionDenied

    from .auth import viewer_of_request
    from .errors import client_error, log_unexpected

    try:
        viewer = viewer_of_request(request.headers.get, secret, jwks=jwks)
        if viewer.is_public:
            raise PermissionDenied("sign in to export a table")
        if request.content_length is not None and request.content_length > max_bytes:
            raise ValidationFailed("the table is larger than this server accepts")
        export = parse(request.stream.read(max_bytes + 1)[:max_bytes])
        registry.record_export(viewer.to_dict(), export.log_entry())
        return Response(render(export), 200, download_headers(export))
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        described = client_error(exc)
        if not described.expected:
            log_unexpected(exc, where="dashboard export")
        body = json.dumps({"errors": [{"message": described.message, "extensions": described.extensions()}]},
                          ensure_ascii=False)
        return Response(body, STATUS_OF_CODE.get(described.code, 500),
                        {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})
