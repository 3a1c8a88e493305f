"""Registered agencies and their OAuth2 clients: `agencies`, `registerAgency`, `createAgencyClient`,
`rotateAgencyClientSecret`, `revokeAgencyClient` (administrators; region administrators within their region).

A client's secret is answered once, by the mutation that makes it (`clientSecret`), and never again: the
identity service keeps only its hash. The client then asks `POST /auth/token` for access tokens with
`grant_type=client_credentials` (docs/integration.md)."""
from __future__ import annotations

import graphene

from gateway.loaders import batch_loader, loader
from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_args, page_size, service_data, vocabulary_enum
from gateway.schema.casework.enums import AgencyKind, CaseDomain, RosterSource
from gateway.schema.scalars import DateTime
from services.contracts.identity import AGENCY_CLIENT_STATUSES, AGENCY_EVENT_TYPES, AGENCY_FIELDS, AGENCY_MUTATIONS

AgencyClientStatus = vocabulary_enum("AgencyClientStatus", AGENCY_CLIENT_STATUSES,
                                     description="REVOKED: none of the client's secrets works any more.")
AgencyField = vocabulary_enum("AgencyField", AGENCY_FIELDS,
                              description="A person's field an agency client may be shown (with their consent).")
AgencyMutationScope = vocabulary_enum("AgencyMutationScope", AGENCY_MUTATIONS,
                                      description="A mutation an agency client may call.")


@batch_loader("identity", "agency_clients")
def agency_clients(identity, agency_ids: list[str]) -> list[list[dict]]:
    found = identity.clients_of_agencies(agency_ids)
    return [found.get(agency_id, []) for agency_id in agency_ids]


class AgencyClientScopes(graphene.ObjectType):
    event_types = graphene.List(graphene.NonNull(graphene.String), required=True,
                                description="Event types the client may receive.")
    regions = graphene.List(graphene.NonNull(graphene.String), required=True)
    domains = graphene.List(graphene.NonNull(CaseDomain), required=True)
    fields_allowed = graphene.List(graphene.NonNull(AgencyField), required=True)
    mutations = graphene.List(graphene.NonNull(AgencyMutationScope), required=True)
    roster_sources = graphene.List(graphene.NonNull(RosterSource), required=True,
                                   description="Roster sources the client may import (with IMPORT_ROSTER).")


class AgencyClientSecretInfo(graphene.ObjectType):
    """A secret in use (never its value): a rotated-out one shows until when it still works."""
    secret_id = graphene.ID(required=True)
    created_at = DateTime(required=True)
    valid_until = DateTime()


class AgencyClient(graphene.ObjectType):
    client_id = graphene.ID(required=True)
    agency_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)
    status = AgencyClientStatus(required=True)
    scopes = graphene.Field(AgencyClientScopes, required=True)
    created_at = DateTime(required=True)
    revoked_at = DateTime()
    auth_method = graphene.String(required=True,
                                  description="client_secret or self_signed_tls_client_auth (a certificate).")
    certificate_thumbprint = graphene.String(description="x5t#S256 of the client's certificate (RFC 8705).")
    secrets = graphene.List(graphene.NonNull(AgencyClientSecretInfo), required=True)


class Agency(graphene.ObjectType):
    """Another body a referral may reach (法院/司法, 卫健, 工会, 妇联, 残联, 共青团, 民政社会救助 …)."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    kind = AgencyKind(required=True)
    region_code = graphene.String(required=True)
    version = graphene.Int(required=True)
    clients = graphene.List(graphene.NonNull(AgencyClient))

    @staticmethod
    def resolve_clients(agency, info):
        return loader(info, "identity.agency_clients").load(agency["id"])


class AgencyPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Agency), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)


class AgencyClientCredentials(graphene.ObjectType):
    """The client's id and its new secret: shown this once, store it in the agency's system now."""
    client_id = graphene.ID(required=True)
    client_secret = graphene.String(description="Null for a client that authenticates with its certificate.")
    client = graphene.Field(AgencyClient, required=True)


class RegisterAgencyInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    kind = AgencyKind(required=True)
    region_code = graphene.String(required=True, description="Where the agency works (a 6-digit code).")


class AgencyClientScopesInput(graphene.InputObjectType):
    event_types = graphene.List(graphene.NonNull(graphene.String), description=", ".join(AGENCY_EVENT_TYPES))
    regions = graphene.List(graphene.NonNull(graphene.String), description="Within the agency's region; the "
                                                                           "agency's region by default.")
    domains = graphene.List(graphene.NonNull(CaseDomain))
    fields_allowed = graphene.List(graphene.NonNull(AgencyField))
    mutations = graphene.List(graphene.NonNull(AgencyMutationScope))
    roster_sources = graphene.List(graphene.NonNull(RosterSource),
                                   description="Roster sources the client may import; it also needs IMPORT_ROSTER.")


class CreateAgencyClientInput(graphene.InputObjectType):
    agency_id = graphene.ID(required=True)
    name = graphene.String(required=True, description="Which system of the agency uses it.")
    scopes = graphene.InputField(AgencyClientScopesInput, required=True)
    certificate_pem = graphene.String(description="Authenticate with this client certificate (PEM) instead of a "
                                                  "secret: no secret is made.")


class AgencyQuery(graphene.ObjectType):
    agencies = graphene.Field(AgencyPage, required=True, **page_args(region_code=graphene.String()),
                              description="Registered agencies you administer, in id order.")

    @staticmethod
    def resolve_agencies(root, info, first=DEFAULT_PAGE_SIZE, after=None, region_code=None):
        page = info.context.service("identity").list_agencies({
            "region_code": region_code, "after": after, "limit": page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)})
        return {"items": page["items"], "next_cursor": page["next_cursor"], "total_count": page["total"]}


class AgencyMutation(graphene.ObjectType):
    register_agency = graphene.Field(Agency, required=True, input=RegisterAgencyInput(required=True))
    create_agency_client = graphene.Field(AgencyClientCredentials, required=True,
                                          input=CreateAgencyClientInput(required=True))
    rotate_agency_client_secret = graphene.Field(
        AgencyClientCredentials, required=True, client_id=graphene.ID(required=True),
        previous_valid_hours=graphene.Int(default_value=24, description="How long the current secret keeps "
                                                                        "working (0 to 720 hours)."))
    revoke_agency_client = graphene.Field(AgencyClient, required=True, client_id=graphene.ID(required=True))

    @staticmethod
    def resolve_register_agency(root, info, input):
        return info.context.service("identity").register_agency(service_data(input))

    @staticmethod
    def resolve_create_agency_client(root, info, input):
        return info.context.service("identity").create_agency_client(service_data(input))

    @staticmethod
    def resolve_rotate_agency_client_secret(root, info, client_id, previous_valid_hours=24):
        return info.context.service("identity").rotate_agency_client_secret(
            client_id, {"previous_valid_hours": previous_valid_hours})

    @staticmethod
    def resolve_revoke_agency_client(root, info, client_id):
        return info.context.service("identity").revoke_agency_client(client_id)
