"""The funding service's input types, mirroring its schemas (services/funding/schemas.py)."""
from __future__ import annotations

import graphene

from gateway.schema.funding.enums import (
    AwardCriteria,
    BidLeaderRole,
    EvaluationSubjectKind,
    FlagDecision,
    FundingDomain,
    FundingSourceKind,
    MilestoneType,
    PlatformMetric,
    ProcurementMethod,
    ReviewChecklistItem,
)
from gateway.schema.funding.money import Fen
from gateway.schema.scalars import Date, DateTime


class PublicBodyInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String(description="Unified Social Credit Code, when there is one.")


class OrganisationRefInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True, description="Unified Social Credit Code (checked).")


class DateRangeInput(graphene.InputObjectType):
    start = Date(required=True)
    end = Date(required=True)


class SupportingDocumentInput(graphene.InputObjectType):
    title = graphene.String(required=True)
    number = graphene.String()
    url = graphene.String()


class EarmarkInput(graphene.InputObjectType):
    domains = graphene.List(graphene.NonNull(FundingDomain))
    region_codes = graphene.List(graphene.NonNull(graphene.String))
    station_ids = graphene.List(graphene.NonNull(graphene.ID))


class CreateFundingSourceInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    kind = FundingSourceKind(required=True)
    domain = FundingDomain(description="Required for purchase-of-service and lottery funds.")
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True, description="A 6-digit province, city or county code.")
    funder = graphene.InputField(PublicBodyInput, required=True)
    document_number = graphene.String()
    amount_fen = Fen(required=True)
    earmark = graphene.InputField(EarmarkInput)
    note = graphene.String()


class UpdateFundingSourceInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    name = graphene.String()
    amount_fen = Fen(description="Never below what is already allocated.")
    document_number = graphene.String()
    note = graphene.String()


class FundingProjectInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)


class AllocateBudgetInput(graphene.InputObjectType):
    """Name either a station or a project."""
    station_id = graphene.ID()
    project = graphene.InputField(FundingProjectInput)
    domain = FundingDomain()
    amount_fen = Fen(required=True, description="At most what the source has not allocated yet.")
    note = graphene.String()


class TenderProjectInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    year = graphene.Int(required=True)
    rationale = graphene.String()


class CreateTenderInput(graphene.InputObjectType):
    title = graphene.String(required=True)
    description = graphene.String()
    region_code = graphene.String(required=True, description="The buyer's region: 6-digit county or above.")
    buyer = graphene.InputField(PublicBodyInput, required=True)
    project = graphene.InputField(TenderProjectInput, required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    service_domains = graphene.List(graphene.NonNull(FundingDomain), required=True)
    method = ProcurementMethod(required=True)
    budget_fen = Fen(required=True, description="The ceiling price.")
    deadline = DateTime(required=True,
                        description="Bidding closes; at least the method's minimum days after publishing.")
    contract_period = graphene.InputField(DateRangeInput, required=True)
    eligibility = graphene.List(graphene.NonNull(graphene.String))
    award_criteria = AwardCriteria()
    documents = graphene.List(graphene.NonNull(SupportingDocumentInput))


class UpdateTenderInput(graphene.InputObjectType):
    """Drafts only; only the fields given change."""
    expected_version = graphene.Int(required=True)
    title = graphene.String()
    description = graphene.String()
    buyer = graphene.InputField(PublicBodyInput)
    project = graphene.InputField(TenderProjectInput)
    station_ids = graphene.List(graphene.NonNull(graphene.ID))
    service_domains = graphene.List(graphene.NonNull(FundingDomain))
    method = ProcurementMethod()
    budget_fen = Fen()
    deadline = DateTime()
    contract_period = graphene.InputField(DateRangeInput)
    eligibility = graphene.List(graphene.NonNull(graphene.String))
    award_criteria = AwardCriteria()
    documents = graphene.List(graphene.NonNull(SupportingDocumentInput))


class CancelTenderInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    reason = graphene.String(required=True)


class BidOrganisationInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True, description="Unified Social Credit Code (checked).")
    qualifications = graphene.List(graphene.NonNull(graphene.String))
    charity_recognised = graphene.Boolean()


class BidContactInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    phone = graphene.String(required=True, description="Stored encrypted; shown masked.")


class BidLeaderInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    role = BidLeaderRole(required=True)
    id_number = graphene.String(required=True, description="18-character resident ID number; stored encrypted.")


class RecordBidInput(graphene.InputObjectType):
    """A bid as it arrived (procurement staff register bids; operators hold no account)."""
    organisation = graphene.InputField(BidOrganisationInput, required=True)
    contact = graphene.InputField(BidContactInput, required=True)
    leaders = graphene.List(graphene.NonNull(BidLeaderInput), required=True,
                            description="Include the responsible person (负责人).")
    price_fen = Fen(required=True, description="Not above the tender's ceiling price.")
    proposal = graphene.String()


class ChecklistItemInput(graphene.InputObjectType):
    code = ReviewChecklistItem(required=True)
    passed = graphene.Boolean(required=True)
    note = graphene.String()


class LeaderReviewInput(graphene.InputObjectType):
    leader_id = graphene.ID(required=True)
    political_quality = graphene.Boolean(required=True)
    work_experience = graphene.Boolean(required=True)
    professional_ethics = graphene.Boolean(required=True)
    note = graphene.String()


class CriterionScoreInput(graphene.InputObjectType):
    criterion = graphene.String(required=True)
    score = graphene.Float(required=True)
    max_score = graphene.Float(required=True)


