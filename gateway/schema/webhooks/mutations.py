"""Setting up and operating webhook subscriptions (administrators)."""
from __future__ import annotations

import graphene

from gateway.schema.base import service_data
from gateway.schema.scalars import DateTime

from .inputs import WebhookSubscriptionInput
from .types import WebhookDelivery, WebhookReplay, WebhookSigningSecret, WebhookSubscription


class CreateWebhookSubscription(graphene.Mutation):
    class Arguments:
        input = WebhookSubscriptionInput(required=True)

    Output = WebhookSigningSecret

    @staticmethod
    def mutate(root, info, input):
        return info.context.service("webhooks").create_subscription(service_data(input))


def _acting_on_one(name: str, output: type, method: str) -> type[graphene.Mutation]:
    """A mutation that hands one id to the webhooks service's `method` and answers `output`."""
    def mutate(root, info, id):
        return getattr(info.context.service("webhooks"), method)(id)

    arguments = type("Arguments", (), {"id": graphene.ID(required=True)})
    return type(name, (graphene.Mutation,), {"Arguments": arguments, "Output": output, "mutate": staticmethod(mutate)})


PauseWebhookSubscription = _acting_on_one("PauseWebhookSubscription", WebhookSubscription, "pause_subscription")
ResumeWebhookSubscription = _acting_on_one("ResumeWebhookSubscription", WebhookSubscription, "resume_subscription")
RotateWebhookSecret = _acting_on_one("RotateWebhookSecret", WebhookSigningSecret, "rotate_secret")
ReplayWebhookDelivery = _acting_on_one("ReplayWebhookDelivery", WebhookDelivery, "replay_delivery")
DeleteWebhookSubscription = _acting_on_one("DeleteWebhookSubscription", WebhookSubscription, "delete_subscription")


class ReplayWebhookDeliveries(graphene.Mutation):
    class Arguments:
        subscription_id = graphene.ID(required=True)
        since = DateTime(required=True)

    Output = WebhookReplay

    @staticmethod
    def mutate(root, info, subscription_id, since):
        return info.context.service("webhooks").replay_since({"subscription_id": subscription_id,
                                                              "since": getattr(since, "isoformat", lambda: since)()})


class WebhooksMutation(graphene.ObjectType):
    create_webhook_subscription = CreateWebhookSubscription.Field(
        description="Subscribe an agency client; answers the signing secret, shown this once.")
    pause_webhook_subscription = PauseWebhookSubscription.Field(
        description="Stop queueing and sending; what is queued waits.")
    resume_webhook_subscription = ResumeWebhookSubscription.Field(
        description="Send again.")
    rotate_webhook_secret = RotateWebhookSecret.Field(
        description="A new signing secret; the old one also signs for a day (both signatures sent).")
    replay_webhook_delivery = ReplayWebhookDelivery.Field(
        description="Send one delivery again, with the same webhook-id.")
    replay_webhook_deliveries = ReplayWebhookDeliveries.Field(
        description="Send again everything since a moment, missed events included (from the event histories).")
    delete_webhook_subscription = DeleteWebhookSubscription.Field(
        description="Stop for good and forget the secrets; the delivery log stays.")
