"""The volunteers service's part of the schema: volunteers and their hours (志愿服务记录), teams, the
community resource library, charity donations and stock, and needs matching (供需对接: needs, their
ranked proposals and the tasks accepted proposals become), with the unmet-needs roll-up.

Every field is resolved from the volunteers service's RPC answers (the contract is the docstring of
services/volunteers/service.py); the viewer goes with every call and the service decides what that
viewer may see: out-of-scope records are null or missing from lists, exactly like unknown ones.
Volunteers' ID numbers and phones arrive masked (evaluators see names masked too), donors' phones
masked; `revealVolunteerIdentity` unmasks, logged. The public reads the active resource directory
and verifies certificates (`verifyVolunteerCertificate`), nothing else.

Fields that need another call (a volunteer's hours, teams and tasks; a team's leader and members; a
proposal's or task's candidate; a need's household; a household's distributions; the registry's
stations) go through the request's DataLoaders (`VolunteersLoaders`), so a list costs one call per
kind of data, not one per item. Those fields are nullable.
"""
from __future__ import annotations

import graphene
from graphql import GraphQLError, IntValueNode, print_ast

from services.contracts.vocabulary import DOMAINS
from services.volunteers import domain as vdomain
from services.volunteers import matching

from ..loaders import gather, then
from .base import DEFAULT_PAGE_SIZE, given
from .base import at_most as _at_most
from .base import listed as _listed
from .base import page_args as _page_args
from .casework import CaseDomain, Household, NeedSeverity, _first_arg, _page_type
from .funding import MAX_SAFE_FEN
from .registry import Station
from .scalars import JSON, Date, DateTime

assert set(DOMAINS) == {d.value for d in CaseDomain._meta.enum}  # the same domains as casework's

# Usual lengths of lists that take no page argument, for the query cost estimate (guards.py).
# The HSDS directory is every public station's services in one JSON value (hundreds of KiB):
# thirty aliases of it once answered 12.7 MB to an anonymous caller.
# Every other JSON value and list of leaves costs about one per value it can hold.
LEAF_COSTS = {
    "Query.resourceDirectory": 500, "Query.volunteerCatalogue": 20,
    "Query.resourceReviewsOverdue": 500,  # every overdue resource of a region, by station
    "UnmetReason.refusals": 20, "MatchProposal.detail": 10, "VolunteerCertificateIssued.content": 20,
    "Volunteer.skills": 20, "Volunteer.domains": 6, "VolunteerTeam.domains": 6, "CommunityResource.domains": 6,
    "CharityRestrictions.domains": 6,  # at most one of each value
    "VolunteerTeam.memberIds": 500, "TeamTrainingSession.attendeeIds": 500, "TeamSupervisionRecord.followUps": 200,
    "ResourceService.needTypes": 40, "ResourceEligibility.beneficiaryGroups": 20,
    "CharityRestrictions.beneficiaryGroups": 20, "MatchNeed.beneficiaryGroups": 20, "MatchProposal.reasons": 10,
    "VolunteersAccessEntry.fields": 20,
}

LIST_SIZES = {
    "Query.charityDistributions": 50,  # what one household received
    "Volunteer.availability": 5,
    "Volunteer.training": 3,
    "Volunteer.certificates": 2,
    "Volunteer.hours": 10,
    "Volunteer.teams": 2,
    "Volunteer.tasks": 3,
    "VolunteerTeam.members": 10,
    "VolunteerTeam.trainingSessions": 3,
    "VolunteerTeam.supervisionRecords": 3,
    "CommunityResource.services": 3,
    "CommunityResource.reviews": 2,
    "ResourceService.openingHours": 5,
    "CharityStock.lots": 5,
    "CharityStock.donations": 5,
    "CharityDistribution.lots": 2,
    "MatchNeed.proposals": 5,
    "MatchNeed.tasks": 2,
    "MatchNeed.distributions": 2,
    "UnmetNeedsRollup.byRegion": 20,
    "UnmetNeedsRollup.byDomain": 10,
    "UnmetNeedsRollup.byNeedType": 10,
}


