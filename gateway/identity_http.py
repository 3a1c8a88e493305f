"""The platform issuer's public HTTP endpoints, served by the gateway for the identity service:

- `/.well-known/jwks.json` — the public keys access tokens are signed with (current and retiring ones);
- `/.well-known/openid-configuration` — OpenID Connect discovery metadata (issuer, jwks_uri, algorithms).

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
