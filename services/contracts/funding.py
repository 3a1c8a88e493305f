"""Event contracts the funding service publishes. Producers and consumers both import these.

Names follow the OCDS stages (tender, award, contract, implementation) in the past tense. No
payload carries personal data: bids name the organisation, never its leaders or contact person.
Money is integer fen.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from services.common.events import contract

PRODUCER = "funding"


class ContractAwardedV1(Schema):
    contract_id = fields.String(required=True)
    tender_id = fields.String(required=True)
    operator_name = fields.String(required=True)
    operator_credit_code = fields.String(required=True)
    station_ids = fields.List(fields.String(), required=True)
    region_code = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    amount_fen = fields.Integer(required=True)
    promised_professional_staff = fields.Integer(required=True)


CONTRACT_AWARDED = contract("contract.awarded", 1, PRODUCER, ContractAwardedV1,
                            "a purchase-of-service contract was awarded to an operator organisation")


class FundingSourceRegisteredV1(Schema):
    source_id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    domain = fields.String(required=True, allow_none=True)
    year = fields.Integer(required=True)
    region_code = fields.String(required=True)
    amount_fen = fields.Integer(required=True)
    earmark_domains = fields.List(fields.String(), required=True)


FUNDING_SOURCE_REGISTERED = contract("funding_source.registered", 1, PRODUCER, FundingSourceRegisteredV1,
                                     "a funding source (fiscal, purchase of services, lottery, charity) was registered")


class BudgetAllocatedV1(Schema):
    budget_line_id = fields.String(required=True)
    source_id = fields.String(required=True)
    source_kind = fields.String(required=True)
    source_domain = fields.String(required=True, allow_none=True)
    year = fields.Integer(required=True)
    region_code = fields.String(required=True)
    station_id = fields.String(required=True, allow_none=True)
    project_name = fields.String(required=True, allow_none=True)
    amount_fen = fields.Integer(required=True)


BUDGET_ALLOCATED = contract("budget.allocated", 1, PRODUCER, BudgetAllocatedV1,
                            "part of a funding source was allocated to a station or project (a budget line)")


class TenderPublishedV1(Schema):
    tender_id = fields.String(required=True)
    ocid = fields.String(required=True)
    title = fields.String(required=True)
    region_code = fields.String(required=True)
    station_ids = fields.List(fields.String(), required=True)
    service_domains = fields.List(fields.String(), required=True)
    method = fields.String(required=True)
    budget_fen = fields.Integer(required=True)
    deadline = fields.String(required=True)
    published_at = fields.String(required=True)


TENDER_PUBLISHED = contract("tender.published", 1, PRODUCER, TenderPublishedV1,
                            "a purchase-of-service tender was published with its deadline")


class BidReceivedV1(Schema):
    tender_id = fields.String(required=True)
    bid_id = fields.String(required=True)
    operator_name = fields.String(required=True)
    operator_credit_code = fields.String(required=True)
    price_fen = fields.Integer(required=True)
    received_at = fields.String(required=True)


BID_RECEIVED = contract("bid.received", 1, PRODUCER, BidReceivedV1,
                        "an operator organisation's bid was received before the deadline")


class BidReviewedV1(Schema):
    tender_id = fields.String(required=True)
    bid_id = fields.String(required=True)
    operator_credit_code = fields.String(required=True)
    qualified = fields.Boolean(required=True)
    total_score = fields.Float(required=True, allow_none=True)
    failed_items = fields.List(fields.String(), required=True)


BID_REVIEWED = contract("bid.reviewed", 1, PRODUCER, BidReviewedV1,
                        "a bid's review checklist, leaders' review and scores were recorded")


class TenderAwardedV1(Schema):
    tender_id = fields.String(required=True)
    bid_id = fields.String(required=True)
    operator_name = fields.String(required=True)
    operator_credit_code = fields.String(required=True)
    amount_fen = fields.Integer(required=True)
    region_code = fields.String(required=True)


TENDER_AWARDED = contract("tender.awarded", 1, PRODUCER, TenderAwardedV1,
                          "a tender was awarded to one qualified bid")


class ContractAmendedV1(Schema):
    contract_id = fields.String(required=True)
    amendment_id = fields.String(required=True)
    reason = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)
    amount_fen = fields.Integer(required=True)
    period_end = fields.Date(required=True)
    station_ids = fields.List(fields.String(), required=True)


CONTRACT_AMENDED = contract("contract.amended", 1, PRODUCER, ContractAmendedV1,
                            "a contract was amended (with the reason; the history is kept)")


class ContractReturnV1(Schema):
    budget_line_id = fields.String(required=True)
    source_id = fields.String(required=True)
    amount_fen = fields.Integer(required=True)


class ContractClosedV1(Schema):
    contract_id = fields.String(required=True)
    region_code = fields.String(required=True)
    station_ids = fields.List(fields.String(), required=True)
    closed_on = fields.Date(required=True)
    reason = fields.String(required=True)
    paid_fen = fields.Integer(required=True)
    returned_fen = fields.Integer(required=True)
    returns = fields.List(fields.Nested(ContractReturnV1), required=True)


CONTRACT_CLOSED = contract("contract.closed", 1, PRODUCER, ContractClosedV1,
                           "a contract was closed: its unspent committed money went back to its budget lines")


class FundingCommittedV1(Schema):
    contract_id = fields.String(required=True)
    commitment_id = fields.String(required=True)
    budget_line_id = fields.String(required=True)
    source_id = fields.String(required=True)
    source_kind = fields.String(required=True)
    amount_fen = fields.Integer(required=True)


FUNDING_COMMITTED = contract("contract.funding_committed", 1, PRODUCER, FundingCommittedV1,
                             "part of a budget line was committed to a contract")


class DisbursementSchema(Schema):
    disbursement_id = fields.String(required=True)
    contract_id = fields.String(required=True)
    milestone_id = fields.String(required=True)
    budget_line_id = fields.String(required=True)
    source_id = fields.String(required=True)
    source_kind = fields.String(required=True)
    operator_credit_code = fields.String(required=True)
    station_ids = fields.List(fields.String(), required=True)
    region_code = fields.String(required=True)
    amount_fen = fields.Integer(required=True)
    paid_on = fields.Date(required=True)
    voucher_number = fields.String(required=True)


class DisbursementMadeV1(DisbursementSchema):
    pass


DISBURSEMENT_MADE = contract("disbursement.made", 1, PRODUCER, DisbursementMadeV1,
                             "a contract milestone was paid from a budget line")


class DisbursementFlaggedV1(DisbursementSchema):
    reasons = fields.List(fields.String(), required=True)


DISBURSEMENT_FLAGGED = contract("disbursement.flagged", 1, PRODUCER, DisbursementFlaggedV1,
                                "a disbursement was held for review, with the reasons (e.g. staffing promise not met)")


class DisbursementFlagResolvedV1(Schema):
    disbursement_id = fields.String(required=True)
    contract_id = fields.String(required=True)
    decision = fields.String(required=True)
    reason = fields.String(required=True)
    amount_fen = fields.Integer(required=True)


DISBURSEMENT_FLAG_RESOLVED = contract("disbursement.flag_resolved", 1, PRODUCER, DisbursementFlagResolvedV1,
                                      "a held disbursement was released (paid) or cancelled, with the reason")


class EvaluationCommissionedV1(Schema):
    evaluation_id = fields.String(required=True)
    subject_kind = fields.String(required=True)
    subject_id = fields.String(required=True)
    region_code = fields.String(required=True)
    evaluator_name = fields.String(required=True)
    evaluator_credit_code = fields.String(required=True)
    scheme_id = fields.String(required=True)
    due_on = fields.Date(required=True)


class EvaluationCommissionedV2(EvaluationCommissionedV1):
    """v2 names who may evaluate what and when: the stations covered (a contract's stations), the contract, the
    evaluators' user ids and the evaluation's period, so consumers can scope evaluators without asking funding."""
    contract_id = fields.String(required=True, allow_none=True)
    station_ids = fields.List(fields.String(), required=True)
    evaluator_user_ids = fields.List(fields.String(), required=True)
    period_start = fields.Date(required=True, allow_none=True)
    period_end = fields.Date(required=True, allow_none=True)
    commissioned_on = fields.Date(required=True, allow_none=True)


def _evaluation_commissioned_v1_to_v2(payload: dict) -> dict:
    """A v1 event says nothing of evaluators: nobody is scoped by it (no evaluator user ids), and the stations
    are known only for a station subject."""
    station = payload["subject_kind"] == "station"
    return {**payload, "contract_id": None if station else payload["subject_id"],
            "station_ids": [payload["subject_id"]] if station else [], "evaluator_user_ids": [],
            "period_start": None, "period_end": None, "commissioned_on": None}


EVALUATION_COMMISSIONED = contract("evaluation.commissioned", 2, PRODUCER, EvaluationCommissionedV2,
                                   "a county commissioned a third-party evaluation of a station or contract",
                                   upcasters={1: _evaluation_commissioned_v1_to_v2})


class EvaluationCompletedV1(Schema):
    evaluation_id = fields.String(required=True)
    subject_kind = fields.String(required=True)
    subject_id = fields.String(required=True)
    contract_id = fields.String(required=True, allow_none=True)
    station_ids = fields.List(fields.String(), required=True)
    region_code = fields.String(required=True)
    scheme_id = fields.String(required=True)
    total = fields.Float(required=True)
    grade = fields.String(required=True)
    completed_on = fields.Date(required=True)


EVALUATION_COMPLETED = contract("evaluation.completed", 1, PRODUCER, EvaluationCompletedV1,
                                "a third-party evaluation was completed with its total score and grade")


# --- funding's vocabularies (its schemas, payloads, the disclosure feed and the gateway's enums use them) --------
# The purchase-of-service domains of the notice (§二(二)) and the lottery fund's uses.
FUNDING_DOMAINS = ("social_assistance", "elderly", "children", "disability", "marriage_family", "community_building",
                   "social_affairs", "social_organisation_development", "public_welfare")
SOURCE_KINDS = ("fiscal", "purchase_of_service", "lottery", "charity")
PROCUREMENT_METHODS = ("open", "selective", "limited", "direct")
AWARD_CRITERIA = ("best_value", "lowest_price")
# (code, title, mandatory): the organisation's qualifications checked for every bid.
BID_CHECKLIST = (
    ("legal_registration", "依法登记的社会服务机构(社会工作服务机构),统一社会信用代码有效", True),
    ("credit_record", "近三年无严重违法失信记录", True),
    ("professional_staff", "具备承接社工站运营所需的专业社会工作人员", True),
    ("financial_management", "财务管理制度健全,近年审计无保留意见", True),
    ("service_experience", "有社会工作服务项目经验", False),
    ("charity_recognition", "已认定为慈善组织(鼓励,非必需)", False),
)
BID_CHECKLIST_CODES = tuple(code for code, _, _ in BID_CHECKLIST)
LEADER_ROLES = ("responsible_person", "founder", "manager")
LEADER_CRITERIA = ("political_quality", "work_experience", "professional_ethics")
TENDER_STATUSES = ("draft", "published", "awarded", "cancelled")
CONTRACT_STATUSES = ("active", "closed")
DISBURSEMENT_STATUSES = ("paid", "held", "cancelled")
MILESTONE_TYPES = ("staffing_in_place", "service_volume", "archive_coverage", "evaluation_passed", "report")
# Platform figures a milestone can be measured by, from the other services' events.
MILESTONE_METRICS = ("services_delivered", "volunteer_hours", "households_served", "households_assessed", "visits",
                     "cases_closed")
EVALUATION_STATUSES = ("commissioned", "in_progress", "completed")
EVALUATION_SUBJECT_KINDS = ("station", "contract")
FLAG_DECISIONS = ("release", "cancel")
