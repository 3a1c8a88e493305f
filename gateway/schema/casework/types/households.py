"""Households and people (一户一档), consents, versioned needs archives and duplicate flags."""
from __future__ import annotations

import graphene

from gateway.loaders import loader, then
from gateway.schema.base import at_most, first_arg
from gateway.schema.casework.enums import (
    AgencyKind,
    ArchiveVersionKind,
    CaseDomain,
    ConsentGiverRelationship,
    ConsentPurpose,
    DuplicateFlagStatus,
    DuplicateReason,
    HouseholdRelationship,
    HouseholdStatus,
    LegalBasis,
    NeedSeverity,
    NeedType,
    PersonTag,
    RiskLevel,
    Sex,
)
from gateway.schema.registry.loaders import station_by_id
from gateway.schema.registry.types import Station
from gateway.schema.scalars import Date, DateTime


class ActorStamp(graphene.ObjectType):
    """Who did something, with which role, when (registry staff ids for station staff)."""
    by = graphene.String(required=True)
    role = graphene.String(required=True)
    at = DateTime(required=True)


class Person(graphene.ObjectType):
    """A member of a household. ID number and phone masked; health and disability details only as
    flags (`revealPerson` shows them, logged). A person protected by a crisis case appears to
    anyone outside the case team as 受保护对象 with `identityProtected: true` and nothing else."""
    id = graphene.ID(required=True, description="The person id (one person, one record).")
    household_id = graphene.ID(description="Null when the person is protected.")
    household = graphene.Field(lambda: Household)
    identity_protected = graphene.Boolean(required=True)
    name = graphene.String(required=True)
    relationship = HouseholdRelationship(description="To the head of the household.")
    sex = Sex()
    age = graphene.Int()
    id_number = graphene.String(description="Masked: 321181********1234.")
    phone = graphene.String(description="Masked: 139****0001.")
    tags = graphene.List(graphene.NonNull(PersonTag), required=True)
    disability_recorded = graphene.Boolean(required=True)
    health_recorded = graphene.Boolean(required=True)
    merged_from = graphene.List(graphene.NonNull(graphene.ID), required=True,
                                description="Person ids of duplicate records merged into this one.")

    @staticmethod
    def resolve_id(person, info):
        return person["person_id"]

    @staticmethod
    def resolve_household(person, info):
        return loader(info, "casework.households").load(person["household_id"]) if person.get("household_id") else None


class ConsentGiver(graphene.ObjectType):
    """Who gave consent: a household member (personId), or an outside guardian (name, relationship)."""
    person_id = graphene.ID()
    name = graphene.String()
    relationship_to_subject = ConsentGiverRelationship()


class Consent(graphene.ObjectType):
    """The legal basis for processing a person's data: consent (who gave it, for what) or a duty."""
    id = graphene.ID(required=True)
    person_id = graphene.ID(required=True)
    legal_basis = LegalBasis(required=True)
    purposes = graphene.List(graphene.NonNull(ConsentPurpose), required=True)
    given_by = graphene.Field(ConsentGiver)
    given_on = Date(required=True)
    basis_note = graphene.String()
    withdrawn_on = Date()
    withdrawal_reason = graphene.String()
    recorded_by = graphene.Field(ActorStamp)
    recipient_kinds = graphene.List(graphene.NonNull(AgencyKind), required=True,
                                    description="The kinds of agency a REFERRAL_SHARING consent names.")

    @staticmethod
    def resolve_id(consent, info):
        return consent["consent_id"]


class ArchiveSummary(graphene.ObjectType):
    """Where the household's needs archive stands today."""
    current_assessment_id = graphene.ID()
    versions = graphene.Int(required=True)
    last_assessed_on = Date()
    risk_level = RiskLevel()
    review_due_on = Date(required=True, description="A year after the last assessment; the registration date "
                                                    "when never assessed.")
    overdue = graphene.Boolean(required=True, description="No assessment in the last 12 months.")
    never_assessed = graphene.Boolean(required=True)


class AssessedNeed(graphene.ObjectType):
    id = graphene.ID(required=True, description="Stays the same when a reassessment continues the need.")
    domain = CaseDomain(required=True)
    domain_label = graphene.String(required=True)
    need_type = NeedType(required=True)
    need_type_label = graphene.String(required=True)
    severity = NeedSeverity(required=True)
    description = graphene.String(required=True)
    person_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                               description="The members it concerns; empty: the household.")
    needed_by = Date()

    @staticmethod
    def resolve_id(need, info):
        return need["need_id"]


