"""Who is asking, and what they may see: roles, scopes and signed tokens.

A `Viewer` travels with every RPC call as a plain dict, so each service scopes its own queries
(defence in depth: the gateway is not the only gate). Scopes:
- province / city / county civil-affairs staff and third-party evaluators: a region code prefix;
- station staff: one station; supervisors: the stations they are assigned to;
- administrators: everything; the public (no token): disclosed data only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeGuard

import jwt
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from . import clock
from .errors import PermissionDenied, Unauthenticated, ValidationFailed

PROVINCE, CITY, COUNTY = "province", "city", "county"
STATION_STAFF, SUPERVISOR, EVALUATOR, ADMIN, PUBLIC = "station_staff", "supervisor", "evaluator", "admin", "public"
# Another body's system (a registered agency's OAuth2 client): sees nothing through the general scope rules,
# only what its client's scopes name (referrals to its agency), through the queries made for it.
AGENCY = "agency"
REGION_ROLES = (PROVINCE, CITY, COUNTY)
ROLES = (PROVINCE, CITY, COUNTY, STATION_STAFF, SUPERVISOR, EVALUATOR, ADMIN, AGENCY, PUBLIC)
# Roles a person's account may be granted (an agency client is not a person's account).
PERSON_ROLES = tuple(role for role in ROLES if role not in (AGENCY, PUBLIC))
REGION_CODE_LENGTH = {PROVINCE: 2, CITY: 4, COUNTY: 6}
TOKEN_AUDIENCE = "shegong"


_DIVISION_CODE = re.compile(r"[0-9]{6}([0-9]{3})?")
# A region filter may also name a province or city by its meaningful prefix ("32", "3211").
_REGION_PREFIX = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}")


def is_division_code(code: object) -> TypeGuard[str]:
    return isinstance(code, str) and _DIVISION_CODE.fullmatch(code) is not None


def region_prefix(code: str) -> str:
    """The meaningful prefix of a division code: 320000 → 32, 321100 → 3211, 321102 → 321102.

    Refuses anything but a 6- or 9-digit code or a 2- or 4-digit prefix: the prefix goes into store
    filters, so text such as "321181|", ".*" or "3" must never come out of here."""
    if not isinstance(code, str) or _REGION_PREFIX.fullmatch(code) is None:
        raise ValidationFailed.field("region", f"{str(code)[:40]!r} is not a division code (6 or 9 digits)"
                                               " or a province or city prefix (2 or 4 digits)")
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


@dataclass(frozen=True)
class Viewer:
    user_id: str
    role: str
    region: str | None = None
    station_ids: tuple[str, ...] = field(default_factory=tuple)
    # An agency client's agency and its scopes ("kind:value" strings, see services/common/agency.py).
    agency_id: str | None = None
    scopes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_public(self) -> bool:
        return self.role == PUBLIC

    @property
    def is_agency(self) -> bool:
        return self.role == AGENCY

    @property
    def read_only(self) -> bool:
        return self.role in (EVALUATOR, PUBLIC, AGENCY)

    def to_dict(self) -> dict:
        data = {"user_id": self.user_id, "role": self.role, "region": self.region,
                "station_ids": list(self.station_ids)}
        if self.agency_id is not None:
            data["agency_id"] = self.agency_id
            data["scopes"] = list(self.scopes)
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> Viewer:
        if not data:
            return ANONYMOUS
        role = data.get("role")
        if role not in ROLES:
            raise Unauthenticated(f"unknown role {role!r}")
        agency_id = data.get("agency_id") if role == AGENCY else None
        if role == AGENCY and not agency_id:
            raise Unauthenticated("an agency viewer needs its agency")
        return cls(user_id=str(data.get("user_id") or "anonymous"), role=role, region=data.get("region"),
                   station_ids=tuple(data.get("station_ids") or ()), agency_id=agency_id,
                   scopes=tuple(data.get("scopes") or ()) if role == AGENCY else ())

    # --- scope checks -------------------------------------------------------------------
    def sees_region(self, region_code: str) -> bool:
        if self.role == ADMIN:
            return True
        if self.role in (*REGION_ROLES, EVALUATOR) and is_division_code(self.region):
            return region_code.startswith(region_prefix(self.region))
        return False

    def sees_station(self, station_id: str, region_code: str) -> bool:
        if self.role in (STATION_STAFF, SUPERVISOR):
            return station_id in self.station_ids
        return self.sees_region(region_code)

    def require_write(self, station_id: str | None = None, region_code: str | None = None) -> None:
        """Writes: administrators anywhere, civil-affairs staff in their region, station staff at home."""
        if self.role == ADMIN:
            return
        if self.read_only or self.role == SUPERVISOR:
            raise PermissionDenied(f"role {self.role} may not change data")
        if self.role == STATION_STAFF:
            if station_id is not None and station_id in self.station_ids:
                return
            raise PermissionDenied("station staff may only change their own station")
        if region_code is not None and self.sees_region(region_code):
            return
        raise PermissionDenied(f"{self.role} scope {self.region} does not cover {region_code}")

    def may_reveal_personal_data(self, station_id: str, region_code: str) -> bool:
        """Who may ask for unmasked personal data (each such read is logged)."""
        if self.role == ADMIN:
            return True
        if self.role == STATION_STAFF:
            return station_id in self.station_ids
        if self.role == COUNTY:
            return self.sees_region(region_code)
        return False


ANONYMOUS = Viewer(user_id="anonymous", role=PUBLIC)
SYSTEM = Viewer(user_id="system", role=ADMIN)


def mint_token(secret: str, *, role: str, user_id: str, region: str | None = None,
               station_ids: list[str] | None = None, ttl: timedelta = timedelta(hours=12)) -> str:
    if role not in PERSON_ROLES:
        raise ValueError(f"role must be one of {', '.join(PERSON_ROLES)}")
    if role in (*REGION_ROLES, EVALUATOR) and not region:
        raise ValueError(f"role {role} needs a region code")
    if role in (STATION_STAFF, SUPERVISOR) and not station_ids:
        raise ValueError(f"role {role} needs at least one station id")
    now = clock.utcnow()
    claims = {"sub": user_id, "role": role, "aud": TOKEN_AUDIENCE, "iat": now, "exp": now + ttl}
    if region:
        claims["region"] = region
    if station_ids:
        claims["stations"] = list(station_ids)
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenClaimsSchema(Schema):
    """The claims a Viewer is built from. A validly signed token can still carry claims of the wrong
    shape (a number for `sub`, a list for `region`): such a token is unusable, not an internal error."""

    class Meta:
        unknown = EXCLUDE

    sub = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([r for r in ROLES if r != PUBLIC]))
    region = fields.String(load_default=None, allow_none=True,
                           validate=lambda code: is_division_code(code) or _refuse("not a division code"))
    stations = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=None,
                           allow_none=True, validate=validate.Length(max=1000))
    # An agency client's token (RFC 9068 `scope`, space-separated; `agency`: the registered agency's id).
    agency = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    scope = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))

    @validates_schema
    def _scope_matches_role(self, claims, **kwargs):
        if claims["role"] in (*REGION_ROLES, EVALUATOR) and not claims.get("region"):
            raise ValidationError(f"role {claims['role']} needs a region", "region")
        if claims["role"] in (STATION_STAFF, SUPERVISOR) and not claims.get("stations"):
            raise ValidationError(f"role {claims['role']} needs stations", "stations")
        if claims["role"] == AGENCY and not claims.get("agency"):
            raise ValidationError("role agency needs its agency", "agency")


def viewer_of_claims(claims: dict) -> Viewer:
    """The Viewer of loaded (TokenClaimsSchema) claims."""
    return Viewer.from_dict({"user_id": claims["sub"], "role": claims["role"], "region": claims["region"],
                             "station_ids": claims["stations"], "agency_id": claims.get("agency"),
                             "scopes": (claims.get("scope") or "").split()})


def _refuse(reason: str) -> bool:
    raise ValidationError(reason)


_TOKEN_CLAIMS = TokenClaimsSchema()


def verify_token(secret: str, token: str) -> Viewer:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=TOKEN_AUDIENCE,
                            options={"require": ["exp", "sub", "role"]})
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("token expired") from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"invalid token: {exc}") from None
    try:
        claims = _TOKEN_CLAIMS.load(claims)
    except ValidationError as exc:
        fields_refused = ", ".join(sorted(str(name) for name in exc.messages)) if isinstance(exc.messages, dict) else ""
        raise Unauthenticated(f"invalid token claims: {fields_refused}") from None
    return viewer_of_claims(claims)
