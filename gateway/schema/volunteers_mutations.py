"""The volunteers service's mutations: one for every write of its RPC contract, with input types
mirroring its schemas (services/volunteers/schemas.py), and payloads.

Errors are reported in the response's top-level `errors`, each with `extensions.code` (see
gateway/errors.py, the one mapping): BAD_USER_INPUT with `extensions.details` {camelCase field path →
reasons}; NOT_FOUND (also for anything outside your scope); CONFLICT (a person registered twice, hours
already decided, a closed resource); RULE_VIOLATION with the reason (overlapping hours, a distribution
beyond stock or against a donor's earmark (专款专用), a child-related match without a valid background
check, a volunteer at their task limit); FORBIDDEN (evaluators and the public write nothing; station
staff write at their own station); CONCURRENT_MODIFICATION (re-read and retry with the new `version`).
The mutation's field is then null, and nothing was written.

The input types give clients types and names; the volunteers service validates the content.
Writes take `expectedVersion`, the volunteer's, team's, resource's or need's `version`.
`revealVolunteerIdentity` is a read of unmasked data, a mutation because each is logged.
"""
from __future__ import annotations

import graphene

from .base import service_data
from .casework import CaseDomain, NeedSeverity
from .funding import Fen
from .scalars import Date, DateTime
from .volunteers import (
    BackgroundCheckResult,
    CharityDistribution,
    CharityItemCategory,
    CharityQuantity,
    CharityStock,
    CommunityResource,
    DonationKind,
    DonorKind,
    MatchNeed,
    ResourceKind,
    ResourceReviewDecision,
    Volunteer,
    VolunteerCertificateIssued,
    VolunteerCertificateRevoked,
    VolunteerHoursEntry,
    VolunteerIdentity,
    VolunteerSkill,
    VolunteerStatus,
    VolunteerTeam,
    VolunteerTeamStatus,
)


def _input(type_name: str, doc: str, /, **fields):
    return type(type_name, (graphene.InputObjectType,), {"__doc__": doc, **fields})


def _version(description: str = "The version you read."):
    return graphene.Int(required=True, description=description)


def _ids():
    return graphene.List(graphene.NonNull(graphene.ID))


def _strings():
    return graphene.List(graphene.NonNull(graphene.String))


# --- inputs: volunteers -------------------------------------------------------------------------
TimeSlotInput = _input("TimeSlotInput", "Weekday 1 (Monday) to 7 (Sunday); times HH:MM, China time.",
                       weekday=graphene.Int(required=True), start=graphene.String(required=True),
                       end=graphene.String(required=True))

RegisterVolunteerInput = _input(
    "RegisterVolunteerInput", "A volunteer of a station. ID number and phone are stored encrypted, shown masked.",
    station_id=graphene.ID(required=True), name=graphene.String(required=True),
    id_number=graphene.String(required=True, description="18-character resident ID number (checked)."),
    phone=graphene.String(required=True),
    community_code=graphene.String(required=True, description="12 digits: where the volunteer lives."),
    skills=graphene.List(graphene.NonNull(VolunteerSkill), required=True),
    domains=graphene.List(graphene.NonNull(CaseDomain), required=True),
    availability=graphene.List(graphene.NonNull(TimeSlotInput)),
    max_open_tasks=graphene.Int(description="Default 3."))

UpdateVolunteerInput = _input(
    "UpdateVolunteerInput", "Only the fields given change.",
    expected_version=_version(), phone=graphene.String(), community_code=graphene.String(),
    skills=graphene.List(graphene.NonNull(VolunteerSkill)), domains=graphene.List(graphene.NonNull(CaseDomain)),
    availability=graphene.List(graphene.NonNull(TimeSlotInput)), max_open_tasks=graphene.Int(),
    status=VolunteerStatus())

VolunteerTrainingInput = _input(
    "VolunteerTrainingInput", "Training the volunteer attended.",
    expected_version=_version(), date=Date(required=True), topic=graphene.String(required=True),
    hours=graphene.Float(required=True), provider=graphene.String(required=True))

VolunteerCertificationInput = _input(
    "VolunteerCertificationInput", "A qualification the volunteer holds.",
    expected_version=_version(), name=graphene.String(required=True), number=graphene.String(),
    issuer=graphene.String(required=True), issued_on=Date(required=True), valid_until=Date())

BackgroundCheckInput = _input(
    "BackgroundCheckInput", "A criminal-record check (无犯罪记录证明); a passed one needs validUntil.",
    expected_version=_version(), result=BackgroundCheckResult(required=True), checked_on=Date(required=True),
    valid_until=Date(), authority=graphene.String(required=True))

