"""Event contracts the identity service publishes: account changes and sign-ins, the audit trail of who
may do what on the platform. Payloads name accounts by id and user name, never a password or token."""
from __future__ import annotations

from marshmallow import Schema, fields

from services.common.events import contract

PRODUCER = "identity"


class GrantV1(Schema):
    grant_id = fields.String(required=True)
    role = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)
    station_ids = fields.List(fields.String(), required=True)
    administrator = fields.Boolean(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True)


class UserCreatedV1(Schema):
    user_id = fields.String(required=True)
    username = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)


USER_CREATED = contract("user.created", 1, PRODUCER, UserCreatedV1, "an account was created")


class RoleGrantedV1(Schema):
    user_id = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)
    grant = fields.Nested(GrantV1, required=True)


ROLE_GRANTED = contract("user.role_granted", 1, PRODUCER, RoleGrantedV1, "an account was granted a role")


class GrantRevokedV1(Schema):
    user_id = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)
    grant_id = fields.String(required=True)
    role = fields.String(required=True)


GRANT_REVOKED = contract("user.grant_revoked", 1, PRODUCER, GrantRevokedV1, "a role was taken from an account")


class PasswordSetV1(Schema):
    user_id = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)


PASSWORD_SET = contract("user.password_set", 1, PRODUCER, PasswordSetV1, "an account's password was set")


class SignedInV1(Schema):
    user_id = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)
    grant_id = fields.String(required=True)
    role = fields.String(required=True)
    method = fields.String(required=True)


SIGNED_IN = contract("user.signed_in", 1, PRODUCER, SignedInV1, "an account signed in")


class SignInFailedV1(Schema):
    user_id = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True)
    locked = fields.Boolean(required=True)


SIGN_IN_FAILED = contract("user.sign_in_failed", 1, PRODUCER, SignInFailedV1,
                          "a sign-in to an existing account was refused")


class SignedOutV1(Schema):
    user_id = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)


SIGNED_OUT = contract("user.signed_out", 1, PRODUCER, SignedOutV1, "an account signed out (its session revoked)")


class SecondFactorEnabledV1(Schema):
    user_id = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)
    method = fields.String(required=True)


SECOND_FACTOR_ENABLED = contract("user.second_factor_enabled", 1, PRODUCER, SecondFactorEnabledV1,
                                 "an account confirmed a second factor (TOTP), required at sign-in from now on")


# --- registered agencies and their OAuth2 clients (issue 13) -------------------------------------------------
# The kinds of agency a referral may reach (法院/司法, 卫健, 工会, 妇联, 残联, 共青团, 民政社会救助, other).
AGENCY_KINDS = ("justice", "health", "union", "womens_federation", "disabled_persons_federation", "youth_league",
                "civil_affairs_social_assistance", "other")
# Personal data an agency client may be allowed to receive (each also needs the person's consent to it).
AGENCY_FIELDS = ("name", "phone", "age", "sex")
# Mutations an agency client may be allowed to call, by scope name.
AGENCY_MUTATIONS = ("answer_referral", "import_roster")
# Event types an agency client may be allowed to receive.
AGENCY_EVENT_TYPES = ("referral.made", "referral.answered", "referral.expired", "referral.revoked",
                      "case.opened", "case.closed")
AGENCY_CLIENT_STATUSES = ("active", "revoked")
AGENCY_CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class AgencyRegisteredV1(Schema):
    agency_id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    region_code = fields.String(required=True)


AGENCY_REGISTERED = contract("agency.registered", 1, PRODUCER, AgencyRegisteredV1,
                             "an agency (another body's system a referral may reach) was registered")


class AgencyScopesV1(Schema):
    event_types = fields.List(fields.String(), required=True)
    regions = fields.List(fields.String(), required=True)
    domains = fields.List(fields.String(), required=True)
    fields_allowed = fields.List(fields.String(), required=True)
    mutations = fields.List(fields.String(), required=True)


class AgencyClientCreatedV1(Schema):
    client_id = fields.String(required=True)
    agency_id = fields.String(required=True)
    region_code = fields.String(required=True)
    scopes = fields.Nested(AgencyScopesV1, required=True)


class AgencyScopesV2(AgencyScopesV1):
    # The roster sources the client may import (with the `import_roster` mutation scope).
    roster_sources = fields.List(fields.String(), required=True)


class AgencyClientCreatedV2(AgencyClientCreatedV1):
    scopes = fields.Nested(AgencyScopesV2, required=True)


def _agency_client_created_v1_to_v2(payload: dict) -> dict:
    # v1 clients could not be granted roster imports by source.
    return {**payload, "scopes": {**payload["scopes"], "roster_sources": []}}


AGENCY_CLIENT_CREATED = contract("agency.client_created", 2, PRODUCER, AgencyClientCreatedV2,
                                 "an OAuth2 client (client credentials) was created for an agency",
                                 upcasters={1: _agency_client_created_v1_to_v2})


class AgencyClientSecretRotatedV1(Schema):
    client_id = fields.String(required=True)
    agency_id = fields.String(required=True)
    region_code = fields.String(required=True)
    secret_id = fields.String(required=True)
    previous_valid_until = fields.AwareDateTime(required=True, allow_none=True)


AGENCY_CLIENT_SECRET_ROTATED = contract("agency.client_secret_rotated", 1, PRODUCER, AgencyClientSecretRotatedV1,
                                        "an agency client got a new secret; the previous one works until a moment")


class AgencyClientRevokedV1(Schema):
    client_id = fields.String(required=True)
    agency_id = fields.String(required=True)
    region_code = fields.String(required=True)


AGENCY_CLIENT_REVOKED = contract("agency.client_revoked", 1, PRODUCER, AgencyClientRevokedV1,
                                 "an agency client was revoked: none of its secrets works any more")
