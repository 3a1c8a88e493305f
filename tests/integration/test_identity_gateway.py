"""Production mode end to end (real broker, wire-protocol store, HTTP): no development secret accepted, the first
administrator made with `shegong admin create`, who signs in through the API and calls a query with the token;
a county administrator made through the API manages their county; refresh, reuse detection, sign-out, the JWKS
and discovery endpoints, and a key rotation the gateway follows."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
import uuid

import pytest
import requests
from cryptography.fernet import Fernet

from gateway.service import GatewayService
from services.common import config, storage
from services.common.auth import SYSTEM, mint_token
from services.identity.service import IdentityService
from services.registry.service import RegistryService
from services.registry.storage import load_reference_data
from shegong.identity_admin import create_administrator
from tests.support.containers import rpc_client, running
from tests.support.infrastructure import free_port, wait_for_port

ISSUER = "https://shegong.test"
ADMIN_PASSWORD = "Keeper-Of-Keys-1"

SIGN_IN = """mutation ($input: SignInInput!) { signIn(input: $input) {
    accessToken refreshToken expiresIn tokenType grant { role regionCode } grants { grantId role } } }"""
REFRESH = """mutation ($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }"""
SIGN_OUT = """mutation ($token: String!) { signOut(refreshToken: $token) { signedOut } }"""
CREATE_USER = """mutation ($input: CreateUserInput!) { createUser(input: $input) {
    id username regionCode grants { grantId role regionCode administrator } } }"""
GRANT = """mutation ($user: ID!, $grant: GrantInput!) { grantRole(userId: $user, grant: $grant) { grants { role } } }"""
ME = "{ viewer { userId role region } me { username grants { role } lastSignInAt } stations { totalCount } }"
USERS = "{ users { totalCount items { username regionCode } } }"


@dataclasses.dataclass
class Platform:
    settings: config.Settings
    base_url: str

    def post(self, query: str, variables: dict | None = None, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(f"{self.base_url}/graphql", json={"query": query, "variables": variables or {}},
                             headers=headers, timeout=30)

    def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = self.post(query, variables, token).json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def codes(self, query: str, variables: dict | None = None, token: str | None = None) -> set[str]:
        return {e["extensions"]["code"] for e in self.post(query, variables, token).json().get("errors", [])}

    def sign_in(self, username: str, password: str, **more) -> dict:
        return self.ok(SIGN_IN, {"input": {"username": username, "password": password, **more}})["signIn"]


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    base = config.Settings(
        amqp_uri=rabbit_vhost, mongo_uri=mongo_server, database_prefix=f"t{uuid.uuid4().hex[:10]}",
        environment="production", token_secret=uuid.uuid4().hex + uuid.uuid4().hex,
        encryption_keys=(Fernet.generate_key().decode(),), rpc_timeout_seconds=10, http_port=free_port(),
        identity=config.IdentitySettings(issuer=ISSUER, password_hash_memory_kib=8192))
    base.check()  # a valid production configuration: no development secret anywhere
    config.override(base)
    load_reference_data(storage.database("registry"))
    with running(RegistryService, IdentityService, settings=dataclasses.replace(base, http_port=free_port())), \
            running(GatewayService, settings=base):
        wait_for_port(base.http_port)
        yield Platform(base, f"http://127.0.0.1:{base.http_port}")
    config.override(None)


@pytest.fixture(scope="module")
def administrator(platform) -> dict:
    return create_administrator("operator", "运维管理员", ADMIN_PASSWORD)


def test_production_refuses_development_tokens(platform):
    development = mint_token(config.DEVELOPMENT_TOKEN_SECRET, role="admin", user_id="dev")
    own_secret = mint_token(platform.settings.token_secret, role="admin", user_id="dev")
    for token in (development, own_secret):
        response = platform.post(ME, token=token)
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_first_administrator_signs_in_through_the_api_and_queries(platform, administrator):
    session = platform.sign_in("operator", ADMIN_PASSWORD)
    assert session["tokenType"] == "Bearer" and session["grant"]["role"] == "ADMIN"
    data = platform.ok(ME, token=session["accessToken"])
    assert data["viewer"] == {"userId": administrator["id"], "role": "ADMIN", "region": None}
    assert data["me"]["username"] == "operator" and data["me"]["lastSignInAt"]
    assert data["stations"]["totalCount"] == 0
    assert platform.codes(SIGN_IN, {"input": {"username": "operator", "password": "wrong-password"}}) == \
        {"UNAUTHENTICATED"}


def test_a_county_administrator_manages_their_county_through_the_api(platform, administrator):
    admin = platform.sign_in("operator", ADMIN_PASSWORD)["accessToken"]
    platform.ok(CREATE_USER, {"input": {
        "username": "danyang-admin", "displayName": "丹阳管理员", "regionCode": "321181",
        "password": "Grand-Canal-2026", "grants": [{"role": "COUNTY", "regionCode": "321181",
                                                      "administrator": True}]}}, admin)
    county = platform.sign_in("danyang-admin", "Grand-Canal-2026")["accessToken"]
    created = platform.ok(CREATE_USER, {"input": {
        "username": "danyang-worker", "displayName": "社工", "password": "Lantern-Street-26",
        "grants": [{"role": "STATION_STAFF", "regionCode": "321181", "stationIds": ["ST321181001"]}]}},
        county)["createUser"]
    assert created["regionCode"] == "321181"
    assert platform.codes(GRANT, {"user": created["id"], "grant": {"role": "CITY", "regionCode": "321100"}},
                          county) == {"FORBIDDEN"}
    assert platform.codes(CREATE_USER, {"input": {"username": "jingkou-x", "displayName": "京口",
                                                  "regionCode": "321102"}}, county) == {"BAD_USER_INPUT"}
    listed = platform.ok(USERS, token=county)["users"]
    assert {u["username"] for u in listed["items"]} == {"danyang-admin", "danyang-worker"}
    worker = platform.sign_in("danyang-worker", "Lantern-Street-26")
    assert platform.ok(ME, token=worker["accessToken"])["viewer"]["role"] == "STATION_STAFF"
    assert platform.codes(USERS, token=worker["accessToken"]) == {"FORBIDDEN"}


def test_refresh_rotates_reuse_revokes_and_sign_out_ends_the_session(platform, administrator):
    first = platform.sign_in("operator", ADMIN_PASSWORD)
    second = platform.ok(REFRESH, {"token": first["refreshToken"]})["refreshSession"]
    assert platform.ok(ME, token=second["accessToken"])["me"]["username"] == "operator"
    assert platform.codes(REFRESH, {"token": first["refreshToken"]}) == {"UNAUTHENTICATED"}
    assert platform.codes(REFRESH, {"token": second["refreshToken"]}) == {"UNAUTHENTICATED"}  # family revoked
    third = platform.sign_in("operator", ADMIN_PASSWORD)
    assert platform.ok(SIGN_OUT, {"token": third["refreshToken"]}, third["accessToken"]) == \
        {"signOut": {"signedOut": True}}
    assert platform.codes(REFRESH, {"token": third["refreshToken"]}) == {"UNAUTHENTICATED"}


def test_jwks_and_discovery_are_served_and_a_rotated_key_is_followed(platform, administrator):
    discovery = requests.get(f"{platform.base_url}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == ISSUER and discovery["jwks_uri"].endswith("/.well-known/jwks.json")
    before = requests.get(f"{platform.base_url}/.well-known/jwks.json", timeout=10).json()["keys"]
    old = platform.sign_in("operator", ADMIN_PASSWORD)["accessToken"]
    with rpc_client(platform.settings) as rpc:
        rotated = rpc.identity.rotate_signing_key(SYSTEM.to_dict())
    keys = requests.get(f"{platform.base_url}/.well-known/jwks.json", timeout=10).json()["keys"]
    assert rotated["kid"] in {k["kid"] for k in keys} and {k["kid"] for k in before} <= {k["kid"] for k in keys}
    time.sleep(1.1)  # the gateway fetches the key set again at most once a second
    new = platform.sign_in("operator", ADMIN_PASSWORD)["accessToken"]
    assert platform.ok(ME, token=new)["me"]["username"] == "operator"
    assert platform.ok(ME, token=old)["me"]["username"] == "operator"  # the old key is still published


def test_shegong_admin_create_is_a_command(platform):
    env = {**os.environ, "SHEGONG_ENV": "production", "SHEGONG_TOKEN_SECRET": platform.settings.token_secret,
           "SHEGONG_ENCRYPTION_KEY": platform.settings.encryption_keys[0], "MONGO_URI": platform.settings.mongo_uri,
           "SHEGONG_DATABASE_PREFIX": platform.settings.database_prefix, "SHEGONG_ADMIN_PASSWORD": "Another-Keeper-9",
           "SHEGONG_PASSWORD_HASH_MEMORY_KIB": "8192", "AMQP_URI": platform.settings.amqp_uri}
    done = subprocess.run([sys.executable, "-m", "shegong", "admin", "create", "--username", "second-operator"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert platform.sign_in("second-operator", "Another-Keeper-9")["grant"]["role"] == "ADMIN"


def test_the_usage_report_shows_sign_ins_per_county_within_the_callers_scope(platform, administrator):
    admin = platform.sign_in("operator", ADMIN_PASSWORD)["accessToken"]
    platform.ok(CREATE_USER, {"input": {
        "username": "usage-danyang", "displayName": "丹阳用户", "regionCode": "321181", "password": "Grand-Canal-Usage",
        "grants": [{"role": "COUNTY", "regionCode": "321181"}]}}, admin)
    official = platform.sign_in("usage-danyang", "Grand-Canal-Usage")["accessToken"]
    platform.codes(SIGN_IN, {"input": {"username": "usage-danyang", "password": "not-the-password"}})
    query = "{ usageReport { regions { regionCode accounts signIns refusals } users { username lastSignInAt } } }"
    seen = platform.ok(query, token=official)["usageReport"]
    assert {row["regionCode"] for row in seen["regions"]} == {"321181"}
    danyang = seen["regions"][0]
    assert danyang["signIns"] >= 1 and danyang["refusals"] >= 1
    assert "operator" not in {u["username"] for u in seen["users"]}
    everything = platform.ok(query, token=admin)["usageReport"]
    assert "operator" in {u["username"] for u in everything["users"]}


def test_repeated_failures_lock_an_account_on_the_real_store(platform, administrator):
    admin = platform.sign_in("operator", ADMIN_PASSWORD)["accessToken"]
    platform.ok(CREATE_USER, {"input": {"username": "lock-me", "displayName": "锁定", "regionCode": "321181",
                                        "password": "Grand-Canal-Locks", "grants": [{"role": "COUNTY",
                                                                                     "regionCode": "321181"}]}}, admin)
    for _ in range(5):
        assert platform.codes(SIGN_IN, {"input": {"username": "lock-me", "password": "wrong-password"}}) == \
            {"UNAUTHENTICATED"}
    assert platform.codes(SIGN_IN, {"input": {"username": "lock-me", "password": "Grand-Canal-Locks"}}) == \
        {"UNAUTHENTICATED"}  # locked for SHEGONG_LOCKOUT_MINUTES
    with rpc_client(platform.settings) as rpc:  # a second rotation reads keys an update rewrote
        rpc.identity.rotate_signing_key(SYSTEM.to_dict())
        rpc.identity.rotate_signing_key(SYSTEM.to_dict())


def test_the_token_endpoint_issues_the_same_tokens(platform, administrator):
    issued = requests.post(f"{platform.base_url}/auth/token", data={
        "grant_type": "password", "username": "operator", "password": ADMIN_PASSWORD}, timeout=30)
    assert issued.status_code == 200, issued.text
    assert platform.ok(ME, token=issued.json()["access_token"])["me"]["username"] == "operator"
    refreshed = requests.post(f"{platform.base_url}/auth/token", data={
        "grant_type": "refresh_token", "refresh_token": issued.json()["refresh_token"]}, timeout=30)
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != issued.json()["access_token"]
    wrong = requests.post(f"{platform.base_url}/auth/token", data={
        "grant_type": "password", "username": "operator", "password": "not-it"}, timeout=30)
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
