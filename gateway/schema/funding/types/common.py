"""Shapes the funding types share: public bodies, date ranges, documents, earmarks, list helpers."""
from __future__ import annotations

import graphene

from gateway.loaders import gather, loader
from gateway.schema.scalars import Date

from ..enums import FundingDomain


def _stations(info, station_ids):
    """The registry's stations for these ids (those the viewer may see), through its loader."""
    station_loader = loader(info, "registry.stations")
    return gather([station_loader.load(s) for s in station_ids or ()],
                  lambda found: [s for s in found if s is not None])


def _page_type(name: str, item_type, what: str):
    """A page of a funding list: items, the cursor of the next page, and the total (all pages)."""
    return type(name, (graphene.ObjectType,), {
        "__doc__": f"One page of {what}, in id order. Pass `nextCursor` as `after` for the next page; "
                   "it is null on the last.",
        "items": graphene.List(graphene.NonNull(item_type), required=True),
        "next_cursor": graphene.String(),
        "total_count": graphene.Int(required=True, description=f"{what.capitalize()} matching the filters, all pages."),
        "resolve_total_count": staticmethod(lambda page, info: page.get("total", 0)),
    })


class PublicBody(graphene.ObjectType):
    """A funder or buyer: a government body, a fund, a charity federation."""
    name = graphene.String(required=True)
    credit_code = graphene.String(description="Unified Social Credit Code, when known.")


class DateRange(graphene.ObjectType):
    start = Date(required=True)
    end = Date(required=True)


class SupportingDocument(graphene.ObjectType):
    title = graphene.String(required=True)
    number = graphene.String()
    url = graphene.String()


class Earmark(graphene.ObjectType):
    """What the money may pay for (专款专用); an empty list means no restriction of that kind."""
    domains = graphene.List(graphene.NonNull(FundingDomain), required=True)
    region_codes = graphene.List(graphene.NonNull(graphene.String), required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
