"""The funding service's mutations: one for every write of its RPC contract, with input types
mirroring its schemas (services/funding/schemas.py), and payloads.

Errors are reported in the response's top-level `errors`, each with `extensions.code` (see
gateway/errors.py, the one mapping): BAD_USER_INPUT with `extensions.details` {camelCase field path →
reasons} (amounts not in whole fen, an invalid credit code, a missing field…); RULE_VIOLATION with
the reason (over-spend of a source, a budget line, a contract or a milestone; a wrong earmark
(专款专用); missing milestone evidence; a bid after the deadline; an award to a bidder that failed
the review…); NOT_FOUND (also for anything outside your scope); FORBIDDEN (read-only roles such as
evaluators, station staff managing money, a region not yours); CONFLICT (a duplicate voucher, an
impossible transition); CONCURRENT_MODIFICATION (re-read and retry with the new `version`). The
mutation's field is then null, and nothing was written.

The input types give clients types and names; the funding service validates the content (its
marshmallow schemas are the authority). Edits take `expectedVersion`, the `version` you read.
"""
from __future__ import annotations

import graphene

from services.common.errors import ValidationFailed

from .base import service_data
from .funding import (
    AwardCriteria,
    Bid,
    BidLeaderRole,
    BudgetLine,
    Contract,
    Disbursement,
    Evaluation,
    EvaluationSubjectKind,
    Fen,
    FlagDecision,
    FundingDomain,
    FundingSource,
    FundingSourceKind,
    IndicatorScheme,
    MilestoneType,
    PlatformMetric,
    ProcurementMethod,
    ReviewChecklistItem,
    Tender,
    loaders,
)
from .scalars import Date, DateTime


# --- inputs: shared ------------------------------------------------------------------------
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


# --- inputs: sources and budget lines ------------------------------------------------------
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


# --- inputs: tenders and bids --------------------------------------------------------------
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


# --- inputs: contracts and disbursements ----------------------------------------------------
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


# --- inputs: evaluation ----------------------------------------------------------------------
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


# --- payloads -----------------------------------------------------------------------------
class FundingSourcePayload(graphene.ObjectType):
    source = graphene.Field(FundingSource, required=True)


class BudgetLinePayload(graphene.ObjectType):
    budget_line = graphene.Field(BudgetLine, required=True)


class TenderPayload(graphene.ObjectType):
    tender = graphene.Field(Tender, required=True)


class BidPayload(graphene.ObjectType):
    bid = graphene.Field(Bid, required=True)
    tender = graphene.Field(Tender, description="The tender after the change.")

    @staticmethod
    def resolve_tender(payload, info):
        return loaders(info).tenders.load(payload["bid"]["tender_id"])


class ContractPayload(graphene.ObjectType):
    contract = graphene.Field(Contract, required=True)


class DisbursementPayload(graphene.ObjectType):
    disbursement = graphene.Field(Disbursement, required=True)
    contract = graphene.Field(Contract, description="The contract after the change.")

    @staticmethod
    def resolve_contract(payload, info):
        return loaders(info).contracts.load(payload["disbursement"]["contract_id"])


class IndicatorSchemePayload(graphene.ObjectType):
    scheme = graphene.Field(IndicatorScheme, required=True)


class EvaluationPayload(graphene.ObjectType):
    evaluation = graphene.Field(Evaluation, required=True)


class BidPersonContact(graphene.ObjectType):
    name = graphene.String(required=True)
    phone = graphene.String(required=True)


