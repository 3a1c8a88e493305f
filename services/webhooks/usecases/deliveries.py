"""Deliveries: consumed events fanned out to the subscriptions that receive them, consent withdrawals, the
delivery log and replays of single deliveries.

Consuming an event only writes delivery records (one per event and subscription, keyed by the message id,
so a redelivered event writes nothing twice); the sender (sending.py) sends them on its own time, so a slow
or failing receiver never holds a consumer. A record keeps only the payload fields its subscription may
receive, and the people and households the event names, so a later consent withdrawal is honoured at send
time (filtering.py).
"""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import NotFound, RuleViolation
from services.common.rpc import load

from ..domain import filtering, signing
from ..schemas import DeliveryFilters
from ..storage import LOG_KEY, PENDING
from . import Webhooks
from .access import require_administrator


def fan_out(webhooks: Webhooks, event, subscriptions: list[dict] | None = None, since: str | None = None) -> int:
    """Write the delivery records of one event (an Envelope, or its dict); the number written.
    `subscriptions` narrows to those (a replay); `since` leaves out events that occurred before it."""
    envelope = event if isinstance(event, dict) else event.to_dict()
    payload = clock.jsonable(envelope["payload"])
    occurred_at = clock.timestamp(clock.parse_timestamp(envelope["occurred_at"]))
    if since is not None and occurred_at < since:
        return 0
    region = filtering.region_of(payload)
    candidates = webhooks.subscriptions.active() if subscriptions is None else subscriptions
    receivers = [s for s in candidates if filtering.receives(s, envelope["type"], region)]
    if not receivers:
        return 0
    now = clock.timestamp(clock.utcnow())
    refs = filtering.person_refs(payload)
    docs = []
    for subscription in receivers:
        msg_id = signing.message_id(envelope["id"], subscription["_id"])
        docs.append({"_id": msg_id, "subscription_id": subscription["_id"], "event_id": envelope["id"],
                     "event_type": envelope["type"], "occurred_at": occurred_at, "region_code": region,
                     "payload": filtering.allowed_payload(payload, subscription["personal_fields"]),
                     "person_refs": refs, "state": PENDING, "next_at": now, "attempts": 0, "round_attempts": 0,
                     "created_at": now, LOG_KEY: f"{now}|{msg_id}"})
    return webhooks.deliveries.add_many(docs)


def record_withdrawal(webhooks: Webhooks, event) -> None:
    """casework's `consent.withdrawn`: from now on no personal data of this person, or of their household,
    goes out in any payload."""
    payload = event.payload
    refs = [filtering.person_ref(payload["person_id"]), filtering.household_ref(payload["household_id"])]
    webhooks.withdrawals.record(refs, str(payload["withdrawn_on"]), payload["consent_id"])


def attempt_view(doc: dict) -> dict:
    return {"attempt": doc["attempt"], "at": doc["at"], "status_code": doc.get("status_code"),
            "duration_ms": doc["duration_ms"], "outcome": doc["outcome"], "error": doc.get("error")}


def delivery_view(doc: dict, attempts: list[dict]) -> dict:
    return {"id": doc["_id"], "subscription_id": doc["subscription_id"], "event_id": doc["event_id"],
            "event_type": doc["event_type"], "occurred_at": doc["occurred_at"], "state": doc["state"],
            "attempts": doc["attempts"], "next_attempt_at": doc.get("next_at") if doc["state"] == PENDING else None,
            "last_status_code": doc.get("last_status_code"), "last_error": doc.get("last_error"),
            "delivered_at": doc.get("delivered_at"), "created_at": doc["created_at"],
            "attempt_log": [attempt_view(a) for a in attempts]}


def list_deliveries(webhooks: Webhooks, viewer: Viewer, filters: dict) -> dict:
    """A subscription's delivery log, newest first, each delivery with every attempt made."""
    require_administrator(viewer, "reading the webhook delivery log")
    filters = load(DeliveryFilters, filters)
    if webhooks.subscriptions.get(filters["subscription_id"]) is None:
        raise NotFound(f"unknown webhook subscription {filters['subscription_id']}",
                       {"subscription_id": ["no such subscription"]})
    docs, cursor = webhooks.deliveries.log(filters["subscription_id"], filters["state"], filters["after"],
                                           filters["limit"])
    attempts: dict[str, list[dict]] = {}
    for attempt in webhooks.attempts.of([d["_id"] for d in docs]):
        attempts.setdefault(attempt["delivery_id"], []).append(attempt)
    return {"items": [delivery_view(d, attempts.get(d["_id"], [])) for d in docs], "next_cursor": cursor,
            "total": webhooks.deliveries.count(filters["subscription_id"], filters["state"])}


def replay_delivery(webhooks: Webhooks, viewer: Viewer, delivery_id: str) -> dict:
    """Send one delivery again, with the same message id (a receiver that deduplicates sees it once)."""
    require_administrator(viewer, "replaying webhook deliveries")
    doc = webhooks.deliveries.get(delivery_id)
    subscription = webhooks.subscriptions.get(doc["subscription_id"]) if doc else None
    if doc is None or subscription is None or subscription["status"] == "deleted":
        raise NotFound(f"unknown webhook delivery {delivery_id}", {"id": ["no such delivery"]})
    if subscription["status"] == "revoked":
        raise RuleViolation("the subscription's agency client was revoked: its deliveries are not sent again")
    webhooks.deliveries.reset(delivery_id, clock.timestamp(clock.utcnow()))
    return delivery_view(webhooks.deliveries.get(delivery_id) or doc, [])
