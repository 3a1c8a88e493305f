"""Who may manage which accounts, and grant what: the one place these rules live.

Administrators (role `admin`) manage every account. A province, city or county official whose grant makes
them an administrator of their region manages the accounts of that region only, and grants nothing above
their own rights: no wider region, no higher level, no administrator grant above their level, nothing
lasting beyond their own grant."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.common import clock
from services.common.auth import (
    ADMIN,
    CITY,
    COUNTY,
    EVALUATOR,
    PROVINCE,
    REGION_ROLES,
    STATION_STAFF,
    SUPERVISOR,
    Viewer,
    region_prefix,
)
from services.common.errors import NotFound, PermissionDenied
from services.common.scope import Scope

# Higher numbers grant more: a region administrator grants roles of their level and below.
LEVEL = {PROVINCE: 3, CITY: 2, COUNTY: 1, EVALUATOR: 0, STATION_STAFF: 0, SUPERVISOR: 0}


@dataclass(frozen=True)
class Authority:
    """What the caller may administer: everything (region None and unlimited), or one region up to a level."""

    unlimited: bool
    region: str | None = None
    level: int = -1
    valid_to: date | None = None

    def covers_region(self, region_code: str | None) -> bool:
        if self.unlimited:
            return True
        return region_code is not None and self.region is not None and \
            region_code.startswith(region_prefix(self.region))

    @property
    def scope(self) -> Scope:
        return Scope.everything() if self.unlimited else Scope(region_prefix=region_prefix(self.region or ""))


def current_grants(user: dict, on: date | None = None) -> list[dict]:
    on = on or clock.today()
    return [g for g in user.get("grants", [])
            if date.fromisoformat(g["valid_from"]) <= on
            and (g.get("valid_to") is None or on <= date.fromisoformat(g["valid_to"]))]


def authority_of(viewer: Viewer, caller: dict | None) -> Authority:
    """The caller's administrative authority: `admin` tokens are trusted as issued, a region official's only
    through an administrator grant of theirs that is current and matches the token's role and region."""
    if viewer.role == ADMIN:
        return Authority(unlimited=True)
    if viewer.role in REGION_ROLES and caller is not None:
        for grant in current_grants(caller):
            if grant["administrator"] and grant["role"] == viewer.role and grant["region_code"] == viewer.region:
                valid_to = date.fromisoformat(grant["valid_to"]) if grant.get("valid_to") else None
                return Authority(unlimited=False, region=grant["region_code"], level=LEVEL[grant["role"]],
                                 valid_to=valid_to)
    raise PermissionDenied("only administrators manage accounts")


def check_grant(authority: Authority, grant: dict) -> None:
    """Refuse a grant above the authority's rights."""
    if authority.unlimited:
        return
    role = grant["role"]
    if role == ADMIN:
        raise PermissionDenied("only administrators grant the admin role")
    if LEVEL[role] > authority.level:
        raise PermissionDenied(f"a {_level_name(authority.level)} administrator cannot grant the {role} role")
    if not authority.covers_region(grant["region_code"]):
        raise PermissionDenied(f"region {grant['region_code']} is outside your region {authority.region}")
    if authority.valid_to is not None and (grant.get("valid_to") is None
                                           or date.fromisoformat(grant["valid_to"]) > authority.valid_to):
        raise PermissionDenied(f"a grant may not last beyond your own (until {authority.valid_to.isoformat()})")


def check_revoke(authority: Authority, grant: dict) -> None:
    """Refuse taking away a grant the authority could not have given (its dates aside)."""
    check_grant(authority, {**grant, "valid_to": authority.valid_to.isoformat() if authority.valid_to else None})


def require_manageable(authority: Authority, user: dict | None, user_id: str) -> dict:
    """The account, if the authority covers it; an account outside it looks like an unknown one."""
    if user is None or not authority.covers_region(user.get("region_code")):
        raise NotFound(f"unknown user {user_id}", {"user_id": ["no such user in your scope"]})
    return user


def _level_name(level: int) -> str:
    return next(role for role, value in LEVEL.items() if value == level and role in REGION_ROLES)
