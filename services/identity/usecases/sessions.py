"""Sign-in, refresh and sign-out.

A sign-in checks the rate limits (failed attempts per account and per address within a window), then the
password (argon2id), then the account's lock; repeated failures lock the account for a while. A success issues
a short-lived access token for one of the account's current grants, and a refresh token starting a new
session family. Each refresh token works once: using it returns a new one; presenting a used one again means
it was stolen, so the whole family is revoked. Sign-out revokes the family. Every outcome on an existing
account is an event on it (the audit trail)."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.common import clock, storage, tokens
from services.common.auth import ADMIN, Viewer
from services.common.errors import NotFound, PermissionDenied, TooManyAttempts, Unauthenticated
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import identity as events

from .. import schemas
from ..storage import REVOKED, USED
from . import Identity, access, keys, passwords, second_factor, stored_moment

REFUSED = "sign-in refused: wrong user name or password, or the account is locked"


def sign_in(ctx: Identity, viewer: Viewer, credentials: dict) -> dict:
    _without_token(viewer)
    credentials = load(schemas.SignInSchema, credentials)
    now = clock.utcnow()
    username = credentials["username"].strip().lower()
    counted = [f"account:{username}"] + ([f"address:{credentials['address']}"] if credentials["address"] else [])
    check_rate(ctx, counted, now)
    user = ctx.users.by_username(username)
    memory = ctx.policy.password_hash_memory_kib
    if user is None or user["status"] != "active":
        passwords.verify_password(None, credentials["password"], memory)
        ctx.attempts.record(counted, now)
        ctx.log.record("refused", now, user_id=None if user is None else user["_id"],
                       region_code=None if user is None else user.get("region_code"),
                       address=credentials["address"], reason="unknown_account" if user is None else "inactive")
        raise Unauthenticated(REFUSED)
    if _locked(user, now):
        _refuse(ctx, user, counted, now, "locked", count_failure=False)
    if not passwords.verify_password(user.get("password_hash"), credentials["password"], memory):
        _refuse(ctx, user, counted, now, "wrong_password")
    changes: dict = {"failed_sign_ins": 0, "locked_until": None, "last_sign_in_at": now}
    method = "password"
    if user.get("totp_confirmed"):
        if not credentials["totp"]:
            raise Unauthenticated("second factor required: send the authenticator's code as totp",
                                  {"totp": ["required for this account"]})
        step = second_factor.second_factor_step(ctx, user, credentials["totp"])
        if step is None:
            _refuse(ctx, user, counted, now, "wrong_second_factor")
        changes["totp_last_step"] = step
        method = "password+totp"
    grant = _chosen_grant(user, credentials["grant_id"])
    if passwords.needs_rehash(user["password_hash"], memory):
        changes["password_hash"] = passwords.hash_password(credentials["password"], memory)
    signed_in = {"grant_id": grant["grant_id"], "role": grant["role"], "method": method}
    _record(ctx, user["_id"], lambda _: changes, events.SIGNED_IN, signed_in)
    ctx.log.record("signed_in", now, user_id=user["_id"], region_code=user.get("region_code"),
                   address=credentials["address"], reason=method)
    return _issue(ctx, user, grant, new_id("family"), now)


def refresh_session(ctx: Identity, viewer: Viewer, refresh_token: str, grant_id: str | None = None) -> dict:
    """A new access token and refresh token for a valid refresh token (which is used up)."""
    _without_token(viewer)
    now = clock.utcnow()
    session = ctx.sessions.get(tokens.token_hash(refresh_token or ""))
    if session is None or session["status"] == REVOKED:
        raise Unauthenticated("refresh token unknown or revoked: sign in again")
    if session["status"] == USED or not ctx.sessions.use(session["_id"], now):
        ctx.sessions.revoke_family(session["family"], now)
        raise Unauthenticated("refresh token used twice: the session is revoked, sign in again")
    if (stored_moment(session["expires_at"]) or now) <= now:
        raise Unauthenticated("refresh token expired: sign in again")
    user = ctx.users.get(session["user_id"])
    if user is None or user["status"] != "active":
        ctx.sessions.revoke_family(session["family"], now)
        raise Unauthenticated("the account is no longer active")
    grant = _chosen_grant(user, grant_id or session["grant_id"])
    return _issue(ctx, user, grant, session["family"], now)


def sign_out(ctx: Identity, viewer: Viewer, refresh_token: str) -> dict:
    """Revoke the session the refresh token belongs to; its access tokens expire within minutes. Sent with a
    token, the session must be the caller's own (an administrator may end anyone's)."""
    now = clock.utcnow()
    session = ctx.sessions.get(tokens.token_hash(refresh_token or ""))
    if session is not None and not viewer.is_public and viewer.role != ADMIN and session["user_id"] != viewer.user_id:
        raise NotFound("unknown session", {"refresh_token": ["no session of yours has this refresh token"]})
    if session is None:
        return {"signed_out": False}
    revoked = ctx.sessions.revoke_family(session["family"], now)
    user = ctx.users.get(session["user_id"])
    if user is not None and revoked:
        _record(ctx, user["_id"], lambda _: {}, events.SIGNED_OUT, {})
        ctx.log.record("signed_out", now, user_id=user["_id"], region_code=user.get("region_code"))
    return {"signed_out": bool(revoked)}


def _record(ctx: Identity, user_id: str, changes_of, contract, payload: dict) -> None:
    """One write of the account with its event, re-read and retried when a concurrent sign-in got in between."""
    def write():
        user = ctx.users.require(user_id)
        ctx.users.update(user_id, user["_version"], changes_of(user), [_user_event(user, contract, payload)])

    storage.retry_commuting(write)


def _locked(user: dict, now: datetime) -> bool:
    until = stored_moment(user.get("locked_until"))
    return until is not None and until > now


def _without_token(viewer: Viewer) -> None:
    """Signing in and refreshing exchange credentials for tokens: a request carrying a token already is
    refused, so one account's token can never be the way to another account's tokens."""
    if not viewer.is_public:
        raise PermissionDenied("sign in and refresh without an Authorization header")


def check_rate(ctx: Identity, counted: list[str], now: datetime) -> None:
    since = now - timedelta(minutes=ctx.policy.failure_window_minutes)
    limits = {"account": ctx.policy.failures_per_account, "address": ctx.policy.failures_per_address}
    for key in counted:
        if ctx.attempts.count_since(key, since) >= limits[key.partition(":")[0]]:
            raise TooManyAttempts(f"too many failed sign-ins for this {key.partition(':')[0]}: "
                                  f"try again in {ctx.policy.failure_window_minutes} minutes")


def _refuse(ctx: Identity, user: dict, counted: list[str], now: datetime, reason: str,
            count_failure: bool = True) -> None:
    ctx.attempts.record(counted, now)
    failures = int(user.get("failed_sign_ins") or 0) + 1
    locks = count_failure and failures >= ctx.policy.lockout_failures

    def changes(current: dict) -> dict:
        if not count_failure:
            return {}
        counted_now = int(current.get("failed_sign_ins") or 0) + 1
        if counted_now >= ctx.policy.lockout_failures:
            return {"failed_sign_ins": 0, "locked_until": now + timedelta(minutes=ctx.policy.lockout_minutes)}
        return {"failed_sign_ins": counted_now}

    _record(ctx, user["_id"], changes, events.SIGN_IN_FAILED, {"reason": reason, "locked": locks or not count_failure})
    ctx.log.record("refused", now, user_id=user["_id"], region_code=user.get("region_code"), address=counted_address(
        counted), reason=reason)
    raise Unauthenticated(REFUSED)


def counted_address(counted: list[str]) -> str | None:
    return next((key.partition(":")[2] for key in counted if key.startswith("address:")), None)


def _chosen_grant(user: dict, grant_id: str | None) -> dict:
    current = access.current_grants(user)
    if grant_id is not None:
        current = [g for g in current if g["grant_id"] == grant_id]
    if not current:
        raise Unauthenticated("the account has no current role" + (f" {grant_id}" if grant_id else ""))
    return current[0]


def _issue(ctx: Identity, user: dict, grant: dict, family: str, now: datetime) -> dict:
    access_ttl = timedelta(minutes=ctx.policy.access_token_minutes)
    refresh_ttl = timedelta(days=ctx.policy.refresh_token_days)
    access_token = tokens.sign_access_token(
        keys.signing_key(ctx, now), issuer=ctx.issuer, user_id=user["_id"], role=grant["role"],
        region=grant.get("region_code"), station_ids=grant.get("station_ids") or [], grant_id=grant["grant_id"],
        now=now, ttl=access_ttl)
    refresh_token = tokens.new_refresh_token()
    ctx.sessions.add(tokens.token_hash(refresh_token), family=family, user_id=user["_id"],
                     grant_id=grant["grant_id"], issued_at=now, expires_at=now + refresh_ttl)
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": int(access_ttl.total_seconds()),
            "refresh_token": refresh_token, "refresh_expires_in": int(refresh_ttl.total_seconds()),
            "user_id": user["_id"], "grant": grant,
            "grants": [g for g in access.current_grants(user)]}


def _user_event(user: dict, contract, payload: dict):
    """An event about `user` caused by the user themselves (signing in or out)."""
    actor = Viewer(user_id=user["_id"], role="public")
    return event_by(actor, contract, {"user_id": user["_id"], "region_code": user.get("region_code"), **payload})
