"""Casework's input types, mirroring its schemas (services/casework/schemas.py)."""
from __future__ import annotations

import graphene

from gateway.schema.scalars import Date, DateTime

from .enums import (
    ApprovalDecision,
    CaseDomain,
    CaseOutcome,
    CaseSource,
    CaseStage,
    ClosureReason,
    ConsentGiverRelationship,
    ConsentPurpose,
    DisabilityCategory,
    HouseholdRelationship,
    LegalBasis,
    NeedSeverity,
    NeedType,
    PersonTag,
    ReferralAnswer,
    ReferralTargetKind,
    RemovalReason,
    ServiceActivity,
    Sex,
    SharingBasisKind,
    VisitType,
)


def _input(type_name: str, doc: str, /, **fields):
    """An input type built from keyword fields (several share their fields)."""
    return type(type_name, (graphene.InputObjectType,), {"__doc__": doc, **fields})


def _version(description: str = "The version you read."):
    return graphene.Int(required=True, description=description)


class DisabilityInput(graphene.InputObjectType):
    category = DisabilityCategory(required=True)
    grade = graphene.Int(required=True, description="1 (most severe) to 4.")
    certificate_number = graphene.String()


class HealthInput(graphene.InputObjectType):
    conditions = graphene.List(graphene.NonNull(graphene.String))
    notes = graphene.String()


def _member_fields(required: bool) -> dict:
    return {
        "name": graphene.String(required=required),
        "relationship": HouseholdRelationship(required=required),
        "id_number": graphene.String(description="18-character resident ID number (checked); birth date and sex "
                                                 "follow from it. Stored encrypted, shown masked."),
        "phone": graphene.String(description="Stored encrypted, shown masked; null clears it."),
        "tags": graphene.List(graphene.NonNull(PersonTag)),
        "disability": graphene.InputField(DisabilityInput, description="Needs the DISABILITY tag; stored encrypted."),
        "health": graphene.InputField(HealthInput, description="Stored encrypted."),
    }


MemberInput = _input("MemberInput", "A household member. Without an ID number, give the birth date and sex.",
                     **_member_fields(True), birth_date=Date(), sex=Sex())

RegisterHouseholdInput = _input(
    "RegisterHouseholdInput", "A household with exactly one head (户主).",
    station_id=graphene.ID(required=True), community_code=graphene.String(
        required=True, description="12 digits: the station's township code + 001–199 (居委会) or 200–399 (村委会)."),
    community_name=graphene.String(required=True), address=graphene.String(required=True),
    registered_on=Date(description="Default today."),
    members=graphene.List(graphene.NonNull(MemberInput), required=True))

UpdateHouseholdInput = _input(
    "UpdateHouseholdInput", "Only the fields given change; the community code and name change together.",
    expected_version=_version(), address=graphene.String(), community_code=graphene.String(),
    community_name=graphene.String())

AddHouseholdMemberInput = _input("AddHouseholdMemberInput", "A new member (not the head).",
                                 expected_version=_version(), **_member_fields(True), birth_date=Date(), sex=Sex())

UpdateHouseholdMemberInput = _input(
    "UpdateHouseholdMemberInput", "Only the fields given change. A corrected ID number brings its birth date and sex.",
    expected_version=_version(), **_member_fields(False))

RemoveHouseholdMemberInput = _input(
    "RemoveHouseholdMemberInput", "A member who moved out, died, or was recorded in error (not the head).",
    expected_version=_version(), reason=RemovalReason(required=True), removed_on=Date(required=True),
    note=graphene.String())

ConsentGiverInput = _input(
    "ConsentGiverInput", "A household member (personId), or an outside guardian's name and relationship.",
    person_id=graphene.ID(), name=graphene.String(), relationship_to_subject=ConsentGiverRelationship())

RecordConsentInput = _input(
    "RecordConsentInput", "Consent needs who gave it (a guardian for a minor); a statutory duty or vital "
                          "interest needs a basisNote instead.",
    expected_version=_version(), person_id=graphene.ID(required=True), legal_basis=LegalBasis(required=True),
    purposes=graphene.List(graphene.NonNull(ConsentPurpose), required=True),
    given_by=graphene.InputField(ConsentGiverInput), given_on=Date(required=True), basis_note=graphene.String())

