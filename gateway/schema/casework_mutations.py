"""The casework service's mutations: one for every write of its RPC contract, with input types
mirroring its schemas (services/casework/schemas.py), and payloads.

Errors are reported in the response's top-level `errors`, each with `extensions.code` (see
gateway/errors.py, the one mapping): BAD_USER_INPUT with `extensions.details` {camelCase field path →
reasons} (a wrong ID number or one that disagrees with the birth date, a visit dated in the future,
a referral sharing personal data without consent or a legal basis…); NOT_FOUND (also for anything
outside your scope); CONFLICT (an ID number already registered: one person, one record; a second
open case of the same domain; an impossible transition); RULE_VIOLATION with the reason (a stage
entered without its requirements, a plan or closure approved by its author, a closed case);
FORBIDDEN (evaluators and the public write nothing; supervisors only approve; station staff write
at their own station; a crisis case is the case team's); CONCURRENT_MODIFICATION (re-read and retry
with the new `version`). The mutation's field is then null, and nothing was written.

The input types give clients types and names; casework validates the content (its marshmallow
schemas are the authority). Writes take `expectedVersion`, the household's or case's `version`.
`revealPerson` and `revealCaseNotes` are reads of unmasked data, mutations because each is logged.
"""
from __future__ import annotations

import graphene

from ..errors import camel_case_details
from .base import service_data
from .casework import (
    ApprovalDecision,
    ArchiveVersion,
    Case,
    CaseDomain,
    CaseOutcome,
    CaseSource,
    CaseStage,
    ClosureReason,
    Consent,
    ConsentGiverRelationship,
    ConsentPurpose,
    DisabilityCategory,
    Household,
    HouseholdRelationship,
    LegalBasis,
    NeedSeverity,
    NeedType,
    Person,
    PersonTag,
    Referral,
    ReferralAnswer,
    ReferralTargetKind,
    RemovalReason,
    ServiceActivity,
    ServiceRecord,
    Sex,
    SharingBasisKind,
    VerificationCampaign,
    Visit,
    VisitType,
    loaders,
)
from .registry_mutations import ImportRefusal
from .scalars import Date, DateTime


def _input(type_name: str, doc: str, /, **fields):
    """An input type built from keyword fields (several share their fields)."""
    return type(type_name, (graphene.InputObjectType,), {"__doc__": doc, **fields})


def _version(description: str = "The version you read."):
    return graphene.Int(required=True, description=description)


# --- inputs: households and people -------------------------------------------------------------
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

# --- inputs: needs archive --------------------------------------------------------------------
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

# --- inputs: cases -------------------------------------------------------------------------------
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

# --- inputs: verification campaigns --------------------------------------------------------------
CampaignCriteriaInput = _input("CampaignCriteriaInput", "People carrying any of the tags, within the ages.",
                               tags_any=graphene.List(graphene.NonNull(PersonTag), required=True),
                               age_min=graphene.Int(), age_max=graphene.Int())
CreateVerificationCampaignInput = _input(
    "CreateVerificationCampaignInput", "A comprehensive verification (全面核查) of a group in a region.",
    name=graphene.String(required=True), region_code=graphene.String(required=True, description="A 6-digit code."),
    criteria=graphene.InputField(CampaignCriteriaInput, required=True), starts_on=Date(required=True),
    ends_on=Date(required=True))


# --- payloads -----------------------------------------------------------------------------
class HouseholdPayload(graphene.ObjectType):
    household = graphene.Field(Household, required=True, description="The household after the change.")


class HouseholdMemberPayload(graphene.ObjectType):
    household = graphene.Field(Household, required=True, description="The household after the change.")
    person = graphene.Field(Person, description="The member the change was about.")

    @staticmethod
    def resolve_person(payload, info):
        return payload["find_person"](payload["household"]["members"])


class HouseholdImportPayload(graphene.ObjectType):
    """Row by row: the rows that passed went in, each refused row says which field and why."""
    accepted = graphene.Int(required=True)
    refused = graphene.List(graphene.NonNull(ImportRefusal), required=True,
                            description="Row numbers count from 1; fields as in RegisterHouseholdInput.")
    household_ids = graphene.List(graphene.NonNull(graphene.ID), required=True, description="Of the accepted rows.")
    duplicate_flags = graphene.Int(required=True, description="Likely duplicates flagged for review.")

    @staticmethod
    def resolve_refused(report, info):
        return [{**refusal, "field": next(iter(camel_case_details({refusal["field"]: []})), None)
                 if refusal.get("field") else None} for refusal in report.get("refused") or []]