class ReviewBidInput(graphene.InputObjectType):
    """After the deadline: every checklist item once, every leader of the bid once, and scores
    whose maximums add up to 100."""
    expected_version = graphene.Int(required=True, description="The tender's version.")
    checklist = graphene.List(graphene.NonNull(ChecklistItemInput), required=True)
    leaders = graphene.List(graphene.NonNull(LeaderReviewInput), required=True)
    scores = graphene.List(graphene.NonNull(CriterionScoreInput), required=True)


class AwardTenderInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    bid_id = graphene.ID(required=True)
    reason = graphene.String(description="Required when the award does not go to the highest score.")


class MetricTargetInput(graphene.InputObjectType):
    name = PlatformMetric(required=True)
    target = graphene.Int(required=True)


class MilestoneEvidenceInput(graphene.InputObjectType):
    documents_required = graphene.Boolean()
    metric = graphene.InputField(MetricTargetInput)
    min_grade = graphene.String(description="The evaluation grade the payment needs.")


class MilestoneInput(graphene.InputObjectType):
    id = graphene.ID(required=True, description="Letters, digits, - and _, up to 20.")
    title = graphene.String(required=True)
    type = MilestoneType(required=True)
    domain = FundingDomain()
    due_on = Date(required=True)
    amount_fen = Fen(required=True, description="The milestones add up to the contract amount.")
    deliverables = graphene.List(graphene.NonNull(graphene.String))
    evidence = graphene.InputField(MilestoneEvidenceInput)


class StaffingPromiseInput(graphene.InputObjectType):
    professional_social_workers_per_station = graphene.Int(required=True)
    monthly_pay_fen = Fen(required=True, description="Not below the local average wage.")
    social_insurance = graphene.Boolean()


class SignContractInput(graphene.InputObjectType):
    """Title, stations, period, amount and domains default to the tender's and its award's."""
    signed_on = Date(required=True)
    staffing_promise = graphene.InputField(StaffingPromiseInput, required=True)
    milestones = graphene.List(graphene.NonNull(MilestoneInput), required=True)
    title = graphene.String()
    station_ids = graphene.List(graphene.NonNull(graphene.ID))
    period = graphene.InputField(DateRangeInput)
    amount_fen = Fen(description="At most the awarded price.")
    service_domains = graphene.List(graphene.NonNull(FundingDomain))


class AmendContractInput(graphene.InputObjectType):
    """The history keeps each changed field's value before and after, with the reason."""
    expected_version = graphene.Int(required=True)
    reason = graphene.String(required=True)
    amount_fen = Fen()
    period_end = Date()
    station_ids = graphene.List(graphene.NonNull(graphene.ID))
    milestones = graphene.List(graphene.NonNull(MilestoneInput))
    staffing_promise = graphene.InputField(StaffingPromiseInput)


class CloseContractInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    closed_on = Date(required=True, description="On or after the last payment; not in the future.")
    reason = graphene.String(required=True)


class CommitFundingInput(graphene.InputObjectType):
    budget_line_id = graphene.ID(required=True)
    amount_fen = Fen(required=True, description="At most what the line and the contract still have room for.")


class DisbursementEvidenceInput(graphene.InputObjectType):
    documents = graphene.List(graphene.NonNull(SupportingDocumentInput))
    evaluation_id = graphene.ID(description="A completed evaluation, for milestones that need a grade.")


class RecordDisbursementInput(graphene.InputObjectType):
    milestone_id = graphene.ID(required=True)
    budget_line_id = graphene.ID(required=True, description="A line that committed money to this contract.")
    amount_fen = Fen(required=True)
    paid_on = Date(required=True)
    voucher_number = graphene.String(required=True)
    evidence = graphene.InputField(DisbursementEvidenceInput)
    note = graphene.String()


class ResolveFlagInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True, description="The contract's version.")
    decision = FlagDecision(required=True)
    reason = graphene.String(required=True)


class IndicatorInput(graphene.InputObjectType):
    code = graphene.String(required=True)
    title = graphene.String(required=True)
    category = graphene.String(required=True)
    weight = graphene.Int(required=True, description="The weights of a scheme add up to 100.")
    max_score = graphene.Int(required=True)
    guidance = graphene.String()


class GradeInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    min_total = graphene.Float(required=True, description="One grade starts at 0.")


class DefineIndicatorSchemeInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)
    description = graphene.String()
    indicators = graphene.List(graphene.NonNull(IndicatorInput), required=True)
    grades = graphene.List(graphene.NonNull(GradeInput), required=True)


class UpdateIndicatorSchemeInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    name = graphene.String()
    description = graphene.String()
    indicators = graphene.List(graphene.NonNull(IndicatorInput))
    grades = graphene.List(graphene.NonNull(GradeInput))


class EvaluationSubjectInput(graphene.InputObjectType):
    kind = EvaluationSubjectKind(required=True)
    id = graphene.ID(required=True)


class CommissionEvaluationInput(graphene.InputObjectType):
    subject = graphene.InputField(EvaluationSubjectInput, required=True)
    scheme_id = graphene.ID(required=True)
    evaluator = graphene.InputField(OrganisationRefInput, required=True)
    evaluator_user_ids = graphene.List(graphene.NonNull(graphene.String), required=True,
                                       description="The evaluator's users who may score it.")
    period = graphene.InputField(DateRangeInput)
    due_on = Date(required=True)


class IndicatorScoreInput(graphene.InputObjectType):
    indicator = graphene.String(required=True, description="An indicator code of the evaluation's scheme.")
    score = graphene.Float(required=True)
    comment = graphene.String(required=True)
    evidence = graphene.List(graphene.NonNull(SupportingDocumentInput))


class ScoreEvaluationInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    scores = graphene.List(graphene.NonNull(IndicatorScoreInput), required=True)


class CompleteEvaluationInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    summary = graphene.String(required=True)
