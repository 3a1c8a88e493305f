"""What the identity service's RPCs accept: validated here, at the boundary."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.auth import (
    ADMIN,
    PERSON_ROLES,
    REGION_CODE_LENGTH,
    REGION_ROLES,
    STATION_STAFF,
    SUPERVISOR,
    is_division_code,
    region_prefix,
)
from services.contracts.identity import (
    AGENCY_EVENT_TYPES,
    AGENCY_FIELDS,
    AGENCY_KINDS,
    AGENCY_MUTATIONS,
)
from services.contracts.vocabulary import DOMAINS, ROSTER_SOURCES

USERNAME = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{2,63}$", error="3-64 lower-case letters, digits, '.', '_' or '-'")
GRANTABLE_ROLES = list(PERSON_ROLES)  # an agency is a client (usecases/agencies.py), not a grant


def _division_code(code: str) -> None:
    if not is_division_code(code):
        raise ValidationError("not a division code (6 or 9 digits)")


class GrantSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(GRANTABLE_ROLES))
    region_code = fields.String(load_default=None, allow_none=True, validate=_division_code)
    station_ids = fields.List(fields.String(validate=validate.Regexp(r"^ST[0-9]{9}$")), load_default=list,
                              validate=validate.Length(max=200))
    administrator = fields.Boolean(load_default=False)
    valid_from = fields.Date(load_default=None, allow_none=True)
    valid_to = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _consistent(self, grant, **kwargs):
        role, region = grant["role"], grant.get("region_code")
        if role != ADMIN and region is None:
            raise ValidationError(f"a {role} grant names its region", "region_code")
        if role in REGION_ROLES and len(region_prefix(region)) != REGION_CODE_LENGTH[role]:
            raise ValidationError(f"a {role} grant names a {role} (its division code)", "region_code")
        if role in (STATION_STAFF, SUPERVISOR):
            if not grant["station_ids"]:
                raise ValidationError(f"a {role} grant names its stations", "station_ids")
            outside = [s for s in grant["station_ids"] if not s[2:].startswith(region_prefix(region))]
            if outside:
                raise ValidationError(f"stations outside {region}: {', '.join(outside)}", "station_ids")
        elif grant["station_ids"]:
            raise ValidationError(f"a {role} grant names no stations", "station_ids")
        if grant["administrator"] and role not in REGION_ROLES:
            raise ValidationError("only province, city and county grants make administrators", "administrator")
        if grant.get("valid_from") and grant.get("valid_to") and grant["valid_to"] < grant["valid_from"]:
            raise ValidationError("ends before it starts", "valid_to")


class CreateUserSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    region_code = fields.String(load_default=None, allow_none=True, validate=_division_code)
    password = fields.String(load_default=None, allow_none=True)
    grants = fields.List(fields.Nested(GrantSchema), load_default=list, validate=validate.Length(max=20))


class UserFilterSchema(Schema):
    region_code = fields.String(load_default=None, allow_none=True, validate=_division_code)
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class SignInSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    grant_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    totp = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=12))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


# --- agencies and their clients ---------------------------------------------------------------------------
class AgencySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(AGENCY_KINDS))
    region_code = fields.String(required=True, validate=_division_code)


class AgencyScopesSchema(Schema):
    event_types = fields.List(fields.String(validate=validate.OneOf(AGENCY_EVENT_TYPES)), load_default=list,
                              validate=validate.Length(max=len(AGENCY_EVENT_TYPES)))
    regions = fields.List(fields.String(validate=_division_code), load_default=list, validate=validate.Length(max=50))
    domains = fields.List(fields.String(validate=validate.OneOf(DOMAINS)), load_default=list,
                          validate=validate.Length(max=len(DOMAINS)))
    fields_allowed = fields.List(fields.String(validate=validate.OneOf(AGENCY_FIELDS)), load_default=list,
                                 validate=validate.Length(max=len(AGENCY_FIELDS)))
    mutations = fields.List(fields.String(validate=validate.OneOf(AGENCY_MUTATIONS)), load_default=list,
                            validate=validate.Length(max=len(AGENCY_MUTATIONS)))
    # The roster sources the client may import (it also needs the import_roster mutation).
    roster_sources = fields.List(fields.String(validate=validate.OneOf(tuple(ROSTER_SOURCES))), load_default=list,
                                 validate=validate.Length(max=len(ROSTER_SOURCES)))


class AgencyClientSchema(Schema):
    agency_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    scopes = fields.Nested(AgencyScopesSchema, required=True)
    # A client authenticating with its certificate (self_signed_tls_client_auth) instead of a secret: its PEM.
    certificate_pem = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20000))


class SecretRotationSchema(Schema):
    # How long the secret being replaced keeps working (0: not at all); at most 30 days.
    previous_valid_hours = fields.Integer(load_default=24, validate=validate.Range(min=0, max=720))


class ClientCredentialsSchema(Schema):
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    client_secret = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    # x5t#S256 of the certificate the client presented to the TLS terminator (self_signed_tls_client_auth).
    certificate_thumbprint = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    scope = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))

    @validates_schema
    def one_method(self, data, **kwargs):
        if bool(data.get("client_secret")) == bool(data.get("certificate_thumbprint")):
            raise ValidationError("authenticate with a client secret or a client certificate, one of them",
                                  "client_secret")
