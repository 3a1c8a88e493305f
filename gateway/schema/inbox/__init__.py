"""The worker inbox: one feed per person of what waits for them across the services, and supervisors'
reminders, affirmations and comments on its items.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types) and the cost declarations of its fields. It has no loaders: each source service is
asked once per request (queries.py).
"""
from __future__ import annotations

from gateway.schema.inbox.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.inbox.mutations import InboxMutation
from gateway.schema.inbox.queries import InboxQuery

__all__ = ["LEAF_COSTS", "LIST_SIZES", "InboxMutation", "InboxQuery"]