def loaders(info):
    return info.context.volunteers_loaders


def _station(info, station_id):
    return info.context.registry_loaders.stations.load(station_id) if station_id else None


class CharityQuantity(graphene.Scalar):
    """A quantity of a charity stock line in its unit, as a JSON integer: pieces, bags... and, for money,
    fen (so it is exact up to 2^53 − 1, beyond GraphQL's 32-bit Int)."""

    @staticmethod
    def serialize(value):
        return _whole_quantity(value, f"CharityQuantity cannot represent {value!r}")

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, IntValueNode):
            raise GraphQLError(f"a quantity is a whole number, got {print_ast(node)}")
        return cls.parse_value(int(node.value))

    @staticmethod
    def parse_value(value):
        return _whole_quantity(value, f"a quantity is a whole number, got {value!r}")


def _whole_quantity(value, problem: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(problem)
    if abs(value) > MAX_SAFE_FEN:
        raise GraphQLError(f"{value} is beyond the exact range of a JSON number (±{MAX_SAFE_FEN})")
    return value


def _enum(name: str, values, description: str | None = None):
    return graphene.Enum(name, [(v.upper(), v) for v in values], description=description)


# --- enums (values as the volunteers service spells them) ---------------------------------------
VolunteerSkill = _enum("VolunteerSkill", matching.SKILLS)
VolunteerStatus = _enum("VolunteerStatus", ("active", "paused", "left"))
BackgroundCheckResult = _enum("BackgroundCheckResult", ("passed", "failed"),
                              description="A passed check (无犯罪记录) is needed for child-related matches.")
VolunteerHoursStatus = _enum("VolunteerHoursStatus", ("pending", "approved", "rejected"))
VolunteerTeamStatus = _enum("VolunteerTeamStatus", ("active", "dissolved"))
ResourceKind = _enum("ResourceKind", vdomain.RESOURCE_KINDS, description="Kinds of the resource library: " + ", ".join(
    f"{k} {label}" for k, label in vdomain.RESOURCE_KINDS.items()) + ".")
ResourceCategory = _enum("ResourceCategory", ("organisation", "facility"))
ResourceStatus = _enum("ResourceStatus", ("active", "closed"))
ResourceReviewOutcome = _enum("ResourceReviewOutcome", vdomain.REVIEW_OUTCOMES,
                              description="An entry of a resource's review history; the first is its registration.")
ResourceReviewDecision = _enum("ResourceReviewDecision", vdomain.REVIEW_DECISIONS,
                               description="What a yearly review concludes.")
CharityItemCategory = _enum("CharityItemCategory", matching.ITEM_CATEGORIES)
DonationKind = _enum("DonationKind", ("money", "goods"))
DonorKind = _enum("DonorKind", ("individual", "organisation", "anonymous"))
MatchNeedStatus = _enum("MatchNeedStatus", vdomain.NEED_STATUSES)
MatchCandidateKind = _enum("MatchCandidateKind", ("volunteer", "resource", "charity"))
MatchProposalState = _enum("MatchProposalState", ("proposed", "accepted", "declined", "withdrawn"))
MatchTaskStatus = _enum("MatchTaskStatus", ("open", "completed", "cancelled"))


# --- volunteers -------------------------------------------------------------------------------
class TimeSlot(graphene.ObjectType):
    """A weekly slot: weekday 1 (Monday) to 7 (Sunday), times HH:MM China time."""
    weekday = graphene.Int(required=True)
    start = graphene.String(required=True)
    end = graphene.String(required=True)


class VolunteerTraining(graphene.ObjectType):
    date = Date(required=True)
    topic = graphene.String(required=True)
    hours = graphene.Float(required=True)
    provider = graphene.String(required=True)


class VolunteerCertification(graphene.ObjectType):
    """A qualification the volunteer holds (not the 志愿服务记录证明, see issueVolunteerCertificate)."""
    name = graphene.String(required=True)
    number = graphene.String()
    issuer = graphene.String(required=True)
    issued_on = Date(required=True)
    valid_until = Date()


class BackgroundCheck(graphene.ObjectType):
    result = BackgroundCheckResult(required=True)
    checked_on = Date(required=True)
    valid_until = Date()
    authority = graphene.String(required=True)


class VolunteerHoursEntry(graphene.ObjectType):
    """Hours served on a task; approved hours count towards the certificate."""
    id = graphene.ID(required=True)
    volunteer_id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    task_id = graphene.ID()
    need_id = graphene.ID()
    start = DateTime(required=True, description="China time, with its offset.")
    end = DateTime(required=True)
    hours = graphene.Float(required=True)
    activity = graphene.String(required=True)
    status = VolunteerHoursStatus(required=True)
    logged_by = graphene.String()
    logged_at = DateTime()
    decided_by = graphene.String()
    decided_at = DateTime()
    reason = graphene.String(description="Why the entry was rejected.")

    @staticmethod
    def resolve_id(entry, info):
        return entry["entry_id"]


class Volunteer(graphene.ObjectType):
    """A registered volunteer of a station. ID number and phone masked (`revealVolunteerIdentity`
    shows them, logged); evaluators see the name masked."""
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station, description="The registry's station.")
    name = graphene.String(required=True)
    id_number = graphene.String(description="Masked: 321181********1234.")
    phone = graphene.String(description="Masked: 139****0001.")
    community_code = graphene.String(required=True)
    township_code = graphene.String(required=True)
    skills = graphene.List(graphene.NonNull(VolunteerSkill), required=True)
    domains = graphene.List(graphene.NonNull(CaseDomain), required=True)
    availability = graphene.List(graphene.NonNull(TimeSlot), required=True)
    max_open_tasks = graphene.Int(required=True)
    open_tasks = graphene.Int(required=True, description="Open tasks now (the matching load).")
    status = VolunteerStatus(required=True)
    registered_on = Date(required=True)
    training = graphene.List(graphene.NonNull(VolunteerTraining), required=True)
    training_hours = graphene.Float(required=True)
    certificates = graphene.List(graphene.NonNull(VolunteerCertification), required=True)
    background_check = graphene.Field(BackgroundCheck)
    approved_hours = graphene.Float(required=True)
    pending_hours = graphene.Float(required=True)
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the volunteer.")
    hours = graphene.List(graphene.NonNull(VolunteerHoursEntry), first=_first_arg(),
                          description="Every hours entry, as logged.")
    teams = graphene.List(graphene.NonNull(lambda: VolunteerTeam), first=_first_arg())
    tasks = graphene.List(graphene.NonNull(lambda: MatchTask), first=_first_arg(),
                          description="Tasks of accepted matches assigned to the volunteer.")

    @staticmethod
    def resolve_station(volunteer, info):
        return _station(info, volunteer["station_id"])

    @staticmethod
    def resolve_hours(volunteer, info, first=None):
        return then(loaders(info).hours.load(volunteer["id"]), _at_most(first))

    @staticmethod
    def resolve_teams(volunteer, info, first=None):
        return then(loaders(info).teams_for_volunteers.load(volunteer["id"]), _at_most(first))

    @staticmethod
    def resolve_tasks(volunteer, info, first=None):
        return then(loaders(info).tasks_for_volunteers.load(volunteer["id"]), _at_most(first))


