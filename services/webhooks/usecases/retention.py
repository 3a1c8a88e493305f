"""How long the delivery log keeps what it logged: the purge the service's timer runs.

A delivered entry (and its attempts) is forgotten `delivered_retention_days` (90) after its delivery; a dead
letter is kept for replay `dead_retention_days` (365) after its event arrived, unless a replay delivers it
first, when the delivered rule applies from then on. Pending and in-flight deliveries are never purged. The
purge works in bounded batches, so one run never holds the store for long; what is left waits for the next.
"""
from __future__ import annotations

from datetime import timedelta

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import PermissionDenied

from ..storage import DEAD, DELIVERED
from . import Webhooks

BATCH = 500
MAX_BATCHES = 20  # per run and rule: 10,000 entries; the timer comes back


def purge_delivery_log(webhooks: Webhooks, viewer: Viewer) -> dict:
    """Forget the entries past their retention; how many of each were forgotten."""
    if viewer.role != "admin":
        raise PermissionDenied("the delivery log's retention is run by the service itself")
    now = clock.utcnow()
    policy = webhooks.policy
    rules = ((DELIVERED, "delivered_at", policy.delivered_retention_days),
             (DEAD, "created_at", policy.dead_retention_days))
    purged = {}
    for state, moment_field, days in rules:
        before = clock.timestamp(now - timedelta(days=days))
        forgotten = 0
        for _ in range(MAX_BATCHES):
            ids = webhooks.deliveries.expired(state, moment_field, before, BATCH)
            if not ids:
                break
            webhooks.attempts.remove_of(ids)
            forgotten += webhooks.deliveries.remove(ids)
            if len(ids) < BATCH:
                break
        purged[state] = forgotten
    return purged
