"""Standard Webhooks signatures (https://www.standardwebhooks.com, the spec's own `standardwebhooks` package).

A message is signed as `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the subscription's secret
(`whsec_<base64 of 24 random bytes>`). While a rotated-out secret still overlaps, the message carries both
signatures, space-separated, as the spec allows: a receiver that has not switched yet still verifies.
"""
from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id(event_id: str, subscription_id: str) -> str:
    """The `webhook-id`: the same for every attempt and replay of one event to one subscription."""
    return f"msg_{event_id}_{subscription_id}"


def body_of(event_type: str, occurred_at: str, data: dict) -> str:
    """The payload in the spec's recommended shape: `type`, `timestamp` (of the event) and `data`."""
    return json.dumps({"type": event_type, "timestamp": occurred_at, "data": data}, ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True)


def signature(signing_secrets: Iterable[str], msg_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: one `v1,…` per secret, space-separated."""
    moment = at.astimezone(UTC)
    return " ".join(Webhook(secret).sign(msg_id, moment, body) for secret in signing_secrets)


def headers(signing_secrets: Iterable[str], msg_id: str, at: datetime, body: str) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature(signing_secrets, msg_id, at, body),
            "content-type": "application/json"}


def preview(secret: str) -> str:
    """What a listing shows of a secret: its prefix and last four characters."""
    return f"{SECRET_PREFIX}…{secret[-4:]}"