class VolunteerIdentity(graphene.ObjectType):
    """A volunteer's unmasked ID number and phone (the read is logged)."""
    id_number = graphene.String(required=True)
    phone = graphene.String(required=True)


class VolunteerCertificateRevoked(graphene.ObjectType):
    certificate_id = graphene.ID(required=True)
    revoked = graphene.Boolean(required=True)
    revoked_on = Date(required=True)
    reason = graphene.String(required=True)


class VolunteerCertificateIssued(graphene.ObjectType):
    """A 志愿服务记录证明: its content (keep it as is), the code that verifies it, and a printable text."""
    certificate_id = graphene.ID(required=True)
    content = JSON(required=True, description="Pass unchanged to verifyVolunteerCertificate.")
    verification_code = graphene.String(required=True)
    text = graphene.String(required=True)


class VolunteerCertificateCheck(graphene.ObjectType):
    valid = graphene.Boolean(required=True)
    reason = graphene.String(description="Why it is not valid.")
    revoked = graphene.Boolean(description="The platform issued it and later revoked it.")
    revoked_on = Date()
    certificate_id = graphene.ID()
    volunteer_name = graphene.String(description="Masked.")
    total_hours = graphene.Float()
    issued_on = Date()
    issued_by = graphene.String()


# --- teams --------------------------------------------------------------------------------------
class TeamTrainingSession(graphene.ObjectType):
    date = Date(required=True)
    topic = graphene.String(required=True)
    hours = graphene.Float(required=True)
    trainer = graphene.String(required=True)
    attendee_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)


