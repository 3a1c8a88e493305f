"""Volunteers: volunteers and teams, the resource library, charity stock, needs matching.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from gateway.schema.volunteers import loaders
from gateway.schema.volunteers.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.volunteers.mutations import VolunteersMutation
from gateway.schema.volunteers.queries import VolunteersQuery

__all__ = ["LEAF_COSTS", "LIST_SIZES", "VolunteersMutation", "VolunteersQuery", "loaders"]
