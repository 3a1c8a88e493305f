"""Casework's input types, mirroring its schemas (services/casework/schemas.py)."""
from __future__ import annotations

import graphene

from gateway.schema.base import input_type, version_arg
from gateway.schema.casework.enums import (
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
    RosterField,
    RosterSource,
    ServiceActivity,
    Sex,
    SharingBasisKind,
    VisitType,
)
from gateway.schema.scalars import Date, DateTime


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


MemberInput = input_type("MemberInput", "A household member. Without an ID number, give the birth date and sex.",
                         **_member_fields(True), birth_date=Date(), sex=Sex())

RegisterHouseholdInput = input_type(
    "RegisterHouseholdInput", "A household with exactly one head (户主).",
    station_id=graphene.ID(required=True), community_code=graphene.String(
        required=True, description="12 digits: the station's township code + 001–199 (居委会) or 200–399 (村委会)."),
    community_name=graphene.String(required=True), address=graphene.String(required=True),
    registered_on=Date(description="Default today."),
    members=graphene.List(graphene.NonNull(MemberInput), required=True))

UpdateHouseholdInput = input_type(
    "UpdateHouseholdInput", "Only the fields given change; the community code and name change together.",
    expected_version=version_arg(), address=graphene.String(), community_code=graphene.String(),
    community_name=graphene.String())

AddHouseholdMemberInput = input_type("AddHouseholdMemberInput", "A new member (not the head).",
                                     expected_version=version_arg(), **_member_fields(True), birth_date=Date(),
                                     sex=Sex())

UpdateHouseholdMemberInput = input_type(
    "UpdateHouseholdMemberInput", "Only the fields given change. A corrected ID number brings its birth date and sex.",
    expected_version=version_arg(), **_member_fields(False))

RemoveHouseholdMemberInput = input_type(
    "RemoveHouseholdMemberInput", "A member who moved out, died, or was recorded in error (not the head).",
    expected_version=version_arg(), reason=RemovalReason(required=True), removed_on=Date(required=True),
    note=graphene.String())

ConsentGiverInput = input_type(
    "ConsentGiverInput", "A household member (personId), or an outside guardian's name and relationship.",
    person_id=graphene.ID(), name=graphene.String(), relationship_to_subject=ConsentGiverRelationship())

RecordConsentInput = input_type(
    "RecordConsentInput", "Consent needs who gave it (a guardian for a minor); a statutory duty or vital "
                          "interest needs a basisNote instead.",
    expected_version=version_arg(), person_id=graphene.ID(required=True), legal_basis=LegalBasis(required=True),
    purposes=graphene.List(graphene.NonNull(ConsentPurpose), required=True),
    given_by=graphene.InputField(ConsentGiverInput), given_on=Date(required=True), basis_note=graphene.String())

WithdrawConsentInput = input_type(
    "WithdrawConsentInput", "Withdraw a consent (not a statutory basis).",
    expected_version=version_arg(), consent_id=graphene.ID(required=True), withdrawn_on=Date(required=True),
    reason=graphene.String(required=True))

PersonRefInput = input_type("PersonRefInput", "A person in a household, with the household's version.",
                            household_id=graphene.ID(required=True), person_id=graphene.ID(required=True),
                            expected_version=version_arg("The household's version."))

MergePersonsInput = input_type(
    "MergePersonsInput", "Merge a duplicate record into the surviving one (audited on both households).",
    survivor=graphene.InputField(PersonRefInput, required=True),
    duplicate=graphene.InputField(PersonRefInput, required=True), reason=graphene.String(required=True))

DismissDuplicateFlagInput = input_type(
    "DismissDuplicateFlagInput", "Not the same person after all.",
    expected_version=version_arg(), flag_id=graphene.ID(required=True), reason=graphene.String(required=True))