class TeamSupervisionRecord(graphene.ObjectType):
    date = Date(required=True)
    supervisor = graphene.String(required=True)
    notes = graphene.String(required=True)
    follow_ups = graphene.List(graphene.NonNull(graphene.String), required=True)


class VolunteerTeam(graphene.ObjectType):
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    name = graphene.String(required=True)
    domains = graphene.List(graphene.NonNull(CaseDomain), required=True)
    leader_id = graphene.ID(required=True)
    leader = graphene.Field(Volunteer)
    member_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    members = graphene.List(Volunteer, description="Null entries: members outside your scope.")
    status = VolunteerTeamStatus(required=True)
    training_sessions = graphene.List(graphene.NonNull(TeamTrainingSession), required=True)
    supervision_records = graphene.List(graphene.NonNull(TeamSupervisionRecord), required=True)
    training_hours = graphene.Float(required=True)
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_station(team, info):
        return _station(info, team["station_id"])

    @staticmethod
    def resolve_leader(team, info):
        return loaders(info).volunteers.load(team["leader_id"])

    @staticmethod
    def resolve_members(team, info):
        return gather([loaders(info).volunteers.load(i) for i in team["member_ids"]])


# --- resource library ---------------------------------------------------------------------------
class ResourceEligibility(graphene.ObjectType):
    beneficiary_groups = graphene.List(graphene.NonNull(graphene.String), required=True)
    min_age = graphene.Int()
    max_age = graphene.Int()
    notes = graphene.String()


