"""A `Document` as PDF, with a CJK font embedded (only the glyphs used: a page is a few KB).

The font is found through the setting SHEGONG_REPORT_FONT (a .ttf/.otf, or a .ttc with the Simplified
Chinese face at COLLECTION_FACE), by default Debian's fonts-noto-cjk; a missing font is a clear error,
not a PDF of empty boxes.
"""
from __future__ import annotations

import os
from pathlib import Path

from .document import Document, Table, shown

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
COLLECTION_FACE = 2  # Noto Sans CJK's collection: JP, KR, SC, TC …; SC is the third face
FONT_NAME = "NotoSansSC"
NUMERIC = ("int", "decimal", "ratio", "money")
HEADING_FILL = (226, 234, 244)


class ReportFontMissing(RuntimeError):
    pass


def font_path() -> Path:
    path = Path(os.environ.get("SHEGONG_REPORT_FONT") or DEFAULT_FONT)
    if not path.is_file():
        raise ReportFontMissing(
            f"the CJK font for PDF reports is missing: {path} (install Debian's fonts-noto-cjk, "
            "or point SHEGONG_REPORT_FONT at a .ttf/.otf/.ttc with Simplified Chinese glyphs)")
    return path


def render_pdf(document: Document) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path = font_path()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(document.title)
    pdf.set_creator("Shegong")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FONT_NAME, fname=str(path),
                 collection_font_number=COLLECTION_FACE if path.suffix.lower() == ".ttc" else 0)
    pdf.add_page()
    pdf.set_font(FONT_NAME, size=16)
    pdf.multi_cell(0, 10, document.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_NAME, size=10)
    for label, value in document.facts:
        pdf.cell(0, 6, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
    for section in document.sections:
        pdf.ln(4)
        pdf.set_font(FONT_NAME, size=13)
        pdf.cell(0, 9, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_NAME, size=9)
        for note in section.notes:
            pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
        for table in section.tables:
            _table(pdf, table, FontFace(fill_color=HEADING_FILL))
    return bytes(pdf.output())


def _table(pdf, table: Table, heading_style) -> None:
    if table.caption:
        pdf.cell(0, 6, table.caption, new_x="LMARGIN", new_y="NEXT")
    widths = [_width(c.label, [shown(c.kind, row[i]) for row in table.rows[:200]])
              for i, c in enumerate(table.columns)]
    aligns = ["RIGHT" if c.kind in NUMERIC else "LEFT" for c in table.columns]
    with pdf.table(col_widths=widths, text_align=aligns, headings_style=heading_style, line_height=5,
                   padding=1) as rendered:
        heading = rendered.row()
        for column in table.columns:
            heading.cell(column.label)
        for values in table.rows:
            row = rendered.row()
            for column, value in zip(table.columns, values, strict=True):
                row.cell(shown(column.kind, value))
    pdf.ln(3)


def _width(label: str, cells: list[str]) -> float:
    """A column's share of the page: its widest text (a CJK character as wide as two Latin ones), the
    heading allowed to wrap onto two lines, and no column so wide it squeezes the others to nothing."""
    widest = max([_display(label) / 2, *(_display(c) for c in cells)], default=4)
    return min(max(widest, 4), 40)


def _display(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