NeedInput = input_type(
    "NeedInput", "A need of the household. No ID or phone numbers in the description: it goes to volunteer "
                 "matching.",
    need_id=graphene.ID(description="Continues a need of the current assessment."),
    domain=CaseDomain(required=True), need_type=NeedType(required=True, description="One of the domain's types."),
    severity=NeedSeverity(required=True), description=graphene.String(required=True),
    person_ids=graphene.List(graphene.NonNull(graphene.ID), description="The members it concerns."),
    needed_by=Date())

AssessNeedsInput = input_type(
    "AssessNeedsInput", "A new version of the household's needs archive (first assessment, reassessment, or with "
                        "`amends` an amendment of the current one).",
    expected_version=version_arg("The household's version."), assessed_on=Date(required=True),
    assessor_staff_id=graphene.ID(required=True, description="Staff of the household's station on that date."),
    amends=graphene.ID(description="The current assessment's id, to amend it."),
    needs=graphene.List(graphene.NonNull(NeedInput), required=True))

CrisisNotesInput = input_type("CrisisNotesInput", "Open the case as a crisis: first contact due within 24 hours.",
                              notes=graphene.String(required=True, description="Stored encrypted; the case team only."))

OpenCaseInput = input_type(
    "OpenCaseInput", "One open case per person (or household) and domain.",
    household_id=graphene.ID(required=True), person_id=graphene.ID(description="Omit for a household case."),
    domain=CaseDomain(required=True), source=CaseSource(required=True), summary=graphene.String(required=True),
    assigned_staff_id=graphene.ID(required=True, description="A current social worker or the lead of the station."),
    opened_on=Date(), crisis=graphene.InputField(CrisisNotesInput))

ChangeCaseStageInput = input_type(
    "ChangeCaseStageInput", "Along the lifecycle, with its entry requirements; closing needs an approved closure.",
    expected_version=version_arg(), to=CaseStage(required=True), note=graphene.String(
        description="Required when leaving review: what it concluded."))

CaseAssessmentInput = input_type(
    "CaseAssessmentInput", "In the assessment or review stage.",
    expected_version=version_arg(), summary=graphene.String(required=True),
    need_ids=graphene.List(graphene.NonNull(graphene.ID), description="Needs of the household's current archive."),
    strengths=graphene.String())

InterventionInput = input_type("InterventionInput", "An activity of the plan.",
                               activity_type=ServiceActivity(required=True), frequency=graphene.String(required=True),
                               responsible=graphene.String())

SubmitCasePlanInput = input_type(
    "SubmitCasePlanInput", "In the plan stage; replaces a plan still waiting for approval.",
    expected_version=version_arg(), goals=graphene.List(graphene.NonNull(graphene.String), required=True),
    interventions=graphene.List(graphene.NonNull(InterventionInput), required=True),
    review_on=Date(required=True, description="After today."))

CaseDecisionInput = input_type(
    "CaseDecisionInput", "By a supervisor of the station or its station lead, never the requester.",
    expected_version=version_arg(), decision=ApprovalDecision(required=True),
    comment=graphene.String(description="Required for a rejection."))

RequestCaseClosureInput = input_type("RequestCaseClosureInput", "Closing needs approval.",
                                     expected_version=version_arg(), reason=ClosureReason(required=True),
                                     outcome=CaseOutcome(required=True), note=graphene.String())

ReopenCaseInput = input_type("ReopenCaseInput", "Closed → assessment.",
                             expected_version=version_arg(), reason=graphene.String(required=True),
                             assigned_staff_id=graphene.ID(description="A new worker, e.g. when the old one left."))

ReassignCaseInput = input_type("ReassignCaseInput", "Another current social worker or the lead of the station.",
                               expected_version=version_arg(), staff_id=graphene.ID(required=True),
                               reason=graphene.String(required=True))


