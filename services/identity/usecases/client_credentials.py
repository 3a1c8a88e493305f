"""The client-credentials grant (RFC 6749 §4.4): an agency client's id and secret for a short-lived access token.

The token says `role: agency`, the agency (`agency`), the agency's region and the client's scopes (`scope`, RFC
9068); a request may ask for fewer scopes than the client has (`scope`), never more. No refresh token is issued
(§4.4.3): a client asks again. A revoked client, an unknown one and a wrong or rotated-out secret are refused
alike (`invalid_client`). A certificate client (self_signed_tls_client_auth) authenticates with the thumbprint of the
certificate it presented instead of a secret, and its token is bound to that certificate (RFC 8705 §3: `cnf` with
the `x5t#S256` thumbprint), so the gateway refuses it from a caller who does not present the same one. Refusals
count against the same rate limits as sign-ins, and every outcome is written to the sign-in log."""
from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from services.common import clock, tokens
from services.common.agency import AgencyScopes
from services.common.auth import AGENCY, Viewer
from services.common.errors import OutOfScope, PermissionDenied, Unauthenticated
from services.common.rpc import load

from .. import schemas
from . import Identity, keys
from .agencies import secret_valid
from .sessions import check_rate


def _authenticated(client: dict, credentials: dict, now) -> bool:
    if credentials["certificate_thumbprint"]:
        bound = client.get("certificate_thumbprint")
        return bool(bound) and hmac.compare_digest(bound, credentials["certificate_thumbprint"])
    offered = tokens.token_hash(credentials["client_secret"])
    return any(hmac.compare_digest(secret["hash"], offered) and secret_valid(secret, now)
               for secret in client["secrets"])


REFUSED = "client authentication failed: unknown client, wrong or expired secret, or a revoked client"


def issue_client_token(ctx: Identity, viewer: Viewer, credentials: dict) -> dict:
    if not viewer.is_public:
        raise PermissionDenied("ask for a client token without an Authorization bearer token")
    credentials = load(schemas.ClientCredentialsSchema, credentials)
    now = clock.utcnow()
    client_id = credentials["client_id"]
    # A client counts like an account (the per-account limit), its address like a sign-in's.
    counted = [f"account:client:{client_id}"] + ([f"address:{credentials['address']}"] if credentials["address"]
                                                  else [])
    check_rate(ctx, counted, now)
    client = ctx.agency_clients.get(client_id)
    matches = client is not None and client["status"] == "active" and _authenticated(client, credentials, now)
    agency = ctx.agencies.get(client["agency_id"]) if matches and client is not None else None
    if client is None or not matches or agency is None:
        ctx.attempts.record(counted, now)
        ctx.log.record("refused", now, user_id=client_id if client is not None else None,
                       region_code=client["region_code"] if client is not None else None,
                       address=credentials["address"], reason="client_credentials")
        raise Unauthenticated(REFUSED)
    granted = AgencyScopes.from_lists(client["scopes"]).words()
    words = granted
    if credentials["scope"]:
        words = credentials["scope"].split()
        missing = sorted(set(words) - set(granted))
        if missing:
            raise OutOfScope("the client was not granted " + " ".join(missing), {"scope": missing})
    ttl = timedelta(minutes=ctx.policy.access_token_minutes)
    claims: dict[str, Any] = {"agency": agency["_id"], "scope": " ".join(words)}
    if credentials["certificate_thumbprint"]:
        claims["cnf"] = {tokens.CERTIFICATE_CONFIRMATION: credentials["certificate_thumbprint"]}
    access_token = tokens.sign_access_token(
        keys.signing_key(ctx, now), issuer=ctx.issuer, user_id=client_id, role=AGENCY, region=agency["region_code"],
        station_ids=[], grant_id=client_id, now=now, ttl=ttl, **claims)
    ctx.log.record("signed_in", now, user_id=client_id, region_code=client["region_code"],
                   address=credentials["address"], reason="client_credentials")
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": int(ttl.total_seconds()),
            "scope": " ".join(words), "agency_id": agency["_id"]}