LogVolunteerHoursInput = _input(
    "LogVolunteerHoursInput", "Hours served on one of the volunteer's tasks; refused when they overlap hours "
                              "already logged.",
    need_id=graphene.ID(required=True), task_id=graphene.ID(required=True), started_at=DateTime(required=True),
    ended_at=DateTime(required=True), activity=graphene.String(required=True))

DecideVolunteerHoursInput = _input(
    "DecideVolunteerHoursInput", "Entries to approve or reject (a rejection needs the reason).",
    expected_version=_version("The volunteer's version."), entry_ids=graphene.List(graphene.NonNull(graphene.ID),
                                                                                   required=True),
    reason=graphene.String())

IssueVolunteerCertificateInput = _input(
    "IssueVolunteerCertificateInput", "The period the 志愿服务记录证明 covers (approved hours only).",
    period_from=Date(required=True, name="from"), period_to=Date(required=True, name="to"))

# --- inputs: teams ------------------------------------------------------------------------------
CreateVolunteerTeamInput = _input(
    "CreateVolunteerTeamInput", "A team of the station's volunteers.",
    station_id=graphene.ID(required=True), name=graphene.String(required=True),
    domains=graphene.List(graphene.NonNull(CaseDomain)), leader_id=graphene.ID(required=True), member_ids=_ids())

UpdateVolunteerTeamInput = _input(
    "UpdateVolunteerTeamInput", "Only the fields given change.",
    expected_version=_version(), name=graphene.String(), domains=graphene.List(graphene.NonNull(CaseDomain)),
    leader_id=graphene.ID(), member_ids=_ids(), status=VolunteerTeamStatus())

TeamTrainingInput = _input(
    "TeamTrainingInput", "A training session of the team.",
    expected_version=_version(), date=Date(required=True), topic=graphene.String(required=True),
    hours=graphene.Float(required=True), trainer=graphene.String(required=True),
    attendee_ids=graphene.List(graphene.NonNull(graphene.ID), required=True))

TeamSupervisionInput = _input(
    "TeamSupervisionInput", "A supervision session (督导) of the team.",
    expected_version=_version(), date=Date(required=True), supervisor=graphene.String(required=True),
    notes=graphene.String(required=True), follow_ups=_strings())

# --- inputs: resources --------------------------------------------------------------------------
ResourceEligibilityInput = _input(
    "ResourceEligibilityInput", "Who may use a service.",
    beneficiary_groups=_strings(), min_age=graphene.Int(), max_age=graphene.Int(), notes=graphene.String())

ResourceServiceInput = _input(
    "ResourceServiceInput", "A service the resource offers.",
    name=graphene.String(required=True), domain=CaseDomain(required=True), need_types=_strings(),
    capacity=graphene.Int(required=True), eligibility=graphene.InputField(ResourceEligibilityInput),
    opening_hours=graphene.List(graphene.NonNull(TimeSlotInput)), description=graphene.String())

ResourceContactInput = _input("ResourceContactInput", "Who to call.", name=graphene.String(required=True),
                              phone=graphene.String(required=True), email=graphene.String())

ResourceLocationInput = _input("ResourceLocationInput", "Where it is.", address=graphene.String(required=True),
                               latitude=graphene.Float(), longitude=graphene.Float())

RegisterCommunityResourceInput = _input(
    "RegisterCommunityResourceInput", "An organisation or facility of the resource library; organisations give "
                                      "their 统一社会信用代码.",
    kind=ResourceKind(required=True), name=graphene.String(required=True), credit_code=graphene.String(),
    description=graphene.String(), station_id=graphene.ID(required=True),
    township_code=graphene.String(required=True), community_code=graphene.String(),
    services=graphene.List(graphene.NonNull(ResourceServiceInput), required=True),
    contact=graphene.InputField(ResourceContactInput, required=True),
    location=graphene.InputField(ResourceLocationInput, required=True), reviewed_on=Date(required=True))

UpdateCommunityResourceInput = _input(
    "UpdateCommunityResourceInput", "Only the fields given change.",
    expected_version=_version(), name=graphene.String(), credit_code=graphene.String(),
    description=graphene.String(), services=graphene.List(graphene.NonNull(ResourceServiceInput)),
    contact=graphene.InputField(ResourceContactInput), location=graphene.InputField(ResourceLocationInput))

ReviewCommunityResourceInput = _input(
    "ReviewCommunityResourceInput", "The yearly review: confirmed, updated, or closed.",
    expected_version=_version(), reviewed_on=Date(required=True), outcome=ResourceReviewDecision(required=True),
    notes=graphene.String())

