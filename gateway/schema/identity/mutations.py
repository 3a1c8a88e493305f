"""Sign-in, refresh and sign-out (no token needed for the first two), and account management."""
from __future__ import annotations

import graphene

from gateway.schema.base import service_data

from .inputs import CreateUserInput, GrantInput, SignInInput
from .types import SecondFactorEnrolment, Session, SignOutPayload, User


class SignIn(graphene.Mutation):
    class Arguments:
        input = SignInInput(required=True)

    Output = Session

    @staticmethod
    def mutate(root, info, input):
        credentials = {**service_data(input), "address": getattr(info.context, "client_address", None) or None}
        return info.context.service("identity").sign_in(credentials)


class RefreshSession(graphene.Mutation):
    class Arguments:
        refresh_token = graphene.String(required=True)
        grant_id = graphene.ID()

    Output = Session

    @staticmethod
    def mutate(root, info, refresh_token, grant_id=None):
        return info.context.service("identity").refresh_session(refresh_token, grant_id)


class SignOut(graphene.Mutation):
    class Arguments:
        refresh_token = graphene.String(required=True)

    Output = SignOutPayload

    @staticmethod
    def mutate(root, info, refresh_token):
        return info.context.service("identity").sign_out(refresh_token)


class CreateUser(graphene.Mutation):
    class Arguments:
        input = CreateUserInput(required=True)

    Output = User

    @staticmethod
    def mutate(root, info, input):
        return info.context.service("identity").create_user(service_data(input))


class GrantRole(graphene.Mutation):
    class Arguments:
        user_id = graphene.ID(required=True)
        grant = GrantInput(required=True)

    Output = User

    @staticmethod
    def mutate(root, info, user_id, grant):
        return info.context.service("identity").grant_role(user_id, service_data(grant))


class RevokeGrant(graphene.Mutation):
    class Arguments:
        user_id = graphene.ID(required=True)
        grant_id = graphene.ID(required=True)

    Output = User

    @staticmethod
    def mutate(root, info, user_id, grant_id):
        return info.context.service("identity").revoke_grant(user_id, grant_id)


class EnrolSecondFactor(graphene.Mutation):
    Output = SecondFactorEnrolment

    @staticmethod
    def mutate(root, info):
        return info.context.service("identity").enrol_totp()


class ConfirmSecondFactor(graphene.Mutation):
    class Arguments:
        code = graphene.String(required=True)

    Output = User

    @staticmethod
    def mutate(root, info, code):
        return info.context.service("identity").confirm_totp(code)


class IdentityMutation(graphene.ObjectType):
    sign_in = SignIn.Field(description="Password sign-in: tokens for one of your grants (no token needed).")
    refresh_session = RefreshSession.Field(description="New tokens for a refresh token, which is used up.")
    sign_out = SignOut.Field(description="End the session the refresh token belongs to.")
    create_user = CreateUser.Field()
    grant_role = GrantRole.Field()
    revoke_grant = RevokeGrant.Field()
    enrol_second_factor = EnrolSecondFactor.Field(description="Start enrolling a TOTP second factor (your account).")
    confirm_second_factor = ConfirmSecondFactor.Field(
        description="Confirm the enrolled TOTP with its current code: from now on sign-in asks for a code.")
