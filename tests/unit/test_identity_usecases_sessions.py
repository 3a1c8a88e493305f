"""Sign-in, lockout, rate limits, token expiry, refresh rotation with reuse detection, sign-out, key rotation
(services/identity/usecases/sessions.py, keys.py; services/common/tokens.py)."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import jwt
import pytest

from services.common import clock, tokens
from services.common.auth import Viewer
from services.common.config import IdentitySettings
from services.common.errors import NotFound, PermissionDenied, TooManyAttempts, Unauthenticated
from services.common.protection import FieldCipher
from services.identity.storage import INDEXES
from services.identity.usecases import Identity, keys, sessions, users
from tests.support.memory_store import memory_database

ADMIN = Viewer(user_id="root", role="admin")
PUBLIC = Viewer(user_id="anonymous", role="public")
PASSWORD = "Correct-Horse-Battery"
ISSUER = "https://issuer.test"


@pytest.fixture
def ctx() -> Identity:
    policy = IdentitySettings(password_hash_memory_kib=1024, lockout_failures=3, failures_per_account=5,
                              failures_per_address=8)
    return dataclasses.replace(Identity.over(memory_database("identity", INDEXES), policy, FieldCipher()),
                               issuer=ISSUER)


@pytest.fixture
def account(ctx) -> dict:
    return users.create_user(ctx, ADMIN, {
        "username": "wang.fang", "display_name": "王芳", "region_code": "321181", "password": PASSWORD,
        "grants": [{"role": "county", "region_code": "321181"},
                   {"role": "station_staff", "region_code": "321181", "station_ids": ["ST321181001"]}]})


def verifier(ctx: Identity) -> tokens.TokenVerifier:
    return tokens.TokenVerifier(lambda: keys.jwks(ctx, PUBLIC), issuer=ISSUER, skew_seconds=5, refetch_seconds=0)


def sign_in(ctx, password=PASSWORD, **more):
    return sessions.sign_in(ctx, PUBLIC, {"username": "wang.fang", "password": password, **more})


def events_of(ctx: Identity, user_id: str) -> list[dict]:
    stored = ctx.users.collection.find_one({"_id": user_id})
    return [entry["envelope"] for entry in sorted(stored["_outbox"].values(), key=lambda e: e["order"])]


def test_a_sign_in_issues_a_verifiable_short_lived_token_for_a_grant(ctx, account):
    issued = sign_in(ctx, address="10.0.0.1")
    viewer = verifier(ctx).viewer(issued["access_token"])
    assert viewer == Viewer(user_id=account["id"], role="county", region="321181")
    header = jwt.get_unverified_header(issued["access_token"])
    assert header["alg"] == "EdDSA" and header["kid"] == keys.jwks(ctx, PUBLIC)["keys"][0]["kid"]
    assert issued["expires_in"] == 15 * 60
    station = sign_in(ctx, grant_id=account["grants"][1]["grant_id"])
    assert verifier(ctx).viewer(station["access_token"]).station_ids == ("ST321181001",)
    signed_in = [e for e in events_of(ctx, account["id"]) if e["type"] == "user.signed_in"]
    assert len(signed_in) == 2 and signed_in[0]["payload"]["role"] == "county"
    assert ctx.users.get(account["id"])["last_sign_in_at"] is not None


def test_the_stored_private_key_is_encrypted(ctx, account):
    sign_in(ctx)
    stored = ctx.keys.collection.find_one({})
    assert "PRIVATE KEY" not in stored["private_key"]
    assert "PRIVATE KEY" in ctx.cipher.decrypt(stored["private_key"])


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_account(ctx, account):
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            sign_in(ctx, password="wrong-password-1")
    with pytest.raises(Unauthenticated):  # locked: even the right password is refused now
        sign_in(ctx)
    failures = [e["payload"] for e in events_of(ctx, account["id"]) if e["type"] == "user.sign_in_failed"]
    assert [f["reason"] for f in failures] == ["wrong_password"] * 3 + ["locked"]
    assert failures[2]["locked"] is True
    stored = ctx.users.get(account["id"])
    ctx.users.update(account["id"], stored["_version"], {"locked_until": clock.utcnow() - timedelta(seconds=1)})
    assert sign_in(ctx)["access_token"]


def test_failures_are_rate_limited_per_account_and_per_address(ctx, account):
    for attempt in range(5):
        with pytest.raises(Unauthenticated):
            sessions.sign_in(ctx, PUBLIC, {"username": f"nobody-{attempt}", "password": "x", "address": "10.9.9.9"})
    with pytest.raises(Unauthenticated):
        sessions.sign_in(ctx, PUBLIC, {"username": "ghost", "password": "x", "address": "10.9.9.9"})
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            sessions.sign_in(ctx, PUBLIC, {"username": "ghost", "password": "x", "address": "10.1.1.1"})
    with pytest.raises(TooManyAttempts):  # the account "ghost": 5 failures
        sessions.sign_in(ctx, PUBLIC, {"username": "ghost", "password": "x", "address": "10.2.2.2"})
    for attempt in range(2):  # the address has 6 failures; 8 are allowed
        with pytest.raises(Unauthenticated):
            sessions.sign_in(ctx, PUBLIC, {"username": f"other-{attempt}", "password": "x", "address": "10.9.9.9"})
    with pytest.raises(TooManyAttempts):
        sessions.sign_in(ctx, PUBLIC, {"username": "wang.fang", "password": PASSWORD, "address": "10.9.9.9"})
    assert sign_in(ctx, address="10.3.3.3")["access_token"]  # the account itself is not locked out


def test_an_expired_token_is_refused_beyond_the_skew(ctx, account):
    key = keys.signing_key(ctx)
    old = clock.utcnow() - timedelta(minutes=30)
    token = tokens.sign_access_token(key, issuer=ISSUER, user_id=account["id"], role="county", region="321181",
                                     station_ids=[], grant_id="g", now=old, ttl=timedelta(minutes=15))
    with pytest.raises(Unauthenticated, match="expired"):
        verifier(ctx).viewer(token)
    within_skew = tokens.sign_access_token(key, issuer=ISSUER, user_id=account["id"], role="county",
                                           region="321181", station_ids=[], grant_id="g",
                                           now=clock.utcnow() - timedelta(minutes=15, seconds=2),
                                           ttl=timedelta(minutes=15))
    assert verifier(ctx).viewer(within_skew).role == "county"


def test_tokens_of_another_issuer_or_audience_or_key_are_refused(ctx, account):
    key = keys.signing_key(ctx)
    claims = dict(user_id=account["id"], role="county", region="321181", station_ids=[], grant_id="g",
                  now=clock.utcnow(), ttl=timedelta(minutes=5))
    with pytest.raises(Unauthenticated, match="(?i)issuer"):
        verifier(ctx).viewer(tokens.sign_access_token(key, issuer="https://elsewhere.test", **claims))
    with pytest.raises(Unauthenticated, match="(?i)audience"):
        verifier(ctx).viewer(tokens.sign_access_token(key, issuer=ISSUER, audience="another", **claims))
    with pytest.raises(Unauthenticated, match="unknown signing key"):
        verifier(ctx).viewer(tokens.sign_access_token(tokens.new_key_pair(), issuer=ISSUER, **claims))


def test_a_refresh_token_works_once_and_its_reuse_revokes_the_family(ctx, account):
    first = sign_in(ctx)
    second = sessions.refresh_session(ctx, PUBLIC, first["refresh_token"])
    assert verifier(ctx).viewer(second["access_token"]).user_id == account["id"]
    with pytest.raises(Unauthenticated, match="used twice"):
        sessions.refresh_session(ctx, PUBLIC, first["refresh_token"])
    with pytest.raises(Unauthenticated, match="revoked"):  # the thief's reuse ended the legitimate one too
        sessions.refresh_session(ctx, PUBLIC, second["refresh_token"])
    assert ctx.sessions.get(tokens.token_hash(first["refresh_token"]))["status"] == "revoked"


def test_refresh_tokens_are_stored_hashed_and_expire(ctx, account):
    issued = sign_in(ctx)
    assert ctx.sessions.collection.count_documents({"_id": issued["refresh_token"]}) == 0
    ctx.sessions.collection.update_one({"_id": tokens.token_hash(issued["refresh_token"])},
                                       {"$set": {"expires_at": clock.utcnow() - timedelta(seconds=1)}})
    with pytest.raises(Unauthenticated, match="expired"):
        sessions.refresh_session(ctx, PUBLIC, issued["refresh_token"])


def test_sign_out_revokes_the_session(ctx, account):
    issued = sign_in(ctx)
    assert sessions.sign_out(ctx, PUBLIC, issued["refresh_token"]) == {"signed_out": True}
    with pytest.raises(Unauthenticated):
        sessions.refresh_session(ctx, PUBLIC, issued["refresh_token"])
    assert events_of(ctx, account["id"])[-1]["type"] == "user.signed_out"
    assert sessions.sign_out(ctx, PUBLIC, "not-a-token") == {"signed_out": False}


def test_key_rotation_keeps_the_old_key_published_for_the_overlap(ctx, account):
    before = sign_in(ctx)
    with pytest.raises(PermissionDenied):
        keys.rotate_signing_key(ctx, Viewer(user_id="c", role="county", region="321181"))
    rotated = keys.rotate_signing_key(ctx, ADMIN)
    after = sign_in(ctx)
    assert jwt.get_unverified_header(after["access_token"])["kid"] == rotated["kid"]
    check = verifier(ctx)
    assert check.viewer(before["access_token"]).user_id == check.viewer(after["access_token"]).user_id
    assert len(keys.jwks(ctx, PUBLIC)["keys"]) == 2
    stored = ctx.keys.collection.find_one({"_id": jwt.get_unverified_header(before["access_token"])["kid"]})
    assert stored["published_until"] <= clock.utcnow() + timedelta(minutes=16, seconds=5)


def test_sign_in_and_refresh_take_no_token_and_sign_out_only_ones_own_session(ctx, account):
    issued = sign_in(ctx)
    signed_in = verifier(ctx).viewer(issued["access_token"])
    with pytest.raises(PermissionDenied):
        sessions.sign_in(ctx, signed_in, {"username": "wang.fang", "password": PASSWORD})
    with pytest.raises(PermissionDenied):
        sessions.refresh_session(ctx, signed_in, issued["refresh_token"])
    with pytest.raises(NotFound):
        sessions.sign_out(ctx, Viewer(user_id="someone-else", role="county", region="321102"),
                          issued["refresh_token"])
    assert sessions.sign_out(ctx, signed_in, issued["refresh_token"]) == {"signed_out": True}


def test_an_account_without_a_current_grant_cannot_sign_in(ctx):
    users.create_user(ctx, ADMIN, {"username": "wang.fang", "display_name": "王芳", "password": PASSWORD})
    with pytest.raises(Unauthenticated, match="no current role"):
        sign_in(ctx)


def test_the_verifier_drops_a_withdrawn_key_once_its_cache_is_stale(ctx, account):
    token = sign_in(ctx)["access_token"]
    published = {"keys": keys.jwks(ctx, PUBLIC)["keys"]}
    check = tokens.TokenVerifier(lambda: published, issuer=ISSUER, max_age_seconds=0)
    assert check.viewer(token).user_id == account["id"]
    published["keys"] = []  # the issuer withdrew the key
    with pytest.raises(Unauthenticated, match="unknown signing key"):
        check.viewer(token)