class BidPersonLeader(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    role = BidLeaderRole(required=True)
    id_number = graphene.String(required=True)


class BidPersonalData(graphene.ObjectType):
    """Unmasked personal data of a bid. Each read is written to the access log with its reason."""
    tender_id = graphene.ID(required=True)
    bid_id = graphene.ID(required=True)
    contact = graphene.Field(BidPersonContact, required=True)
    leaders = graphene.List(graphene.NonNull(BidPersonLeader), required=True)


def _review_data(data: dict) -> dict:
    """The checklist travels as a list here and as {code: {passed, note}} to the service."""
    checklist: dict = {}
    for index, item in enumerate(data.get("checklist") or []):
        code = item.pop("code")
        if code in checklist:
            raise ValidationFailed.field(f"checklist.{index}.code", f"{code} is listed twice")
        checklist[code] = item
    return {**data, "checklist": checklist}


# --- mutations ----------------------------------------------------------------------------
class FundingMutation(graphene.ObjectType):
    create_funding_source = graphene.Field(FundingSourcePayload, input=CreateFundingSourceInput(required=True))
    update_funding_source = graphene.Field(FundingSourcePayload, id=graphene.ID(required=True),
                                           input=UpdateFundingSourceInput(required=True))
    allocate_budget = graphene.Field(BudgetLinePayload, source_id=graphene.ID(required=True),
                                     input=AllocateBudgetInput(required=True))
    create_tender = graphene.Field(TenderPayload, input=CreateTenderInput(required=True),
                                   description="A draft; publish it to open bidding.")
    update_tender = graphene.Field(TenderPayload, id=graphene.ID(required=True), input=UpdateTenderInput(required=True))
    publish_tender = graphene.Field(TenderPayload, id=graphene.ID(required=True),
                                    expected_version=graphene.Int(required=True))
    cancel_tender = graphene.Field(TenderPayload, id=graphene.ID(required=True), input=CancelTenderInput(required=True))
    record_bid = graphene.Field(BidPayload, tender_id=graphene.ID(required=True), input=RecordBidInput(required=True))
    review_bid = graphene.Field(BidPayload, tender_id=graphene.ID(required=True), bid_id=graphene.ID(required=True),
                                input=ReviewBidInput(required=True))
    award_tender = graphene.Field(TenderPayload, id=graphene.ID(required=True), input=AwardTenderInput(required=True))
    sign_contract = graphene.Field(ContractPayload, tender_id=graphene.ID(required=True),
                                   input=SignContractInput(required=True),
                                   description="Publishes contract.awarded; the registry records the station's "
                                               "operator.")
    amend_contract = graphene.Field(ContractPayload, id=graphene.ID(required=True),
                                    input=AmendContractInput(required=True))
    commit_funding = graphene.Field(ContractPayload, contract_id=graphene.ID(required=True),
                                    input=CommitFundingInput(required=True))
    close_contract = graphene.Field(
        ContractPayload, id=graphene.ID(required=True), input=CloseContractInput(required=True),
        description="Returns the unspent committed money to its budget lines; the contract then takes no payments. "
                    "Refused (RULE_VIOLATION) while payments are held. Publishes contract.closed.")
    record_disbursement = graphene.Field(
        DisbursementPayload, contract_id=graphene.ID(required=True), input=RecordDisbursementInput(required=True),
        description="Refused over a limit, against the earmark or without the milestone's evidence; held "
                    "(flagged, with the reasons) when the staffing promise is not kept.")
    resolve_disbursement_flag = graphene.Field(
        DisbursementPayload, contract_id=graphene.ID(required=True), disbursement_id=graphene.ID(required=True),
        input=ResolveFlagInput(required=True), description="Release or cancel a held disbursement.")
    define_indicator_scheme = graphene.Field(IndicatorSchemePayload, input=DefineIndicatorSchemeInput(required=True))
    update_indicator_scheme = graphene.Field(IndicatorSchemePayload, id=graphene.ID(required=True),
                                             input=UpdateIndicatorSchemeInput(required=True))
    commission_evaluation = graphene.Field(EvaluationPayload, input=CommissionEvaluationInput(required=True))
    score_evaluation = graphene.Field(EvaluationPayload, id=graphene.ID(required=True),
                                      input=ScoreEvaluationInput(required=True),
                                      description="For the evaluators named in the commission.")
    complete_evaluation = graphene.Field(EvaluationPayload, id=graphene.ID(required=True),
                                         input=CompleteEvaluationInput(required=True),
                                         description="Every indicator scored: gives the total and the grade.")
    reveal_bid_personal_data = graphene.Field(
        BidPersonalData, tender_id=graphene.ID(required=True), bid_id=graphene.ID(required=True),
        reason=graphene.String(required=True),
        description="Reveal a bid's contact phone and leaders' ID numbers (administrators, county staff). "
                    "A mutation because it is logged.")

    @staticmethod
    def resolve_create_funding_source(root, info, input):
        return {"source": info.context.funding.create_source(service_data(input))}

    @staticmethod
    def resolve_update_funding_source(root, info, id, input):
        return {"source": info.context.funding.update_source(id, service_data(input))}

    @staticmethod
    def resolve_allocate_budget(root, info, source_id, input):
        return {"budget_line": info.context.funding.allocate_budget(source_id, service_data(input))}

    @staticmethod
    def resolve_create_tender(root, info, input):
        return {"tender": info.context.funding.create_tender(service_data(input))}

    @staticmethod
    def resolve_update_tender(root, info, id, input):
        return {"tender": info.context.funding.update_tender(id, service_data(input))}

    @staticmethod
    def resolve_publish_tender(root, info, id, expected_version):
        return {"tender": info.context.funding.publish_tender(id, {"expected_version": expected_version})}

    @staticmethod
    def resolve_cancel_tender(root, info, id, input):
        return {"tender": info.context.funding.cancel_tender(id, service_data(input))}

    @staticmethod
    def resolve_record_bid(root, info, tender_id, input):
        return {"bid": info.context.funding.record_bid(tender_id, service_data(input))}

    @staticmethod
    def resolve_review_bid(root, info, tender_id, bid_id, input):
        return {"bid": info.context.funding.review_bid(tender_id, bid_id, _review_data(service_data(input)))}

    @staticmethod
    def resolve_award_tender(root, info, id, input):
        return {"tender": info.context.funding.award_tender(id, service_data(input))}

    @staticmethod
    def resolve_sign_contract(root, info, tender_id, input):
        return {"contract": info.context.funding.sign_contract(tender_id, service_data(input))}

    @staticmethod
    def resolve_amend_contract(root, info, id, input):
        return {"contract": info.context.funding.amend_contract(id, service_data(input))}

    @staticmethod
    def resolve_close_contract(root, info, id, input):
        return {"contract": info.context.funding.close_contract(id, service_data(input))}

    @staticmethod
    def resolve_commit_funding(root, info, contract_id, input):
        return {"contract": info.context.funding.commit_funding(contract_id, service_data(input))}

    @staticmethod
    def resolve_record_disbursement(root, info, contract_id, input):
        return {"disbursement": info.context.funding.record_disbursement(contract_id, service_data(input))}

    @staticmethod
    def resolve_resolve_disbursement_flag(root, info, contract_id, disbursement_id, input):
        return {"disbursement": info.context.funding.resolve_flag(contract_id, disbursement_id, service_data(input))}

    @staticmethod
    def resolve_define_indicator_scheme(root, info, input):
        return {"scheme": info.context.funding.define_indicator_scheme(service_data(input))}

    @staticmethod
    def resolve_update_indicator_scheme(root, info, id, input):
        return {"scheme": info.context.funding.update_indicator_scheme(id, service_data(input))}

    @staticmethod
    def resolve_commission_evaluation(root, info, input):
        return {"evaluation": info.context.funding.commission_evaluation(service_data(input))}

    @staticmethod
    def resolve_score_evaluation(root, info, id, input):
        return {"evaluation": info.context.funding.score_evaluation(id, service_data(input))}

    @staticmethod
    def resolve_complete_evaluation(root, info, id, input):
        return {"evaluation": info.context.funding.complete_evaluation(id, service_data(input))}

    @staticmethod
    def resolve_reveal_bid_personal_data(root, info, tender_id, bid_id, reason):
        revealed = info.context.funding.reveal_bid_personal_data(tender_id, bid_id, reason)
        return {"tender_id": tender_id, "bid_id": bid_id, **revealed}
