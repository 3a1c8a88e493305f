"""The platform issuer's public HTTP endpoints, served by the gateway for the identity service:

- `/.well-known/jwks.json` — the public keys access tokens are signed with (current and retiring ones);
- `/.well-known/openid-configuration` — OpenID Connect discovery metadata (issuer, jwks_uri, algorithms);
- `POST /auth/token` — the OAuth 2.0 token endpoint for tools (RFC 6749 form fields): `grant_type=password`
  (`username`, `password`, optional `totp`, `grant_id`) or `grant_type=refresh_token` (`refresh_token`). The same
  sign-in as the `signIn` and `refreshSession` mutations; errors as RFC 6749 §5.2 (`invalid_grant` …);
  `grant_type=client_credentials` (RFC 6749 §4.4) is a registered agency's client: its id and secret in an
  `Authorization: Basic` header (client_secret_basic) or as the form fields `client_id` and `client_secret`
  (client_secret_post), never both, or its `client_id` and the client certificate the TLS terminator verified and
  forwarded in SHEGONG_CLIENT_CERTIFICATE_HEADER (self_signed_tls_client_auth, RFC 8705); optional `scope` (fewer scopes
  than the client has). A refused client is
  401 `invalid_client`, a scope it was not granted 400 `invalid_scope`;
- `POST /auth/revoke` — token revocation (RFC 7009): `token` = a refresh token; its session ends (`signOut`).

Both are public and cacheable for a short while: a rotated key appears at once in the identity service and
here within the cache's minute; verifiers fetch again on an unknown key anyway.
"""
from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from services.common.agency import certificate_thumbprint
from services.common.errors import ValidationFailed

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


def _oauth_error(status: int, error: str, description: str, headers: Mapping[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", **NO_STORE, **(headers or {})},
                        json.dumps({"error": error, "error_description": description}, ensure_ascii=False))


def token(identity, form: Mapping[str, str], authorization: str | None, address: str | None,
          certificate: str | None = None) -> HttpResponse:
    """The token endpoint: a password, refresh-token or client-credentials grant for the identity service's tokens."""
    if form.get("grant_type") == "client_credentials":
        return client_credentials(identity, form, authorization, address, certificate)
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
            return _oauth_error(400, "unsupported_grant_type",
                                "use grant_type password, refresh_token or client_credentials")
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        described = client_error(exc)
        status, error = OAUTH_ERRORS.get(described.code, (STATUS_OF_CODE.get(described.code, 500), "server_error"))
        return _oauth_error(status, error, described.message)
    body = {key: issued[key] for key in ("access_token", "token_type", "expires_in", "refresh_token")}
    return HttpResponse(200, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", **NO_STORE},
                        json.dumps(body, ensure_ascii=False))


CLIENT_ERRORS = {"UNAUTHENTICATED": (401, "invalid_client"), "OUT_OF_SCOPE": (400, "invalid_scope"),
                 "BAD_USER_INPUT": (400, "invalid_request"), "TOO_MANY_REQUESTS": (429, "slow_down"),
                 "FORBIDDEN": (400, "invalid_request")}


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: `Basic base64(urlencode(client_id) ":" urlencode(client_secret))`; None if malformed."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)


def client_credentials(identity, form: Mapping[str, str], authorization: str | None,
                       address: str | None, certificate: str | None = None) -> HttpResponse:
    """An agency client's access token for its id and secret (basic or post), or for its id and the certificate
    the TLS terminator verified (self_signed_tls_client_auth, RFC 8705 §2), in its scopes."""
    challenge = {"WWW-Authenticate": 'Basic realm="shegong"'} if authorization else {}
    thumbprint = None
    if certificate and not authorization and not form.get("client_secret"):
        try:
            thumbprint = certificate_thumbprint(certificate)
        except ValidationFailed:
            return _oauth_error(401, "invalid_client", "the forwarded client certificate cannot be read")
    if authorization:
        if form.get("client_secret"):
            return _oauth_error(400, "invalid_request", "authenticate the client one way: Basic or form fields")
        credentials = basic_credentials(authorization)
        if credentials is None:
            return _oauth_error(401, "invalid_client", "use Authorization: Basic with the client id and secret",
                                challenge)
        client_id, secret = credentials
    else:
        client_id, secret = form.get("client_id") or "", form.get("client_secret") or ""
    try:
        issued = identity.issue_client_token(None, {
            "client_id": client_id, "client_secret": None if thumbprint else secret, "certificate_thumbprint":
            thumbprint, "scope": form.get("scope") or None, "address": address or None})
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        described = client_error(exc)
        status, error = CLIENT_ERRORS.get(described.code, (STATUS_OF_CODE.get(described.code, 500), "server_error"))
        return _oauth_error(status, error, described.message, challenge if status == 401 else {})
    body = {key: issued[key] for key in ("access_token", "token_type", "expires_in", "scope")}
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
