"""The volunteers service's input types, mirroring its schemas (services/volunteers/schemas.py)."""
from __future__ import annotations

import graphene

from gateway.schema.scalars import Date, DateTime

from ..casework.enums import CaseDomain, NeedSeverity
from ..funding.money import Fen
from .enums import (
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
from .types.common import CharityQuantity


def _input(type_name: str, doc: str, /, **fields):
    return type(type_name, (graphene.InputObjectType,), {"__doc__": doc, **fields})


def _version(description: str = "The version you read."):
    return graphene.Int(required=True, description=description)


def _ids():
    return graphene.List(graphene.NonNull(graphene.ID))


def _strings():
    return graphene.List(graphene.NonNull(graphene.String))


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
