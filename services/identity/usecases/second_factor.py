"""The optional second factor: a TOTP (RFC 6238) secret, enrolled by the account holder, confirmed with a first
code, and required at every sign-in from then on. A code is accepted once: its time step is remembered, so a
code seen over a shoulder cannot be replayed within its 30 seconds."""
from __future__ import annotations

import pyotp

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import NotFound, RuleViolation, ValidationFailed
from services.common.events import event_by
from services.contracts import identity as events

from . import Identity
from .users import view

ISSUER_NAME = "Shegong"
WINDOW = 1  # one step of clock drift either way


def _own_account(ctx: Identity, viewer: Viewer) -> dict:
    user = None if viewer.is_public else ctx.users.get(viewer.user_id)
    if user is None:
        raise NotFound("no account of yours here", {"user_id": ["sign in with an account of the platform"]})
    return user


def enrol_totp(ctx: Identity, viewer: Viewer) -> dict:
    """A new secret for the caller's authenticator app; it counts once confirmed."""
    user = _own_account(ctx, viewer)
    secret = pyotp.random_base32()
    ctx.users.update(user["_id"], user["_version"], {"totp_pending_secret": ctx.cipher.encrypt(secret)})
    return {"secret": secret,
            "provisioning_uri": pyotp.TOTP(secret).provisioning_uri(name=user["username"], issuer_name=ISSUER_NAME)}


def confirm_totp(ctx: Identity, viewer: Viewer, code: str) -> dict:
    user = _own_account(ctx, viewer)
    if not user.get("totp_pending_secret"):
        raise RuleViolation("enrol a second factor first")
    secret = ctx.cipher.decrypt(user["totp_pending_secret"])
    step = matching_step(secret, code)
    if step is None:
        raise ValidationFailed.field("code", "not the current code of the enrolled authenticator")
    enabled = event_by(viewer, events.SECOND_FACTOR_ENABLED, {"user_id": user["_id"],
                                                              "region_code": user.get("region_code"), "method": "totp"})
    ctx.users.update(user["_id"], user["_version"], {
        "totp_secret": user["totp_pending_secret"], "totp_pending_secret": None, "totp_confirmed": True,
        "totp_last_step": step}, [enabled])
    return view(ctx.users.require(user["_id"]))


def matching_step(secret: str, code: str | None) -> int | None:
    """The time step `code` belongs to (within the drift window), or None."""
    if not code or not code.strip().isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = clock.utcnow()
    current = totp.timecode(now)
    for offset in range(-WINDOW, WINDOW + 1):
        if totp.verify(code.strip(), for_time=now.timestamp() + offset * totp.interval, valid_window=0):
            return current + offset
    return None


def second_factor_step(ctx: Identity, user: dict, code: str | None) -> int | None:
    """The fresh time step of a valid code for `user`'s confirmed secret; None if missing, wrong or replayed."""
    step = matching_step(ctx.cipher.decrypt(user["totp_secret"]), code)
    if step is None or step <= int(user.get("totp_last_step") or -1):
        return None
    return step
