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

from gateway.loaders import loader
from gateway.schema.base import service_data
from gateway.schema.funding.enums import BidLeaderRole
from gateway.schema.funding.inputs import (
    AllocateBudgetInput,
    AmendContractInput,
    AwardTenderInput,
    CancelTenderInput,
    CloseContractInput,
    CommissionEvaluationInput,
    CommitFundingInput,
    CompleteEvaluationInput,
    CreateFundingSourceInput,
    CreateTenderInput,
    DefineIndicatorSchemeInput,
    RecordBidInput,
    RecordDisbursementInput,
    ResolveFlagInput,
    ReviewBidInput,
    ScoreEvaluationInput,
    SignContractInput,
    UpdateFundingSourceInput,
    UpdateIndicatorSchemeInput,
    UpdateTenderInput,
)
from gateway.schema.funding.types.contracts import Contract
from gateway.schema.funding.types.disbursements import Disbursement
from gateway.schema.funding.types.evaluations import Evaluation, IndicatorScheme
from gateway.schema.funding.types.sources import BudgetLine, FundingSource
from gateway.schema.funding.types.tenders import Bid, Tender
from services.common.errors import ValidationFailed


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
        return loader(info, "funding.tenders").load(payload["bid"]["tender_id"])


class ContractPayload(graphene.ObjectType):
    contract = graphene.Field(Contract, required=True)


class DisbursementPayload(graphene.ObjectType):
    disbursement = graphene.Field(Disbursement, required=True)
    contract = graphene.Field(Contract, description="The contract after the change.")

    @staticmethod
    def resolve_contract(payload, info):
        return loader(info, "funding.contracts").load(payload["disbursement"]["contract_id"])


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
        return {"source": info.context.service("funding").create_source(service_data(input))}

    @staticmethod
    def resolve_update_funding_source(root, info, id, input):
        return {"source": info.context.service("funding").update_source(id, service_data(input))}

    @staticmethod
    def resolve_allocate_budget(root, info, source_id, input):
        return {"budget_line": info.context.service("funding").allocate_budget(source_id, service_data(input))}

    @staticmethod
    def resolve_create_tender(root, info, input):
        return {"tender": info.context.service("funding").create_tender(service_data(input))}

    @staticmethod
    def resolve_update_tender(root, info, id, input):
        return {"tender": info.context.service("funding").update_tender(id, service_data(input))}

    @staticmethod
    def resolve_publish_tender(root, info, id, expected_version):
        return {"tender": info.context.service("funding").publish_tender(id, {"expected_version": expected_version})}

    @staticmethod
    def resolve_cancel_tender(root, info, id, input):
        return {"tender": info.context.service("funding").cancel_tender(id, service_data(input))}

    @staticmethod
    def resolve_record_bid(root, info, tender_id, input):
        return {"bid": info.context.service("funding").record_bid(tender_id, service_data(input))}

    @staticmethod
    def resolve_review_bid(root, info, tender_id, bid_id, input):
        return {"bid": info.context.service("funding").review_bid(tender_id, bid_id, _review_data(service_data(input)))}

    @staticmethod
    def resolve_award_tender(root, info, id, input):
        return {"tender": info.context.service("funding").award_tender(id, service_data(input))}

    @staticmethod
    def resolve_sign_contract(root, info, tender_id, input):
        return {"contract": info.context.service("funding").sign_contract(tender_id, service_data(input))}

    @staticmethod
    def resolve_amend_contract(root, info, id, input):
        return {"contract": info.context.service("funding").amend_contract(id, service_data(input))}

    @staticmethod
    def resolve_close_contract(root, info, id, input):
        return {"contract": info.context.service("funding").close_contract(id, service_data(input))}

    @staticmethod
    def resolve_commit_funding(root, info, contract_id, input):
        return {"contract": info.context.service("funding").commit_funding(contract_id, service_data(input))}

    @staticmethod
    def resolve_record_disbursement(root, info, contract_id, input):
        return {"disbursement": info.context.service("funding").record_disbursement(contract_id, service_data(input))}

    @staticmethod
    def resolve_resolve_disbursement_flag(root, info, contract_id, disbursement_id, input):
        funding = info.context.service("funding")
        return {"disbursement": funding.resolve_flag(contract_id, disbursement_id, service_data(input))}

    @staticmethod
    def resolve_define_indicator_scheme(root, info, input):
        return {"scheme": info.context.service("funding").define_indicator_scheme(service_data(input))}

    @staticmethod
    def resolve_update_indicator_scheme(root, info, id, input):
        return {"scheme": info.context.service("funding").update_indicator_scheme(id, service_data(input))}

    @staticmethod
    def resolve_commission_evaluation(root, info, input):
        return {"evaluation": info.context.service("funding").commission_evaluation(service_data(input))}

    @staticmethod
    def resolve_score_evaluation(root, info, id, input):
        return {"evaluation": info.context.service("funding").score_evaluation(id, service_data(input))}

    @staticmethod
    def resolve_complete_evaluation(root, info, id, input):
        return {"evaluation": info.context.service("funding").complete_evaluation(id, service_data(input))}

    @staticmethod
    def resolve_reveal_bid_personal_data(root, info, tender_id, bid_id, reason):
        revealed = info.context.service("funding").reveal_bid_personal_data(tender_id, bid_id, reason)
        return {"tender_id": tender_id, "bid_id": bid_id, **revealed}
