"""Tenders and their bids, with the bid reviews."""
from __future__ import annotations

import graphene

from gateway.loaders import loader, then
from gateway.schema.base import at_most, first_arg
from gateway.schema.funding.enums import (
    AwardCriteria,
    BidLeaderRole,
    FundingDomain,
    ProcurementMethod,
    ReviewChecklistItem,
    TenderStatus,
)
from gateway.schema.funding.money import Fen
from gateway.schema.funding.types.common import DateRange, PublicBody, SupportingDocument
from gateway.schema.registry.loaders import stations_by_ids
from gateway.schema.registry.types import Organisation, Region, Station
from gateway.schema.scalars import DateTime


class TenderProject(graphene.ObjectType):
    name = graphene.String(required=True)
    year = graphene.Int(required=True)
    rationale = graphene.String()


class TenderAward(graphene.ObjectType):
    bid_id = graphene.ID(required=True)
    operator = graphene.Field(Organisation, required=True)
    amount_fen = Fen(required=True)
    awarded_at = DateTime(required=True)
    reason = graphene.String(description="Why, when the award did not go to the highest score.")


class Cancellation(graphene.ObjectType):
    at = DateTime(required=True)
    reason = graphene.String(required=True)


class BidOrganisation(graphene.ObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True)
    qualifications = graphene.List(graphene.NonNull(graphene.String), required=True)
    charity_recognised = graphene.Boolean()

    @staticmethod
    def resolve_qualifications(organisation, info):
        return organisation.get("qualifications") or []


class BidContact(graphene.ObjectType):
    """The bidder's contact person. The phone is masked; read-only roles see the name masked too."""
    name = graphene.String(required=True)
    phone = graphene.String(required=True)


class BidLeader(graphene.ObjectType):
    """A leader, founder or manager of the bidder, for the leaders' review. ID number masked."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    role = BidLeaderRole(required=True)
    id_number = graphene.String(required=True)


class ChecklistResult(graphene.ObjectType):
    code = ReviewChecklistItem(required=True)
    title = graphene.String(required=True)
    mandatory = graphene.Boolean(required=True)
    passed = graphene.Boolean(required=True)
    note = graphene.String()


class LeaderReview(graphene.ObjectType):
    leader_id = graphene.ID(required=True)
    political_quality = graphene.Boolean(required=True)
    work_experience = graphene.Boolean(required=True)
    professional_ethics = graphene.Boolean(required=True)
    passed = graphene.Boolean(required=True)
    note = graphene.String()


class CriterionScore(graphene.ObjectType):
    criterion = graphene.String(required=True)
    score = graphene.Float(required=True)
    max_score = graphene.Float(required=True)


class BidReview(graphene.ObjectType):
    """The review of one bid: the qualification checklist, every leader's review, and the scores."""
    checklist = graphene.List(graphene.NonNull(ChecklistResult), required=True)
    leaders = graphene.List(graphene.NonNull(LeaderReview), required=True)
    scores = graphene.List(graphene.NonNull(CriterionScore), required=True)
    total_score = graphene.Float(required=True)
    qualified = graphene.Boolean(required=True)
    failed_items = graphene.List(graphene.NonNull(graphene.String), required=True)
    reviewed_at = DateTime(required=True)
    reviewed_by = graphene.String(required=True)


class Bid(graphene.ObjectType):
    id = graphene.ID(required=True)
    tender_id = graphene.ID(required=True)
    organisation = graphene.Field(BidOrganisation, required=True)
    contact = graphene.Field(BidContact, required=True)
    leaders = graphene.List(graphene.NonNull(BidLeader), required=True)
    price_fen = Fen(required=True)
    proposal = graphene.String()
    received_at = DateTime(required=True)
    review = graphene.Field(BidReview, description="Null until reviewed.")


class Tender(graphene.ObjectType):
    """A purchase of social work services (政府购买服务): published with a deadline, then bids,
    their review, the award and the contract."""
    id = graphene.ID(required=True)
    ocid = graphene.String(required=True, description="The contracting process's id in the disclosure feed.")
    title = graphene.String(required=True)
    description = graphene.String()
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    buyer = graphene.Field(PublicBody, required=True)
    project = graphene.Field(TenderProject, required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    stations = graphene.List(graphene.NonNull(Station), description="The registry's stations (those you may see).")
    service_domains = graphene.List(graphene.NonNull(FundingDomain), required=True)
    method = ProcurementMethod(required=True)
    budget_fen = Fen(required=True, description="The ceiling price.")
    deadline = DateTime(required=True)
    contract_period = graphene.Field(DateRange, required=True)
    eligibility = graphene.List(graphene.NonNull(graphene.String), required=True)
    award_criteria = AwardCriteria(required=True)
    documents = graphene.List(graphene.NonNull(SupportingDocument), required=True)
    status = TenderStatus(required=True)
    published_at = DateTime()
    bid_count = graphene.Int(required=True)
    award = graphene.Field(TenderAward)
    cancellation = graphene.Field(Cancellation)
    contract_id = graphene.ID()
    contract = graphene.Field("gateway.schema.funding.types.contracts.Contract",
                              description="The contract signed from the award, if any.")
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the tender.")
    bids = graphene.List(graphene.NonNull(Bid), first=first_arg(),
                         description="Personal data masked; read-only roles see names masked too.")

    @staticmethod
    def resolve_region(tender, info):
        return loader(info, "registry.regions").load(tender["region_code"])

    @staticmethod
    def resolve_stations(tender, info):
        return stations_by_ids(info, tender["station_ids"])

    @staticmethod
    def resolve_contract(tender, info):
        return loader(info, "funding.contracts").load(tender["contract_id"]) if tender.get("contract_id") else None

    @staticmethod
    def resolve_bids(tender, info, first=None):
        return then(loader(info, "funding.bids").load(tender["id"]), at_most(first))
