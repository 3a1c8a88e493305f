"""Cost declarations of the webhooks fields (guards.py: CostModel)."""
from __future__ import annotations

LIST_SIZES: dict[str, int] = {"WebhookDelivery.attemptLog": 8}  # at most max_attempts per round
LEAF_COSTS: dict[str, int] = {"WebhookSubscription.eventTypes": 2, "WebhookSubscription.regions": 2,
                              "WebhookSubscription.personalFields": 2}
