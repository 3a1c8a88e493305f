"""Replays from a moment: a subscription's events since then, sent again.

Deliveries already in the log since that moment are set pending again (same message ids). Events the
subscription never got a delivery for (it did not exist yet, or was paused) are taken from each producer's
event history (`events_since`, the kernel's replay by position, as projections catch up) by a replay job
that the service advances a page at a time; each event is fanned out to this subscription alone.
"""
from __future__ import annotations

from collections.abc import Callable

from services.common import clock, ids
from services.common.auth import Viewer
from services.common.events import UnreadableEvent, read_event
from services.common.rpc import load

from ..domain.catalogue import FOLLOWED, PRODUCERS
from ..schemas import ReplaySince
from . import Webhooks
from .access import require_administrator
from .deliveries import fan_out
from .subscriptions import live_subscription

# fetch(producer, position, limit) → {"items": [{"sequence", "envelope"}], ...}: the producer's events_since
Fetch = Callable[[str, int, int], dict]
PAGE = 200
CONTRACTS = {contract.name: contract for contract in FOLLOWED}


def replay_since(webhooks: Webhooks, viewer: Viewer, request: dict) -> dict:
    require_administrator(viewer, "replaying webhook deliveries")
    request = load(ReplaySince, request)
    subscription = live_subscription(webhooks, request["subscription_id"])
    since = clock.timestamp(request["since"])
    now = clock.timestamp(clock.utcnow())
    reset = webhooks.deliveries.reset_since(subscription["_id"], since, now)
    job_id = ids.new_id("whr")
    webhooks.replays.add({"_id": job_id, "subscription_id": subscription["_id"], "since": since,
                          "positions": {module.PRODUCER: 0 for module in PRODUCERS}, "finished": {},
                          "status": "running", "created_at": now, "created_by": viewer.user_id})
    return {"job_id": job_id, "reset": reset}


def advance(webhooks: Webhooks, fetch: Fetch, page: int = PAGE) -> int:
    """One page per producer of every running replay job; the deliveries written."""
    written = 0
    for job in webhooks.replays.running():
        subscription = webhooks.subscriptions.get(job["subscription_id"])
        if subscription is None or subscription["status"] != "active":
            webhooks.replays.finish(job["_id"], clock.timestamp(clock.utcnow()))
            continue
        for producer, position in job["positions"].items():
            if job["finished"].get(producer):
                continue
            items = fetch(producer, position, page)["items"]
            for item in items:
                contract = CONTRACTS.get(item["envelope"].get("type"))
                if contract is None:
                    continue
                try:
                    event = read_event(item["envelope"], contract)
                except UnreadableEvent:
                    continue
                written += fan_out(webhooks, event, [subscription], since=job["since"])
            new_position = items[-1]["sequence"] if items else position
            done = len(items) < page
            webhooks.replays.advance(job["_id"], producer, position, new_position, done)
            job["finished"][producer] = job["finished"].get(producer) or done
        if all(job["finished"].get(p) for p in job["positions"]):
            webhooks.replays.finish(job["_id"], clock.timestamp(clock.utcnow()))
    return written