class ConsentPayload(graphene.ObjectType):
    consent = graphene.Field(Consent, required=True)
    household = graphene.Field(Household, description="The household after the change.")

    @staticmethod
    def resolve_household(payload, info):
        return loaders(info).households.load(payload["household_id"])


class ArchiveVersionPayload(graphene.ObjectType):
    archive_version = graphene.Field(ArchiveVersion, required=True)
    household = graphene.Field(Household, description="The household after the change.")

    @staticmethod
    def resolve_household(payload, info):
        return loaders(info).households.load(payload["archive_version"]["household_id"])


class CasePayload(graphene.ObjectType):
    case = graphene.Field(Case, required=True, description="The case after the change.")


class VisitPayload(graphene.ObjectType):
    visit = graphene.Field(Visit, required=True)
    case = graphene.Field(Case, description="The case after the change (case visits).")
    household = graphene.Field(Household, description="The household after the change (household visits).")

    @staticmethod
    def resolve_case(payload, info):
        case_id = payload["visit"].get("case_id")
        return loaders(info).cases.load(case_id) if case_id else None

    @staticmethod
    def resolve_household(payload, info):
        household_id = payload.get("household_id")
        return loaders(info).households.load(household_id) if household_id else None


class ServiceRecordPayload(graphene.ObjectType):
    service = graphene.Field(ServiceRecord, required=True)
    case = graphene.Field(Case, description="The case after the change.")

    @staticmethod
    def resolve_case(payload, info):
        return loaders(info).cases.load(payload["case_id"])


class ReferralPayload(graphene.ObjectType):
    referral = graphene.Field(Referral, required=True)
    case = graphene.Field(Case, description="The case after the change.")

    @staticmethod
    def resolve_case(payload, info):
        return loaders(info).cases.load(payload["referral"]["case_id"])


class VerificationCampaignPayload(graphene.ObjectType):
    campaign = graphene.Field(VerificationCampaign, required=True)


class DisabilityDetails(graphene.ObjectType):
    category = DisabilityCategory(required=True)
    grade = graphene.Int(required=True)
    certificate_number = graphene.String()


class HealthDetails(graphene.ObjectType):
    conditions = graphene.List(graphene.NonNull(graphene.String), required=True)
    notes = graphene.String()

    @staticmethod
    def resolve_conditions(health, info):
        return health.get("conditions") or []


class RevealedPerson(graphene.ObjectType):
    """Unmasked personal data. Each read is written to the access log (`caseworkAccessLog`) with its reason."""
    person_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    birth_date = Date()
    id_number = graphene.String()
    phone = graphene.String()
    disability = graphene.Field(DisabilityDetails)
    health = graphene.Field(HealthDetails)


class CrisisNote(graphene.ObjectType):
    episode = graphene.Int(required=True)
    notes = graphene.String()


class ProtectedNote(graphene.ObjectType):
    id = graphene.ID(required=True, description="The visit's or service's id.")
    notes = graphene.String()


class RevealedCaseNotes(graphene.ObjectType):
    """A crisis case's protected notes, for its team. Each read is written to the access log with its reason."""
    case_id = graphene.ID(required=True)
    crisis_notes = graphene.List(graphene.NonNull(CrisisNote), required=True)
    visits = graphene.List(graphene.NonNull(ProtectedNote), required=True)
    services = graphene.List(graphene.NonNull(ProtectedNote), required=True)


def _member_with_id(person_id: str):
    return lambda members: next((m for m in members if m["person_id"] == person_id), None)


def _last_member(members: list[dict]):
    """The member just added: casework appends new members at the end."""
    return members[-1] if members else None


