"""History: the event log of an aggregate, and the logs' heads and consistency.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from gateway.schema.history.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.history.queries import HistoryQuery

__all__ = ["HistoryQuery", "LEAF_COSTS", "LIST_SIZES"]
