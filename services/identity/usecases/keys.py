"""The issuer's signing keys: one signs, the ones it replaced stay published until their tokens expired.

A key signs for `key_rotation_days`; the first token after that makes a new one, so keys rotate without an
operator. `rotate_signing_key` rotates at once (a suspected leak): the old key stops signing now and stays
in the JWKS for one access-token lifetime plus the clock skew, so tokens already out keep working."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.common import clock, tokens
from services.common.auth import ADMIN, Viewer
from services.common.errors import PermissionDenied

from . import Identity, stored_moment


def _overlap(ctx: Identity) -> timedelta:
    return timedelta(minutes=ctx.policy.access_token_minutes, seconds=ctx.policy.clock_skew_seconds)


def _new_key(ctx: Identity, now: datetime) -> tokens.KeyPair:
    pair = tokens.new_key_pair()
    signs_until = now + timedelta(days=ctx.policy.key_rotation_days)
    ctx.keys.add({"_id": pair.kid, "private_key": ctx.cipher.encrypt(pair.private_pem), "public_jwk": pair.public_jwk,
                  "created_at": now, "signs_until": signs_until, "published_until": signs_until + _overlap(ctx)})
    return pair


def signing_key(ctx: Identity, now: datetime | None = None) -> tokens.KeyPair:
    now = now or clock.utcnow()
    stored = ctx.keys.newest_active(now)
    if stored is None:
        return _new_key(ctx, now)
    return tokens.KeyPair(stored["_id"], ctx.cipher.decrypt(stored["private_key"]), stored["public_jwk"])


def rotate_signing_key(ctx: Identity, viewer: Viewer) -> dict:
    if viewer.role != ADMIN:
        raise PermissionDenied("only administrators rotate signing keys")
    now = clock.utcnow()
    for stored in ctx.keys.published(now):
        if (stored_moment(stored["signs_until"]) or now) > now:
            ctx.keys.retire(stored["_id"], now, now + _overlap(ctx))
    return {"kid": _new_key(ctx, now).kid}


def jwks(ctx: Identity, viewer: Viewer) -> dict:
    """The public keys tokens may be signed with (public: anyone may verify)."""
    now = clock.utcnow()
    published = ctx.keys.published(now)
    if not published:
        signing_key(ctx, now)
        published = ctx.keys.published(now)
    return {"keys": [stored["public_jwk"] for stored in published]}


def discovery(ctx: Identity, viewer: Viewer, base_url: str) -> dict:
    """OpenID Connect discovery metadata for the platform's issuer."""
    return {"issuer": ctx.issuer, "jwks_uri": f"{base_url}/.well-known/jwks.json",
            "token_endpoint": f"{base_url}/auth/token", "response_types_supported": ["token"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": [tokens.ALGORITHM],
            "grant_types_supported": ["password", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                      "self_signed_tls_client_auth"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "role", "region", "stations", "gid", "agency",
                                 "scope"]}
