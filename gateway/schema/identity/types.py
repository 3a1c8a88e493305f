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
