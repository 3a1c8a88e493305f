"""Cost declarations of the access log fields (guards.py: CostModel)."""
from __future__ import annotations

LIST_SIZES: dict[str, int] = {}  # the page's items follow `first`
LEAF_COSTS = {"PersonalDataAccess.fields": 20}
