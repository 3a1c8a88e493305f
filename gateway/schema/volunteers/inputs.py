"""The volunteers service's input types, mirroring its schemas (services/volunteers/schemas.py)."""
from __future__ import annotations

import graphene

from gateway.schema.base import input_type, version_arg
from gateway.schema.casework.enums import CaseDomain, NeedSeverity
from gateway.schema.funding.money import Fen
from gateway.schema.scalars import Date, DateTime
from gateway.schema.volunteers.enums import (
    BackgroundCheckResult,
    CharityItemCategory,
    DonationKind,
    DonorKind,
    ResourceKind,
    ResourceReviewDecision,
    VolunteerSkill,
    VolunteerStatus,
    VolunteerTeamStatus,
)
from gateway.schema.volunteers.types.common import CharityQuantity


def _ids():
    return graphene.List(graphene.NonNull(graphene.ID))


def _strings():
    return graphene.List(graphene.NonNull(graphene.String))


TimeSlotInput = input_type("TimeSlotInput", "Weekday 1 (Monday) to 7 (Sunday); times HH:MM, China time.",
                           weekday=graphene.Int(required=True), start=graphene.String(required=True),
                           end=graphene.String(required=True))

RegisterVolunteerInput = input_type(
    "RegisterVolunteerInput", "A volunteer of a station. ID number and phone are stored encrypted, shown masked.",
    station_id=graphene.ID(required=True), name=graphene.String(required=True),
    id_number=graphene.String(required=True, description="18-character resident ID number (checked)."),
    phone=graphene.String(required=True),
    community_code=graphene.String(required=True, description="12 digits: where the volunteer lives."),
    skills=graphene.List(graphene.NonNull(VolunteerSkill), required=True),
    domains=graphene.List(graphene.NonNull(CaseDomain), required=True),
    availability=graphene.List(graphene.NonNull(TimeSlotInput)),
    max_open_tasks=graphene.Int(description="Default 3."))

UpdateVolunteerInput = input_type(
    "UpdateVolunteerInput", "Only the fields given change.",
    expected_version=version_arg(), phone=graphene.String(), community_code=graphene.String(),
    skills=graphene.List(graphene.NonNull(VolunteerSkill)), domains=graphene.List(graphene.NonNull(CaseDomain)),
    availability=graphene.List(graphene.NonNull(TimeSlotInput)), max_open_tasks=graphene.Int(),
    status=VolunteerStatus())

VolunteerTrainingInput = input_type(
    "VolunteerTrainingInput", "Training the volunteer attended.",
    expected_version=version_arg(), date=Date(required=True), topic=graphene.String(required=True),
    hours=graphene.Float(required=True), provider=graphene.String(required=True))

VolunteerCertificationInput = input_type(
    "VolunteerCertificationInput", "A qualification the volunteer holds.",
    expected_version=version_arg(), name=graphene.String(required=True), number=graphene.String(),
    issuer=graphene.String(required=True), issued_on=Date(required=True), valid_until=Date())

BackgroundCheckInput = input_type(
    "BackgroundCheckInput", "A criminal-record check (无犯罪记录证明); a passed one needs validUntil.",
    expected_version=version_arg(), result=BackgroundCheckResult(required=True), checked_on=Date(required=True),
    valid_until=Date(), authority=graphene.String(required=True))

LogVolunteerHoursInput = input_type(
    "LogVolunteerHoursInput", "Hours served on one of the volunteer's tasks; refused when they overlap hours "
                              "already logged.",
    need_id=graphene.ID(required=True), task_id=graphene.ID(required=True), started_at=DateTime(required=True),
    ended_at=DateTime(required=True), activity=graphene.String(required=True))

DecideVolunteerHoursInput = input_type(
    "DecideVolunteerHoursInput", "Entries to approve or reject (a rejection needs the reason).",
    expected_version=version_arg("The volunteer's version."), entry_ids=graphene.List(graphene.NonNull(graphene.ID),
                                                                                      required=True),
    reason=graphene.String())

IssueVolunteerCertificateInput = input_type(
    "IssueVolunteerCertificateInput", "The period the 志愿服务记录证明 covers (approved hours only).",
    period_from=Date(required=True, name="from"), period_to=Date(required=True, name="to"))

CreateVolunteerTeamInput = input_type(
    "CreateVolunteerTeamInput", "A team of the station's volunteers.",
    station_id=graphene.ID(required=True), name=graphene.String(required=True),
    domains=graphene.List(graphene.NonNull(CaseDomain)), leader_id=graphene.ID(required=True), member_ids=_ids())

UpdateVolunteerTeamInput = input_type(
    "UpdateVolunteerTeamInput", "Only the fields given change.",
    expected_version=version_arg(), name=graphene.String(), domains=graphene.List(graphene.NonNull(CaseDomain)),
    leader_id=graphene.ID(), member_ids=_ids(), status=VolunteerTeamStatus())

TeamTrainingInput = input_type(
    "TeamTrainingInput", "A training session of the team.",
    expected_version=version_arg(), date=Date(required=True), topic=graphene.String(required=True),
    hours=graphene.Float(required=True), trainer=graphene.String(required=True),
    attendee_ids=graphene.List(graphene.NonNull(graphene.ID), required=True))

TeamSupervisionInput = input_type(
    "TeamSupervisionInput", "A supervision session (督导) of the team.",
    expected_version=version_arg(), date=Date(required=True), supervisor=graphene.String(required=True),
    notes=graphene.String(required=True), follow_ups=_strings())

ResourceEligibilityInput = input_type(
    "ResourceEligibilityInput", "Who may use a service.",
    beneficiary_groups=_strings(), min_age=graphene.Int(), max_age=graphene.Int(), notes=graphene.String())

