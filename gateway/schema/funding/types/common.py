"""Shapes the funding types share: public bodies, date ranges, documents, earmarks, list helpers."""
from __future__ import annotations

import graphene

from gateway.schema.funding.enums import FundingDomain
from gateway.schema.scalars import Date


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
