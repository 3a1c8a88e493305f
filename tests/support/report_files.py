"""Reading back what the report renderers wrote: a PDF's text and page images, a workbook's cells."""
from __future__ import annotations

import io


def pdf_pages(content: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(content)
    return [page.get_textpage().get_text_range() for page in document]


def pdf_page_is_drawn(content: bytes, index: int = 0) -> bool:
    """The page rendered to an image has ink on it (a PDF whose font is missing renders blank or boxes)."""
    import pypdfium2 as pdfium

    image = pdfium.PdfDocument(content)[index].render(scale=1).to_pil().convert("L")
    dark = sum(count for level, count in enumerate(image.histogram()) if level < 128)
    return dark > 500


def workbook_sheets(content: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def workbook_cells(content: bytes, sheet: str):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))[sheet]