ResourceServiceInput = input_type(
    "ResourceServiceInput", "A service the resource offers.",
    name=graphene.String(required=True), domain=CaseDomain(required=True), need_types=_strings(),
    capacity=graphene.Int(required=True), eligibility=graphene.InputField(ResourceEligibilityInput),
    opening_hours=graphene.List(graphene.NonNull(TimeSlotInput)), description=graphene.String())

ResourceContactInput = input_type("ResourceContactInput", "Who to call.", name=graphene.String(required=True),
                                  phone=graphene.String(required=True), email=graphene.String())

ResourceLocationInput = input_type("ResourceLocationInput", "Where it is.", address=graphene.String(required=True),
                                   latitude=graphene.Float(), longitude=graphene.Float())

RegisterCommunityResourceInput = input_type(
    "RegisterCommunityResourceInput", "An organisation or facility of the resource library; organisations give "
                                      "their 统一社会信用代码.",
    kind=ResourceKind(required=True), name=graphene.String(required=True), credit_code=graphene.String(),
    description=graphene.String(), station_id=graphene.ID(required=True),
    township_code=graphene.String(required=True), community_code=graphene.String(),
    services=graphene.List(graphene.NonNull(ResourceServiceInput), required=True),
    contact=graphene.InputField(ResourceContactInput, required=True),
    location=graphene.InputField(ResourceLocationInput, required=True), reviewed_on=Date(required=True))

UpdateCommunityResourceInput = input_type(
    "UpdateCommunityResourceInput", "Only the fields given change.",
    expected_version=version_arg(), name=graphene.String(), credit_code=graphene.String(),
    description=graphene.String(), services=graphene.List(graphene.NonNull(ResourceServiceInput)),
    contact=graphene.InputField(ResourceContactInput), location=graphene.InputField(ResourceLocationInput))

ReviewCommunityResourceInput = input_type(
    "ReviewCommunityResourceInput", "The yearly review: confirmed, updated, or closed.",
    expected_version=version_arg(), reviewed_on=Date(required=True), outcome=ResourceReviewDecision(required=True),
    notes=graphene.String())

CharityGoodsInput = input_type("CharityGoodsInput", "Donated goods.", name=graphene.String(required=True),
                               category=CharityItemCategory(required=True), unit=graphene.String(required=True),
                               quantity=graphene.Int(required=True))

CharityDonorInput = input_type("CharityDonorInput", "Who gave; the phone is stored encrypted, shown masked.",
                               kind=DonorKind(required=True), name=graphene.String(), credit_code=graphene.String(),
                               phone=graphene.String())

CharityRestrictionsInput = input_type(
    "CharityRestrictionsInput", "The donor's earmark (专款专用): only for these domains, region, groups.",
    domains=graphene.List(graphene.NonNull(CaseDomain)), region_code=graphene.String(),
    beneficiary_groups=_strings())

ReceiveDonationInput = input_type(
    "ReceiveDonationInput", "Money (amountFen) or goods, received by a station.",
    station_id=graphene.ID(required=True), kind=DonationKind(required=True), amount_fen=Fen(),
    goods=graphene.InputField(CharityGoodsInput), donor=graphene.InputField(CharityDonorInput, required=True),
    restrictions=graphene.InputField(CharityRestrictionsInput), received_on=Date(required=True),
    notes=graphene.String())

DistributeCharityInput = input_type(
    "DistributeCharityInput", "Give from a stock line to a household; refused beyond stock or against an earmark. "
                              "A repeated distributionId returns the first result.",
    stock_id=graphene.ID(required=True), household_id=graphene.ID(required=True), need_id=graphene.ID(),
    domain=CaseDomain(required=True),
    region_code=graphene.String(required=True, description="The household's community (12) or township (9)."),
    beneficiary_groups=_strings(), quantity=CharityQuantity(required=True), distributed_on=Date(required=True),
    distribution_id=graphene.ID(description="An idempotency key."))

RequestMatchingInput = input_type(
    "RequestMatchingInput", "A need that did not come from a casework assessment.",
    need_id=graphene.ID(), household_id=graphene.ID(required=True), station_id=graphene.ID(required=True),
    community_code=graphene.String(), domain=CaseDomain(required=True), need_type=graphene.String(required=True),
    severity=NeedSeverity(required=True), description=graphene.String(required=True),
    beneficiary_groups=_strings(), child_related=graphene.Boolean(), needed_by=Date())

AcceptMatchProposalInput = input_type(
    "AcceptMatchProposalInput", "The proposal becomes a task; charity proposals need the quantity.",
    expected_version=version_arg("The need's version."), scheduled_start=DateTime(), scheduled_end=DateTime(),
    quantity=CharityQuantity(), note=graphene.String())

DeclineMatchProposalInput = input_type("DeclineMatchProposalInput", "Why not this candidate.",
                                       expected_version=version_arg("The need's version."),
                                       reason=graphene.String(required=True))

CancelMatchTaskInput = input_type("CancelMatchTaskInput", "Why the task is cancelled; the candidate is freed.",
                                  expected_version=version_arg("The need's version."),
                                  reason=graphene.String(required=True))

RevokeVolunteerCertificateInput = input_type("RevokeVolunteerCertificateInput", "Why the certificate is revoked.",
                                             reason=graphene.String(required=True))

CompleteMatchTaskInput = input_type(
    "CompleteMatchTaskInput", "Volunteer tasks give startedAt/endedAt (logged as hours); others deliveredOn.",
    expected_version=version_arg("The need's version."), started_at=DateTime(), ended_at=DateTime(),
    delivered_on=Date(), hours=graphene.Float(), service_type=graphene.String(), notes=graphene.String())
