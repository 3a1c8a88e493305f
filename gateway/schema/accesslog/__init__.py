"""The personal-data access log of every service, as one log.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from gateway.schema.accesslog.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.accesslog.queries import AccessLogQuery

__all__ = ["AccessLogQuery", "LEAF_COSTS", "LIST_SIZES"]
