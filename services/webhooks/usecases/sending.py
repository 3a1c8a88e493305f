"""Sending: claim the due deliveries (per-endpoint allowance kept), and make one attempt of one delivery.

An attempt signs the payload as the Standard Webhooks specification says (domain/signing.py) with the
subscription's current secrets, posts it with the configured timeout, and records the attempt (status code,
duration, error) in the delivery log. A 2xx answer delivers it; anything else schedules the next attempt
after an exponentially growing, jittered delay (domain/backoff.py) until `max_attempts`, when the delivery
is dead-lettered (state `dead`, replayable). The personal-data check against consent withdrawals is made at
every attempt, so a withdrawal between two attempts is honoured by the second.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import timedelta

from services.common import clock

from ..domain import backoff, filtering, signing
from ..storage import DEAD, DELIVERED, PENDING
from . import Webhooks
from .clients import REVOKED
from .subscriptions import ACTIVE, PAUSED, signing_secrets

# post(url, body, headers, timeout_seconds) → the HTTP status code; raises when no answer came.
Post = Callable[[str, bytes, Mapping[str, str], float], int]
PAUSED_RECHECK = timedelta(seconds=30)
MAX_ERROR = 500


def due(webhooks: Webhooks, busy: list[str], limit: int) -> list[dict]:
    """Deliveries due now, oldest first, leaving out the subscriptions in `busy` (at their limit)."""
    return webhooks.deliveries.due(clock.timestamp(clock.utcnow()), busy, limit)


def claim(webhooks: Webhooks, candidate: dict) -> dict | None:
    """Take one due delivery (from `due`) for sending; None when it is no longer there to take."""
    now = clock.utcnow()
    lease = clock.timestamp(now + timedelta(seconds=webhooks.policy.timeout_seconds * 2 + 5))
    return webhooks.deliveries.claim(candidate, clock.timestamp(now), lease)


def claim_due(webhooks: Webhooks, room: Mapping[str, int], default_room: int, limit: int) -> list[dict]:
    """Up to `limit` due deliveries, taken for sending; at most `room[subscription]` (else `default_room`)
    of one subscription, so a slow endpoint's backlog never fills the sender."""
    busy = [s for s, free in room.items() if free <= 0]
    left = dict(room)
    claimed: list[dict] = []
    for doc in due(webhooks, busy, limit * 4):
        subscription = doc["subscription_id"]
        if left.get(subscription, default_room) <= 0:
            continue
        taken = claim(webhooks, doc)
        if taken is None:
            continue
        left[subscription] = left.get(subscription, default_room) - 1
        claimed.append(taken)
        if len(claimed) >= limit:
            break
    return claimed


def attempt(webhooks: Webhooks, delivery: dict, post: Post) -> str:
    """One attempt of a claimed delivery; its new state."""
    subscription = webhooks.subscriptions.get(delivery["subscription_id"])
    now = clock.utcnow()
    if subscription is None or subscription["status"] != ACTIVE:
        if subscription is not None and subscription["status"] == PAUSED:  # wait, do not spend attempts
            webhooks.deliveries.finish(delivery["_id"], {"state": PENDING,
                                                         "next_at": clock.timestamp(now + PAUSED_RECHECK)})
            return PENDING
        ended = "deleted" if subscription is None or subscription["status"] != REVOKED else "revoked with its client"
        webhooks.deliveries.finish(delivery["_id"], {"state": DEAD, "last_error": f"subscription {ended}"})
        return DEAD
    changes: dict = {}
    payload = delivery["payload"]
    if webhooks.withdrawals.any_of(delivery.get("person_refs") or []):
        payload = filtering.without_personal_data(payload)
        changes["payload"] = payload  # the stored copy forgets it too
    body = signing.body_of(delivery["event_type"], delivery["occurred_at"], payload)
    headers = signing.headers(signing_secrets(webhooks, subscription), delivery["_id"], now, body)
    started = time.perf_counter()
    status_code: int | None = None
    error = None
    try:
        status_code = post(subscription["url"], body.encode(), headers, webhooks.policy.timeout_seconds)
    except Exception as exc:  # no answer: a timeout, a refused connection, a reset
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    number = delivery["attempts"] + 1
    round_attempts = delivery.get("round_attempts", 0) + 1
    delivered = backoff.succeeded(status_code)
    if not delivered and error is None:
        error = f"HTTP {status_code}"
    webhooks.attempts.add({"_id": f"{delivery['_id']}#{number}", "delivery_id": delivery["_id"],
                           "subscription_id": delivery["subscription_id"], "attempt": number,
                           "at": clock.timestamp(now), "status_code": status_code, "duration_ms": duration_ms,
                           "outcome": "delivered" if delivered else "failed", "error": error})
    changes.update({"attempts": number, "round_attempts": round_attempts, "last_status_code": status_code,
                    "last_error": error, "last_attempt_at": clock.timestamp(now)})
    policy = webhooks.policy
    if delivered:
        state = DELIVERED
        changes["delivered_at"] = clock.timestamp(clock.utcnow())
    elif backoff.dead_lettered(round_attempts, policy.max_attempts):
        state = DEAD
    else:
        state = PENDING
        delay = backoff.retry_delay(round_attempts, policy.retry_base_seconds, policy.retry_cap_seconds)
        changes["next_at"] = clock.timestamp(clock.utcnow() + timedelta(seconds=delay))
    webhooks.deliveries.finish(delivery["_id"], {**changes, "state": state})
    return state
