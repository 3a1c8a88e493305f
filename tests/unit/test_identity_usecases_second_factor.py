"""The TOTP second factor: enrol, confirm, required at sign-in, no replay (usecases/second_factor.py)."""
from __future__ import annotations

import dataclasses

import pyotp
import pytest
from cryptography.fernet import Fernet

from services.common import clock, tokens
from services.common.auth import Viewer
from services.common.config import IdentitySettings, settings
from services.common.errors import NotFound, RuleViolation, Unauthenticated, ValidationFailed
from services.common.protection import FieldCipher
from services.identity.storage import INDEXES, rotate_protected_fields
from services.identity.usecases import Identity, keys, second_factor, sessions, users
from tests.support.memory_store import memory_database

ADMIN = Viewer(user_id="root", role="admin")
PUBLIC = Viewer(user_id="anonymous", role="public")
PASSWORD = "Correct-Horse-Battery"


@pytest.fixture
def ctx() -> Identity:
    return dataclasses.replace(Identity.over(memory_database("identity", INDEXES),
                                             IdentitySettings(password_hash_memory_kib=1024), FieldCipher()),
                               issuer="https://issuer.test")


@pytest.fixture
def holder(ctx) -> Viewer:
    account = users.create_user(ctx, ADMIN, {"username": "li.lei", "display_name": "李雷", "password": PASSWORD,
                                             "region_code": "321181",
                                             "grants": [{"role": "county", "region_code": "321181"}]})
    return Viewer(user_id=account["id"], role="county", region="321181")


def sign_in(ctx, code=None):
    return sessions.sign_in(ctx, PUBLIC, {"username": "li.lei", "password": PASSWORD, "totp": code})


def code_at(totp: pyotp.TOTP, steps_later: int = 0) -> str:
    return totp.at(clock.utcnow().timestamp() + steps_later * totp.interval)


def test_enrol_confirm_then_every_sign_in_needs_a_fresh_code(ctx, holder):
    with clock.FrozenClock(clock.utcnow()):
        enrol_confirm_and_sign_in(ctx, holder)


def enrol_confirm_and_sign_in(ctx, holder):
    enrolled = second_factor.enrol_totp(ctx, holder)
    assert enrolled["provisioning_uri"].startswith("otpauth://totp/Shegong:li.lei")
    assert sign_in(ctx)["access_token"]  # not confirmed yet: the password suffices
    totp = pyotp.TOTP(enrolled["secret"])
    with pytest.raises(ValidationFailed):
        second_factor.confirm_totp(ctx, holder, code_at(totp, 5))
    confirmed = second_factor.confirm_totp(ctx, holder, code_at(totp))
    assert confirmed["totp_enabled"] is True
    stored = ctx.users.collection.find_one({"_id": holder.user_id})
    assert enrolled["secret"] not in str(stored)  # encrypted at rest
    assert [e["envelope"]["type"] for e in stored["_outbox"].values()][-1] == "user.second_factor_enabled"
    with pytest.raises(Unauthenticated, match="second factor required"):
        sign_in(ctx)
    with pytest.raises(Unauthenticated):  # the confirming code cannot be used again
        sign_in(ctx, code_at(totp))
    issued = sign_in(ctx, code_at(totp, 1))  # the next step, within the drift window
    assert tokens.TokenVerifier(lambda: keys.jwks(ctx, PUBLIC), issuer="https://issuer.test").viewer(
        issued["access_token"]).user_id == holder.user_id


def test_a_wrong_code_counts_as_a_failed_sign_in(ctx, holder):
    secret = second_factor.enrol_totp(ctx, holder)["secret"]
    second_factor.confirm_totp(ctx, holder, code_at(pyotp.TOTP(secret)))
    with pytest.raises(Unauthenticated):
        sign_in(ctx, "12345x")
    stored = ctx.users.get(holder.user_id)
    assert stored["failed_sign_ins"] == 1


def test_only_ones_own_account_enrols_and_confirmation_needs_an_enrolment(ctx, holder):
    with pytest.raises(NotFound):
        second_factor.enrol_totp(ctx, Viewer(user_id="dev-county", role="county", region="321181"))
    with pytest.raises(RuleViolation):
        second_factor.confirm_totp(ctx, holder, "123456")


def test_rotate_keys_re_encrypts_signing_keys_and_second_factor_secrets(ctx, holder):
    secret = second_factor.enrol_totp(ctx, holder)["secret"]
    second_factor.confirm_totp(ctx, holder, code_at(pyotp.TOTP(secret)))
    keys.signing_key(ctx)
    new_key = Fernet.generate_key().decode()
    rotated = rotate_protected_fields(ctx.keys.collection.database,
                                      FieldCipher((new_key, *settings().encryption_keys)))
    assert rotated == {"signing_keys": 1, "second_factor_secrets": 1}
    only_new = FieldCipher((new_key,))
    assert only_new.decrypt(ctx.users.get(holder.user_id)["totp_secret"]) == secret
    assert "PRIVATE KEY" in only_new.decrypt(ctx.keys.collection.find_one({})["private_key"])
