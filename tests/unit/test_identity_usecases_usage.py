"""The usage report: sign-ins, refusals and sign-outs logged, and read per region within the caller's scope
(services/identity/usecases/usage.py)."""
from __future__ import annotations

import dataclasses

import pytest

from services.common.auth import Viewer
from services.common.config import IdentitySettings
from services.common.errors import PermissionDenied, Unauthenticated, ValidationFailed
from services.common.protection import FieldCipher
from services.identity.storage import INDEXES
from services.identity.usecases import Identity, sessions, usage, users
from tests.support.memory_store import memory_database

ADMIN = Viewer(user_id="root", role="admin")
PUBLIC = Viewer(user_id="anonymous", role="public")
PASSWORD = "Correct-Horse-Battery"


@pytest.fixture
def ctx() -> Identity:
    context = Identity.over(memory_database("identity", INDEXES), IdentitySettings(password_hash_memory_kib=1024),
                            FieldCipher())
    context = dataclasses.replace(context, issuer="https://issuer.test")
    for username, county in (("danyang-1", "321181"), ("danyang-2", "321181"), ("jingkou-1", "321102")):
        users.create_user(ctx=context, viewer=ADMIN, data={
            "username": username, "display_name": username, "region_code": county, "password": PASSWORD,
            "grants": [{"role": "county", "region_code": county}]})
    return context


def attempt(ctx, username, password=PASSWORD):
    try:
        return sessions.sign_in(ctx, PUBLIC, {"username": username, "password": password, "address": "10.0.0.9"})
    except Unauthenticated:
        return None


def test_the_report_counts_sign_ins_refusals_and_active_accounts_per_county(ctx):
    first = attempt(ctx, "danyang-1")
    attempt(ctx, "danyang-1")
    attempt(ctx, "danyang-2", "wrong-password")
    attempt(ctx, "jingkou-1")
    attempt(ctx, "nobody")
    sessions.sign_out(ctx, PUBLIC, first["refresh_token"])
    outcomes = [e["outcome"] for e in ctx.log.collection.find({})]
    assert outcomes.count("signed_in") == 3 and outcomes.count("refused") == 2 and outcomes.count("signed_out") == 1

    report = usage.usage_report(ctx, ADMIN)
    regions = {row["region_code"]: row for row in report["regions"]}
    assert regions["321181"] == {"region_code": "321181", "accounts": 2, "active_accounts": 1, "sign_ins": 2,
                                 "refusals": 1}
    assert regions["321102"]["sign_ins"] == 1
    assert regions[None]["refusals"] == 1  # an unknown account belongs to no region
    assert report["users"][0]["last_sign_in_at"] is not None
    assert {u["username"]: u["sign_ins"] for u in report["users"]} == {"danyang-1": 2, "danyang-2": 0,
                                                                      "jingkou-1": 1}


def test_an_official_sees_their_region_only(ctx):
    attempt(ctx, "danyang-1")
    attempt(ctx, "jingkou-1")
    county = Viewer(user_id="c", role="county", region="321181")
    report = usage.usage_report(ctx, county)
    assert [row["region_code"] for row in report["regions"]] == ["321181"]
    assert {u["username"] for u in report["users"]} == {"danyang-1", "danyang-2"}
    assert usage.usage_report(ctx, county, {"region_code": "321102"})["users"] == []  # outside: nothing
    with pytest.raises(PermissionDenied):
        usage.usage_report(ctx, Viewer(user_id="s", role="station_staff", station_ids=("ST321181001",)))
    with pytest.raises(ValidationFailed):
        usage.usage_report(ctx, county, {"region_code": "321181|"})
