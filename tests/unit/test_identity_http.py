"""The issuer's HTTP endpoints the gateway serves (gateway/identity_http.py) over a stand-in identity service."""
from __future__ import annotations

from gateway import identity_http
from services.common.errors import TooManyAttempts, Unauthenticated, UpstreamUnavailable

ISSUED = {"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 900, "refresh_token": "r",
          "refresh_expires_in": 1, "user_id": "u", "grant": {}, "grants": []}


class IdentityStub:
    def __init__(self, failure=None):
        self.calls = []
        self.failure = failure

    def _answer(self, name, *args):
        self.calls.append((name, *args))
        if self.failure:
            raise self.failure
        return ISSUED

    def sign_in(self, viewer, credentials):
        return self._answer("sign_in", viewer, credentials)

    def refresh_session(self, viewer, refresh_token, grant_id=None):
        return self._answer("refresh_session", viewer, refresh_token, grant_id)

    def sign_out(self, viewer, refresh_token):
        self.calls.append(("sign_out", viewer, refresh_token))
        if self.failure:
            raise self.failure
        return {"signed_out": True}

    def jwks(self, viewer):
        self.calls.append(("jwks", viewer))
        if self.failure:
            raise self.failure
        return {"keys": [{"kid": "k1"}]}

    def discovery(self, viewer, base_url):
        return {"issuer": "https://issuer.test", "jwks_uri": f"{base_url}/.well-known/jwks.json"}


def test_the_password_grant_signs_in_with_the_callers_address():
    identity = IdentityStub()
    response = identity_http.token(identity, {"grant_type": "password", "username": "wang", "password": "pw"},
                                   None, "10.0.0.5")
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.json() == {"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 900,
                               "refresh_token": "r"}
    name, viewer, credentials = identity.calls[0]
    assert name == "sign_in" and viewer is None and credentials["address"] == "10.0.0.5"


def test_the_refresh_grant_and_unsupported_grants():
    identity = IdentityStub()
    assert identity_http.token(identity, {"grant_type": "refresh_token", "refresh_token": "r0"}, None, "").status \
        == 200
    assert identity.calls[0][:3] == ("refresh_session", None, "r0")
    refused = identity_http.token(identity, {"grant_type": "authorization_code"}, None, "")
    assert refused.status == 400 and refused.json()["error"] == "unsupported_grant_type"
    with_header = identity_http.token(identity, {"grant_type": "password"}, "Bearer x", "")
    assert with_header.json()["error"] == "invalid_request"


def test_refusals_are_oauth_errors():
    wrong = identity_http.token(IdentityStub(Unauthenticated("sign-in refused")), {"grant_type": "password"}, None, "")
    assert (wrong.status, wrong.json()["error"]) == (400, "invalid_grant")
    limited = identity_http.token(IdentityStub(TooManyAttempts("slow")), {"grant_type": "password"}, None, "")
    assert (limited.status, limited.json()["error"]) == (429, "slow_down")
    down = identity_http.token(IdentityStub(UpstreamUnavailable("later")), {"grant_type": "password"}, None, "")
    assert down.status == 503


def test_jwks_and_discovery_are_public_json():
    identity = IdentityStub()
    keys = identity_http.jwks(identity)
    assert keys.status == 200 and keys.json() == {"keys": [{"kid": "k1"}]} and identity.calls == [("jwks", None)]
    assert keys.headers["Access-Control-Allow-Origin"] == "*"
    found = identity_http.discovery(identity, "https://gw.test").json()
    assert found["jwks_uri"] == "https://gw.test/.well-known/jwks.json"
    assert identity_http.jwks(IdentityStub(UpstreamUnavailable("later"))).status == 503
    assert identity_http.platform_keys({}) is None


def test_revocation_answers_200_known_or_not():
    identity = IdentityStub()
    assert identity_http.revoke(identity, {"token": "r1"}).status == 200
    assert identity.calls == [("sign_out", None, "r1")]
    assert identity_http.revoke(IdentityStub(Unauthenticated("x")), {"token": "r1"}).status == 200
    assert identity_http.revoke(IdentityStub(UpstreamUnavailable("later")), {}).status == 503