# --- inputs: charity ----------------------------------------------------------------------------
CharityGoodsInput = _input("CharityGoodsInput", "Donated goods.", name=graphene.String(required=True),
                           category=CharityItemCategory(required=True), unit=graphene.String(required=True),
                           quantity=graphene.Int(required=True))

CharityDonorInput = _input("CharityDonorInput", "Who gave; the phone is stored encrypted, shown masked.",
                           kind=DonorKind(required=True), name=graphene.String(), credit_code=graphene.String(),
                           phone=graphene.String())

CharityRestrictionsInput = _input(
    "CharityRestrictionsInput", "The donor's earmark (专款专用): only for these domains, region, groups.",
    domains=graphene.List(graphene.NonNull(CaseDomain)), region_code=graphene.String(),
    beneficiary_groups=_strings())

ReceiveDonationInput = _input(
    "ReceiveDonationInput", "Money (amountFen) or goods, received by a station.",
    station_id=graphene.ID(required=True), kind=DonationKind(required=True), amount_fen=Fen(),
    goods=graphene.InputField(CharityGoodsInput), donor=graphene.InputField(CharityDonorInput, required=True),
    restrictions=graphene.InputField(CharityRestrictionsInput), received_on=Date(required=True),
    notes=graphene.String())

DistributeCharityInput = _input(
    "DistributeCharityInput", "Give from a stock line to a household; refused beyond stock or against an earmark. "
                              "A repeated distributionId returns the first result.",
    stock_id=graphene.ID(required=True), household_id=graphene.ID(required=True), need_id=graphene.ID(),
    domain=CaseDomain(required=True),
    region_code=graphene.String(required=True, description="The household's community (12) or township (9)."),
    beneficiary_groups=_strings(), quantity=CharityQuantity(required=True), distributed_on=Date(required=True),
    distribution_id=graphene.ID(description="An idempotency key."))

# --- inputs: matching ---------------------------------------------------------------------------
RequestMatchingInput = _input(
    "RequestMatchingInput", "A need that did not come from a casework assessment.",
    need_id=graphene.ID(), household_id=graphene.ID(required=True), station_id=graphene.ID(required=True),
    community_code=graphene.String(), domain=CaseDomain(required=True), need_type=graphene.String(required=True),
    severity=NeedSeverity(required=True), description=graphene.String(required=True),
    beneficiary_groups=_strings(), child_related=graphene.Boolean(), needed_by=Date())

AcceptMatchProposalInput = _input(
    "AcceptMatchProposalInput", "The proposal becomes a task; charity proposals need the quantity.",
    expected_version=_version("The need's version."), scheduled_start=DateTime(), scheduled_end=DateTime(),
    quantity=CharityQuantity(), note=graphene.String())

DeclineMatchProposalInput = _input("DeclineMatchProposalInput", "Why not this candidate.",
                                   expected_version=_version("The need's version."),
                                   reason=graphene.String(required=True))

CancelMatchTaskInput = _input("CancelMatchTaskInput", "Why the task is cancelled; the candidate is freed.",
                              expected_version=_version("The need's version."),
                              reason=graphene.String(required=True))

RevokeVolunteerCertificateInput = _input("RevokeVolunteerCertificateInput", "Why the certificate is revoked.",
                                         reason=graphene.String(required=True))

CompleteMatchTaskInput = _input(
    "CompleteMatchTaskInput", "Volunteer tasks give startedAt/endedAt (logged as hours); others deliveredOn.",
    expected_version=_version("The need's version."), started_at=DateTime(), ended_at=DateTime(),
    delivered_on=Date(), hours=graphene.Float(), service_type=graphene.String(), notes=graphene.String())


# --- payloads -----------------------------------------------------------------------------------
class VolunteerPayload(graphene.ObjectType):
    volunteer = graphene.Field(Volunteer, required=True, description="The volunteer after the change.")


class VolunteerHoursPayload(graphene.ObjectType):
    entry = graphene.Field(VolunteerHoursEntry, required=True)


class VolunteerTeamPayload(graphene.ObjectType):
    team = graphene.Field(VolunteerTeam, required=True)


class CommunityResourcePayload(graphene.ObjectType):
    resource = graphene.Field(CommunityResource, required=True)


class DonationPayload(graphene.ObjectType):
    donation_id = graphene.ID(required=True)
    stock = graphene.Field(CharityStock, required=True, description="The stock line after the donation.")


