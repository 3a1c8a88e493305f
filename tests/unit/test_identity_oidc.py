"""External OpenID Connect issuers (SHEGONG_OIDC_ISSUERS) as the gateway checks them: an issuer started here
(discovery + JWKS over HTTP, RS256 like most providers) whose tokens are accepted with their claims mapped to a
role and scope, and refused for a wrong issuer, a wrong audience, an expiry beyond the skew or an unknown key."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.auth import viewer_from_authorization
from services.common.auth import Viewer
from services.common.config import IdentitySettings, Settings
from services.common.errors import Unauthenticated

AUDIENCE = "shegong-platform"


class Provider:
    """A minimal OpenID provider: a key pair, its discovery document and key set, and tokens it signs."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:8]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}/realms/jiangsu"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.endswith("/.well-known/openid-configuration"):
                    body = {"issuer": provider.issuer, "jwks_uri": f"{provider.issuer}/certs"}
                elif self.path.endswith("/certs"):
                    jwk = json.loads(RSAAlgorithm.to_jwk(provider.key.public_key()))
                    body = {"keys": [{**jwk, "kid": provider.kid, "use": "sig", "alg": "RS256"}]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def token(self, *, issuer=None, audience=AUDIENCE, expires_in=300, key=None, kid=None, **claims) -> str:
        now = datetime.now(UTC)
        payload = {"iss": issuer or self.issuer, "aud": audience, "sub": "3211810001", "iat": now,
                   "exp": now + timedelta(seconds=expires_in), "groups": ["county-civil-affairs"],
                   "division": "321181", **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


@pytest.fixture(scope="module")
def provider():
    started = Provider()
    yield started
    started.server.shutdown()


@pytest.fixture
def config(provider) -> Settings:
    return Settings(identity=IdentitySettings(clock_skew_seconds=30, external_issuers=({
        "issuer": provider.issuer, "audience": AUDIENCE, "subject_prefix": "jszw:", "role_claim": "groups",
        "roles": {"county-civil-affairs": "county", "station-worker": "station_staff"},
        "region_claim": "division", "stations_claim": "stations"},)))


def check(token: str, config: Settings) -> Viewer:
    return viewer_from_authorization(f"Bearer {token}", config.token_secret, config=config)


def test_a_configured_issuers_token_is_accepted_with_its_claims_mapped(provider, config):
    assert check(provider.token(), config) == Viewer(user_id="jszw:3211810001", role="county", region="321181")
    worker = check(provider.token(groups=["staff", "station-worker"], stations=["ST321181001"]), config)
    assert (worker.role, worker.station_ids) == ("station_staff", ("ST321181001",))


def test_a_token_whose_claims_map_to_no_role_is_refused(provider, config):
    with pytest.raises(Unauthenticated, match="no role"):
        check(provider.token(groups=["teachers"]), config)


def test_an_unconfigured_issuer_is_refused(provider, config):
    with pytest.raises(Unauthenticated):
        check(provider.token(issuer="http://127.0.0.1:1/realms/elsewhere"), config)


def test_a_wrong_audience_is_refused(provider, config):
    with pytest.raises(Unauthenticated, match="(?i)audience"):
        check(provider.token(audience="another-app"), config)


def test_an_expired_token_is_refused_beyond_the_skew(provider, config):
    assert check(provider.token(expires_in=-10), config).role == "county"  # within 30 s of skew
    with pytest.raises(Unauthenticated, match="expired"):
        check(provider.token(expires_in=-120), config)


def test_an_unknown_key_is_refused(provider, config):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthenticated, match="unknown signing key"):
        check(provider.token(key=stranger, kid="not-published"), config)
    with pytest.raises(Unauthenticated, match="(?i)signature"):  # a published kid, another key
        check(provider.token(key=stranger), config)
