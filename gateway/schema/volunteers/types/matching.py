"""Needs matching (供需对接): needs, ranked proposals, tasks; the unmet-needs roll-up and the pages."""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.base import page_type
from gateway.schema.casework.enums import CaseDomain, NeedSeverity
from gateway.schema.casework.types.households import Household
from gateway.schema.registry.loaders import station_by_id
from gateway.schema.registry.types import Station
from gateway.schema.scalars import JSON, Date, DateTime
from gateway.schema.volunteers.enums import MatchCandidateKind, MatchNeedStatus, MatchProposalState, MatchTaskStatus
from gateway.schema.volunteers.types.common import CharityQuantity
from gateway.schema.volunteers.types.resources import CharityDistribution, CharityStock, CommunityResource
from gateway.schema.volunteers.types.volunteers import Volunteer, VolunteerTeam


class MatchScoreBreakdown(graphene.ObjectType):
    domain = graphene.Float()
    skills = graphene.Float()
    distance = graphene.Float()
    availability = graphene.Float()
    load = graphene.Float()


def _candidate(item, info):
    kind, candidate_id = item["kind"], item["candidate_id"]
    if kind == "volunteer":
        return loader(info, "volunteers.volunteers").load(candidate_id)
    if kind == "resource":
        return loader(info, "volunteers.resources").load(candidate_id)
    return loader(info, "volunteers.stock").load(candidate_id)


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
        return loader(info, "volunteers.needs").load(task["need_id"])


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
        return loader(info, "casework.households").load(need["household_id"])

    @staticmethod
    def resolve_station(need, info):
        return station_by_id(info, need["station_id"])

    @staticmethod
    def resolve_distributions(need, info):
        return loader(info, "volunteers.distributions_for_households").load(need["household_id"])


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


VolunteerPage = page_type("VolunteerPage", Volunteer, "volunteers")
VolunteerTeamPage = page_type("VolunteerTeamPage", VolunteerTeam, "teams")
CommunityResourcePage = page_type("CommunityResourcePage", CommunityResource, "resources")
CharityStockPage = page_type("CharityStockPage", CharityStock, "stock lines")
MatchNeedPage = page_type("MatchNeedPage", MatchNeed, "needs")
