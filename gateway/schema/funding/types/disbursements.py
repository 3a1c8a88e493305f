"""Disbursements with their evidence and flags, and the platform figures they rest on."""
from __future__ import annotations

import graphene

from gateway.loaders import loader, then
from gateway.schema.funding.enums import DisbursementStatus, FlagDecision, FundingSourceKind
from gateway.schema.funding.money import Fen
from gateway.schema.funding.types.common import SupportingDocument
from gateway.schema.funding.types.contracts import Contract, Milestone
from gateway.schema.funding.types.sources import BudgetLine
from gateway.schema.registry.types import Organisation
from gateway.schema.scalars import Date, DateTime


class PlatformFigureWindow(graphene.ObjectType):
    start = Date(required=True)
    end = Date(required=True)


class PlatformFigures(graphene.ObjectType):
    """The platform's own figures a milestone was measured by (or, for staffing, the problems found)."""
    metric = graphene.String(required=True, description="A PlatformMetric value, or `staffing`.")
    value = graphene.Float()
    target = graphene.Int()
    problems = graphene.List(graphene.NonNull(graphene.String))
    window = graphene.Field(PlatformFigureWindow)


class EvaluationResult(graphene.ObjectType):
    id = graphene.ID(required=True)
    grade = graphene.String()
    total = graphene.Float()


class DisbursementEvidence(graphene.ObjectType):
    documents = graphene.List(graphene.NonNull(SupportingDocument), required=True)
    platform_figures = graphene.Field(PlatformFigures)
    evaluation = graphene.Field(EvaluationResult)

    @staticmethod
    def resolve_documents(evidence, info):
        return evidence.get("documents") or []


class FlagResolution(graphene.ObjectType):
    decision = FlagDecision(required=True)
    reason = graphene.String(required=True)
    at = DateTime(required=True)
    by = graphene.String(required=True)


class Disbursement(graphene.ObjectType):
    """A payment of a contract milestone from a budget line. Held (flagged) when the operator does
    not keep its staffing promise: `flags` says why, until a supervisor releases or cancels it."""
    id = graphene.ID(required=True)
    voucher_number = graphene.String(required=True)
    contract_id = graphene.ID(required=True)
    contract = graphene.Field(Contract)
    milestone_id = graphene.ID(required=True)
    milestone = graphene.Field(Milestone)
    budget_line_id = graphene.ID(required=True)
    budget_line = graphene.Field(BudgetLine)
    source_id = graphene.ID(required=True)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)
    funder_name = graphene.String(required=True)
    year = graphene.Int(required=True, description="The budget year of the money.")
    region_code = graphene.String(required=True)
    amount_fen = Fen(required=True)
    paid_on = Date(required=True)
    status = DisbursementStatus(required=True)
    flagged = graphene.Boolean(required=True)
    flags = graphene.List(graphene.NonNull(graphene.String), required=True, description="Why it was held.")
    evidence = graphene.Field(DisbursementEvidence, required=True)
    note = graphene.String()
    recorded_at = DateTime(required=True)
    recorded_by = graphene.String(required=True)
    resolution = graphene.Field(FlagResolution)
    operator = graphene.Field(Organisation, required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    @staticmethod
    def resolve_contract(disbursement, info):
        return loader(info, "funding.contracts").load(disbursement["contract_id"])

    @staticmethod
    def resolve_milestone(disbursement, info):
        wanted = disbursement["milestone_id"]
        return then(loader(info, "funding.contracts").load(disbursement["contract_id"]), lambda contract: next(
            (m for m in (contract or {}).get("milestones", ()) if m["id"] == wanted), None))

    @staticmethod
    def resolve_budget_line(disbursement, info):
        return loader(info, "funding.budget_lines").load(disbursement["budget_line_id"])

    @staticmethod
    def resolve_flagged(disbursement, info):
        return bool(disbursement.get("flags"))

    @staticmethod
    def resolve_flags(disbursement, info):
        return disbursement.get("flags") or []

    @staticmethod
    def resolve_evidence(disbursement, info):
        return disbursement.get("evidence") or {}