class ArchiveVersion(graphene.ObjectType):
    """One version of a household's needs archive (需求档案): an assessment, reassessment or amendment."""
    household_id = graphene.ID(required=True)
    assessment_id = graphene.ID(required=True)
    version = graphene.Int(required=True)
    kind = ArchiveVersionKind(required=True)
    assessed_on = Date(required=True)
    assessor_staff_id = graphene.ID(required=True)
    risk_level = RiskLevel(required=True)
    risk_score = graphene.Int(required=True)
    next_review_on = Date(required=True)
    supersedes = graphene.ID(description="The assessment this version replaced.")
    recorded_at = DateTime(required=True)
    recorded_by = graphene.Field(ActorStamp, required=True)
    needs = graphene.List(graphene.NonNull(AssessedNeed), required=True)
    withheld_from_matching = graphene.List(
        graphene.NonNull(graphene.ID), required=True,
        description="Ids of needs kept in the archive but not sent to volunteer matching: someone they concern "
                    "has no volunteer_matching consent or legal basis.")


class Household(graphene.ObjectType):
    """A household (一户一档) of a village or residents' committee under a township station."""
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station, description="The registry's station.")
    township_code = graphene.String(required=True)
    community_code = graphene.String(required=True, description="12 digits: the township's 9 + 3.")
    community_name = graphene.String(required=True)
    address = graphene.String(description="Null for evaluators and for a household protected by a crisis case.")
    status = HouseholdStatus(required=True)
    registered_on = Date(required=True)
    head_name = graphene.String()
    member_count = graphene.Int(required=True)
    members = graphene.List(graphene.NonNull(Person), required=True)
    groups = graphene.List(graphene.NonNull(PersonTag), required=True, description="Every member's tags.")
    consents = graphene.List(graphene.NonNull(Consent), required=True)
    archive_summary = graphene.Field(ArchiveSummary, required=True)
    open_duplicate_flags = graphene.Int(required=True, description="Likely duplicates waiting for review.")
    visit_count = graphene.Int(required=True, description="Visits to the household itself (not its cases').")
    service_count = graphene.Int(required=True)
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the household.")
    archive = graphene.Field(ArchiveVersion, as_of=Date(description="The version in force on this date; "
                                                                    "default today (China time)."),
                             description="The needs archive as it stood on `asOf`; null before the first "
                                         "assessment.")
    archive_history = graphene.List(graphene.NonNull(ArchiveVersion), first=first_arg(),
                                    description="Every version, oldest first.")
    cases = graphene.List(graphene.NonNull("gateway.schema.casework.types.cases.Case"), first=first_arg(),
                          description="Cases of the household and its members (not those protected from you).")
    visits = graphene.List(graphene.NonNull("gateway.schema.casework.types.cases.Visit"), first=first_arg(),
                           description="Visits to the household and on its cases, oldest first.")

    @staticmethod
    def resolve_station(household, info):
        return station_by_id(info, household["station_id"])

    @staticmethod
    def resolve_archive_summary(household, info):
        return household["archive"]

    @staticmethod
    def resolve_archive(household, info, as_of=None):
        return loader(info, "casework.archives").load((household["id"], as_of))

    @staticmethod
    def resolve_archive_history(household, info, first=None):
        return then(loader(info, "casework.archive_history").load(household["id"]), at_most(first))

    @staticmethod
    def resolve_cases(household, info, first=None):
        return then(loader(info, "casework.cases_for_households").load(household["id"]), at_most(first))

    @staticmethod
    def resolve_visits(household, info, first=None):
        return then(loader(info, "casework.visits_for_households").load(household["id"]), at_most(first))


class DuplicateMatch(graphene.ObjectType):
    household_id = graphene.ID(required=True)
    person_id = graphene.ID(required=True)
    reason = DuplicateReason(required=True)
    person = graphene.Field(Person, description="Null when outside your scope.")

    @staticmethod
    def resolve_person(match, info):
        return loader(info, "casework.persons").load(match["person_id"])


class DuplicateFlag(graphene.ObjectType):
    """A person who looks like someone already recorded: review, then merge or dismiss."""
    id = graphene.ID(required=True)
    person_id = graphene.ID(required=True)
    matches = graphene.List(graphene.NonNull(DuplicateMatch), required=True)
    status = DuplicateFlagStatus(required=True)
    raised_on = Date(required=True)

    @staticmethod
    def resolve_id(flag, info):
        return flag["flag_id"]


class DuplicateFlagEntry(graphene.ObjectType):
    household = graphene.Field(Household, required=True)
    flags = graphene.List(graphene.NonNull(DuplicateFlag), required=True, description="The open ones.")
