"""Certificate-bound access tokens (RFC 8705 §3): a certificate client's token carries `cnf.x5t#S256`, and the
gateway accepts it only from a request whose forwarded client certificate has that thumbprint
(services/identity/usecases/client_credentials.py, services/common/tokens.py, gateway/auth.py)."""
from __future__ import annotations

import dataclasses
import urllib.parse
from datetime import UTC, datetime

import jwt
import pytest

from gateway import auth
from services.common import clock
from services.common.agency import certificate_thumbprint
from services.common.auth import Viewer
from services.common.config import IdentitySettings, Settings
from services.common.errors import Unauthenticated
from services.common.protection import FieldCipher
from services.identity.storage import INDEXES
from services.identity.usecases import Identity, agencies, client_credentials, keys
from tests.support.certificates import self_signed_pem
from tests.support.memory_store import memory_database

ADMIN = Viewer(user_id="root", role="admin")
PUBLIC = Viewer(user_id="anonymous", role="public")
ISSUER = "https://bound-issuer.test"
HEADER = "X-SSL-Client-Cert"
SCOPES = {"regions": ["321181"], "domains": ["disability"]}


@pytest.fixture
def ctx():
    policy = IdentitySettings(password_hash_memory_kib=1024)
    with clock.FrozenClock(datetime.now(UTC).replace(microsecond=0)):
        yield dataclasses.replace(Identity.over(memory_database("identity", INDEXES), policy, FieldCipher()),
                                  issuer=ISSUER)
    auth._platform_verifier.cache_clear()  # the next test's keys are another identity's


@pytest.fixture
def agency(ctx) -> dict:
    return agencies.register_agency(ctx, ADMIN, {"name": "丹阳市残疾人联合会", "kind": "disabled_persons_federation",
                                                 "region_code": "321181"})


def certificate_token(ctx, agency, pem: str) -> str:
    made = agencies.create_client(ctx, ADMIN, {"agency_id": agency["id"], "name": "证书客户端", "scopes": SCOPES,
                                               "certificate_pem": pem})
    return client_credentials.issue_client_token(ctx, PUBLIC, {
        "client_id": made["client_id"], "certificate_thumbprint": certificate_thumbprint(pem)})["access_token"]


def secret_token(ctx, agency) -> str:
    made = agencies.create_client(ctx, ADMIN, {"agency_id": agency["id"], "name": "密钥客户端", "scopes": SCOPES})
    return client_credentials.issue_client_token(ctx, PUBLIC, {
        "client_id": made["client_id"], "client_secret": made["client_secret"]})["access_token"]


def at_gateway(ctx, access_token: str, certificate: str | None) -> Viewer:
    config = Settings(identity=IdentitySettings(issuer=ISSUER), client_certificate_header=HEADER)
    forwarded = {HEADER.lower(): certificate} if certificate is not None else {}
    return auth.viewer_from_authorization(
        f"Bearer {access_token}", config.token_secret, jwks=lambda: keys.jwks(ctx, PUBLIC), config=config,
        certificate=auth.presented_certificate(lambda name: forwarded.get(name.lower()), config))


def test_a_certificate_clients_token_is_bound_to_the_certificates_thumbprint(ctx, agency):
    pem = self_signed_pem()
    claims = jwt.decode(certificate_token(ctx, agency, pem), options={"verify_signature": False})
    assert claims["cnf"] == {"x5t#S256": certificate_thumbprint(pem)}
    assert "cnf" not in jwt.decode(secret_token(ctx, agency), options={"verify_signature": False})


def test_the_gateway_takes_a_bound_token_only_with_its_certificate(ctx, agency):
    pem = self_signed_pem()
    bound = certificate_token(ctx, agency, pem)
    assert at_gateway(ctx, bound, urllib.parse.quote(pem)).agency_id == agency["id"]  # as nginx escapes it
    with pytest.raises(Unauthenticated, match="present that certificate"):
        at_gateway(ctx, bound, None)
    with pytest.raises(Unauthenticated, match="another client certificate"):
        at_gateway(ctx, bound, self_signed_pem())
    with pytest.raises(Unauthenticated, match="cannot be read"):
        at_gateway(ctx, bound, "not a certificate")


def test_a_gateway_without_the_certificate_header_refuses_bound_tokens(ctx, agency):
    pem = self_signed_pem()
    config = Settings(identity=IdentitySettings(issuer=ISSUER))  # no SHEGONG_CLIENT_CERTIFICATE_HEADER
    with pytest.raises(Unauthenticated):
        auth.viewer_from_authorization(
            f"Bearer {certificate_token(ctx, agency, pem)}", config.token_secret,
            jwks=lambda: keys.jwks(ctx, PUBLIC), config=config,
            certificate=auth.presented_certificate(lambda name: pem, config))


def test_an_unbound_token_needs_no_certificate(ctx, agency):
    assert at_gateway(ctx, secret_token(ctx, agency), None).role == "agency"


@pytest.mark.parametrize("endpoint", ["export", "alert stream", "report"])
def test_every_endpoint_takes_a_bound_token_with_its_certificate_and_only_with_it(ctx, agency, endpoint):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from gateway import alert_stream, exports, reports_http
    from services.common import config as platform_config

    pem = self_signed_pem()
    bound = certificate_token(ctx, agency, pem)
    settings = Settings(identity=IdentitySettings(issuer=ISSUER), client_certificate_header=HEADER)
    jwks = lambda: keys.jwks(ctx, PUBLIC)  # noqa: E731

    def status(forwarded: dict) -> int:
        request = Request(EnvironBuilder(method="POST", data=b"{}", headers={
            "Authorization": f"Bearer {bound}", **forwarded}).get_environ())
        answer = {"export": lambda: exports.handle(request, None, settings.token_secret, 1024, jwks=jwks),
                  "alert stream": lambda: alert_stream.handle(request, None, settings.token_secret, jwks=jwks),
                  "report": lambda: reports_http.report(request, None, "rep-1", "pdf", settings.token_secret,
                                                        jwks=jwks)}[endpoint]
        platform_config.override(settings)
        try:
            return answer().status_code
        finally:
            platform_config.override(None)

    assert status({}) == 401
    assert status({HEADER: urllib.parse.quote(pem)}) != 401  # past sign-in: what follows is the endpoint's own
