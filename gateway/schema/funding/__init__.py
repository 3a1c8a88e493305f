"""Funding: sources and budget lines, purchase of services, disbursements, fund supervision, evaluation, disclosure.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from . import loaders
from .costs import LEAF_COSTS, LIST_SIZES
from .mutations import FundingMutation
from .queries import FundingQuery

__all__ = ["FundingMutation", "FundingQuery", "LEAF_COSTS", "LIST_SIZES", "loaders"]
