"""The casework service's part of the schema: households and people (一户一档), versioned needs
archives, cases with their plans, approvals, visits, services, referrals and crisis flags, and
comprehensive-verification campaigns (reads).

Every field is resolved from casework's RPC answers (the contract is the docstring of
services/casework/service.py); the viewer goes with every call and casework decides what that
viewer may see: out-of-scope records are null or missing from lists, exactly like unknown ones.
Personal data arrives masked (ID numbers, phones; health and disability only as `...Recorded`
flags; evaluators see names masked too) and the person of a crisis case is hidden from everyone
outside the case team (`identityProtected: true`, name 受保护对象, no numbers, no household link).
Unmasking is a logged mutation (`revealPerson`, `revealCaseNotes`).

Fields that need another call (a household's archive, history, cases and visits; a case's visits,
services, referrals, household and person; a station's caseload; the registry's stations and
regions) go through the request's DataLoaders, so a list costs one call per kind of data, not one
per item. Those fields are nullable.

Dates of casework are China Standard Time dates (`Date`); moments are `DateTime` in UTC.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.base import DEFAULT_PAGE_SIZE, given, listed, page_args
from gateway.schema.casework.enums import CaseDomain, CaseStageFilter, PersonTag, RiskLevel, RosterSource
from gateway.schema.casework.types.campaigns import (
    ArchiveOverdueSummary,
    CampaignProgress,
    CasePage,
    CaseSummary,
    CaseworkAccessLogPage,
    DuplicateFlagPage,
    HouseholdPage,
    VerificationCampaign,
    VerificationCampaignPage,
    progress_key,
)
from gateway.schema.casework.types.cases import Case
from gateway.schema.casework.types.households import Household, Person
from gateway.schema.casework.types.rosters import RosterImport, RosterImportPage, RosterMapping
from gateway.schema.scalars import Date


def _region_arg():
    return graphene.String(description="A region code or prefix: 32, 3211, 321181, a 9-digit township code.")


class CaseworkQuery(graphene.ObjectType):
    households = graphene.Field(
        HouseholdPage, **page_args(
            station_id=graphene.ID(), region=_region_arg(), community_code=graphene.String(),
            group=PersonTag(description="Households with a member carrying this tag."),
            archive_overdue=graphene.Boolean(description="No assessment in the last 12 months (true) or not."),
            risk_level=RiskLevel(description="Of the current assessment."),
            duplicates_open=graphene.Boolean(description="With (true) or without likely duplicates to review."),
            head_name=graphene.String(description="The head's name starts with this.")),
        description="Active households you may see, in id order.")
    household = graphene.Field(Household, id=graphene.ID(required=True),
                               description="Null when unknown or outside your scope.")
    person = graphene.Field(Person, id=graphene.ID(required=True),
                            description="Null when unknown or outside your scope.")
    duplicate_flags = graphene.Field(DuplicateFlagPage, **page_args(station_id=graphene.ID()),
                                     description="Households with likely duplicates to review (merge or dismiss).")
    archive_overdue_summary = graphene.Field(ArchiveOverdueSummary, region=_region_arg(), station_id=graphene.ID())
    cases = graphene.Field(
        CasePage, **page_args(
            station_id=graphene.ID(), region=_region_arg(), domain=CaseDomain(), stage=CaseStageFilter(),
            crisis=graphene.Boolean(description="With an active crisis (true) or without."),
            overdue=graphene.Boolean(description="A follow-up or a crisis first contact is late (true) or not."),
            assigned_staff_id=graphene.ID(), household_id=graphene.ID()),
        description="Cases you may see, in queue order: active crises first, then by opening time.")
    case = graphene.Field(Case, id=graphene.ID(required=True), description="Null when unknown or outside your scope.")
    case_summary = graphene.Field(CaseSummary, region=_region_arg(), station_id=graphene.ID())
    verification_campaigns = graphene.Field(VerificationCampaignPage, **page_args(region=_region_arg()))
    verification_campaign = graphene.Field(VerificationCampaign, id=graphene.ID(required=True))
    campaign_progress = graphene.Field(
        CampaignProgress, id=graphene.ID(required=True, description="The campaign."), station_id=graphene.ID(),
        visited=graphene.Boolean(description="Only visited (true) or not yet visited (false) households."),
        **page_args(), description="Who a verification campaign targets and who has been visited.")
    roster_import = graphene.Field(RosterImport, id=graphene.ID(required=True),
                                   description="A roster import's progress; null when unknown or outside your scope.")
    roster_imports = graphene.Field(RosterImportPage, **page_args(source=RosterSource(), region=_region_arg()),
                                    description="Roster imports of your region, in id order.")
    roster_mapping = graphene.Field(RosterMapping, source=RosterSource(required=True), region=_region_arg(),
                                    description="The column mapping a roster import of this source uses.")
    casework_access_log = graphene.Field(
        CaseworkAccessLogPage, **page_args(subject_id=graphene.ID(), user_id=graphene.String(),
                                           station_id=graphene.ID(), since=Date(), until=Date()),
        description="Reads of unmasked casework data, newest first (supervisors, civil-affairs staff, "
                    "administrators).",
        deprecation_reason="Use personalDataAccessLog: one access log across the services, scoped by the viewer.")

    @staticmethod
    def resolve_households(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("casework").list_households, first, after, filters)

    @staticmethod
    def resolve_household(root, info, id):
        return loader(info, "casework.households").load(id)

    @staticmethod
    def resolve_person(root, info, id):
        return loader(info, "casework.persons").load(id)

    @staticmethod
    def resolve_duplicate_flags(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("casework").list_duplicate_flags, first, after, filters)

    @staticmethod
    def resolve_archive_overdue_summary(root, info, **filters):
        return info.context.service("casework").archive_overdue_summary(given(**filters))

    @staticmethod
    def resolve_cases(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("casework").list_cases, first, after, filters)

    @staticmethod
    def resolve_case(root, info, id):
        return loader(info, "casework.cases").load(id)

    @staticmethod
    def resolve_case_summary(root, info, **filters):
        return info.context.service("casework").case_summary(given(**filters))

    @staticmethod
    def resolve_verification_campaigns(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("casework").list_campaigns, first, after, filters)

    @staticmethod
    def resolve_verification_campaign(root, info, id):
        return loader(info, "casework.campaigns").load(id)

    @staticmethod
    def resolve_campaign_progress(root, info, id, first=DEFAULT_PAGE_SIZE, **filters):
        return loader(info, "casework.campaign_progress").load(progress_key(id, first, filters))

    @staticmethod
    def resolve_roster_import(root, info, id):
        return loader(info, "casework.roster_imports").load(id)

    @staticmethod
    def resolve_roster_imports(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("casework").list_roster_imports, first, after, filters)

    @staticmethod
    def resolve_roster_mapping(root, info, source, region=None):
        return info.context.service("casework").roster_mapping(given(source=source)["source"], region)

    @staticmethod
    def resolve_casework_access_log(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("casework").access_log, first, after, filters)