# --- mutations ----------------------------------------------------------------------------
class CaseworkMutation(graphene.ObjectType):
    register_household = graphene.Field(HouseholdPayload, input=RegisterHouseholdInput(required=True),
                                        description="Publishes household.registered.")
    import_households = graphene.Field(
        HouseholdImportPayload, rows=graphene.List(graphene.NonNull(RegisterHouseholdInput), required=True),
        description="Up to 2,000 households per call; each row is checked on its own.")
    update_household = graphene.Field(HouseholdPayload, id=graphene.ID(required=True),
                                      input=UpdateHouseholdInput(required=True))
    add_household_member = graphene.Field(HouseholdMemberPayload, household_id=graphene.ID(required=True),
                                          input=AddHouseholdMemberInput(required=True))
    update_household_member = graphene.Field(HouseholdMemberPayload, household_id=graphene.ID(required=True),
                                             person_id=graphene.ID(required=True),
                                             input=UpdateHouseholdMemberInput(required=True))
    remove_household_member = graphene.Field(HouseholdMemberPayload, household_id=graphene.ID(required=True),
                                             person_id=graphene.ID(required=True),
                                             input=RemoveHouseholdMemberInput(required=True))
    record_consent = graphene.Field(ConsentPayload, household_id=graphene.ID(required=True),
                                    input=RecordConsentInput(required=True))
    withdraw_consent = graphene.Field(ConsentPayload, household_id=graphene.ID(required=True),
                                      input=WithdrawConsentInput(required=True))
    merge_persons = graphene.Field(HouseholdPayload, input=MergePersonsInput(required=True),
                                   description="The survivor's household after the merge.")
    dismiss_duplicate_flag = graphene.Field(HouseholdPayload, household_id=graphene.ID(required=True),
                                            input=DismissDuplicateFlagInput(required=True))
    reveal_person = graphene.Field(
        RevealedPerson, household_id=graphene.ID(required=True), person_id=graphene.ID(required=True),
        reason=graphene.String(required=True),
        description="Reveal a person's ID number, phone, health and disability details (their station's staff, "
                    "county staff, administrators; never a crisis-protected person outside the case team). "
                    "A mutation because it is logged.")
    assess_needs = graphene.Field(ArchiveVersionPayload, household_id=graphene.ID(required=True),
                                  input=AssessNeedsInput(required=True),
                                  description="Publishes needs.assessed (volunteer matching).")
    open_case = graphene.Field(CasePayload, input=OpenCaseInput(required=True))
    change_case_stage = graphene.Field(CasePayload, id=graphene.ID(required=True),
                                       input=ChangeCaseStageInput(required=True))
    record_case_assessment = graphene.Field(CasePayload, id=graphene.ID(required=True),
                                            input=CaseAssessmentInput(required=True))
    submit_case_plan = graphene.Field(CasePayload, id=graphene.ID(required=True),
                                      input=SubmitCasePlanInput(required=True))
    decide_case_plan = graphene.Field(CasePayload, id=graphene.ID(required=True),
                                      input=CaseDecisionInput(required=True))
    request_case_closure = graphene.Field(CasePayload, id=graphene.ID(required=True),
                                          input=RequestCaseClosureInput(required=True))
    decide_case_closure = graphene.Field(CasePayload, id=graphene.ID(required=True),
                                         input=CaseDecisionInput(required=True),
                                         description="Approving closes the case.")
    reopen_case = graphene.Field(CasePayload, id=graphene.ID(required=True), input=ReopenCaseInput(required=True))
    reassign_case = graphene.Field(CasePayload, id=graphene.ID(required=True), input=ReassignCaseInput(required=True))
    flag_crisis = graphene.Field(CasePayload, id=graphene.ID(required=True), input=FlagCrisisInput(required=True),
                                 description="From now on the case's identity and notes are its team's only.")
    resolve_crisis = graphene.Field(CasePayload, id=graphene.ID(required=True), input=ResolveCrisisInput(required=True))
    log_case_visit = graphene.Field(VisitPayload, case_id=graphene.ID(required=True),
                                    input=CaseVisitInput(required=True))
    log_household_visit = graphene.Field(VisitPayload, household_id=graphene.ID(required=True),
                                         input=HouseholdVisitInput(required=True))
    record_case_service = graphene.Field(ServiceRecordPayload, case_id=graphene.ID(required=True),
                                         input=RecordCaseServiceInput(required=True))
    make_referral = graphene.Field(ReferralPayload, case_id=graphene.ID(required=True),
                                   input=MakeReferralInput(required=True))
    answer_referral = graphene.Field(ReferralPayload, case_id=graphene.ID(required=True),
                                     input=AnswerReferralInput(required=True))
    reveal_case_notes = graphene.Field(
        RevealedCaseNotes, case_id=graphene.ID(required=True), reason=graphene.String(required=True),
        description="Read a case's protected notes (crisis notes, notes of its visits and services): the case "
                    "team only. A mutation because it is logged.")
    create_verification_campaign = graphene.Field(VerificationCampaignPayload,
                                                  input=CreateVerificationCampaignInput(required=True))

    # households and people
    @staticmethod
    def resolve_register_household(root, info, input):
        return {"household": info.context.casework.register_household(service_data(input))}

    @staticmethod
    def resolve_import_households(root, info, rows):
        return info.context.casework.import_households(service_data(rows))

    @staticmethod
    def resolve_update_household(root, info, id, input):
        return {"household": info.context.casework.update_household(id, service_data(input))}

    @staticmethod
    def resolve_add_household_member(root, info, household_id, input):
        household = info.context.casework.add_member(household_id, service_data(input))
        return {"household": household, "find_person": _last_member}

    @staticmethod
    def resolve_update_household_member(root, info, household_id, person_id, input):
        household = info.context.casework.update_member(household_id, person_id, service_data(input))
        return {"household": household, "find_person": _member_with_id(person_id)}

    @staticmethod
    def resolve_remove_household_member(root, info, household_id, person_id, input):
        household = info.context.casework.remove_member(household_id, person_id, service_data(input))
        return {"household": household, "find_person": lambda members: None}

    @staticmethod
    def resolve_record_consent(root, info, household_id, input):
        consent = info.context.casework.record_consent(household_id, service_data(input))
        return {"consent": consent, "household_id": household_id}

    @staticmethod
    def resolve_withdraw_consent(root, info, household_id, input):
        consent = info.context.casework.withdraw_consent(household_id, service_data(input))
        return {"consent": consent, "household_id": household_id}

    @staticmethod
    def resolve_merge_persons(root, info, input):
        return {"household": info.context.casework.merge_persons(service_data(input))}

    @staticmethod
    def resolve_dismiss_duplicate_flag(root, info, household_id, input):
        return {"household": info.context.casework.dismiss_duplicate_flag(household_id, service_data(input))}

    @staticmethod
    def resolve_reveal_person(root, info, household_id, person_id, reason):
        return info.context.casework.reveal_person(household_id, person_id, reason)

    # needs archive
    @staticmethod
    def resolve_assess_needs(root, info, household_id, input):
        return {"archive_version": info.context.casework.assess_needs(household_id, service_data(input))}

    # cases
    @staticmethod
    def resolve_open_case(root, info, input):
        return {"case": info.context.casework.open_case(service_data(input))}

    @staticmethod
    def resolve_change_case_stage(root, info, id, input):
        return {"case": info.context.casework.change_stage(id, service_data(input))}

    @staticmethod
    def resolve_record_case_assessment(root, info, id, input):
        return {"case": info.context.casework.record_case_assessment(id, service_data(input))}

    @staticmethod
    def resolve_submit_case_plan(root, info, id, input):
        return {"case": info.context.casework.submit_plan(id, service_data(input))}

    @staticmethod
    def resolve_decide_case_plan(root, info, id, input):
        return {"case": info.context.casework.decide_plan(id, service_data(input))}

    @staticmethod
    def resolve_request_case_closure(root, info, id, input):
        return {"case": info.context.casework.request_closure(id, service_data(input))}

    @staticmethod
    def resolve_decide_case_closure(root, info, id, input):
        return {"case": info.context.casework.decide_closure(id, service_data(input))}

    @staticmethod
    def resolve_reopen_case(root, info, id, input):
        return {"case": info.context.casework.reopen_case(id, service_data(input))}

    @staticmethod
    def resolve_reassign_case(root, info, id, input):
        return {"case": info.context.casework.reassign_case(id, service_data(input))}

    @staticmethod
    def resolve_flag_crisis(root, info, id, input):
        return {"case": info.context.casework.flag_crisis(id, service_data(input))}

    @staticmethod
    def resolve_resolve_crisis(root, info, id, input):
        return {"case": info.context.casework.resolve_crisis(id, service_data(input))}

    @staticmethod
    def resolve_log_case_visit(root, info, case_id, input):
        return {"visit": info.context.casework.log_case_visit(case_id, service_data(input))}

    @staticmethod
    def resolve_log_household_visit(root, info, household_id, input):
        return {"visit": info.context.casework.log_household_visit(household_id, service_data(input)),
                "household_id": household_id}

    @staticmethod
    def resolve_record_case_service(root, info, case_id, input):
        return {"service": info.context.casework.record_service(case_id, service_data(input)), "case_id": case_id}

    @staticmethod
    def resolve_make_referral(root, info, case_id, input):
        return {"referral": info.context.casework.make_referral(case_id, service_data(input))}

    @staticmethod
    def resolve_answer_referral(root, info, case_id, input):
        return {"referral": info.context.casework.answer_referral(case_id, service_data(input))}

    @staticmethod
    def resolve_reveal_case_notes(root, info, case_id, reason):
        return info.context.casework.reveal_case_notes(case_id, reason)

    # verification campaigns
    @staticmethod
    def resolve_create_verification_campaign(root, info, input):
        return {"campaign": info.context.casework.create_campaign(service_data(input))}
