"""`webhookSubscriptions` and `webhookDeliveries` (administrators)."""
from __future__ import annotations

import graphene

from gateway.schema.base import listed, page_args

from .types import WebhookDeliveryPage, WebhookSubscriptionPage


def _page(page: dict) -> dict:
    return {"items": page["items"], "next_cursor": page["next_cursor"], "total_count": page["total"]}


class WebhooksQuery(graphene.ObjectType):
    webhook_subscriptions = graphene.Field(WebhookSubscriptionPage, required=True,
                                           **page_args(agency_client_id=graphene.String()),
                                           description="Agencies' webhook subscriptions (administrators).")
    webhook_deliveries = graphene.Field(
        WebhookDeliveryPage, required=True,
        **page_args(subscription_id=graphene.ID(required=True),
                    state=graphene.String(description="pending, sending, delivered or dead")),
        description="A subscription's delivery log, newest first, with every attempt (administrators).")

    @staticmethod
    def resolve_webhook_subscriptions(root, info, first=None, after=None, agency_client_id=None):
        return _page(listed(info.context.service("webhooks").list_subscriptions, first, after,
                            {"agency_client_id": agency_client_id}))

    @staticmethod
    def resolve_webhook_deliveries(root, info, subscription_id, first=None, after=None, state=None):
        return _page(listed(info.context.service("webhooks").list_deliveries, first, after,
                            {"subscription_id": subscription_id, "state": state}))
