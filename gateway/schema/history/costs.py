"""Cost declarations of the history fields (guards.py: CostModel)."""
from __future__ import annotations

LIST_SIZES = {"Query.eventLogHeads": 4, "HistoryEntry.fields": 15}
LEAF_COSTS = {"HistoryField.value": 2}  # one value at one path of the payload (guards.py: CostModel)