class ResourceService(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    domain = CaseDomain(required=True)
    need_types = graphene.List(graphene.NonNull(graphene.String), required=True)
    capacity = graphene.Int(required=True)
    places_taken = graphene.Int(required=True)
    eligibility = graphene.Field(ResourceEligibility)
    opening_hours = graphene.List(graphene.NonNull(TimeSlot), required=True)
    description = graphene.String()

    @staticmethod
    def resolve_id(service, info):
        return service["service_id"]


class ResourceContact(graphene.ObjectType):
    name = graphene.String(required=True)
    phone = graphene.String(required=True)
    email = graphene.String()


class ResourceLocation(graphene.ObjectType):
    address = graphene.String(required=True)
    latitude = graphene.Float()
    longitude = graphene.Float()


class ResourceReview(graphene.ObjectType):
    reviewed_on = Date(required=True)
    outcome = ResourceReviewOutcome(required=True)
    notes = graphene.String()


class CommunityResource(graphene.ObjectType):
    """An entry of the community resource library (organisations and facilities), reviewed yearly."""
    id = graphene.ID(required=True)
    kind = ResourceKind(required=True)
    kind_label = graphene.String(required=True)
    category = ResourceCategory(required=True)
    name = graphene.String(required=True)
    credit_code = graphene.String()
    description = graphene.String()
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    township_code = graphene.String(required=True)
    community_code = graphene.String()
    services = graphene.List(graphene.NonNull(ResourceService), required=True)
    domains = graphene.List(graphene.NonNull(CaseDomain), required=True)
    contact = graphene.Field(ResourceContact)
    location = graphene.Field(ResourceLocation)
    status = ResourceStatus(required=True)
    reviewed_on = Date(required=True)
    next_review_due = Date()
    review_overdue = graphene.Boolean(required=True)
    reviews = graphene.List(graphene.NonNull(ResourceReview), required=True)
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_station(resource, info):
        return _station(info, resource["station_id"])


# --- charity ------------------------------------------------------------------------------------
class CharityDonor(graphene.ObjectType):
    kind = DonorKind(required=True)
    name = graphene.String(description="Null for anonymous donors.")
    credit_code = graphene.String()
    phone = graphene.String(description="Masked.")


class CharityRestrictions(graphene.ObjectType):
    """What the donor earmarked the lot for (专款专用): empty lists mean any."""
    domains = graphene.List(graphene.NonNull(CaseDomain), required=True)
    region_code = graphene.String()
    beneficiary_groups = graphene.List(graphene.NonNull(graphene.String), required=True)


class CharityLot(graphene.ObjectType):
    """One donation's part of a stock line."""
    donation_id = graphene.ID(required=True)
    quantity = CharityQuantity(required=True, description="In the stock line's unit (fen for money).")
    remaining = CharityQuantity(required=True)
    received_on = Date(required=True)
    donor = graphene.Field(CharityDonor)
    restrictions = graphene.Field(CharityRestrictions)
    notes = graphene.String()


class CharityStock(graphene.ObjectType):
    """A stock line of a station: one per item and unit; money is one line in fen."""
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    township_code = graphene.String(required=True)
    kind = DonationKind(required=True)
    category = CharityItemCategory(required=True)
    item = graphene.String(required=True)
    unit = graphene.String(required=True, description="fen for money.")
    on_hand = CharityQuantity(required=True, description="Whole units (fen for money).")
    earmarked = CharityQuantity(required=True, description="Of onHand, what donors restricted.")
    lots = graphene.List(graphene.NonNull(CharityLot), required=True, description="Lots with something left.")
    donations = graphene.List(graphene.NonNull(CharityLot), description="Every donated lot.")
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_station(stock, info):
        return _station(info, stock["station_id"])

    @staticmethod
    def resolve_donations(stock, info):
        return loaders(info).donations_for_stock.load(stock["id"])


class CharityLotTaken(graphene.ObjectType):
    donation_id = graphene.ID(required=True)
    quantity = CharityQuantity(required=True)


class CharityDistribution(graphene.ObjectType):
    """Goods or money given to a household out of a stock line."""
    id = graphene.ID(required=True)
    stock_id = graphene.ID()
    station_id = graphene.ID()
    item = graphene.String()
    unit = graphene.String()
    quantity = CharityQuantity(required=True)
    household_id = graphene.ID()
    need_id = graphene.ID()
    lots = graphene.List(graphene.NonNull(CharityLotTaken), required=True)
    distributed_on = Date()
    by = graphene.String()

    @staticmethod
    def resolve_id(distribution, info):
        return distribution["movement_id"]

    @staticmethod
    def resolve_distributed_on(distribution, info):
        return distribution.get("on")

    @staticmethod
    def resolve_lots(distribution, info):
        return distribution.get("lots") or []


# --- needs, proposals, tasks ------------------------------------------------------------------
class MatchScoreBreakdown(graphene.ObjectType):
    domain = graphene.Float()
    skills = graphene.Float()
    distance = graphene.Float()
    availability = graphene.Float()
    load = graphene.Float()


def _candidate(item, info):
    kind, candidate_id = item["kind"], item["candidate_id"]
    if kind == "volunteer":
        return loaders(info).volunteers.load(candidate_id)
    if kind == "resource":
        return loaders(info).resources.load(candidate_id)
    return loaders(info).stock.load(candidate_id)


def _candidate_of(kind: str):
    def resolve(item, info):
        return _candidate(item, info) if item["kind"] == kind else None
    return staticmethod(resolve)


class MatchProposal(graphene.ObjectType):
    """A ranked candidate for a need: a volunteer, a resource's service or a charity stock line."""
    id = graphene.ID(required=True)
    need_id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    kind = MatchCandidateKind(required=True)
    candidate_id = graphene.ID(required=True)
    candidate_name = graphene.String(required=True)
    rank = graphene.Int(required=True)
    score = graphene.Float(required=True)
    breakdown = graphene.Field(MatchScoreBreakdown)
    reasons = graphene.List(graphene.NonNull(graphene.String), required=True)
    detail = JSON(description="What was matched (a resource's service id, stock quantities...).")
    state = MatchProposalState(required=True)
    proposed_at = DateTime()
    decided_at = DateTime()
    decided_by = graphene.String()
    decision_reason = graphene.String()
    volunteer = graphene.Field(Volunteer, description="The candidate, when a volunteer you may see.")
    resource = graphene.Field(CommunityResource, description="The candidate, when a resource.")
    stock = graphene.Field(CharityStock, description="The candidate, when a charity stock line.")

    resolve_volunteer = _candidate_of("volunteer")
    resolve_resource = _candidate_of("resource")
    resolve_stock = _candidate_of("charity")

    @staticmethod
    def resolve_id(proposal, info):
        return proposal["proposal_id"]


class MatchTask(graphene.ObjectType):
    """An accepted proposal: the work to do, completed with the hours or the delivery."""
    id = graphene.ID(required=True)
    proposal_id = graphene.ID(required=True)
    need_id = graphene.ID(required=True)
    household_id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    domain = CaseDomain(required=True)
    need_type = graphene.String(required=True)
    kind = MatchCandidateKind(required=True)
    candidate_id = graphene.ID(required=True)
    candidate_name = graphene.String(required=True)
    service_id = graphene.ID()
    status = MatchTaskStatus(required=True)
    accepted_by = graphene.String()
    accepted_at = DateTime()
    scheduled_start = DateTime()
    scheduled_end = DateTime()
    quantity = CharityQuantity()
    distribution_id = graphene.ID()
    completed_on = Date()
    hours = graphene.Float()
    notes = graphene.String()
    service_type = graphene.String()
    cancelled_at = DateTime()
    cancellation_reason = graphene.String()
    volunteer = graphene.Field(Volunteer)
    resource = graphene.Field(CommunityResource)
    stock = graphene.Field(CharityStock)
    need = graphene.Field(lambda: MatchNeed)

    resolve_volunteer = _candidate_of("volunteer")
    resolve_resource = _candidate_of("resource")
    resolve_stock = _candidate_of("charity")

    @staticmethod
    def resolve_id(task, info):
        return task["task_id"]

    @staticmethod
    def resolve_need(task, info):
        return loaders(info).needs.load(task["need_id"])


class UnmetReason(graphene.ObjectType):
    reason = graphene.String(required=True)
    refusals = JSON(description="Why candidates were ruled out: reason → count.")
    since = Date()


class MatchNeed(graphene.ObjectType):
    """A household's need to be met by volunteers, resources or charity (from a casework assessment
    or an explicit request), with its proposals and tasks."""
    id = graphene.ID(required=True)
    assessment_id = graphene.ID()
    household_id = graphene.ID(required=True)
    household = graphene.Field(Household, description="casework's household, when you may see it.")
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    township_code = graphene.String(required=True)
    community_code = graphene.String()
    source = graphene.String(required=True)
    domain = CaseDomain(required=True)
    need_type = graphene.String(required=True)
    severity = NeedSeverity(required=True)
    description = graphene.String(required=True)
    beneficiary_groups = graphene.List(graphene.NonNull(graphene.String), required=True)
    child_related = graphene.Boolean(required=True)
    needed_by = Date()
    status = MatchNeedStatus(required=True)
    unmet = graphene.Field(UnmetReason)
    proposals = graphene.List(graphene.NonNull(MatchProposal), required=True, description="By rank.")
    tasks = graphene.List(graphene.NonNull(MatchTask), required=True)
    version = graphene.Int(required=True, description="Pass as expectedVersion when deciding on the need.")
    distributions = graphene.List(graphene.NonNull(CharityDistribution),
                                  description="Charity distributions to the need's household.")

    @staticmethod
    def resolve_household(need, info):
        return info.context.casework_loaders.households.load(need["household_id"])

    @staticmethod
    def resolve_station(need, info):
        return _station(info, need["station_id"])

    @staticmethod
    def resolve_distributions(need, info):
        return loaders(info).distributions_for_households.load(need["household_id"])


class UnmetCount(graphene.ObjectType):
    key = graphene.String(required=True)
    count = graphene.Int(required=True)


class UnmetRegionCount(graphene.ObjectType):
    region_code = graphene.String(required=True, description="The next level down.")
    domain = CaseDomain()
    count = graphene.Int(required=True)


def _counts(mapping):
    return [{"key": key, "count": count} for key, count in sorted((mapping or {}).items())]


class UnmetNeedsRollup(graphene.ObjectType):
    """Needs no candidate could meet, in a region, by domain, need type and sub-region."""
    region = graphene.String(required=True)
    total = graphene.Int(required=True)
    by_domain = graphene.List(graphene.NonNull(UnmetCount), required=True)
    by_need_type = graphene.List(graphene.NonNull(UnmetCount), required=True)
    by_region = graphene.List(graphene.NonNull(UnmetRegionCount), required=True)

    @staticmethod
    def resolve_by_domain(rollup, info):
        return _counts(rollup.get("by_domain"))

    @staticmethod
    def resolve_by_need_type(rollup, info):
        return _counts(rollup.get("by_need_type"))


class VolunteersAccessEntry(graphene.ObjectType):
    at = DateTime(required=True)
    user_id = graphene.String(required=True)
    role = graphene.String(required=True)
    subject_type = graphene.String(required=True)
    subject_id = graphene.ID(required=True)
    fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    reason = graphene.String(required=True)


VolunteerPage = _page_type("VolunteerPage", Volunteer, "volunteers")
VolunteerTeamPage = _page_type("VolunteerTeamPage", VolunteerTeam, "teams")
CommunityResourcePage = _page_type("CommunityResourcePage", CommunityResource, "resources")
CharityStockPage = _page_type("CharityStockPage", CharityStock, "stock lines")
MatchNeedPage = _page_type("MatchNeedPage", MatchNeed, "needs")


# --- queries ------------------------------------------------------------------------------------


def _region_arg():
    return graphene.String(description="A region code: 32, 3211, 321181, a 9-digit township or 12-digit community.")


class VolunteersQuery(graphene.ObjectType):
    volunteer_catalogue = JSON(description="Skills, domains, resource kinds, item categories and need types the "
                                           "volunteers service knows.")
    volunteers = graphene.Field(
        VolunteerPage, **_page_args(station_id=graphene.ID(), region=_region_arg(), skill=VolunteerSkill(),
                                    domain=CaseDomain(), status=VolunteerStatus(),
                                    background_checked=graphene.Boolean(description="With a valid passed check.")),
        description="Volunteers you may see, in id order.")
    volunteer = graphene.Field(Volunteer, id=graphene.ID(required=True),
                               description="Null when unknown or outside your scope.")
    volunteer_teams = graphene.Field(VolunteerTeamPage, **_page_args(station_id=graphene.ID()))
    volunteer_team = graphene.Field(VolunteerTeam, id=graphene.ID(required=True))
    community_resources = graphene.Field(
        CommunityResourcePage, **_page_args(station_id=graphene.ID(), region=_region_arg(), kind=ResourceKind(),
                                            domain=CaseDomain(), status=ResourceStatus(),
                                            review_overdue=graphene.Boolean()),
        description="The resource library. Public without a token: the public sees active entries.")
    community_resource = graphene.Field(CommunityResource, id=graphene.ID(required=True))
    resource_reviews_overdue = JSON(station_id=graphene.ID(), region=_region_arg(),
                                    description="Entries past their yearly review, by station and region.")
    resource_directory = JSON(station_id=graphene.ID(), region=_region_arg(),
                              description="The library as an HSDS 3.0 directory (organizations, services, locations, "
                                          "service_at_locations); also at /public/hsds/directory.json.")
    charity_stock = graphene.Field(CharityStockPage, **_page_args(station_id=graphene.ID(),
                                                                  category=CharityItemCategory()))
    charity_stock_line = graphene.Field(CharityStock, id=graphene.ID(required=True))
    charity_distributions = graphene.List(graphene.NonNull(CharityDistribution),
                                          household_id=graphene.ID(required=True),
                                          description="What a household received.")
    match_needs = graphene.Field(
        MatchNeedPage, **_page_args(station_id=graphene.ID(), region=_region_arg(), status=MatchNeedStatus(),
                                    domain=CaseDomain(), household_id=graphene.ID()),
        description="Needs in matching (供需对接) you may see.")
    match_need = graphene.Field(MatchNeed, id=graphene.ID(required=True))
    unmet_needs = graphene.Field(UnmetNeedsRollup, region=graphene.String(required=True), domain=CaseDomain())
    verify_volunteer_certificate = graphene.Field(
        VolunteerCertificateCheck, content=JSON(required=True), verification_code=graphene.String(required=True),
        description="Check a 志愿服务记录证明: anyone, without a token.")
    volunteers_access_log = graphene.List(
        graphene.NonNull(VolunteersAccessEntry), subject_id=graphene.ID(), user_id=graphene.String(),
        limit=graphene.Int(), description="Reads of unmasked volunteer data, newest first.",
        deprecation_reason="Use personalDataAccessLog: one access log across the services, scoped by the viewer.")

    @staticmethod
    def resolve_volunteer_catalogue(root, info):
        return info.context.volunteers.catalogue()

    @staticmethod
    def resolve_volunteers(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.volunteers.list_volunteers, first, after, filters)

    @staticmethod
    def resolve_volunteer(root, info, id):
        return loaders(info).volunteers.load(id)

    @staticmethod
    def resolve_volunteer_teams(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.volunteers.list_teams, first, after, filters)

    @staticmethod
    def resolve_volunteer_team(root, info, id):
        return loaders(info).teams.load(id)

    @staticmethod
    def resolve_community_resources(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.volunteers.list_resources, first, after, filters)

    @staticmethod
    def resolve_community_resource(root, info, id):
        return loaders(info).resources.load(id)

    @staticmethod
    def resolve_resource_reviews_overdue(root, info, **filters):
        return info.context.volunteers.overdue_reviews(given(**filters))

    @staticmethod
    def resolve_resource_directory(root, info, **filters):
        return info.context.volunteers.export_directory(given(**filters))

    @staticmethod
    def resolve_charity_stock(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.volunteers.list_stock, first, after, filters)

    @staticmethod
    def resolve_charity_stock_line(root, info, id):
        return loaders(info).stock.load(id)

    @staticmethod
    def resolve_charity_distributions(root, info, household_id):
        return loaders(info).distributions_for_households.load(household_id)

    @staticmethod
    def resolve_match_needs(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.volunteers.list_needs, first, after, filters)

    @staticmethod
    def resolve_match_need(root, info, id):
        return loaders(info).needs.load(id)

    @staticmethod
    def resolve_unmet_needs(root, info, region, domain=None):
        return info.context.volunteers.unmet_rollup(given(region=region, domain=domain))

    @staticmethod
    def resolve_verify_volunteer_certificate(root, info, content, verification_code):
        return info.context.volunteers.verify_certificate({"content": content,
                                                           "verification_code": verification_code})

    @staticmethod
    def resolve_volunteers_access_log(root, info, **filters):
        return info.context.volunteers.access_log(given(**filters))
