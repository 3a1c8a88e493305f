"""The public disclosure feed (OCDS releases and packages) and the lottery-fund report."""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.funding.enums import FundingDomain, ProcurementMethod
from gateway.schema.funding.money import Fen, fen_of
from gateway.schema.scalars import JSON, DateTime
from services.common.config import settings


class WithheldInformation(graphene.ObjectType):
    """Something left out of a release, and why (personal data; payments under review)."""
    id = graphene.ID(required=True)
    field = graphene.String(required=True, description="Where it would be in the OCDS release.")
    name = graphene.String(required=True)
    rationale = graphene.String(required=True)


def _buyer_party(release: dict) -> dict:
    return next((p for p in release.get("parties", ()) if "buyer" in p.get("roles", ())), {})


class DisclosureRelease(graphene.ObjectType):
    """One contracting process as published: its latest OCDS 1.1 release (planning, tender, award,
    contract, implementation with its transactions, as they stand) in `release`, and a few fields
    typed here. Its earlier releases are in the OCDS release and record packages.
    Personal data is never in it; what was withheld is listed in `withheld`."""
    ocid = graphene.String(required=True)
    id = graphene.ID(required=True, description="The release id; a release with a given id never changes.")
    date = DateTime(required=True)
    tag = graphene.List(graphene.NonNull(graphene.String), required=True, description="OCDS release tags.")
    title = graphene.String(required=True)
    buyer_name = graphene.String(required=True)
    region_code = graphene.String(description="The buyer's region.")
    tender_status = graphene.String(required=True, description="OCDS tender status: active, complete, cancelled.")
    procurement_method = ProcurementMethod(required=True)
    budget_fen = Fen(description="The planned budget.")
    tender_value_fen = Fen(description="The ceiling price.")
    number_of_tenderers = graphene.Int(required=True)
    supplier_names = graphene.List(graphene.NonNull(graphene.String), required=True)
    awarded_fen = Fen()
    contract_value_fen = Fen()
    paid_fen = Fen(required=True, description="The transactions published so far (held payments are not).")
    withheld = graphene.List(graphene.NonNull(WithheldInformation), required=True)
    release = JSON(required=True, description="The whole OCDS release, keys as OCDS spells them.")

    @staticmethod
    def resolve_title(release, info):
        return release["tender"]["title"]

    @staticmethod
    def resolve_buyer_name(release, info):
        return release["buyer"]["name"]

    @staticmethod
    def resolve_region_code(release, info):
        return (_buyer_party(release).get("address") or {}).get("region")

    @staticmethod
    def resolve_tender_status(release, info):
        return release["tender"]["status"]

    @staticmethod
    def resolve_procurement_method(release, info):
        return release["tender"]["procurementMethod"]

    @staticmethod
    def resolve_budget_fen(release, info):
        return fen_of(((release.get("planning") or {}).get("budget") or {}).get("amount"))

    @staticmethod
    def resolve_tender_value_fen(release, info):
        return fen_of(release["tender"].get("value"))

    @staticmethod
    def resolve_number_of_tenderers(release, info):
        return release["tender"].get("numberOfTenderers", 0)

    @staticmethod
    def resolve_supplier_names(release, info):
        return [s["name"] for award in release.get("awards", ()) for s in award.get("suppliers", ())]

    @staticmethod
    def resolve_awarded_fen(release, info):
        awards = release.get("awards") or []
        return fen_of(awards[0].get("value")) if awards else None

    @staticmethod
    def resolve_contract_value_fen(release, info):
        signed = release.get("contracts") or []
        return fen_of(signed[0].get("value")) if signed else None

    @staticmethod
    def resolve_paid_fen(release, info):
        return sum(fen_of(t.get("value")) or 0 for c in release.get("contracts", ())
                   for t in (c.get("implementation") or {}).get("transactions", ()))

    @staticmethod
    def resolve_withheld(release, info):
        return release.get("withheldInformation") or []

    @staticmethod
    def resolve_release(release, info):
        return release


class DisclosurePackage(graphene.ObjectType):
    """The OCDS package metadata of the feed, and where the packages themselves are published."""
    version = graphene.String(required=True)
    published_date = DateTime(required=True)
    publisher_name = graphene.String(required=True)
    license = graphene.String()
    publication_policy = graphene.String(description="The URL of the publication policy.")
    release_package_url = graphene.String(
        required=True, description="OCDS release packages with every release of each process (paged, Link: next).")
    record_package_url = graphene.String(
        required=True, description="OCDS record packages: each process's releases and compiled release.")

    @staticmethod
    def resolve_published_date(package, info):
        return package["publishedDate"]

    @staticmethod
    def resolve_publisher_name(package, info):
        return (package.get("publisher") or {}).get("name")

    @staticmethod
    def resolve_publication_policy(package, info):
        return f"{settings().public_url()}/public/ocds/publication-policy"

    @staticmethod
    def resolve_release_package_url(package, info):
        return f"{settings().public_url()}/public/ocds/releases.json"

    @staticmethod
    def resolve_record_package_url(package, info):
        return f"{settings().public_url()}/public/ocds/records.json"


class DisclosureFeed(graphene.ObjectType):
    """Procurement of social work services, published: the latest release of each contracting
    process, in id order (every release of each is in the OCDS packages at `package`'s URLs).
    Anyone may read it, without a token."""
    items = graphene.List(graphene.NonNull(DisclosureRelease), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)
    package = graphene.Field(DisclosurePackage, required=True)

    @staticmethod
    def resolve_total_count(feed, info):
        return feed.get("total", 0)


class LotteryUse(graphene.ObjectType):
    """What a lottery source paid for under one contract."""
    contract_id = graphene.ID(required=True)
    ocid = graphene.String(required=True)
    operator_name = graphene.String(required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    paid_fen = Fen(required=True)
    release = graphene.Field(DisclosureRelease, description="The contracting process in the disclosure feed.")

    @staticmethod
    def resolve_release(use, info):
        return loader(info, "funding.releases").load(use["ocid"])


class LotterySource(graphene.ObjectType):
    source_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    domain = FundingDomain()
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True)
    amount_fen = Fen(required=True)
    allocated_fen = Fen(required=True)
    contracted_fen = Fen(required=True)
    disbursed_fen = Fen(required=True)
    flagged_fen = Fen(required=True)
    uses = graphene.List(graphene.NonNull(LotteryUse), required=True)


class LotteryFundUse(graphene.ObjectType):
    """彩票公益金使用情况: each lottery public-welfare source, its allocation, commitments and payments,
    and what they paid for. Public."""
    region_code = graphene.String()
    year = graphene.Int()
    sources = graphene.List(graphene.NonNull(LotterySource), required=True)
