"""Who is asking: the bearer token of a request → a Viewer.

No Authorization header means the public (ANONYMOUS), who see disclosed data only. A header that
is present but unusable (another scheme, a bad signature, an expired token) is refused with 401
rather than quietly downgraded to public: a client whose token expired must notice.

Accepted tokens: the platform issuer's (the identity service: EdDSA, checked against its JWKS, which is
cached and fetched again when a token names an unknown key); those of the external OpenID Connect issuers
configured in SHEGONG_OIDC_ISSUERS (keys through their discovery document, claims mapped to a role and scope);
and, in development mode only, the development tokens of `shegong token` (HS256 with the development secret).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from nameko.exceptions import UnknownService

from services.common import tokens
from services.common.agency import certificate_thumbprint
from services.common.auth import ANONYMOUS, SUPERVISOR, Viewer, verify_token
from services.common.config import Settings, settings
from services.common.errors import Unauthenticated, ValidationFailed

DEVELOPMENT_ALGORITHM = "HS256"


def platform_issuer(config: Settings) -> str:
    return config.identity.issuer or config.public_url()


@functools.cache
def _platform_verifier(issuer: str, skew_seconds: int) -> tokens.TokenVerifier:
    return tokens.TokenVerifier(issuer=issuer, skew_seconds=skew_seconds)


def platform_verifier(config: Settings) -> tokens.TokenVerifier:
    return _platform_verifier(platform_issuer(config), config.identity.clock_skew_seconds)


def presented_certificate(header_value: Callable[[str], str | None], config: Settings) -> str | None:
    """The client certificate the TLS terminator verified and forwarded (SHEGONG_CLIENT_CERTIFICATE_HEADER), if
    the platform is configured to take one; `header_value` reads one request header by name."""
    name = config.client_certificate_header
    return (header_value(name) or None) if name else None


def viewer_of_request(header_value: Callable[[str], str | None], secret: str, *,
                      jwks: Callable[[], dict] | None = None, config: Settings | None = None) -> Viewer:
    """The viewer of a request's bearer token, with its forwarded client certificate held against a
    certificate-bound token: the one way every endpoint reads who is asking."""
    config = config or settings()
    return viewer_from_authorization(header_value("Authorization"), secret, jwks=jwks, config=config,
                                     certificate=presented_certificate(header_value, config))


def _presented_thumbprint(certificate: str | None) -> str | None:
    if not certificate:
        return None
    try:
        return certificate_thumbprint(certificate, "certificate")
    except ValidationFailed:
        raise Unauthenticated("the forwarded client certificate cannot be read") from None


def viewer_from_authorization(header: str | None, secret: str, *, jwks: Callable[[], dict] | None = None,
                              config: Settings | None = None, certificate: str | None = None) -> Viewer:
    """`jwks`: fetches the platform issuer's key set (the identity service's `jwks`), called on an unknown key.
    `certificate`: the request's forwarded client certificate (presented_certificate), which a
    certificate-bound token (RFC 8705 §3) must match."""
    if header is None or not header.strip():
        return ANONYMOUS
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("use an Authorization header of the form 'Bearer <token>'")
    config = config or settings()
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"invalid token: {exc}") from None
    if algorithm == DEVELOPMENT_ALGORITHM:
        if config.production:
            raise Unauthenticated("development tokens are not accepted in production: sign in")
        return verify_token(secret, token)
    external = external_issuers(config).get(tokens.unverified_issuer(token) or "")
    if external is not None:
        issuer, verifier = external
        return issuer.viewer(verifier.claims(token))
    claims = platform_verifier(config).claims(token, jwks)
    tokens.require_certificate_binding(claims, _presented_thumbprint(certificate))
    return tokens.viewer_from_claims(claims)


def external_issuers(config: Settings) -> dict[str, tuple[tokens.ExternalIssuer, tokens.TokenVerifier]]:
    """The configured external issuers by `iss`, each with its verifier (keys cached across requests)."""
    return _external_issuers(tuple(tokens.ExternalIssuer.from_config(entry)
                                   for entry in config.identity.external_issuers), config.identity.clock_skew_seconds)


@functools.cache
def _external_issuers(issuers: tuple[tokens.ExternalIssuer, ...], skew_seconds: int):
    return {issuer.issuer: (issuer, tokens.TokenVerifier(
        functools.partial(tokens.fetch_discovered_jwks, issuer.discovery), issuer=issuer.issuer,
        audience=issuer.audience, skew_seconds=skew_seconds)) for issuer in issuers}


def viewer_in_force(viewer: Viewer, clients: Mapping[str, Any]) -> Viewer:
    """A supervisor's stations are their current assignments, which the supervision service keeps, not the
    stations their token named when it was issued: one RPC per request of a supervisor (none for other roles),
    so that ending an assignment takes the station away from every service at once and a new one gives it.

    A supervisor who is no registered supervisor keeps the stations of their grant, and so does every
    supervisor on a platform without a supervision service (nameko's UnknownService: no instance ever
    declared its queue). A supervision service that is there but does not answer fails the request
    (UpstreamUnavailable): a stale scope is never used in its place."""
    supervision = clients.get("supervision")
    if viewer.role != SUPERVISOR or supervision is None:
        return viewer
    try:
        scope = supervision.supervisor_scope(viewer.to_dict())
    except UnknownService:
        return viewer
    if not scope["registered"]:
        return viewer
    return Viewer(viewer.user_id, viewer.role, viewer.region, tuple(scope["station_ids"]))
