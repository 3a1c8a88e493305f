"""The platform's signed tokens: issuing (the identity service) and verifying (the gateway, any service).

Access tokens are short-lived JWTs signed with Ed25519 (`EdDSA`), the signing key named by `kid` in the
header and published in a JWKS. Verification checks signature, issuer, audience and expiry with a bounded
clock skew; it looks keys up in a cached JWKS and fetches it again when a token names an unknown key (a
rotation), at most once per `refetch_seconds`, so a stream of forged kids cannot hammer the issuer.
Refresh tokens are random strings the issuer keeps only as hashes.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from marshmallow import ValidationError

from .auth import _TOKEN_CLAIMS, AGENCY, TOKEN_AUDIENCE, Viewer, viewer_of_claims
from .errors import Unauthenticated

ALGORITHM = "EdDSA"
# RFC 8705 §3.1: the confirmation member naming the certificate a token is bound to.
CERTIFICATE_CONFIRMATION = "x5t#S256"


@dataclass(frozen=True)
class KeyPair:
    kid: str
    private_pem: str
    public_jwk: dict


def new_key_pair() -> KeyPair:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    kid = base64.urlsafe_b64encode(hashlib.sha256(jwk["x"].encode()).digest()[:12]).decode().rstrip("=")
    return KeyPair(kid, pem, {**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM})


def sign_access_token(key: KeyPair | tuple[str, str], *, issuer: str, user_id: str, role: str,
                      region: str | None, station_ids: list[str] | tuple[str, ...], grant_id: str,
                      now: datetime, ttl: timedelta, audience: str = TOKEN_AUDIENCE, **extra) -> str:
    kid, pem = (key.kid, key.private_pem) if isinstance(key, KeyPair) else key
    claims = {"iss": issuer, "sub": user_id, "aud": audience, "iat": int(now.timestamp()),
              "exp": int((now + ttl).timestamp()), "jti": uuid.uuid4().hex, "role": role, "gid": grant_id, **extra}
    if region:
        claims["region"] = region
    if station_ids:
        claims["stations"] = list(station_ids)
    return jwt.encode(claims, pem, algorithm=ALGORITHM, headers={"kid": kid})


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How a refresh token is stored: a hash (the token is random, 256 bits, so no salt or slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def require_certificate_binding(claims: dict, presented_thumbprint: str | None) -> None:
    """RFC 8705 §3: a token bound to a client certificate (`cnf.x5t#S256`) is accepted only from a caller that
    presents that certificate; a stolen bound token is useless without the certificate's private key."""
    if "cnf" not in claims:
        return
    confirmation = claims["cnf"]
    bound = confirmation.get(CERTIFICATE_CONFIRMATION) if isinstance(confirmation, dict) else None
    if not isinstance(bound, str) or not bound:
        raise Unauthenticated("invalid token: a confirmation (cnf) this platform does not know")
    if presented_thumbprint is None:
        raise Unauthenticated("this token is bound to a client certificate: present that certificate")
    if not hmac.compare_digest(bound, presented_thumbprint):
        raise Unauthenticated("this token is bound to another client certificate")


def viewer_from_claims(claims: dict) -> Viewer:
    try:
        loaded = _TOKEN_CLAIMS.load(claims)
    except ValidationError as exc:
        refused = ", ".join(sorted(str(name) for name in exc.messages)) if isinstance(exc.messages, dict) else ""
        raise Unauthenticated(f"invalid token claims: {refused}") from None
    return viewer_of_claims(loaded)