def _visit_fields() -> dict:
    return {
        "expected_version": version_arg(), "visit_type": VisitType(required=True),
        "visited_on": Date(required=True, description="Not in the future (China time)."),
        "visited_at": DateTime(description="The moment of contact, on visitedOn (China time)."),
        "duration_minutes": graphene.Int(required=True),
        "staff_ids": graphene.List(graphene.NonNull(graphene.ID), required=True,
                                   description="Staff of the station on that day."),
        "other_participants": graphene.List(graphene.NonNull(graphene.String)),
        "notes": graphene.String(description="Encrypted on a crisis case."),
        "next_visit_on": Date(),
    }


CaseVisitInput = input_type("CaseVisitInput", "A visit or contact on a case; on a crisis, the first one is the first "
                                              "contact.", **_visit_fields())
HouseholdVisitInput = input_type(
    "HouseholdVisitInput", "A visit to the household itself, e.g. for a verification campaign.",
    **_visit_fields(), campaign_id=graphene.ID(description="A campaign targeting the household, during its period."))

RecordCaseServiceInput = input_type(
    "RecordCaseServiceInput", "A service activity delivered by the station on an open case.",
    expected_version=version_arg(), activity_type=ServiceActivity(required=True), delivered_on=Date(required=True),
    duration_minutes=graphene.Int(required=True), staff_ids=graphene.List(graphene.NonNull(graphene.ID), required=True),
    need_ids=graphene.List(graphene.NonNull(graphene.ID)), notes=graphene.String())

FlagCrisisInput = input_type("FlagCrisisInput",
                             "The case jumps to the top of the queue; first contact within 24 hours.",
                             expected_version=version_arg(),
                             notes=graphene.String(required=True, description="Stored encrypted."))
ResolveCrisisInput = input_type("ResolveCrisisInput", "After the first contact.", expected_version=version_arg(),
                                note=graphene.String(required=True))

ReferralTargetInput = input_type("ReferralTargetInput", "Who the case is referred to.",
                                 kind=ReferralTargetKind(required=True), name=graphene.String(required=True),
                                 resource_id=graphene.ID())
SharingBasisInput = input_type(
    "SharingBasisInput", "A consent covering REFERRAL_SHARING, or a legal basis (STATUTORY_DUTY, VITAL_INTEREST) "
                         "with the reason.",
    kind=SharingBasisKind(required=True), consent_id=graphene.ID(), legal_basis=LegalBasis(), reason=graphene.String())
MakeReferralInput = input_type(
    "MakeReferralInput", "On an open case.",
    expected_version=version_arg(), target=graphene.InputField(ReferralTargetInput, required=True),
    service_requested=graphene.String(required=True), made_on=Date(required=True),
    shares_personal_data=graphene.Boolean(required=True),
    sharing_basis=graphene.InputField(SharingBasisInput, description="Required when personal data is shared."))
AnswerReferralInput = input_type(
    "AnswerReferralInput", "The receiver's answer.",
    expected_version=version_arg(), referral_id=graphene.ID(required=True), status=ReferralAnswer(required=True),
    answered_on=Date(required=True), note=graphene.String(description="Required when declined."))

CampaignCriteriaInput = input_type("CampaignCriteriaInput", "People carrying any of the tags, within the ages.",
                                   tags_any=graphene.List(graphene.NonNull(PersonTag), required=True),
                                   age_min=graphene.Int(), age_max=graphene.Int())
CreateVerificationCampaignInput = input_type(
    "CreateVerificationCampaignInput", "A comprehensive verification (全面核查) of a group in a region.",
    name=graphene.String(required=True), region_code=graphene.String(required=True, description="A 6-digit code."),
    criteria=graphene.InputField(CampaignCriteriaInput, required=True), starts_on=Date(required=True),
    ends_on=Date(required=True))


class RosterColumnInput(graphene.InputObjectType):
    field = RosterField(required=True)
    header = graphene.String(required=True, description="The column header in the agency's file.")


class SaveRosterMappingInput(graphene.InputObjectType):
    source = RosterSource(required=True)
    region = graphene.String(description="The region the mapping is for (default: yours).")
    columns = graphene.List(graphene.NonNull(RosterColumnInput), required=True)
