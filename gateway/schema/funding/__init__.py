"""Funding: sources and budget lines, purchase of services, disbursements, fund supervision, evaluation, disclosure.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from gateway.schema.funding import loaders
from gateway.schema.funding.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.funding.mutations import FundingMutation
from gateway.schema.funding.queries import FundingQuery

__all__ = ["FundingMutation", "FundingQuery", "LEAF_COSTS", "LIST_SIZES", "loaders"]
