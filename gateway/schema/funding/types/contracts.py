"""Purchase-of-service contracts: milestones, funding, amendments, closure and promised staffing."""
from __future__ import annotations

import graphene

from gateway.loaders import loader, then
from gateway.schema.base import at_most, first_arg
from gateway.schema.funding.enums import ContractStatus, FundingDomain, FundingSourceKind, MilestoneType, PlatformMetric
from gateway.schema.funding.money import Fen
from gateway.schema.funding.types.common import DateRange, PublicBody
from gateway.schema.funding.types.sources import BudgetLine
from gateway.schema.funding.types.tenders import Tender
from gateway.schema.registry.enums import RuleStatus
from gateway.schema.registry.loaders import stations_by_ids
from gateway.schema.registry.types import Organisation, Station
from gateway.schema.scalars import JSON, Date, DateTime


class ReferenceWage(graphene.ObjectType):
    """The local average wage the promised pay was checked against."""
    monthly_wage_fen = Fen(required=True)
    region_code = graphene.String(required=True)
    year = graphene.Int(required=True)


class StaffingPromise(graphene.ObjectType):
    """What the operator promises: professional social workers per station, paid not below the
    local average wage."""
    professional_social_workers_per_station = graphene.Int(required=True)
    monthly_pay_fen = Fen(required=True)
    social_insurance = graphene.Boolean()
    reference_wage = graphene.Field(ReferenceWage)


class MetricTarget(graphene.ObjectType):
    name = PlatformMetric(required=True)
    target = graphene.Int(required=True)


class MilestoneEvidenceRule(graphene.ObjectType):
    """What a payment of the milestone needs: documents, a platform figure, an evaluation grade."""
    documents_required = graphene.Boolean(required=True)
    metric = graphene.Field(MetricTarget)
    min_grade = graphene.String()


class Milestone(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    type = MilestoneType(required=True)
    domain = FundingDomain()
    due_on = Date(required=True)
    amount_fen = Fen(required=True)
    deliverables = graphene.List(graphene.NonNull(graphene.String), required=True)
    evidence = graphene.Field(MilestoneEvidenceRule, required=True)
    paid_fen = Fen(required=True)
    held_fen = Fen(required=True, description="Flagged payments awaiting review.")
    remaining_fen = Fen(required=True)

    @staticmethod
    def resolve_deliverables(milestone, info):
        return milestone.get("deliverables") or []


class ContractFunding(graphene.ObjectType):
    """Money a budget line committed to the contract, and what of it was paid or is held."""
    budget_line_id = graphene.ID(required=True)
    budget_line = graphene.Field(BudgetLine)
    source_id = graphene.ID(required=True)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)
    source_domain = FundingDomain()
    funder_name = graphene.String(required=True)
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True)
    station_id = graphene.ID()
    committed_fen = Fen(required=True)
    paid_fen = Fen(required=True)
    held_fen = Fen(required=True)

    @staticmethod
    def resolve_budget_line(funding, info):
        return loader(info, "funding.budget_lines").load(funding["budget_line_id"])


class AmendmentChange(graphene.ObjectType):
    """One field an amendment changed. `before`/`after` are the service's values (snake_case keys)."""
    field = graphene.String(required=True, description="amount_fen, period_end, station_ids, milestones, "
                                                       "staffing_promise")
    before = JSON()
    after = JSON()


class ContractReturn(graphene.ObjectType):
    """Unspent committed money a closed contract gave back to one budget line."""
    budget_line_id = graphene.ID(required=True)
    source_id = graphene.ID(required=True)
    amount_fen = Fen(required=True)


class ContractClosure(graphene.ObjectType):
    closed_on = Date(required=True)
    reason = graphene.String(required=True)
    at = DateTime(required=True)
    by = graphene.String(required=True)
    returned_fen = Fen(required=True, description="Committed, never paid, and given back to the budget lines.")
    returns = graphene.List(graphene.NonNull(ContractReturn), required=True)


