"""Every role-granting rule as a table: which administrator may grant which role where
(services/identity/usecases/access.py)."""
from __future__ import annotations

import dataclasses

import pytest

from services.common.auth import Viewer
from services.common.config import IdentitySettings
from services.common.errors import NotFound, PermissionDenied
from services.common.protection import FieldCipher
from services.identity.storage import INDEXES
from services.identity.usecases import Identity, users
from tests.support.memory_store import memory_database

ADMIN = Viewer(user_id="root", role="admin")
# Administrators of 江苏 (32), 镇江 (3211) and 丹阳 (321181); the account receiving grants lives in 丹阳.
GRANTERS = {"admin": None, "province": "320000", "city": "321100", "county": "321181"}
GRANTS = {
    "admin": {"role": "admin"},
    "province": {"role": "province", "region_code": "320000"},
    "city": {"role": "city", "region_code": "321100"},
    "county": {"role": "county", "region_code": "321181"},
    "county administrator": {"role": "county", "region_code": "321181", "administrator": True},
    "other county": {"role": "county", "region_code": "321102"},
    "station_staff": {"role": "station_staff", "region_code": "321181", "station_ids": ["ST321181001"]},
    "supervisor": {"role": "supervisor", "region_code": "321181", "station_ids": ["ST321181001", "ST321181002"]},
    "evaluator": {"role": "evaluator", "region_code": "321181"},
    "other county's station": {"role": "station_staff", "region_code": "321102", "station_ids": ["ST321102001"]},
}
# What each granter may give an account of 丹阳 (an account's grants lie in its home region, so a city or
# province grant goes to accounts of that city or province, tested separately below).
ALLOWED = {
    "admin": {"admin", "county", "county administrator", "station_staff", "supervisor", "evaluator"},
    "province": {"county", "county administrator", "station_staff", "supervisor", "evaluator"},
    "city": {"county", "county administrator", "station_staff", "supervisor", "evaluator"},
    "county": {"county", "county administrator", "station_staff", "supervisor", "evaluator"},
}


@pytest.fixture
def ctx() -> Identity:
    return dataclasses.replace(Identity.over(memory_database("identity", INDEXES),
                                             IdentitySettings(password_hash_memory_kib=1024), FieldCipher()),
                               issuer="https://issuer.test")


def granter(ctx: Identity, level: str) -> Viewer:
    if level == "admin":
        return ADMIN
    region = GRANTERS[level]
    made = users.create_user(ctx, ADMIN, {"username": f"{level}-admin", "display_name": level, "region_code": region,
                                          "grants": [{"role": level, "region_code": region, "administrator": True}]})
    return Viewer(user_id=made["id"], role=level, region=region)


@pytest.mark.parametrize("level", GRANTERS)
@pytest.mark.parametrize("grant", GRANTS)
def test_who_may_grant_what_to_an_account_of_the_county(ctx, level, grant):
    viewer = granter(ctx, level)
    account = users.create_user(ctx, ADMIN, {"username": "receiver", "display_name": "接收", "region_code": "321181"})
    try:
        users.grant_role(ctx, viewer, account["id"], GRANTS[grant])
        outcome = "granted"
    except (PermissionDenied, NotFound):
        outcome = "refused"
    except Exception as exc:  # noqa: BLE001 - validation: the grant does not fit an account of 丹阳
        outcome = type(exc).__name__
    assert (outcome == "granted") == (grant in ALLOWED[level]), outcome


@pytest.mark.parametrize("level,region,grant,allowed", [
    ("province", "320000", {"role": "city", "region_code": "321100"}, True),
    ("province", "320000", {"role": "province", "region_code": "320000", "administrator": True}, True),
    ("city", "321100", {"role": "city", "region_code": "321100", "administrator": True}, True),
    ("city", "321100", {"role": "province", "region_code": "320000"}, False),
    ("county", "321181", {"role": "city", "region_code": "321100"}, False),
])
def test_grants_above_the_county(ctx, level, region, grant, allowed):
    viewer = granter(ctx, level)
    account = users.create_user(ctx, ADMIN, {"username": "receiver", "display_name": "接收", "region_code": region})
    if allowed:
        assert users.grant_role(ctx, viewer, account["id"], grant)["grants"][-1]["role"] == grant["role"]
    else:
        with pytest.raises((PermissionDenied, NotFound)):
            users.grant_role(ctx, viewer, account["id"], grant)