WithdrawConsentInput = _input(
    "WithdrawConsentInput", "Withdraw a consent (not a statutory basis).",
    expected_version=_version(), consent_id=graphene.ID(required=True), withdrawn_on=Date(required=True),
    reason=graphene.String(required=True))

PersonRefInput = _input("PersonRefInput", "A person in a household, with the household's version.",
                        household_id=graphene.ID(required=True), person_id=graphene.ID(required=True),
                        expected_version=_version("The household's version."))

MergePersonsInput = _input(
    "MergePersonsInput", "Merge a duplicate record into the surviving one (audited on both households).",
    survivor=graphene.InputField(PersonRefInput, required=True),
    duplicate=graphene.InputField(PersonRefInput, required=True), reason=graphene.String(required=True))

DismissDuplicateFlagInput = _input(
    "DismissDuplicateFlagInput", "Not the same person after all.",
    expected_version=_version(), flag_id=graphene.ID(required=True), reason=graphene.String(required=True))

NeedInput = _input(
    "NeedInput", "A need of the household. No ID or phone numbers in the description: it goes to volunteer "
                 "matching.",
    need_id=graphene.ID(description="Continues a need of the current assessment."),
    domain=CaseDomain(required=True), need_type=NeedType(required=True, description="One of the domain's types."),
    severity=NeedSeverity(required=True), description=graphene.String(required=True),
    person_ids=graphene.List(graphene.NonNull(graphene.ID), description="The members it concerns."),
    needed_by=Date())

AssessNeedsInput = _input(
    "AssessNeedsInput", "A new version of the household's needs archive (first assessment, reassessment, or with "
                        "`amends` an amendment of the current one).",
    expected_version=_version("The household's version."), assessed_on=Date(required=True),
    assessor_staff_id=graphene.ID(required=True, description="Staff of the household's station on that date."),
    amends=graphene.ID(description="The current assessment's id, to amend it."),
    needs=graphene.List(graphene.NonNull(NeedInput), required=True))

CrisisNotesInput = _input("CrisisNotesInput", "Open the case as a crisis: first contact due within 24 hours.",
                          notes=graphene.String(required=True, description="Stored encrypted; the case team only."))

OpenCaseInput = _input(
    "OpenCaseInput", "One open case per person (or household) and domain.",
    household_id=graphene.ID(required=True), person_id=graphene.ID(description="Omit for a household case."),
    domain=CaseDomain(required=True), source=CaseSource(required=True), summary=graphene.String(required=True),
    assigned_staff_id=graphene.ID(required=True, description="A current social worker or the lead of the station."),
    opened_on=Date(), crisis=graphene.InputField(CrisisNotesInput))

ChangeCaseStageInput = _input(
    "ChangeCaseStageInput", "Along the lifecycle, with its entry requirements; closing needs an approved closure.",
    expected_version=_version(), to=CaseStage(required=True), note=graphene.String(
        description="Required when leaving review: what it concluded."))

CaseAssessmentInput = _input(
    "CaseAssessmentInput", "In the assessment or review stage.",
    expected_version=_version(), summary=graphene.String(required=True),
    need_ids=graphene.List(graphene.NonNull(graphene.ID), description="Needs of the household's current archive."),
    strengths=graphene.String())

InterventionInput = _input("InterventionInput", "An activity of the plan.",
                           activity_type=ServiceActivity(required=True), frequency=graphene.String(required=True),
                           responsible=graphene.String())

SubmitCasePlanInput = _input(
    "SubmitCasePlanInput", "In the plan stage; replaces a plan still waiting for approval.",
    expected_version=_version(), goals=graphene.List(graphene.NonNull(graphene.String), required=True),
    interventions=graphene.List(graphene.NonNull(InterventionInput), required=True),
    review_on=Date(required=True, description="After today."))

CaseDecisionInput = _input(
    "CaseDecisionInput", "By a supervisor of the station or its station lead, never the requester.",
    expected_version=_version(), decision=ApprovalDecision(required=True),
    comment=graphene.String(description="Required for a rejection."))

RequestCaseClosureInput = _input("RequestCaseClosureInput", "Closing needs approval.",
                                 expected_version=_version(), reason=ClosureReason(required=True),
                                 outcome=CaseOutcome(required=True), note=graphene.String())

