"""The registry: regions, stations, staff and computed compliance.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from gateway.schema.registry import loaders
from gateway.schema.registry.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.registry.mutations import RegistryMutation
from gateway.schema.registry.queries import RegistryQuery

__all__ = ["LEAF_COSTS", "LIST_SIZES", "RegistryMutation", "RegistryQuery", "loaders"]
