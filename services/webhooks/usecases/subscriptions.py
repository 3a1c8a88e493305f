"""Subscriptions: which events an agency client receives, where, and with which personal-data fields.

Administrators create, pause, resume, rotate the signing secret of and delete them; a subscription names an
active agency client with a scope for its event types (clients.py), and is revoked with its client. The signing
secret is shown once, when it is made (creation, rotation), and stored encrypted; after a rotation the previous
secret keeps signing alongside the new one for `secret_overlap_hours`, so receivers can switch over.
"""
from __future__ import annotations

from datetime import timedelta

from services.common import clock, ids
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, Conflict, NotFound, RuleViolation
from services.common.rpc import load

from ..domain import signing
from ..schemas import SubscriptionFilters, SubscriptionInput
from . import Webhooks
from .access import require_administrator
from .clients import REVOKED, require_client_for

ACTIVE, PAUSED, DELETED = "active", "paused", "deleted"


def view(doc: dict) -> dict:
    """A subscription as callers read it: never its secrets."""
    return {"id": doc["_id"], "agency_client_id": doc["agency_client_id"], "url": doc["url"],
            "event_types": doc["event_types"], "regions": doc["regions"], "personal_fields": doc["personal_fields"],
            "description": doc.get("description", ""), "status": doc["status"], "created_at": doc["created_at"],
            "secret_preview": doc.get("secret_preview"), "version": doc["_version"]}


def create_subscription(webhooks: Webhooks, viewer: Viewer, data: dict) -> dict:
    require_administrator(viewer, "setting up webhooks")
    data = load(SubscriptionInput, data)
    require_client_for(webhooks, data["agency_client_id"], data["event_types"], data["regions"],
                       data["personal_fields"])
    secret = signing.new_secret()
    now = clock.timestamp(clock.utcnow())
    doc = webhooks.subscriptions.insert({
        "_id": ids.new_id("whs"), **data, "event_types": sorted(set(data["event_types"])),
        "regions": sorted(set(data["regions"])), "personal_fields": sorted(set(data["personal_fields"])),
        "status": ACTIVE, "created_at": now, "created_by": viewer.user_id,
        "secrets": [{"secret": webhooks.cipher.encrypt(secret), "created_at": now, "expires_at": None}],
        "secret_preview": signing.preview(secret)})
    return {"subscription": view(doc), "secret": secret}


def list_subscriptions(webhooks: Webhooks, viewer: Viewer, filters: dict | None = None) -> dict:
    require_administrator(viewer, "reading webhook subscriptions")
    filters = load(SubscriptionFilters, filters or {})
    page = webhooks.subscriptions.listing(filters["agency_client_id"], filters["after"], filters["limit"])
    return {"items": [view(d) for d in page.docs], "next_cursor": page.next_cursor, "total": page.total}


def live_subscription(webhooks: Webhooks, subscription_id: str) -> dict:
    doc = webhooks.subscriptions.get(subscription_id)
    if doc is None or doc["status"] == DELETED:
        raise NotFound(f"unknown webhook subscription {subscription_id}", {"id": ["no such subscription"]})
    return doc


def _change(webhooks: Webhooks, subscription_id: str, change) -> dict:
    for _ in range(5):
        doc = live_subscription(webhooks, subscription_id)
        try:
            webhooks.subscriptions.update(doc["_id"], doc["_version"], change(doc))
        except ConcurrentModification:
            continue
        return webhooks.subscriptions.require(subscription_id)
    raise Conflict(f"webhook subscription {subscription_id} kept changing; try again")


def pause_subscription(webhooks: Webhooks, viewer: Viewer, subscription_id: str) -> dict:
    """Nothing new is queued for a paused subscription, and what is queued waits until it resumes."""
    require_administrator(viewer, "pausing webhooks")
    return view(_change(webhooks, subscription_id, lambda doc: {"status": PAUSED}))


def resume_subscription(webhooks: Webhooks, viewer: Viewer, subscription_id: str) -> dict:
    require_administrator(viewer, "resuming webhooks")

    def resumed(doc: dict) -> dict:
        if doc["status"] == REVOKED:
            raise RuleViolation("this subscription's agency client was revoked: subscribe a new client instead")
        return {"status": ACTIVE}

    return view(_change(webhooks, subscription_id, resumed))


def delete_subscription(webhooks: Webhooks, viewer: Viewer, subscription_id: str) -> dict:
    """Stops every delivery and forgets the secrets; the delivery log stays for the record."""
    require_administrator(viewer, "deleting webhooks")
    return view(_change(webhooks, subscription_id, lambda doc: {"status": DELETED, "secrets": []}))


def rotate_secret(webhooks: Webhooks, viewer: Viewer, subscription_id: str) -> dict:
    require_administrator(viewer, "rotating webhook secrets")
    secret = signing.new_secret()
    now = clock.utcnow()
    overlap_until = clock.timestamp(now + timedelta(hours=webhooks.policy.secret_overlap_hours))

    def rotated(doc: dict) -> dict:
        kept = [{**s, "expires_at": s["expires_at"] or overlap_until} for s in doc["secrets"]
                if not s["expires_at"] or s["expires_at"] > clock.timestamp(now)]
        return {"secrets": [{"secret": webhooks.cipher.encrypt(secret), "created_at": clock.timestamp(now),
                             "expires_at": None}, *kept[:1]],
                "secret_preview": signing.preview(secret)}

    return {"subscription": view(_change(webhooks, subscription_id, rotated)), "secret": secret}


def signing_secrets(webhooks: Webhooks, subscription: dict) -> list[str]:
    """The secrets that sign a message now: the current one, and a rotated-out one still overlapping."""
    now = clock.timestamp(clock.utcnow())
    return [webhooks.cipher.decrypt(s["secret"]) for s in subscription.get("secrets", [])
            if not s["expires_at"] or s["expires_at"] > now]
