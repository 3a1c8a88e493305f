"""Who uses the platform: per region, the accounts, how many signed in lately, sign-ins and refusals, and each
account's last sign-in. Officials see their region's, administrators everything (the caller's scope)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from marshmallow import Schema, fields, validate

from services.common import clock
from services.common.auth import ADMIN, REGION_ROLES, Viewer
from services.common.errors import PermissionDenied
from services.common.rpc import load
from services.common.scope import Scope

from . import Identity, stored_moment

READERS = (ADMIN, *REGION_ROLES)
MAX_USERS = 200


class UsageFilterSchema(Schema):
    region_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=12))
    since = fields.AwareDateTime(load_default=None, allow_none=True)


def _county(region_code: str | None) -> str | None:
    return region_code[:6] if region_code else None


def usage_report(ctx: Identity, viewer: Viewer, filters: dict | None = None) -> dict:
    if viewer.role not in READERS:
        raise PermissionDenied("the usage report is for administrators and civil-affairs officials")
    filters = load(UsageFilterSchema, filters or {})
    scope = Scope.of(viewer, within=filters["region_code"])
    since = filters["since"] or clock.utcnow() - timedelta(days=30)
    accounts = ctx.users.in_scope(scope)
    entries = ctx.log.since(scope, since)
    sign_ins = Counter(e["user_id"] for e in entries if e["outcome"] == "signed_in")
    by_region: dict = defaultdict(lambda: {"accounts": 0, "active_accounts": 0, "sign_ins": 0, "refusals": 0})
    for account in accounts:
        row = by_region[_county(account.get("region_code"))]
        row["accounts"] += 1
        row["active_accounts"] += 1 if sign_ins[account["_id"]] else 0
    for entry in entries:
        row = by_region[_county(entry.get("region_code"))]
        row["sign_ins" if entry["outcome"] == "signed_in" else "refusals"] += entry["outcome"] != "signed_out"
    users = sorted(accounts, key=lambda a: (a.get("last_sign_in_at") is None,
                                            -(stored_moment(a.get("last_sign_in_at")) or since).timestamp(),
                                            a["username"]))
    return {"since": since, "regions": [{"region_code": code, **row} for code, row in
                                        sorted(by_region.items(), key=lambda item: item[0] or "")],
            "users": [{"user_id": a["_id"], "username": a["username"], "display_name": a["display_name"],
                       "region_code": a.get("region_code"), "last_sign_in_at": a.get("last_sign_in_at"),
                       "sign_ins": sign_ins[a["_id"]]} for a in users[:MAX_USERS]]}