class DistributionPayload(graphene.ObjectType):
    distribution = graphene.Field(CharityDistribution, required=True)
    stock = graphene.Field(CharityStock, required=True, description="The stock line after the distribution.")


class MatchNeedPayload(graphene.ObjectType):
    need = graphene.Field(MatchNeed, required=True, description="The need after the change.")


class VolunteersMutation(graphene.ObjectType):
    register_volunteer = graphene.Field(VolunteerPayload, input=RegisterVolunteerInput(required=True))
    update_volunteer = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                      input=UpdateVolunteerInput(required=True))
    record_volunteer_training = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                               input=VolunteerTrainingInput(required=True))
    record_volunteer_certification = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                                    input=VolunteerCertificationInput(required=True))
    record_background_check = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                             input=BackgroundCheckInput(required=True))
    reveal_volunteer_identity = graphene.Field(
        VolunteerIdentity, id=graphene.ID(required=True), reason=graphene.String(required=True),
        description="A volunteer's ID number and phone, unmasked, to roles allowed (logged: volunteersAccessLog).")
    log_volunteer_hours = graphene.Field(VolunteerHoursPayload, volunteer_id=graphene.ID(required=True),
                                         input=LogVolunteerHoursInput(required=True))
    approve_volunteer_hours = graphene.Field(VolunteerPayload, volunteer_id=graphene.ID(required=True),
                                             input=DecideVolunteerHoursInput(required=True))
    reject_volunteer_hours = graphene.Field(VolunteerPayload, volunteer_id=graphene.ID(required=True),
                                            input=DecideVolunteerHoursInput(required=True))
    issue_volunteer_certificate = graphene.Field(VolunteerCertificateIssued, volunteer_id=graphene.ID(required=True),
                                                 input=IssueVolunteerCertificateInput(required=True))
    revoke_volunteer_certificate = graphene.Field(
        VolunteerCertificateRevoked, certificate_id=graphene.ID(required=True),
        input=RevokeVolunteerCertificateInput(required=True),
        description="Revoke a 志愿服务记录证明; verifying it then says it was revoked. Publishes certificate.revoked.")
    create_volunteer_team = graphene.Field(VolunteerTeamPayload, input=CreateVolunteerTeamInput(required=True))
    update_volunteer_team = graphene.Field(VolunteerTeamPayload, id=graphene.ID(required=True),
                                           input=UpdateVolunteerTeamInput(required=True))
    record_team_training = graphene.Field(VolunteerTeamPayload, id=graphene.ID(required=True),
                                          input=TeamTrainingInput(required=True))
    record_team_supervision = graphene.Field(VolunteerTeamPayload, id=graphene.ID(required=True),
                                             input=TeamSupervisionInput(required=True))
    register_community_resource = graphene.Field(CommunityResourcePayload,
                                                 input=RegisterCommunityResourceInput(required=True))
    update_community_resource = graphene.Field(CommunityResourcePayload, id=graphene.ID(required=True),
                                               input=UpdateCommunityResourceInput(required=True))
    review_community_resource = graphene.Field(CommunityResourcePayload, id=graphene.ID(required=True),
                                               input=ReviewCommunityResourceInput(required=True))
    receive_donation = graphene.Field(DonationPayload, input=ReceiveDonationInput(required=True))
    distribute_charity = graphene.Field(DistributionPayload, input=DistributeCharityInput(required=True))
    request_matching = graphene.Field(MatchNeedPayload, input=RequestMatchingInput(required=True))
    rematch_need = graphene.Field(MatchNeedPayload, id=graphene.ID(required=True),
                                  expected_version=_version("The need's version."),
                                  description="Match again; never duplicates a proposal.")
    accept_match_proposal = graphene.Field(MatchNeedPayload, need_id=graphene.ID(required=True),
                                           proposal_id=graphene.ID(required=True),
                                           input=AcceptMatchProposalInput(required=True))
    decline_match_proposal = graphene.Field(MatchNeedPayload, need_id=graphene.ID(required=True),
                                            proposal_id=graphene.ID(required=True),
                                            input=DeclineMatchProposalInput(required=True))
    cancel_match_task = graphene.Field(
        MatchNeedPayload, need_id=graphene.ID(required=True), task_id=graphene.ID(required=True),
        input=CancelMatchTaskInput(required=True),
        description="Cancel an open task: the need returns to matching, the candidate is released. "
                    "Publishes task.cancelled.")
    complete_match_task = graphene.Field(MatchNeedPayload, need_id=graphene.ID(required=True),
                                         task_id=graphene.ID(required=True),
                                         input=CompleteMatchTaskInput(required=True),
                                         description="Publishes service.delivered (and logs a volunteer's hours).")

    # volunteers and hours
    @staticmethod
    def resolve_register_volunteer(root, info, input):
        return {"volunteer": info.context.volunteers.register_volunteer(service_data(input))}

    @staticmethod
    def resolve_update_volunteer(root, info, id, input):
        return {"volunteer": info.context.volunteers.update_volunteer(id, service_data(input))}

    @staticmethod
    def resolve_record_volunteer_training(root, info, id, input):
        return {"volunteer": info.context.volunteers.record_volunteer_training(id, service_data(input))}

    @staticmethod
    def resolve_record_volunteer_certification(root, info, id, input):
        return {"volunteer": info.context.volunteers.record_volunteer_certificate(id, service_data(input))}

    @staticmethod
    def resolve_record_background_check(root, info, id, input):
        return {"volunteer": info.context.volunteers.record_background_check(id, service_data(input))}

    @staticmethod
    def resolve_reveal_volunteer_identity(root, info, id, reason):
        return info.context.volunteers.reveal_volunteer_identity(id, reason)

    @staticmethod
    def resolve_log_volunteer_hours(root, info, volunteer_id, input):
        return {"entry": info.context.volunteers.log_hours(volunteer_id, service_data(input))}

    @staticmethod
    def resolve_approve_volunteer_hours(root, info, volunteer_id, input):
        return {"volunteer": info.context.volunteers.approve_hours(volunteer_id, service_data(input))}

    @staticmethod
    def resolve_reject_volunteer_hours(root, info, volunteer_id, input):
        return {"volunteer": info.context.volunteers.reject_hours(volunteer_id, service_data(input))}

    @staticmethod
    def resolve_issue_volunteer_certificate(root, info, volunteer_id, input):
        period = service_data(input)
        return info.context.volunteers.issue_certificate(volunteer_id, {"from": period["period_from"],
                                                                        "to": period["period_to"]})

    @staticmethod
    def resolve_revoke_volunteer_certificate(root, info, certificate_id, input):
        return info.context.volunteers.revoke_certificate(certificate_id, service_data(input))

    # teams
    @staticmethod
    def resolve_create_volunteer_team(root, info, input):
        return {"team": info.context.volunteers.create_team(service_data(input))}

    @staticmethod
    def resolve_update_volunteer_team(root, info, id, input):
        return {"team": info.context.volunteers.update_team(id, service_data(input))}

    @staticmethod
    def resolve_record_team_training(root, info, id, input):
        return {"team": info.context.volunteers.record_team_training(id, service_data(input))}

    @staticmethod
    def resolve_record_team_supervision(root, info, id, input):
        return {"team": info.context.volunteers.record_supervision(id, service_data(input))}

    # resources
    @staticmethod
    def resolve_register_community_resource(root, info, input):
        return {"resource": info.context.volunteers.register_resource(service_data(input))}

    @staticmethod
    def resolve_update_community_resource(root, info, id, input):
        return {"resource": info.context.volunteers.update_resource(id, service_data(input))}

    @staticmethod
    def resolve_review_community_resource(root, info, id, input):
        return {"resource": info.context.volunteers.review_resource(id, service_data(input))}

    # charity
    @staticmethod
    def resolve_receive_donation(root, info, input):
        return info.context.volunteers.receive_donation(service_data(input))

    @staticmethod
    def resolve_distribute_charity(root, info, input):
        return info.context.volunteers.distribute(service_data(input))

    # matching
    @staticmethod
    def resolve_request_matching(root, info, input):
        return {"need": info.context.volunteers.request_matching(service_data(input))}

    @staticmethod
    def resolve_rematch_need(root, info, id, expected_version):
        return {"need": info.context.volunteers.rematch_need(id, {"expected_version": expected_version})}

    @staticmethod
    def resolve_accept_match_proposal(root, info, need_id, proposal_id, input):
        return {"need": info.context.volunteers.accept_proposal(need_id, proposal_id, service_data(input))}

    @staticmethod
    def resolve_decline_match_proposal(root, info, need_id, proposal_id, input):
        return {"need": info.context.volunteers.decline_proposal(need_id, proposal_id, service_data(input))}

    @staticmethod
    def resolve_cancel_match_task(root, info, need_id, task_id, input):
        return {"need": info.context.volunteers.cancel_task(need_id, task_id, service_data(input))}

    @staticmethod
    def resolve_complete_match_task(root, info, need_id, task_id, input):
        return {"need": info.context.volunteers.complete_task(need_id, task_id, service_data(input))}
