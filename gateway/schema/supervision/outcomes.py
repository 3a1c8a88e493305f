"""Money to service to outcome in the schema: `contractOutcome(contractId)` and `disbursementOutcome(
disbursementId)`, the money by fund source beside the service delivered at the contract's stations in its
period (a disbursement: from the contract's start up to its day) and the cost per household served, visit and
positively closed case; `outcomeRecords` pages through the records behind each figure.

One RPC per field. Scope as a contract's scorecard: officials of its region, and an evaluator while their
evaluation of the contract runs (records masked for them). Definitions: services/supervision/domain/outcomes.py.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size, page_type
from gateway.schema.funding.money import Fen
from gateway.schema.scalars import JSON, Date
from gateway.schema.supervision.enums import OutcomeRecordKind
from gateway.schema.supervision.scorecards import ScorecardPeriod


class OutcomeService(graphene.ObjectType):
    """What happened at the contract's stations in the period."""
    households_served = graphene.Int(required=True, description="Distinct households visited, with a case open "
                                                                "in the period, or with a need served in it.")
    visits = graphene.Int(required=True)
    cases_opened = graphene.Int(required=True)
    cases_closed = graphene.Int(required=True)
    cases_closed_positively = graphene.Int(required=True, description="Closed in the period with the outcome "
                                                                      "achieved.")
    volunteer_hours = graphene.Float(required=True, description="Volunteer hours approved in the period.")


class UnitCost(graphene.ObjectType):
    amount_fen = Fen(description="Money paid ÷ the count, in whole fen (halves up); null when the count is 0.")
    reason = graphene.String(description="Why there is no figure (the count is 0).")

    @staticmethod
    def resolve_amount_fen(cost, info):
        return cost["fen"]


class OutcomeCosts(graphene.ObjectType):
    per_household = graphene.Field(UnitCost, required=True)
    per_visit = graphene.Field(UnitCost, required=True)
    per_positive_closure = graphene.Field(UnitCost, required=True)

    @staticmethod
    def resolve_per_household(cost, info):
        return cost["household"]

    @staticmethod
    def resolve_per_visit(cost, info):
        return cost["visit"]

    @staticmethod
    def resolve_per_positive_closure(cost, info):
        return cost["positive_closure"]


class OutcomeMoney(graphene.ObjectType):
    source_id = graphene.ID(description="The fund source; null on the total.")
    source_kind = graphene.String(description="fiscal, purchase_of_service, lottery, charity; null on the total.")
    committed_fen = Fen(required=True, description="Committed to the contract (0 for a disbursement).")
    paid_fen = Fen(required=True, description="Paid: what the costs divide.")
    held_fen = Fen(required=True, description="Held for review, not paid yet.")
    cost = graphene.Field(OutcomeCosts, required=True)


class ContractOutcome(graphene.ObjectType):
    kind = graphene.String(required=True, description="contract or disbursement.")
    id = graphene.ID(required=True)
    contract_id = graphene.ID(required=True)
    region_code = graphene.String(required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    amount_fen = Fen(required=True, description="The contract's amount, or the disbursement's.")
    paid_on = Date(description="A disbursement's day.")
    status = graphene.String(required=True)
    period = graphene.Field(ScorecardPeriod, required=True, description="The days the service figures cover.")
    service = graphene.Field(OutcomeService, required=True)
    by_source = graphene.List(graphene.NonNull(OutcomeMoney), required=True)
    total = graphene.Field(OutcomeMoney, required=True)
    positive_outcome = graphene.String(required=True, description="The closure outcome counted as positive.")
    records_masked = graphene.Boolean(required=True)


class OutcomeRecord(graphene.ObjectType):
    """One record behind a figure (ids, days and codes; never names or ID numbers)."""
    kind = graphene.String(required=True)
    id = graphene.String(required=True, description="Masked for evaluators where it points at a person or "
                                                    "household.")
    station_id = graphene.ID()
    date = Date(description="The day it counts from (visited, opened, approved, first served).")
    detail = JSON(required=True)


OutcomeRecordPage = page_type("OutcomeRecordPage", OutcomeRecord, "records behind an outcome's figures")


class OutcomeQuery(graphene.ObjectType):
    contract_outcome = graphene.Field(ContractOutcome, contract_id=graphene.ID(required=True),
                                      description="What a contract's money paid for in its period, and at what "
                                                  "cost per unit of service, by fund source.")
    disbursement_outcome = graphene.Field(ContractOutcome, disbursement_id=graphene.ID(required=True),
                                          description="What one payment paid for: its contract's stations from "
                                                      "the start up to the payment's day.")
    outcome_records = graphene.Field(
        OutcomeRecordPage, contract_id=graphene.ID(), disbursement_id=graphene.ID(),
        kind=OutcomeRecordKind(required=True),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(description="The nextCursor of the previous page."),
        description="The records behind an outcome's figures (give contractId or disbursementId).")

    @staticmethod
    def resolve_contract_outcome(root, info, contract_id):
        return info.context.service("supervision").contract_outcome(contract_id)

    @staticmethod
    def resolve_disbursement_outcome(root, info, disbursement_id):
        return info.context.service("supervision").disbursement_outcome(disbursement_id)

    @staticmethod
    def resolve_outcome_records(root, info, kind, first=DEFAULT_PAGE_SIZE, **request):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.service("supervision").outcome_records(
            {**given(**request, kind=kind), "limit": limit})
