"""The identity domain's output types: accounts, grants, sessions."""
from __future__ import annotations

import graphene

from gateway.schema.registry.enums import Role
from gateway.schema.scalars import Date, DateTime


class Grant(graphene.ObjectType):
    """One role an account holds: where (a region, or stations) and from when until when."""
    grant_id = graphene.ID(required=True)
    role = Role(required=True)
    region_code = graphene.String()
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    administrator = graphene.Boolean(required=True, description="Manages the accounts of its region.")
    valid_from = Date(required=True)
    valid_to = Date()


class User(graphene.ObjectType):
    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    display_name = graphene.String(required=True)
    region_code = graphene.String(description="Where the account is administered.")
    status = graphene.String(required=True)
    grants = graphene.List(graphene.NonNull(Grant), required=True)
    last_sign_in_at = DateTime()
    has_password = graphene.Boolean(required=True)
    totp_enabled = graphene.Boolean(required=True)
    version = graphene.Int(required=True)


class UserPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(User), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)


class Session(graphene.ObjectType):
    """Tokens for one of the account's grants."""
    access_token = graphene.String(required=True)
    token_type = graphene.String(required=True)
    expires_in = graphene.Int(required=True, description="Seconds the access token is valid.")
    refresh_token = graphene.String(required=True)
    refresh_expires_in = graphene.Int(required=True)
    user_id = graphene.ID(required=True)
    grant = graphene.Field(Grant, required=True, description="The grant the access token is for.")
    grants = graphene.List(graphene.NonNull(Grant), required=True,
                           description="The account's current grants (sign in again naming another).")


class SignOutPayload(graphene.ObjectType):
    signed_out = graphene.Boolean(required=True)


class SecondFactorEnrolment(graphene.ObjectType):
    """A new TOTP secret: add it to an authenticator app (the URI as a QR code), then confirm with a code."""
    secret = graphene.String(required=True)
    provisioning_uri = graphene.String(required=True)


class RegionUsage(graphene.ObjectType):
    """One county's use of the platform since the report's start (accounts by their home region)."""
    region_code = graphene.String(description="The county; null for accounts of no region (administrators).")
    accounts = graphene.Int(required=True)
    active_accounts = graphene.Int(required=True, description="Accounts that signed in since the start.")
    sign_ins = graphene.Int(required=True)
    refusals = graphene.Int(required=True, description="Refused sign-ins (wrong password, locked, …).")


class UserUsage(graphene.ObjectType):
    user_id = graphene.ID(required=True)
    username = graphene.String(required=True)
    display_name = graphene.String(required=True)
    region_code = graphene.String()
    last_sign_in_at = DateTime()
    sign_ins = graphene.Int(required=True)


class UsageReport(graphene.ObjectType):
    since = DateTime(required=True)
    regions = graphene.List(graphene.NonNull(RegionUsage), required=True)
    users = graphene.List(graphene.NonNull(UserUsage), required=True,
                          description="Accounts, the most recently signed in first (at most 200).")
