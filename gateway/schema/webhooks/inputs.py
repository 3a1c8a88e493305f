"""The webhooks domain's input types."""
from __future__ import annotations

import graphene


class WebhookSubscriptionInput(graphene.InputObjectType):
    agency_client_id = graphene.String(required=True, description="The agency's client id (identity).")
    url = graphene.String(required=True, description="The receiver: https (http outside production).")
    event_types = graphene.List(graphene.NonNull(graphene.String), required=True,
                                description="Event types, as in /public/asyncapi.json (e.g. case.opened).")
    regions = graphene.List(graphene.NonNull(graphene.String), required=True,
                            description="Division codes: events of these regions and below.")
    personal_fields = graphene.List(graphene.NonNull(graphene.String),
                                    description="Personal-data payload fields it may receive (none by default).")
    description = graphene.String()
