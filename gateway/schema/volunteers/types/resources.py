"""The community resource library, and charity donations and stock."""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.casework.enums import CaseDomain
from gateway.schema.registry.loaders import station_by_id
from gateway.schema.registry.types import Station
from gateway.schema.scalars import Date
from gateway.schema.volunteers.enums import (
    CharityItemCategory,
    DonationKind,
    DonorKind,
    ResourceCategory,
    ResourceKind,
    ResourceReviewOutcome,
    ResourceStatus,
)
from gateway.schema.volunteers.types.common import CharityQuantity
from gateway.schema.volunteers.types.volunteers import TimeSlot


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
        return station_by_id(info, resource["station_id"])


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
        return station_by_id(info, stock["station_id"])

    @staticmethod
    def resolve_donations(stock, info):
        return loader(info, "volunteers.donations_for_stock").load(stock["id"])


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
