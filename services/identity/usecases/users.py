"""Accounts and their grants: create, grant, revoke, read. Every change is one write of the account with its
event (the audit trail); who may do what is decided in access.py."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer, region_prefix
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import identity as events

from .. import schemas
from . import Identity, access, passwords


def view(user: dict) -> dict:
    """An account as callers see it: never its password hash or second-factor secret."""
    return {"id": user["_id"], "username": user["username"], "display_name": user["display_name"],
            "region_code": user.get("region_code"), "status": user["status"], "grants": user.get("grants", []),
            "last_sign_in_at": user.get("last_sign_in_at"), "version": user["_version"],
            "has_password": bool(user.get("password_hash")), "totp_enabled": bool(user.get("totp_confirmed"))}


def _grant_record(grant: dict, granted_by: str) -> dict:
    return {"grant_id": new_id("grant"), "role": grant["role"], "region_code": grant.get("region_code"),
            "station_ids": list(grant.get("station_ids") or []), "administrator": bool(grant.get("administrator")),
            "valid_from": (grant.get("valid_from") or clock.today()).isoformat(),
            "valid_to": grant["valid_to"].isoformat() if grant.get("valid_to") else None, "granted_by": granted_by}


def _authority(ctx: Identity, viewer: Viewer) -> access.Authority:
    return access.authority_of(viewer, ctx.users.get(viewer.user_id))


def create_user(ctx: Identity, viewer: Viewer, data: dict) -> dict:
    authority = _authority(ctx, viewer)
    data = load(schemas.CreateUserSchema, data)
    region = data["region_code"] or authority.region
    if not authority.covers_region(region):
        raise ValidationFailed.field("region_code", f"{region} is outside your region {authority.region}")
    grants = [_grant_record(grant, viewer.user_id) for grant in data["grants"]]
    for grant in grants:
        access.check_grant(authority, grant)
        _grant_inside_account(grant, region)
    if data["password"] is not None:
        passwords.check_rules(data["password"], data["username"], ctx.policy.password_min_length)
    user_id = new_id("user")
    account_events = [event_by(viewer, events.USER_CREATED, {"user_id": user_id, "username": data["username"],
                                                            "region_code": region})]
    account_events += [event_by(viewer, events.ROLE_GRANTED, {"user_id": user_id, "region_code": region,
                                                             "grant": _grant_payload(g)}) for g in grants]
    if data["password"] is not None:
        account_events.append(event_by(viewer, events.PASSWORD_SET, {"user_id": user_id, "region_code": region}))
    document = {"_id": user_id, "username": data["username"], "display_name": data["display_name"],
                "region_code": region, "status": "active", "grants": grants, "failed_sign_ins": 0,
                "password_hash": passwords.hash_password(data["password"], ctx.policy.password_hash_memory_kib)
                if data["password"] is not None else None}
    if ctx.users.by_username(data["username"]) is not None:
        raise Conflict(f"user name {data['username']} is taken")
    return view(ctx.users.insert(document, account_events, duplicate_message=f"user name {data['username']} is taken"))


def grant_role(ctx: Identity, viewer: Viewer, user_id: str, grant: dict) -> dict:
    authority = _authority(ctx, viewer)
    user = access.require_manageable(authority, ctx.users.get(user_id), user_id)
    record = _grant_record(load(schemas.GrantSchema, grant), viewer.user_id)
    access.check_grant(authority, record)
    _grant_inside_account(record, user.get("region_code"))
    event = event_by(viewer, events.ROLE_GRANTED, {"user_id": user_id, "region_code": user.get("region_code"),
                                                   "grant": _grant_payload(record)})
    ctx.users.update(user_id, user["_version"], {"grants": [*user.get("grants", []), record]}, [event])
    return view(ctx.users.require(user_id))


def revoke_grant(ctx: Identity, viewer: Viewer, user_id: str, grant_id: str) -> dict:
    authority = _authority(ctx, viewer)
    user = access.require_manageable(authority, ctx.users.get(user_id), user_id)
    grant = next((g for g in user.get("grants", []) if g["grant_id"] == grant_id), None)
    if grant is None:
        raise NotFound(f"unknown grant {grant_id}", {"grant_id": ["no such grant on this account"]})
    access.check_revoke(authority, grant)
    event = event_by(viewer, events.GRANT_REVOKED, {"user_id": user_id, "region_code": user.get("region_code"),
                                                    "grant_id": grant_id, "role": grant["role"]})
    remaining = [g for g in user["grants"] if g["grant_id"] != grant_id]
    ctx.users.update(user_id, user["_version"], {"grants": remaining}, [event])
    if not remaining:
        ctx.sessions.revoke_user(user_id, clock.utcnow())
    return view(ctx.users.require(user_id))


def set_password(ctx: Identity, viewer: Viewer, user_id: str, password: str) -> dict:
    """An administrator sets (resets) an account's password; the account's sessions end."""
    authority = _authority(ctx, viewer)
    user = access.require_manageable(authority, ctx.users.get(user_id), user_id)
    passwords.check_rules(password, user["username"], ctx.policy.password_min_length)
    event = event_by(viewer, events.PASSWORD_SET, {"user_id": user_id, "region_code": user.get("region_code")})
    ctx.users.update(user_id, user["_version"], {
        "password_hash": passwords.hash_password(password, ctx.policy.password_hash_memory_kib),
        "failed_sign_ins": 0, "locked_until": None}, [event])
    ctx.sessions.revoke_user(user_id, clock.utcnow())
    return view(ctx.users.require(user_id))


def list_users(ctx: Identity, viewer: Viewer, filters: dict | None = None) -> dict:
    authority = _authority(ctx, viewer)
    filters = load(schemas.UserFilterSchema, filters or {})
    scope = authority.scope
    if filters["region_code"]:
        scope = _narrowed(authority, filters["region_code"])
    page = ctx.users.page_in(scope, filters["after"], filters["limit"])
    return {"items": [view(u) for u in page.docs], "next_cursor": page.next_cursor, "total": page.total}


def me(ctx: Identity, viewer: Viewer) -> dict | None:
    user = ctx.users.get(viewer.user_id)
    return view(user) if user is not None else None


def _narrowed(authority: access.Authority, region_code: str) -> Scope:
    """The accounts of `region_code` the authority covers: all of them, its own region's (when it asks for a
    wider one), or none."""
    if authority.covers_region(region_code):
        return Scope(region_prefix=region_prefix(region_code))
    if authority.region is not None and authority.region.startswith(region_prefix(region_code)):
        return authority.scope
    return Scope.nothing()


def _grant_inside_account(grant: dict, account_region: str | None) -> None:
    """A grant's region lies inside the account's home region (where it is administered)."""
    if account_region is None or grant["role"] == "admin":
        return
    if not (grant["region_code"] or "").startswith(region_prefix(account_region)):
        raise ValidationFailed.field("region_code", f"the grant's region {grant['region_code']} is outside the "
                                                    f"account's region {account_region}")


def _grant_payload(grant: dict) -> dict:
    return {key: grant[key] for key in ("grant_id", "role", "region_code", "station_ids", "administrator",
                                        "valid_from", "valid_to")}