ReopenCaseInput = _input("ReopenCaseInput", "Closed → assessment.",
                         expected_version=_version(), reason=graphene.String(required=True),
                         assigned_staff_id=graphene.ID(description="A new worker, e.g. when the old one left."))

ReassignCaseInput = _input("ReassignCaseInput", "Another current social worker or the lead of the station.",
                           expected_version=_version(), staff_id=graphene.ID(required=True),
                           reason=graphene.String(required=True))


def _visit_fields() -> dict:
    return {
        "expected_version": _version(), "visit_type": VisitType(required=True),
        "visited_on": Date(required=True, description="Not in the future (China time)."),
        "visited_at": DateTime(description="The moment of contact, on visitedOn (China time)."),
        "duration_minutes": graphene.Int(required=True),
        "staff_ids": graphene.List(graphene.NonNull(graphene.ID), required=True,
                                   description="Staff of the station on that day."),
        "other_participants": graphene.List(graphene.NonNull(graphene.String)),
        "notes": graphene.String(description="Encrypted on a crisis case."),
        "next_visit_on": Date(),
    }


CaseVisitInput = _input("CaseVisitInput", "A visit or contact on a case; on a crisis, the first one is the first "
                                          "contact.", **_visit_fields())
HouseholdVisitInput = _input(
    "HouseholdVisitInput", "A visit to the household itself, e.g. for a verification campaign.",
    **_visit_fields(), campaign_id=graphene.ID(description="A campaign targeting the household, during its period."))

RecordCaseServiceInput = _input(
    "RecordCaseServiceInput", "A service activity delivered by the station on an open case.",
    expected_version=_version(), activity_type=ServiceActivity(required=True), delivered_on=Date(required=True),
    duration_minutes=graphene.Int(required=True), staff_ids=graphene.List(graphene.NonNull(graphene.ID), required=True),
    need_ids=graphene.List(graphene.NonNull(graphene.ID)), notes=graphene.String())

FlagCrisisInput = _input("FlagCrisisInput", "The case jumps to the top of the queue; first contact within 24 hours.",
                         expected_version=_version(), notes=graphene.String(required=True,
                                                                            description="Stored encrypted."))
ResolveCrisisInput = _input("ResolveCrisisInput", "After the first contact.", expected_version=_version(),
                            note=graphene.String(required=True))

ReferralTargetInput = _input("ReferralTargetInput", "Who the case is referred to.",
                             kind=ReferralTargetKind(required=True), name=graphene.String(required=True),
                             resource_id=graphene.ID())
SharingBasisInput = _input(
    "SharingBasisInput", "A consent covering REFERRAL_SHARING, or a legal basis (STATUTORY_DUTY, VITAL_INTEREST) "
                         "with the reason.",
    kind=SharingBasisKind(required=True), consent_id=graphene.ID(), legal_basis=LegalBasis(), reason=graphene.String())
MakeReferralInput = _input(
    "MakeReferralInput", "On an open case.",
    expected_version=_version(), target=graphene.InputField(ReferralTargetInput, required=True),
    service_requested=graphene.String(required=True), made_on=Date(required=True),
    shares_personal_data=graphene.Boolean(required=True),
    sharing_basis=graphene.InputField(SharingBasisInput, description="Required when personal data is shared."))
AnswerReferralInput = _input(
    "AnswerReferralInput", "The receiver's answer.",
    expected_version=_version(), referral_id=graphene.ID(required=True), status=ReferralAnswer(required=True),
    answered_on=Date(required=True), note=graphene.String(description="Required when declined."))

CampaignCriteriaInput = _input("CampaignCriteriaInput", "People carrying any of the tags, within the ages.",
                               tags_any=graphene.List(graphene.NonNull(PersonTag), required=True),
                               age_min=graphene.Int(), age_max=graphene.Int())
CreateVerificationCampaignInput = _input(
    "CreateVerificationCampaignInput", "A comprehensive verification (全面核查) of a group in a region.",
    name=graphene.String(required=True), region_code=graphene.String(required=True, description="A 6-digit code."),
    criteria=graphene.InputField(CampaignCriteriaInput, required=True), starts_on=Date(required=True),
    ends_on=Date(required=True))
