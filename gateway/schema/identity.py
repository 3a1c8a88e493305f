"""Accounts and sign-in (the identity service): `signIn`, `refreshSession`, `signOut`, `createUser`, `grantRole`,
`revokeGrant`; queries `me` and `users`.

Sign-in needs no token: it answers an access token (send it as `Authorization: Bearer …`, it lasts minutes)
and a refresh token (keep it secret; `refreshSession` trades it for new ones, once). Account management is for
administrators, and for region administrators within their region (the identity service decides).
"""
from __future__ import annotations

import graphene

from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_args, page_size, service_data
from .registry import Role
from .scalars import Date, DateTime

LIST_SIZES: dict[str, int] = {"User.grants": 10, "Session.grants": 10}
LEAF_COSTS: dict[str, int] = {"Grant.stationIds": 5}  # a list of ids: a few stations per grant


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


class GrantInput(graphene.InputObjectType):
    role = Role(required=True)
    region_code = graphene.String(description="The region (every role but admin); for station roles, the county.")
    station_ids = graphene.List(graphene.NonNull(graphene.ID))
    administrator = graphene.Boolean()
    valid_from = Date()
    valid_to = Date()


class CreateUserInput(graphene.InputObjectType):
    username = graphene.String(required=True)
    display_name = graphene.String(required=True)
    region_code = graphene.String(description="Where the account is administered; yours by default.")
    password = graphene.String(description="The initial password (the rules apply).")
    grants = graphene.List(graphene.NonNull(GrantInput))


class SignInInput(graphene.InputObjectType):
    username = graphene.String(required=True)
    password = graphene.String(required=True)
    grant_id = graphene.ID(description="Which of your grants the token is for; the first current one by default.")
    totp = graphene.String(description="The second factor's current code, once enrolled.")


def _identity(info):
    return info.context.identity


class IdentityQuery(graphene.ObjectType):
    me = graphene.Field(User, description="Your own account (null for development tokens and the public).")
    users = graphene.Field(UserPage, required=True, **page_args(region_code=graphene.String()),
                           description="Accounts you administer (administrators: all; region administrators: "
                                       "their region's).")

    @staticmethod
    def resolve_me(root, info):
        if info.context.viewer.is_public:
            return None
        return _identity(info).me()

    @staticmethod
    def resolve_users(root, info, first=DEFAULT_PAGE_SIZE, after=None, region_code=None):
        page = _identity(info).list_users({"region_code": region_code, "after": after,
                                           "limit": page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)})
        return {"items": page["items"], "next_cursor": page["next_cursor"], "total_count": page["total"]}


class SignIn(graphene.Mutation):
    class Arguments:
        input = SignInInput(required=True)

    Output = Session

    @staticmethod
    def mutate(root, info, input):
        credentials = {**service_data(input), "address": getattr(info.context, "client_address", None) or None}
        return _identity(info).sign_in(credentials)


class RefreshSession(graphene.Mutation):
    class Arguments:
        refresh_token = graphene.String(required=True)
        grant_id = graphene.ID()

    Output = Session

    @staticmethod
    def mutate(root, info, refresh_token, grant_id=None):
        return _identity(info).refresh_session(refresh_token, grant_id)


class SignOut(graphene.Mutation):
    class Arguments:
        refresh_token = graphene.String(required=True)

    Output = SignOutPayload

    @staticmethod
    def mutate(root, info, refresh_token):
        return _identity(info).sign_out(refresh_token)


class CreateUser(graphene.Mutation):
    class Arguments:
        input = CreateUserInput(required=True)

    Output = User

    @staticmethod
    def mutate(root, info, input):
        return _identity(info).create_user(service_data(input))


class GrantRole(graphene.Mutation):
    class Arguments:
        user_id = graphene.ID(required=True)
        grant = GrantInput(required=True)

    Output = User

    @staticmethod
    def mutate(root, info, user_id, grant):
        return _identity(info).grant_role(user_id, service_data(grant))


class RevokeGrant(graphene.Mutation):
    class Arguments:
        user_id = graphene.ID(required=True)
        grant_id = graphene.ID(required=True)

    Output = User

    @staticmethod
    def mutate(root, info, user_id, grant_id):
        return _identity(info).revoke_grant(user_id, grant_id)


class IdentityMutation(graphene.ObjectType):
    sign_in = SignIn.Field(description="Password sign-in: tokens for one of your grants (no token needed).")
    refresh_session = RefreshSession.Field(description="New tokens for a refresh token, which is used up.")
    sign_out = SignOut.Field(description="End the session the refresh token belongs to.")
    create_user = CreateUser.Field()
    grant_role = GrantRole.Field()
    revoke_grant = RevokeGrant.Field()
