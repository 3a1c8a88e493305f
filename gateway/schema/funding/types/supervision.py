"""Fund supervision, cost and outcome figures."""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.funding.enums import FundingDomain, FundingSourceKind
from gateway.schema.funding.money import Fen
from gateway.schema.funding.types.sources import FundingSource
from gateway.schema.registry.types import Region


class SupervisionFigures(graphene.Interface):
    allocated_fen = Fen(required=True, description="Allocated to budget lines in the region.")
    contracted_fen = Fen(required=True, description="Committed to contracts.")
    disbursed_fen = Fen(required=True, description="Paid.")
    flagged_fen = Fen(required=True, description="Held for review.")
    remaining_fen = Fen(required=True, description="Allocated − disbursed − flagged.")


class SupervisionRow(graphene.ObjectType):
    """One funding source's figures within the region."""
    class Meta:
        interfaces = (SupervisionFigures,)

    source_id = graphene.ID(required=True)
    source = graphene.Field(FundingSource)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)
    source_domain = FundingDomain()
    year = graphene.Int(required=True)
    source_region_code = graphene.String(required=True)
    unallocated_fen = Fen(description="Not allocated yet: for the region's own sources only.")

    @staticmethod
    def resolve_source(row, info):
        return loader(info, "funding.sources").load(row["source_id"])


class SupervisionYear(graphene.ObjectType):
    class Meta:
        interfaces = (SupervisionFigures,)

    year = graphene.Int(required=True)


class SupervisionKind(graphene.ObjectType):
    class Meta:
        interfaces = (SupervisionFigures,)

    source_kind = FundingSourceKind(required=True)


class SupervisionTotal(graphene.ObjectType):
    class Meta:
        interfaces = (SupervisionFigures,)

    unallocated_fen = Fen(required=True, description="Of the region's own sources.")


class FundSupervision(graphene.ObjectType):
    """Fund use in a region (the part of it you may see): by source, by year, by kind, in total."""
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    rows = graphene.List(graphene.NonNull(SupervisionRow), required=True)
    by_year = graphene.List(graphene.NonNull(SupervisionYear), required=True)
    by_kind = graphene.List(graphene.NonNull(SupervisionKind), required=True)
    total = graphene.Field(SupervisionTotal, required=True)

    @staticmethod
    def resolve_region(view, info):
        return loader(info, "registry.regions").load(view["region_code"])


class OutcomeFigures(graphene.ObjectType):
    """What the platform counted from the casework and volunteers events."""
    households_served = graphene.Int(required=True)
    households_assessed = graphene.Int(required=True)
    services_delivered = graphene.Int(required=True)
    volunteer_hours = graphene.Float(required=True)
    visits = graphene.Int(required=True)
    cases_closed = graphene.Int(required=True)


class UnitCosts(graphene.Interface):
    """Money paid per unit of outcome, in fen (half up); null when nothing was counted."""
    disbursed_fen = Fen(required=True)
    cost_per_household_fen = Fen()
    cost_per_visit_fen = Fen()
    cost_per_volunteer_hour_fen = Fen()


class SourceCost(graphene.ObjectType):
    class Meta:
        interfaces = (UnitCosts,)

    source_id = graphene.ID(required=True)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)


class KindCost(graphene.ObjectType):
    class Meta:
        interfaces = (UnitCosts,)

    source_kind = FundingSourceKind(required=True)


class RegionCost(graphene.ObjectType):
    """Cost and outcome of one region one level down (cities, counties or townships)."""
    class Meta:
        interfaces = (UnitCosts,)

    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    outcomes = graphene.Field(OutcomeFigures, required=True)

    @staticmethod
    def resolve_region(row, info):
        return loader(info, "registry.regions").load(row["region_code"])

    @staticmethod
    def resolve_outcomes(row, info):
        return row


class CostTotal(graphene.ObjectType):
    class Meta:
        interfaces = (UnitCosts,)


class CostOutcome(graphene.ObjectType):
    """Cost per household served, per visit and per volunteer hour in a region for a year, by
    fund source, by kind and by region."""
    region_code = graphene.String(required=True)
    year = graphene.Int(required=True)
    outcomes = graphene.Field(OutcomeFigures, required=True)
    by_source = graphene.List(graphene.NonNull(SourceCost), required=True)
    by_kind = graphene.List(graphene.NonNull(KindCost), required=True)
    by_region = graphene.List(graphene.NonNull(RegionCost), required=True)
    total = graphene.Field(CostTotal, required=True)
