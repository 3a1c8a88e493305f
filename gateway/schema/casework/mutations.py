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

from gateway.errors import camel_case_details
from gateway.loaders import loader
from gateway.schema.base import service_data
from gateway.schema.casework.enums import DisabilityCategory
from gateway.schema.casework.inputs import (
    AddHouseholdMemberInput,
    AnswerReferralInput,
    AssessNeedsInput,
    CaseAssessmentInput,
    CaseDecisionInput,
    CaseVisitInput,
    ChangeCaseStageInput,
    CreateVerificationCampaignInput,
    DismissDuplicateFlagInput,
    FlagCrisisInput,
    HouseholdVisitInput,
    MakeReferralInput,
    MergePersonsInput,
    OpenCaseInput,
    ReassignCaseInput,
    RecordCaseServiceInput,
    RecordConsentInput,
    RegisterHouseholdInput,
    RemoveHouseholdMemberInput,
    ReopenCaseInput,
    RequestCaseClosureInput,
    ResolveCrisisInput,
    SaveRosterMappingInput,
    SubmitCasePlanInput,
    UpdateHouseholdInput,
    UpdateHouseholdMemberInput,
    WithdrawConsentInput,
)
from gateway.schema.casework.types.campaigns import VerificationCampaign
from gateway.schema.casework.types.cases import Case, Referral, ServiceRecord, Visit
from gateway.schema.casework.types.households import ArchiveVersion, Consent, Household, Person
from gateway.schema.casework.types.rosters import RosterMapping
from gateway.schema.registry.mutations import ImportRefusal
from gateway.schema.scalars import Date


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
        return loader(info, "casework.households").load(payload["household_id"])


class ArchiveVersionPayload(graphene.ObjectType):
    archive_version = graphene.Field(ArchiveVersion, required=True)
    household = graphene.Field(Household, description="The household after the change.")

    @staticmethod
    def resolve_household(payload, info):
        return loader(info, "casework.households").load(payload["archive_version"]["household_id"])


class CasePayload(graphene.ObjectType):
    case = graphene.Field(Case, required=True, description="The case after the change.")


class VisitPayload(graphene.ObjectType):
    visit = graphene.Field(Visit, required=True)
    case = graphene.Field(Case, description="The case after the change (case visits).")
    household = graphene.Field(Household, description="The household after the change (household visits).")

    @staticmethod
    def resolve_case(payload, info):
        case_id = payload["visit"].get("case_id")
        return loader(info, "casework.cases").load(case_id) if case_id else None

    @staticmethod
    def resolve_household(payload, info):
        household_id = payload.get("household_id")
        return loader(info, "casework.households").load(household_id) if household_id else None


class ServiceRecordPayload(graphene.ObjectType):
    service = graphene.Field(ServiceRecord, required=True)
    case = graphene.Field(Case, description="The case after the change.")

    @staticmethod
    def resolve_case(payload, info):
        return loader(info, "casework.cases").load(payload["case_id"])


class ReferralPayload(graphene.ObjectType):
    referral = graphene.Field(Referral, required=True)
    case = graphene.Field(Case, description="The case after the change.")

    @staticmethod
    def resolve_case(payload, info):
        return loader(info, "casework.cases").load(payload["referral"]["case_id"])


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


class RosterMappingPayload(graphene.ObjectType):
    mapping = graphene.Field(RosterMapping, required=True, description="The mapping now in force.")


