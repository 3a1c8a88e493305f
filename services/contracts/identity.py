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
