"""The agency clients a subscription delivers to, as identity's events describe them.

A subscription names an agency client of the identity service: it must exist, be active and have a scope for
every event type subscribed (`event:<type>`) and each region it names within the client's region scopes (or, with
none, its agency's region), and personal fields only as far as its field scopes allow (catalogue.FIELD_SCOPE_NEEDED),
checked when the subscription is created. The service learns the
clients from identity's `agency.client_created` and `agency.client_revoked` (no read of identity's store, no
RPC on the way of a subscription), so a client created a moment ago may not be known yet: the refusal says so.
A revoked client's subscriptions are revoked with it: nothing new is queued for them, what is queued is
dead-lettered instead of sent, and they cannot be resumed.
"""
from __future__ import annotations

from services.common.errors import ConcurrentModification, RuleViolation, ValidationFailed

from ..domain.catalogue import FIELD_SCOPE_NEEDED
from . import Webhooks

REVOKED = "revoked"


def record_client_created(webhooks: Webhooks, payload: dict) -> None:
    webhooks.clients.created(payload["client_id"], payload["agency_id"], payload["region_code"],
                             list(payload["scopes"]["event_types"]), list(payload["scopes"].get("regions") or ()),
                             list(payload["scopes"].get("fields_allowed") or ()))


def record_client_revoked(webhooks: Webhooks, payload: dict) -> int:
    """The client and its subscriptions revoked; how many subscriptions were."""
    webhooks.clients.revoked(payload["client_id"], payload["agency_id"], payload["region_code"])
    revoked = 0
    for subscription in webhooks.subscriptions.of_client(payload["client_id"]):
        for _ in range(5):
            if subscription["status"] in ("deleted", REVOKED):
                break
            try:
                webhooks.subscriptions.update(subscription["_id"], subscription["_version"],
                                              {"status": REVOKED, "secrets": []})
                revoked += 1
                break
            except ConcurrentModification:
                subscription = webhooks.subscriptions.require(subscription["_id"])
        else:
            raise RuleViolation(f"webhook subscription {subscription['_id']} kept changing while its client was "
                                "revoked")  # the event is retried by the consumer
    return revoked


def client_regions(client: dict) -> list[str]:
    """The regions a client may hear of: its region scopes, else its agency's own region."""
    return client.get("regions") or [client["region_code"]]


def require_client_for(webhooks: Webhooks, client_id: str, event_types: list[str], regions: list[str],
                       personal_fields: list[str]) -> dict:
    """The active client a new subscription names, with a scope for each of its event types, regions and
    personal fields."""
    client = webhooks.clients.get(client_id)
    if client is None:
        raise ValidationFailed.field("agency_client_id", "no agency client of the identity service has this id (a "
                                                         "client created a moment ago is known within seconds)")
    if client["status"] != "active":
        raise ValidationFailed.field("agency_client_id", "this agency client was revoked")
    missing = sorted(set(event_types) - set(client["event_types"]))
    if missing:
        raise ValidationFailed("the agency client's scopes do not name these event types",
                               {"event_types": [f"event:{name} not granted" for name in missing]})
    granted = client_regions(client)
    outside = sorted(r for r in regions if not any(r.startswith(prefix) for prefix in granted))
    if outside:
        raise ValidationFailed("the agency client's scopes do not cover these regions",
                               {"regions": [f"region:{code} not granted" for code in outside]})
    held = set(client.get("fields_allowed") or ())
    unscoped = sorted(f for f in personal_fields if FIELD_SCOPE_NEEDED[f] not in held)
    if unscoped:
        raise ValidationFailed("the agency client's scopes do not allow these personal fields",
                               {"personal_fields": [f"{f} needs field:{FIELD_SCOPE_NEEDED[f]}" for f in unscoped]})
    return client
