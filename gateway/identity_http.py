"""The platform issuer's public HTTP endpoints, served by the gateway for the identity service:

- `/.well-known/jwks.json` — the public keys access tokens are signed with (current and retiring ones);
- `/.well-known/openid-configuration` — OpenID Connect discovery metadata (issuer, jwks_uri, algorithms);
- `POST /auth/token` — the OAuth 2.0 token endpoint for tools (RFC 6749 form fields): `grant_type=password`
  (`username`, `password`, optional `totp`, `grant_id`) or `grant_type=refresh_token` (`refresh_token`). The same
  sign-in as the `signIn` and `refreshSession` mutations; errors as RFC 6749 §5.2 (`invalid_grant` …);
- `POST /auth/revoke` — token revocation (RFC 7009): `token` = a refresh token; its session ends (`signOut`).

Both are public and cacheable for a short while: a rotated key appears at once in the identity service and
here within the cache's minute; verifiers fetch again on an unknown key anyway.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .errors import client_error
from .http import APPLICATION_JSON, HttpResponse

CACHE = "public, max-age=60"
STATUS_OF_CODE = {"SERVICE_UNAVAILABLE": 503}
# RFC 6749 §5.2 error codes for the platform's error codes.
OAUTH_ERRORS = {"UNAUTHENTICATED": (400, "invalid_grant"), "BAD_USER_INPUT": (400, "invalid_request"),
                "TOO_MANY_REQUESTS": (429, "slow_down"), "FORBIDDEN": (400, "invalid_request")}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def platform_keys(clients: Mapping[str, Any]) -> Callable[[], dict] | None:
    """How the gateway fetches the issuer's key set during a request: through the worker's identity client."""
    identity = clients.get("identity")
    return None if identity is None else (lambda: identity.jwks(None))


def _json(body: dict) -> HttpResponse:
    return HttpResponse(200, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", "Cache-Control": CACHE,
                              "Access-Control-Allow-Origin": "*"}, json.dumps(body, ensure_ascii=False))


def _error(exc: BaseException) -> HttpResponse:
    error = client_error(exc)
    return HttpResponse(STATUS_OF_CODE.get(error.code, 500), {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8"},
                        json.dumps({"error": {"message": error.message, **error.extensions()}}, ensure_ascii=False))


def jwks(identity) -> HttpResponse:
    try:
        return _json(identity.jwks(None))
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        return _error(exc)


def discovery(identity, base_url: str) -> HttpResponse:
    try:
        return _json(identity.discovery(None, base_url))
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        return _error(exc)


def _oauth_error(status: int, error: str, description: str) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", **NO_STORE},
                        json.dumps({"error": error, "error_description": description}, ensure_ascii=False))


def token(identity, form: Mapping[str, str], authorization: str | None, address: str | None) -> HttpResponse:
    """The token endpoint: a password or refresh-token grant for the tokens the identity service issues."""
    if authorization:
        return _oauth_error(400, "invalid_request", "the token endpoint takes no Authorization header")
    grant_type = form.get("grant_type")
    try:
        if grant_type == "password":
            issued = identity.sign_in(None, {"username": form.get("username") or "",
                                             "password": form.get("password") or "", "totp": form.get("totp"),
                                             "grant_id": form.get("grant_id"), "address": address or None})
        elif grant_type == "refresh_token":
            issued = identity.refresh_session(None, form.get("refresh_token") or "", form.get("grant_id"))
        else:
            return _oauth_error(400, "unsupported_grant_type", "use grant_type password or refresh_token")
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        described = client_error(exc)
        status, error = OAUTH_ERRORS.get(described.code, (STATUS_OF_CODE.get(described.code, 500), "server_error"))
        return _oauth_error(status, error, described.message)
    body = {key: issued[key] for key in ("access_token", "token_type", "expires_in", "refresh_token")}
    return HttpResponse(200, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", **NO_STORE},
                        json.dumps(body, ensure_ascii=False))


def revoke(identity, form: Mapping[str, str]) -> HttpResponse:
    """RFC 7009: 200 whether or not the token was known (nothing to learn from the answer)."""
    try:
        identity.sign_out(None, form.get("token") or "")
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        described = client_error(exc)
        if described.code == "SERVICE_UNAVAILABLE":
            return _oauth_error(503, "temporarily_unavailable", described.message)
    return HttpResponse(200, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", **NO_STORE}, "{}")
