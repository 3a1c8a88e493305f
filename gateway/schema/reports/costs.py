"""Cost declarations of the report fields (guards.py: CostModel)."""
from __future__ import annotations

LIST_SIZES = {
    "Report.files": 2,  # a PDF and a workbook
}

LEAF_COSTS: dict[str, int] = {}
