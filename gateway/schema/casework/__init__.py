"""Casework: households and their needs archives, cases, visits, referrals, verification campaigns.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from gateway.schema.casework import loaders
from gateway.schema.casework.agency import AgencyReferralMutation, AgencyReferralQuery
from gateway.schema.casework.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.casework.mutations import CaseworkMutation
from gateway.schema.casework.queries import CaseworkQuery

__all__ = ["AgencyReferralMutation", "AgencyReferralQuery", "CaseworkMutation", "CaseworkQuery", "LEAF_COSTS",
           "LIST_SIZES", "loaders"]
