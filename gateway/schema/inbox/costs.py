"""Cost declarations of the worker inbox fields (guards.py: CostModel)."""
from __future__ import annotations

from services.contracts.inbox import INBOX_KINDS

LIST_SIZES = {
    "WorkInbox.counts": len(INBOX_KINDS),
    "InboxItem.actions": 5,  # a reminder or two, a comment, an affirmation
    "InboxItemActions.actions": 5,
}
LEAF_COSTS = {"WorkInbox.unavailableSources": 4}
