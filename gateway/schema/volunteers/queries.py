"""The volunteers service's part of the schema: volunteers and their hours (志愿服务记录), teams, the
community resource library, charity donations and stock, and needs matching (供需对接: needs, their
ranked proposals and the tasks accepted proposals become), with the unmet-needs roll-up.

Every field is resolved from the volunteers service's RPC answers (the contract is the docstring of
services/volunteers/service.py); the viewer goes with every call and the service decides what that
viewer may see: out-of-scope records are null or missing from lists, exactly like unknown ones.
Volunteers' ID numbers and phones arrive masked (evaluators see names masked too), donors' phones
masked; `revealVolunteerIdentity` unmasks, logged. The public reads the active resource directory
and verifies certificates (`verifyVolunteerCertificate`), nothing else.

Fields that need another call (a volunteer's hours, teams and tasks; a team's leader and members; a
proposal's or task's candidate; a need's household; a household's distributions; the registry's
stations) go through the request's DataLoaders, so a list costs one call per
kind of data, not one per item. Those fields are nullable.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.base import DEFAULT_PAGE_SIZE, given, listed, page_args
from gateway.schema.casework.enums import CaseDomain
from gateway.schema.scalars import JSON
from gateway.schema.volunteers.enums import (
    CharityItemCategory,
    MatchNeedStatus,
    ResourceKind,
    ResourceStatus,
    VolunteerSkill,
    VolunteerStatus,
)
from gateway.schema.volunteers.types.matching import (
    CharityStockPage,
    CommunityResourcePage,
    MatchNeed,
    MatchNeedPage,
    UnmetNeedsRollup,
    VolunteerPage,
    VolunteersAccessEntry,
    VolunteerTeamPage,
)
from gateway.schema.volunteers.types.resources import CharityDistribution, CharityStock, CommunityResource
from gateway.schema.volunteers.types.volunteers import Volunteer, VolunteerCertificateCheck, VolunteerTeam


def _region_arg():
    return graphene.String(description="A region code: 32, 3211, 321181, a 9-digit township or 12-digit community.")


class VolunteersQuery(graphene.ObjectType):
    volunteer_catalogue = JSON(description="Skills, domains, resource kinds, item categories and need types the "
                                           "volunteers service knows.")
    volunteers = graphene.Field(
        VolunteerPage, **page_args(station_id=graphene.ID(), region=_region_arg(), skill=VolunteerSkill(),
                                   domain=CaseDomain(), status=VolunteerStatus(),
                                   background_checked=graphene.Boolean(description="With a valid passed check.")),
        description="Volunteers you may see, in id order.")
    volunteer = graphene.Field(Volunteer, id=graphene.ID(required=True),
                               description="Null when unknown or outside your scope.")
    volunteer_teams = graphene.Field(VolunteerTeamPage, **page_args(station_id=graphene.ID()))
    volunteer_team = graphene.Field(VolunteerTeam, id=graphene.ID(required=True))
    community_resources = graphene.Field(
        CommunityResourcePage, **page_args(station_id=graphene.ID(), region=_region_arg(), kind=ResourceKind(),
                                           domain=CaseDomain(), status=ResourceStatus(),
                                           review_overdue=graphene.Boolean()),
        description="The resource library. Public without a token: the public sees active entries.")
    community_resource = graphene.Field(CommunityResource, id=graphene.ID(required=True))
    resource_reviews_overdue = JSON(station_id=graphene.ID(), region=_region_arg(),
                                    description="Entries past their yearly review, by station and region.")
    resource_directory = JSON(station_id=graphene.ID(), region=_region_arg(),
                              description="The library as an HSDS 3.0 directory (organizations, services, locations, "
                                          "service_at_locations); also at /public/hsds/directory.json.")
    charity_stock = graphene.Field(CharityStockPage, **page_args(station_id=graphene.ID(),
                                                                 category=CharityItemCategory()))
    charity_stock_line = graphene.Field(CharityStock, id=graphene.ID(required=True))
    charity_distributions = graphene.List(graphene.NonNull(CharityDistribution),
                                          household_id=graphene.ID(required=True),
                                          description="What a household received.")
    match_needs = graphene.Field(
        MatchNeedPage, **page_args(station_id=graphene.ID(), region=_region_arg(), status=MatchNeedStatus(),
                                   domain=CaseDomain(), household_id=graphene.ID()),
        description="Needs in matching (供需对接) you may see.")
    match_need = graphene.Field(MatchNeed, id=graphene.ID(required=True))
    unmet_needs = graphene.Field(UnmetNeedsRollup, region=graphene.String(required=True), domain=CaseDomain())
    verify_volunteer_certificate = graphene.Field(
        VolunteerCertificateCheck, content=JSON(required=True), verification_code=graphene.String(required=True),
        description="Check a 志愿服务记录证明: anyone, without a token.")
    volunteers_access_log = graphene.List(
        graphene.NonNull(VolunteersAccessEntry), subject_id=graphene.ID(), user_id=graphene.String(),
        limit=graphene.Int(), description="Reads of unmasked volunteer data, newest first.",
        deprecation_reason="Use personalDataAccessLog: one access log across the services, scoped by the viewer.")

    @staticmethod
    def resolve_volunteer_catalogue(root, info):
        return info.context.service("volunteers").catalogue()

    @staticmethod
    def resolve_volunteers(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("volunteers").list_volunteers, first, after, filters)

    @staticmethod
    def resolve_volunteer(root, info, id):
        return loader(info, "volunteers.volunteers").load(id)

    @staticmethod
    def resolve_volunteer_teams(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("volunteers").list_teams, first, after, filters)

    @staticmethod
    def resolve_volunteer_team(root, info, id):
        return loader(info, "volunteers.teams").load(id)

    @staticmethod
    def resolve_community_resources(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("volunteers").list_resources, first, after, filters)

    @staticmethod
    def resolve_community_resource(root, info, id):
        return loader(info, "volunteers.resources").load(id)

    @staticmethod
    def resolve_resource_reviews_overdue(root, info, **filters):
        return info.context.service("volunteers").overdue_reviews(given(**filters))

    @staticmethod
    def resolve_resource_directory(root, info, **filters):
        return info.context.service("volunteers").export_directory(given(**filters))

    @staticmethod
    def resolve_charity_stock(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("volunteers").list_stock, first, after, filters)

    @staticmethod
    def resolve_charity_stock_line(root, info, id):
        return loader(info, "volunteers.stock").load(id)

    @staticmethod
    def resolve_charity_distributions(root, info, household_id):
        return loader(info, "volunteers.distributions_for_households").load(household_id)

    @staticmethod
    def resolve_match_needs(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("volunteers").list_needs, first, after, filters)

    @staticmethod
    def resolve_match_need(root, info, id):
        return loader(info, "volunteers.needs").load(id)

    @staticmethod
    def resolve_unmet_needs(root, info, region, domain=None):
        return info.context.service("volunteers").unmet_rollup(given(region=region, domain=domain))

    @staticmethod
    def resolve_verify_volunteer_certificate(root, info, content, verification_code):
        return info.context.service("volunteers").verify_certificate({"content": content,
                                                                      "verification_code": verification_code})

    @staticmethod
    def resolve_volunteers_access_log(root, info, **filters):
        return info.context.service("volunteers").access_log(given(**filters))
