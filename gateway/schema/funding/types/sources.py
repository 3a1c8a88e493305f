"""Funding sources and their budget lines."""
from __future__ import annotations

import graphene

from gateway.loaders import loader, then
from gateway.schema.base import at_most, first_arg
from gateway.schema.funding.enums import FundingDomain, FundingSourceKind
from gateway.schema.funding.money import Fen
from gateway.schema.funding.types.common import Earmark, PublicBody
from gateway.schema.registry.types import Region, Station


class FundingSource(graphene.ObjectType):
    """Money of one kind, one year and one region: a fiscal budget, a purchase-of-service fund of
    a domain, a lottery public-welfare fund, charity money."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    kind = FundingSourceKind(required=True)
    domain = FundingDomain(description="The domain a purchase-of-service or lottery fund is for.")
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    funder = graphene.Field(PublicBody, required=True)
    document_number = graphene.String(description="The budget or allocation document (文号).")
    amount_fen = Fen(required=True)
    allocated_fen = Fen(required=True, description="Allocated to budget lines.")
    unallocated_fen = Fen(required=True)
    earmark = graphene.Field(Earmark, required=True)
    note = graphene.String()
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the source.")
    budget_lines = graphene.List(graphene.NonNull(lambda: BudgetLine), first=first_arg(),
                                 description="The budget lines allocating this source (those you may see).")

    @staticmethod
    def resolve_region(source, info):
        return loader(info, "registry.regions").load(source["region_code"])

    @staticmethod
    def resolve_budget_lines(source, info, first=None):
        return then(loader(info, "funding.lines_for_sources").load(source["id"]), at_most(first))


class FundingProject(graphene.ObjectType):
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)


class BudgetLine(graphene.ObjectType):
    """Part of a source allocated to one station or one project of a region. Contracts commit
    money from budget lines; never more than a line holds."""
    id = graphene.ID(required=True)
    source_id = graphene.ID(required=True)
    source = graphene.Field(FundingSource)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)
    source_domain = FundingDomain()
    funder_name = graphene.String(required=True)
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True)
    station_id = graphene.ID()
    station = graphene.Field(Station, description="The registry's station, when the line is for one.")
    project = graphene.Field(FundingProject)
    domain = FundingDomain()
    earmark = graphene.Field(Earmark, required=True)
    amount_fen = Fen(required=True)
    committed_fen = Fen(required=True, description="Committed to contracts.")
    uncommitted_fen = Fen(required=True)
    note = graphene.String()
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_source(line, info):
        return loader(info, "funding.sources").load(line["source_id"])

    @staticmethod
    def resolve_station(line, info):
        return loader(info, "registry.stations").load(line["station_id"]) if line.get("station_id") else None
