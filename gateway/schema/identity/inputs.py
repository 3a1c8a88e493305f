"""The identity domain's input types."""
from __future__ import annotations

import graphene

from gateway.schema.registry.enums import Role
from gateway.schema.scalars import Date


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
