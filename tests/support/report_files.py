"""Reading back what the report renderers wrote: a PDF's text and page images, a workbook's cells."""
from __future__ import annotations

import io


def pdf_pages(content: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(content)
    return [page.get_textpage().get_text_range() for page in document]


def pdf_page_is_drawn(content: bytes) -> bool:
    """Every page rendered to an image has ink on it (a PDF whose font is missing renders blank or boxes)."""
    import pypdfium2 as pdfium

    for page in pdfium.PdfDocument(content):
        image = page.render(scale=1).to_pil().convert("L")
        if sum(count for level, count in enumerate(image.histogram()) if level < 128) <= 500:
            return False
    return True


def workbook_sheets(content: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def workbook_cells(content: bytes, sheet: str):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))[sheet]
