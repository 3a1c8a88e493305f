"""Events out (the webhooks service): administrators subscribe agency clients to event types of some regions,
with the personal-data fields they may receive; queries `webhookSubscriptions` and `webhookDeliveries` (the
delivery log with every attempt); mutations to create, pause, resume, delete a subscription, rotate its signing
secret and replay one delivery or everything since a moment. docs/integration-webhooks.md."""
from __future__ import annotations

from .costs import LEAF_COSTS, LIST_SIZES
from .mutations import WebhooksMutation
from .queries import WebhooksQuery

__all__ = ["LEAF_COSTS", "LIST_SIZES", "WebhooksMutation", "WebhooksQuery"]
