"""The webhooks domain's output types: subscriptions, the delivery log and its attempts."""
from __future__ import annotations

import graphene

from gateway.schema.scalars import DateTime


class WebhookSubscription(graphene.ObjectType):
    """What one agency client receives: event types, regions (division-code prefixes), personal-data fields."""
    id = graphene.ID(required=True)
    agency_client_id = graphene.String(required=True)
    url = graphene.String(required=True)
    event_types = graphene.List(graphene.NonNull(graphene.String), required=True)
    regions = graphene.List(graphene.NonNull(graphene.String), required=True)
    personal_fields = graphene.List(graphene.NonNull(graphene.String), required=True,
                                    description="Payload fields with personal data it may receive (others are "
                                                "removed; none at all for a person who withdrew a consent).")
    description = graphene.String(required=True)
    status = graphene.String(required=True, description="active, paused, revoked (with its agency client)")
    created_at = DateTime(required=True)
    secret_preview = graphene.String(description="The signing secret's prefix and last characters.")
    version = graphene.Int(required=True)


class WebhookSubscriptionPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(WebhookSubscription), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)


class WebhookSigningSecret(graphene.ObjectType):
    """A new signing secret (whsec_…): shown this once; give it to the agency to verify signatures."""
    subscription = graphene.Field(WebhookSubscription, required=True)
    secret = graphene.String(required=True)


class WebhookAttempt(graphene.ObjectType):
    attempt = graphene.Int(required=True)
    at = DateTime(required=True)
    status_code = graphene.Int(description="The receiver's HTTP status; null when it did not answer.")
    duration_ms = graphene.Float(required=True)
    outcome = graphene.String(required=True, description="delivered, failed")
    error = graphene.String()


class WebhookDelivery(graphene.ObjectType):
    """One event to one subscription; its id is the webhook-id the receiver sees on every attempt."""
    id = graphene.ID(required=True)
    subscription_id = graphene.ID(required=True)
    event_id = graphene.ID(required=True)
    event_type = graphene.String(required=True)
    occurred_at = DateTime(required=True)
    state = graphene.String(required=True, description="pending, sending, delivered, dead (dead-lettered)")
    attempts = graphene.Int(required=True)
    next_attempt_at = DateTime()
    last_status_code = graphene.Int()
    last_error = graphene.String()
    delivered_at = DateTime()
    created_at = DateTime(required=True)
    attempt_log = graphene.List(graphene.NonNull(WebhookAttempt), required=True)


class WebhookDeliveryPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(WebhookDelivery), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)


class WebhookReplay(graphene.ObjectType):
    job_id = graphene.ID(required=True, description="The job taking missed events from the event histories.")
    reset = graphene.Int(required=True, description="Deliveries of the log set to be sent again.")