class TokenVerifier:
    """Verifies access tokens of one issuer against its JWKS (`fetch_jwks()` → {"keys": [...]})."""

    def __init__(self, fetch_jwks: Callable[[], dict] | None = None, *, issuer: str, audience: str = TOKEN_AUDIENCE,
                 skew_seconds: int = 60, refetch_seconds: float = 1.0, max_age_seconds: float = 300.0):
        self.fetch_jwks = fetch_jwks
        self.issuer = issuer
        self.audience = audience
        self.skew_seconds = skew_seconds
        self.refetch_seconds = refetch_seconds
        # Keys are fetched again this often even when every kid is known, so a key the issuer withdrew
        # (a rotation after a leak) stops being accepted here within minutes.
        self.max_age_seconds = max_age_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def claims(self, token: str, fetch_jwks: Callable[[], dict] | None = None) -> dict:
        """The token's verified claims; `fetch_jwks` overrides the verifier's own source for this call (the
        gateway fetches through the worker's RPC client)."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        key = self._key(kid, fetch_jwks or self.fetch_jwks)
        try:
            return jwt.decode(token, key, algorithms=[key.algorithm_name], audience=self.audience,
                              issuer=self.issuer, leeway=self.skew_seconds,
                              options={"require": ["exp", "iat", "iss", "sub", "aud"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None

    def viewer(self, token: str, fetch_jwks: Callable[[], dict] | None = None) -> Viewer:
        return viewer_from_claims(self.claims(token, fetch_jwks))

    def _key(self, kid: object, fetch_jwks: Callable[[], dict] | None) -> jwt.PyJWK:
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("invalid token: no key id")
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if kid not in self._keys and age >= self.refetch_seconds:
                if fetch_jwks is None:
                    raise Unauthenticated("cannot check the token: no source of signing keys")
                self._refresh(fetch_jwks)
            elif age >= self.max_age_seconds and fetch_jwks is not None:
                with contextlib.suppress(Unauthenticated):  # the issuer unreachable: the known keys still hold
                    self._refresh(fetch_jwks)
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("invalid token: unknown signing key")
        return key

    def _refresh(self, fetch_jwks: Callable[[], dict]) -> None:
        self._fetched_at = time.monotonic()
        try:
            document = fetch_jwks()
        except Exception as exc:  # the issuer unreachable: keep the keys known so far
            raise Unauthenticated(f"cannot check the token now: signing keys unavailable ({type(exc).__name__})") \
                from None
        keys = {}
        for entry in document.get("keys", []):
            if entry.get("use", "sig") == "sig" and entry.get("kid"):
                try:
                    keys[entry["kid"]] = jwt.PyJWK(entry)
                except jwt.PyJWTError:
                    continue  # a key of a type this verifier does not take is not ours to use
        self._keys = keys


@dataclass(frozen=True)
class ExternalIssuer:
    """Another OpenID Connect issuer whose access or ID tokens are accepted (the province's unified identity
    platform): keys from its discovery document's `jwks_uri`, its `iss` and our `audience` checked, and its
    claims mapped to a platform role and scope by configuration:
    - `role_claim` (a string or a list, e.g. groups) → `roles` {their value: our role}; the first value that
      maps wins; without `roles`, a value that is one of our role names is taken as it is;
    - `region_claim` → the grant's region, `stations_claim` → its stations;
    - the user id is `subject_prefix` + `sub` (default prefix: the issuer and "#"), so no external subject
      can pass for an account of ours."""

    issuer: str
    audience: str
    discovery_url: str = ""
    subject_prefix: str = ""
    role_claim: str = "role"
    roles: tuple[tuple[str, str], ...] = ()
    region_claim: str = "region"
    stations_claim: str = "stations"

    @classmethod
    def from_config(cls, entry: dict) -> ExternalIssuer:
        try:
            return cls(issuer=str(entry["issuer"]), audience=str(entry["audience"]),
                       discovery_url=str(entry.get("discovery_url") or ""),
                       subject_prefix=str(entry.get("subject_prefix") or ""),
                       role_claim=str(entry.get("role_claim") or "role"),
                       roles=tuple(sorted((str(k), str(v)) for k, v in (entry.get("roles") or {}).items())),
                       region_claim=str(entry.get("region_claim") or "region"),
                       stations_claim=str(entry.get("stations_claim") or "stations"))
        except KeyError as exc:
            raise ValueError(f"an external issuer needs {exc.args[0]!r}") from None

    @property
    def discovery(self) -> str:
        return self.discovery_url or f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    def viewer(self, claims: dict) -> Viewer:
        mapped = dict(self.roles)
        offered = claims.get(self.role_claim)
        values = offered if isinstance(offered, list) else [offered]
        roles = [mapped.get(str(v)) if mapped else str(v) for v in values if v is not None]
        role = next((r for r in roles if r), None)
        if role is None or role == AGENCY:
            raise Unauthenticated("the token's claims map to no role of this platform")
        return viewer_from_claims({"sub": f"{self.subject_prefix or self.issuer + '#'}{claims.get('sub')}",
                                   "role": role, "region": claims.get(self.region_claim),
                                   "stations": claims.get(self.stations_claim)})


def fetch_discovered_jwks(discovery_url: str, timeout: float = 5.0) -> dict:
    """An issuer's key set, found through its discovery document."""
    import requests

    metadata = requests.get(discovery_url, timeout=timeout)
    metadata.raise_for_status()
    keys = requests.get(metadata.json()["jwks_uri"], timeout=timeout)
    keys.raise_for_status()
    return keys.json()


def unverified_issuer(token: str) -> str | None:
    """The `iss` a token claims, read before any check, only to choose which issuer's keys check it."""
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"invalid token: {exc}") from None
    return issuer if isinstance(issuer, str) else None
