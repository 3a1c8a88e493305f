"""Accounts and grants: who may create accounts and grant what (services/identity/usecases/users.py, access.py)."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from services.common.auth import Viewer
from services.common.config import IdentitySettings
from services.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.common.protection import FieldCipher
from services.identity.storage import INDEXES
from services.identity.usecases import Identity, users
from tests.support.memory_store import memory_database

ADMIN = Viewer(user_id="root", role="admin")
CHEAP = IdentitySettings(password_hash_memory_kib=1024)


@pytest.fixture
def ctx() -> Identity:
    context = Identity.over(memory_database("identity", INDEXES), CHEAP, FieldCipher())
    return dataclasses.replace(context, issuer="https://issuer.test")


def outbox_types(ctx: Identity, user_id: str) -> list[str]:
    stored = ctx.users.collection.find_one({"_id": user_id})
    return [entry["envelope"]["type"] for entry in sorted(stored["_outbox"].values(), key=lambda e: e["order"])]


def county_admin(ctx: Identity, county: str = "321181", **grant) -> Viewer:
    created = users.create_user(ctx, ADMIN, {
        "username": f"admin-{county}", "display_name": "县管理员", "region_code": county,
        "grants": [{"role": "county", "region_code": county, "administrator": True, **grant}]})
    return Viewer(user_id=created["id"], role="county", region=county)


def test_an_administrator_creates_an_account_with_several_grants_each_an_event(ctx):
    created = users.create_user(ctx, ADMIN, {
        "username": "wang.fang", "display_name": "王芳", "region_code": "321181", "password": "Station-Work-2026",
        "grants": [{"role": "station_staff", "region_code": "321181", "station_ids": ["ST321181001"]},
                   {"role": "county", "region_code": "321181", "valid_to": date.today() + timedelta(days=30)}]})
    assert [g["role"] for g in created["grants"]] == ["station_staff", "county"]
    assert created["has_password"] and "password_hash" not in created
    assert outbox_types(ctx, created["id"]) == ["user.created", "user.role_granted", "user.role_granted",
                                                "user.password_set"]
    stored = ctx.users.get(created["id"])
    assert stored["password_hash"].startswith("$argon2id$")


def test_a_taken_user_name_is_a_conflict(ctx):
    users.create_user(ctx, ADMIN, {"username": "li.na", "display_name": "李娜"})
    with pytest.raises(Conflict):
        users.create_user(ctx, ADMIN, {"username": "li.na", "display_name": "李娜"})


def test_grants_are_validated(ctx):
    with pytest.raises(ValidationFailed) as refused:
        users.create_user(ctx, ADMIN, {"username": "zhao", "display_name": "赵", "grants": [
            {"role": "station_staff", "region_code": "321181", "station_ids": ["ST321102001"]}]})
    assert "grants.0.station_ids" in refused.value.details
    with pytest.raises(ValidationFailed):  # a county grant names a county, not a city
        users.create_user(ctx, ADMIN, {"username": "zhao", "display_name": "赵", "grants": [
            {"role": "county", "region_code": "321100"}]})
    with pytest.raises(ValidationFailed):
        users.create_user(ctx, ADMIN, {"username": "zhao", "display_name": "赵", "grants": [
            {"role": "station_staff", "region_code": "321181", "station_ids": ["ST321181001"],
             "administrator": True}]})


def test_a_county_administrator_manages_their_county_only(ctx):
    viewer = county_admin(ctx)
    created = users.create_user(ctx, viewer, {"username": "staff-1", "display_name": "张三", "grants": [
        {"role": "station_staff", "region_code": "321181", "station_ids": ["ST321181001"]}]})
    assert created["region_code"] == "321181"
    with pytest.raises(PermissionDenied):  # another county
        users.grant_role(ctx, viewer, created["id"], {"role": "county", "region_code": "321102"})
    with pytest.raises(PermissionDenied):  # above their own level
        users.grant_role(ctx, viewer, created["id"], {"role": "city", "region_code": "321100"})
    with pytest.raises(PermissionDenied):
        users.grant_role(ctx, viewer, created["id"], {"role": "admin"})
    with pytest.raises(ValidationFailed):  # an account of another county
        users.create_user(ctx, viewer, {"username": "elsewhere", "display_name": "李四", "region_code": "321102"})
    other = users.create_user(ctx, ADMIN, {"username": "other-county", "display_name": "王五",
                                           "region_code": "321102"})
    with pytest.raises(NotFound):  # outside the county it looks unknown
        users.grant_role(ctx, viewer, other["id"], {"role": "evaluator", "region_code": "321102"})
    listed = users.list_users(ctx, viewer)
    assert {u["username"] for u in listed["items"]} == {"admin-321181", "staff-1"}


def test_a_grant_cannot_outlast_the_granters_own(ctx):
    until = date.today() + timedelta(days=10)
    viewer = county_admin(ctx, valid_to=until)
    created = users.create_user(ctx, viewer, {"username": "staff-2", "display_name": "张三"})
    with pytest.raises(PermissionDenied):
        users.grant_role(ctx, viewer, created["id"], {"role": "evaluator", "region_code": "321181"})
    granted = users.grant_role(ctx, viewer, created["id"], {"role": "evaluator", "region_code": "321181",
                                                              "valid_to": until})
    assert granted["grants"][0]["valid_to"] == until.isoformat()


def test_an_official_without_an_administrator_grant_manages_nothing(ctx):
    plain = users.create_user(ctx, ADMIN, {"username": "official", "display_name": "官员", "region_code": "321181",
                                           "grants": [{"role": "county", "region_code": "321181"}]})
    with pytest.raises(PermissionDenied):
        users.list_users(ctx, Viewer(user_id=plain["id"], role="county", region="321181"))
    with pytest.raises(PermissionDenied):
        users.create_user(ctx, Viewer(user_id="x", role="station_staff", station_ids=("ST321181001",)),
                          {"username": "nobody", "display_name": "无"})


def test_a_city_administrator_grants_county_roles_in_the_city_and_revokes_them(ctx):
    city = users.create_user(ctx, ADMIN, {"username": "city-admin", "display_name": "市管理员",
                                          "region_code": "321100",
                                          "grants": [{"role": "city", "region_code": "321100", "administrator": True}]})
    viewer = Viewer(user_id=city["id"], role="city", region="321100")
    created = users.create_user(ctx, viewer, {"username": "danyang", "display_name": "丹阳", "region_code": "321181",
                                              "grants": [{"role": "county", "region_code": "321181",
                                                          "administrator": True}]})
    grant_id = created["grants"][0]["grant_id"]
    revoked = users.revoke_grant(ctx, viewer, created["id"], grant_id)
    assert revoked["grants"] == []
    assert outbox_types(ctx, created["id"])[-1] == "user.grant_revoked"
    county = county_admin(ctx, "321102")
    with pytest.raises(NotFound):  # the city's account lies outside a county administrator's reach
        users.revoke_grant(ctx, county, city["id"], city["grants"][0]["grant_id"])


def test_passwords_follow_the_rules(ctx):
    for weak, reason in [("short1!", "at least"), ("wang.fang-secure", "user name"), ("password123", "common"),
                         ("aaaaaaaaaaaa", "different")]:
        with pytest.raises(ValidationFailed) as refused:
            users.create_user(ctx, ADMIN, {"username": "wang.fang", "display_name": "王芳", "password": weak})
        assert reason in refused.value.details["password"][0]


def test_me_is_the_callers_own_account(ctx):
    created = users.create_user(ctx, ADMIN, {"username": "self", "display_name": "自己"})
    assert users.me(ctx, Viewer(user_id=created["id"], role="public"))["username"] == "self"
    assert users.me(ctx, Viewer(user_id="unknown", role="public")) is None