class Amendment(graphene.ObjectType):
    id = graphene.ID(required=True)
    at = DateTime(required=True)
    by = graphene.String(required=True)
    reason = graphene.String(required=True)
    changes = graphene.List(graphene.NonNull(AmendmentChange), required=True)

    @staticmethod
    def resolve_changes(amendment, info):
        return [{"field": name, **change} for name, change in (amendment.get("changes") or {}).items()]


class StationStaffingFigures(graphene.ObjectType):
    """A station's staffing as the registry's events reported it."""
    station_id = graphene.ID(required=True)
    staff = graphene.Int(description="Staff in post; null when the registry has reported none.")
    professional_staff = graphene.Int()
    salary = RuleStatus(required=True, description="The registry's pay rule (not below the local average wage).")
    social_insurance = RuleStatus(required=True)
    compliance_as_of = Date()


class ContractStaffing(graphene.ObjectType):
    """Whether the operator keeps its staffing promise on `on`, station by station."""
    contract_id = graphene.ID(required=True)
    on = Date(required=True)
    kept = graphene.Boolean(required=True)
    problems = graphene.List(graphene.NonNull(graphene.String), required=True)
    promise = graphene.Field(StaffingPromise, required=True)
    stations = graphene.List(graphene.NonNull(StationStaffingFigures), required=True)


class Contract(graphene.ObjectType):
    """A contract signed from a tender's award: the operator runs the stations for the period,
    for the amount, keeping its staffing promise; paid by milestone from committed budget lines."""
    id = graphene.ID(required=True)
    tender_id = graphene.ID(required=True)
    tender = graphene.Field(Tender)
    ocid = graphene.String(required=True)
    title = graphene.String(required=True)
    region_code = graphene.String(required=True)
    buyer = graphene.Field(PublicBody, required=True)
    operator = graphene.Field(Organisation, required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    stations = graphene.List(graphene.NonNull(Station), description="The registry's stations (those you may see).")
    service_domains = graphene.List(graphene.NonNull(FundingDomain), required=True)
    period = graphene.Field(DateRange, required=True)
    amount_fen = Fen(required=True)
    signed_on = Date(required=True)
    status = ContractStatus(required=True)
    staffing_promise = graphene.Field(StaffingPromise, required=True)
    milestones = graphene.List(graphene.NonNull(Milestone), required=True)
    funding = graphene.List(graphene.NonNull(ContractFunding), required=True)
    committed_fen = Fen(required=True, description="Committed from budget lines.")
    paid_fen = Fen(required=True)
    held_fen = Fen(required=True, description="Flagged payments awaiting review.")
    remaining_fen = Fen(required=True, description="Neither paid nor held.")
    open_flags = graphene.Int(required=True, description="Held disbursements not resolved yet.")
    amendments = graphene.List(graphene.NonNull(Amendment), required=True, description="Oldest first.")
    closure = graphene.Field(ContractClosure, description="How the contract was closed; null while active.")
    version = graphene.Int(required=True, description="Pass as expectedVersion when amending the contract.")
    disbursements = graphene.List(graphene.NonNull("gateway.schema.funding.types.disbursements.Disbursement"),
                                  first=first_arg())
    evaluations = graphene.List(graphene.NonNull("gateway.schema.funding.types.evaluations.Evaluation"),
                                first=first_arg(),
                                description="Third-party evaluations of this contract.")
    staffing = graphene.Field(ContractStaffing, on=Date(description="Check on this date; default today."),
                              description="The staffing promise against the registry's figures.")

    @staticmethod
    def resolve_tender(contract, info):
        return loader(info, "funding.tenders").load(contract["tender_id"])

    @staticmethod
    def resolve_stations(contract, info):
        return stations_by_ids(info, contract["station_ids"])

    @staticmethod
    def resolve_disbursements(contract, info, first=None):
        return then(loader(info, "funding.disbursements").load(contract["id"]), at_most(first))

    @staticmethod
    def resolve_evaluations(contract, info, first=None):
        return then(loader(info, "funding.evaluations_for_contracts").load(contract["id"]), at_most(first))

    @staticmethod
    def resolve_staffing(contract, info, on=None):
        return loader(info, "funding.staffing").load((contract["id"], on))