class CaseworkMutation(graphene.ObjectType):
    save_roster_mapping = graphene.Field(RosterMappingPayload, input=SaveRosterMappingInput(required=True),
                                         description="Save the column mapping of a roster source for your region.")
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
        return {"household": info.context.service("casework").register_household(service_data(input))}

    @staticmethod
    def resolve_import_households(root, info, rows):
        return info.context.service("casework").import_households(service_data(rows))

    @staticmethod
    def resolve_update_household(root, info, id, input):
        return {"household": info.context.service("casework").update_household(id, service_data(input))}

    @staticmethod
    def resolve_add_household_member(root, info, household_id, input):
        household = info.context.service("casework").add_member(household_id, service_data(input))
        return {"household": household, "find_person": _last_member}

    @staticmethod
    def resolve_update_household_member(root, info, household_id, person_id, input):
        household = info.context.service("casework").update_member(household_id, person_id, service_data(input))
        return {"household": household, "find_person": _member_with_id(person_id)}

    @staticmethod
    def resolve_remove_household_member(root, info, household_id, person_id, input):
        household = info.context.service("casework").remove_member(household_id, person_id, service_data(input))
        return {"household": household, "find_person": lambda members: None}

    @staticmethod
    def resolve_record_consent(root, info, household_id, input):
        consent = info.context.service("casework").record_consent(household_id, service_data(input))
        return {"consent": consent, "household_id": household_id}

    @staticmethod
    def resolve_withdraw_consent(root, info, household_id, input):
        consent = info.context.service("casework").withdraw_consent(household_id, service_data(input))
        return {"consent": consent, "household_id": household_id}

    @staticmethod
    def resolve_merge_persons(root, info, input):
        return {"household": info.context.service("casework").merge_persons(service_data(input))}

    @staticmethod
    def resolve_save_roster_mapping(root, info, input):
        return {"mapping": info.context.service("casework").save_roster_mapping(service_data(input))}

    @staticmethod
    def resolve_dismiss_duplicate_flag(root, info, household_id, input):
        return {"household": info.context.service("casework").dismiss_duplicate_flag(household_id, service_data(input))}

    @staticmethod
    def resolve_reveal_person(root, info, household_id, person_id, reason):
        return info.context.service("casework").reveal_person(household_id, person_id, reason)

    # needs archive
    @staticmethod
    def resolve_assess_needs(root, info, household_id, input):
        return {"archive_version": info.context.service("casework").assess_needs(household_id, service_data(input))}

    # cases
    @staticmethod
    def resolve_open_case(root, info, input):
        return {"case": info.context.service("casework").open_case(service_data(input))}

    @staticmethod
    def resolve_change_case_stage(root, info, id, input):
        return {"case": info.context.service("casework").change_stage(id, service_data(input))}

    @staticmethod
    def resolve_record_case_assessment(root, info, id, input):
        return {"case": info.context.service("casework").record_case_assessment(id, service_data(input))}

    @staticmethod
    def resolve_submit_case_plan(root, info, id, input):
        return {"case": info.context.service("casework").submit_plan(id, service_data(input))}

    @staticmethod
    def resolve_decide_case_plan(root, info, id, input):
        return {"case": info.context.service("casework").decide_plan(id, service_data(input))}

    @staticmethod
    def resolve_request_case_closure(root, info, id, input):
        return {"case": info.context.service("casework").request_closure(id, service_data(input))}

    @staticmethod
    def resolve_decide_case_closure(root, info, id, input):
        return {"case": info.context.service("casework").decide_closure(id, service_data(input))}

    @staticmethod
    def resolve_reopen_case(root, info, id, input):
        return {"case": info.context.service("casework").reopen_case(id, service_data(input))}

    @staticmethod
    def resolve_reassign_case(root, info, id, input):
        return {"case": info.context.service("casework").reassign_case(id, service_data(input))}

    @staticmethod
    def resolve_flag_crisis(root, info, id, input):
        return {"case": info.context.service("casework").flag_crisis(id, service_data(input))}

    @staticmethod
    def resolve_resolve_crisis(root, info, id, input):
        return {"case": info.context.service("casework").resolve_crisis(id, service_data(input))}

    @staticmethod
    def resolve_log_case_visit(root, info, case_id, input):
        return {"visit": info.context.service("casework").log_case_visit(case_id, service_data(input))}

    @staticmethod
    def resolve_log_household_visit(root, info, household_id, input):
        return {"visit": info.context.service("casework").log_household_visit(household_id, service_data(input)),
                "household_id": household_id}

    @staticmethod
    def resolve_record_case_service(root, info, case_id, input):
        service = info.context.service("casework").record_service(case_id, service_data(input))
        return {"service": service, "case_id": case_id}

    @staticmethod
    def resolve_make_referral(root, info, case_id, input):
        return {"referral": info.context.service("casework").make_referral(case_id, service_data(input))}

    @staticmethod
    def resolve_answer_referral(root, info, case_id, input):
        return {"referral": info.context.service("casework").answer_referral(case_id, service_data(input))}

    @staticmethod
    def resolve_reveal_case_notes(root, info, case_id, reason):
        return info.context.service("casework").reveal_case_notes(case_id, reason)

    # verification campaigns
    @staticmethod
    def resolve_create_verification_campaign(root, info, input):
        return {"campaign": info.context.service("casework").create_campaign(service_data(input))}
