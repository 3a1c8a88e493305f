"""Comprehensive-verification campaigns, the stations' dashboards, caseloads and the pages of lists."""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size, page_type
from gateway.schema.casework.enums import PersonTag
from gateway.schema.casework.types.cases import Case
from gateway.schema.casework.types.households import ActorStamp, DuplicateFlagEntry, Household, Person
from gateway.schema.registry.enums import StaffRole
from gateway.schema.registry.loaders import station_by_id
from gateway.schema.registry.types import Region, Station
from gateway.schema.scalars import Date, DateTime


class CampaignCriteria(graphene.ObjectType):
    tags_any = graphene.List(graphene.NonNull(PersonTag), required=True)
    age_min = graphene.Int()
    age_max = graphene.Int()


class CampaignStationProgress(graphene.ObjectType):
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    targeted = graphene.Int(required=True)
    visited = graphene.Int(required=True)

    @staticmethod
    def resolve_station(row, info):
        return station_by_id(info, row["station_id"])


class CampaignHousehold(graphene.ObjectType):
    """A targeted household, the people in it the campaign is about, and when it was visited."""
    household_id = graphene.ID(required=True)
    household = graphene.Field(Household)
    station_id = graphene.ID(required=True)
    community_code = graphene.String(required=True)
    community_name = graphene.String(required=True)
    visited_on = Date(description="Null while not visited.")
    persons = graphene.List(graphene.NonNull(Person), required=True)

    @staticmethod
    def resolve_household(item, info):
        return loader(info, "casework.households").load(item["household_id"])


class CampaignProgress(graphene.ObjectType):
    """Who the campaign targets in your scope, and who has been visited for it (a page of households)."""
    campaign = graphene.Field(lambda: VerificationCampaign, required=True)
    targeted = graphene.Int(required=True, description="Households targeted (all pages).")
    visited = graphene.Int(required=True)
    not_visited = graphene.Int(required=True)
    persons_targeted = graphene.Int(required=True)
    by_station = graphene.List(graphene.NonNull(CampaignStationProgress), required=True)
    items = graphene.List(graphene.NonNull(CampaignHousehold), required=True)
    next_cursor = graphene.String()


class VerificationCampaign(graphene.ObjectType):
    """A comprehensive verification (全面核查): a region, a group (tags, ages) and a period."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    criteria = graphene.Field(CampaignCriteria, required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    created = graphene.Field(ActorStamp, required=True)
    version = graphene.Int(required=True)
    progress = graphene.Field(
        CampaignProgress, station_id=graphene.ID(), visited=graphene.Boolean(),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Households per page, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(), description="One call per campaign (casework has no batch for this).")

    @staticmethod
    def resolve_region(campaign, info):
        return loader(info, "registry.regions").load(campaign["region_code"])

    @staticmethod
    def resolve_progress(campaign, info, first=DEFAULT_PAGE_SIZE, **filters):
        return loader(info, "casework.campaign_progress").load(progress_key(campaign["id"], first, filters))


def progress_key(campaign_id: str, first, filters: dict) -> tuple:
    limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
    return (campaign_id, *sorted({**given(**filters), "limit": limit}.items()))


class StationArchiveFigures(graphene.ObjectType):
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    households = graphene.Int(required=True)
    overdue = graphene.Int(required=True, description="No assessment in the last 12 months.")
    never_assessed = graphene.Int(required=True)

    @staticmethod
    def resolve_station(row, info):
        return station_by_id(info, row["station_id"])


class ArchiveOverdueSummary(graphene.ObjectType):
    """Needs archives per station: households, overdue archives, never assessed (those in your scope).
    The overdue households themselves: `households(archiveOverdue: true)`."""
    as_of = Date(required=True)
    region = graphene.String()
    stations = graphene.List(graphene.NonNull(StationArchiveFigures), required=True)
    households = graphene.Int(required=True)
    overdue = graphene.Int(required=True)
    never_assessed = graphene.Int(required=True)


class CaseStageCounts(graphene.ObjectType):
    intake = graphene.Int(required=True)
    assessment = graphene.Int(required=True)
    plan = graphene.Int(required=True)
    in_service = graphene.Int(required=True)
    review = graphene.Int(required=True)


class StationCaseFigures(graphene.ObjectType):
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    open = graphene.Int(required=True)
    open_by_stage = graphene.Field(CaseStageCounts, required=True)
    crisis_active = graphene.Int(required=True)
    crisis_contact_overdue = graphene.Int(required=True, description="Crises past the 24-hour first contact.")
    crisis_breaches = graphene.Int(required=True, description="Missed 24-hour first contacts, also those contacted "
                                                              "late since.")
    overdue = graphene.Int(required=True)

    @staticmethod
    def resolve_station(row, info):
        return station_by_id(info, row["station_id"])


class CaseSummary(graphene.ObjectType):
    """Open cases by station and stage, active crises and overdue cases (those in your scope)."""
    region = graphene.String()
    stations = graphene.List(graphene.NonNull(StationCaseFigures), required=True)
    open = graphene.Int(required=True)
    crisis_active = graphene.Int(required=True)
    crisis_contact_overdue = graphene.Int(required=True)
    crisis_breaches = graphene.Int(required=True)
    overdue = graphene.Int(required=True)


class StaffCaseload(graphene.ObjectType):
    """A staff member of the station as casework knows them (from the registry's events), with cases."""
    staff_id = graphene.ID(required=True)
    name = graphene.String()
    role = StaffRole()
    current = graphene.Boolean(required=True)
    open_cases = graphene.Int(required=True)
    crisis_cases = graphene.Int(required=True)


class CaseworkAccessEntry(graphene.ObjectType):
    """One read of unmasked casework data (a person's details or a case's protected notes)."""
    id = graphene.ID(required=True)
    at = DateTime(required=True)
    user_id = graphene.String(required=True)
    role = graphene.String(required=True)
    action = graphene.String(required=True, description="reveal_person or reveal_case_notes.")
    subject_type = graphene.String(required=True)
    subject_id = graphene.String(required=True)
    household_id = graphene.ID()
    station_id = graphene.ID()
    fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    reason = graphene.String()


HouseholdPage = page_type("HouseholdPage", Household, "households")
CasePage = page_type("CasePage", Case, "cases")
DuplicateFlagPage = page_type("DuplicateFlagPage", DuplicateFlagEntry, "households with open duplicate flags")
VerificationCampaignPage = page_type("VerificationCampaignPage", VerificationCampaign, "verification campaigns")
CaseworkAccessLogPage = page_type("CaseworkAccessLogPage", CaseworkAccessEntry, "access log entries, newest first",
                                  with_total=False)
