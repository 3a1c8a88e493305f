"""Marshmallow schemas at the funding service's boundaries (RPC inputs; events live in events.py).

Money is integer fen (`Fen` refuses fractions and negative amounts); organisations carry a valid
Unified Social Credit Code; people's ID numbers are checked (GB 11643) before they are encrypted.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.common.validators import CreditCode, Fen, IdNumber, Name, division_code, phone
from services.contracts import funding as vocabulary

from .contracts import METRICS, MILESTONE_TYPES
from .earmarks import DOMAINS, SOURCE_KINDS
from .evaluation import SUBJECT_KINDS
from .procurement import LEADER_ROLES, METHODS

STATION_ID = validate.Regexp(r"^ST\d{9}$", error="a station id is ST followed by the 9-digit township code")
COUNTY_OR_ABOVE = validate.Regexp(r"^\d{6}$", error="a 6-digit division code (province, city or county)")
REGION_FILTER = validate.Regexp(r"^\d{6}(\d{3})?$", error="a 6- or 9-digit division code")
YEAR = validate.Range(min=2000, max=2100)


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _positive(value):
    if value <= 0:
        raise ValidationError("must be more than 0")


def text(min_length=1, max_length=200, **kwargs):
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


def optional_text(max_length=500):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_length))


class ExpectedVersion(Strict):
    expected_version = fields.Integer(required=True, strict=True)


class OrganisationSchema(Strict):
    name = Name(2, 100, required=True)
    credit_code = CreditCode(required=True)


class PublicBodySchema(Strict):
    name = Name(2, 100, required=True)
    credit_code = CreditCode(load_default=None, allow_none=True)


class DocumentSchema(Strict):
    title = text(2, 200, required=True)
    number = optional_text(60)
    url = fields.Url(load_default=None, allow_none=True)


class PeriodSchema(Strict):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


# --- sources and budget lines ----------------------------------------------------------------------
class EarmarkSchema(Strict):
    domains = fields.List(fields.String(validate=validate.OneOf(DOMAINS)), load_default=list)
    region_codes = fields.List(fields.String(validate=division_code), load_default=list)
    station_ids = fields.List(fields.String(validate=STATION_ID), load_default=list)


class SourceInputSchema(Strict):
    name = text(2, 100, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SOURCE_KINDS))
    domain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DOMAINS))
    year = fields.Integer(required=True, strict=True, validate=YEAR)
    region_code = fields.String(required=True, validate=COUNTY_OR_ABOVE)
    funder = fields.Nested(PublicBodySchema, required=True)
    document_number = optional_text(60)
    amount_fen = Fen(required=True, validate=_positive)
    earmark = fields.Nested(EarmarkSchema, load_default=None, allow_none=True)
    note = optional_text()


class SourceUpdateSchema(ExpectedVersion):
    name = text(2, 100)
    document_number = optional_text(60)
    amount_fen = Fen(validate=_positive)
    note = optional_text()


class ProjectSchema(Strict):
    name = text(2, 100, required=True)
    region_code = fields.String(required=True, validate=division_code)


class AllocationSchema(Strict):
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    project = fields.Nested(ProjectSchema, load_default=None, allow_none=True)
    domain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DOMAINS))
    amount_fen = Fen(required=True, validate=_positive)
    note = optional_text()


# --- tenders, bids, reviews, awards ------------------------------------------------------------------
class TenderProjectSchema(Strict):
    name = text(2, 100, required=True)
    year = fields.Integer(required=True, strict=True, validate=YEAR)
    rationale = optional_text(1000)


class TenderInputSchema(Strict):
    title = text(4, 200, required=True)
    description = optional_text(2000)
    region_code = fields.String(required=True, validate=COUNTY_OR_ABOVE)
    buyer = fields.Nested(PublicBodySchema, required=True)
    project = fields.Nested(TenderProjectSchema, required=True)
    station_ids = fields.List(fields.String(validate=STATION_ID), required=True,
                              validate=validate.Length(min=1, max=200))
    service_domains = fields.List(fields.String(validate=validate.OneOf(DOMAINS)), required=True,
                                  validate=validate.Length(min=1))
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    budget_fen = Fen(required=True, validate=_positive)
    deadline = fields.AwareDateTime(required=True)
    contract_period = fields.Nested(PeriodSchema, required=True)
    eligibility = fields.List(text(2, 300), load_default=list)
    award_criteria = fields.String(load_default="best_value", validate=validate.OneOf(vocabulary.AWARD_CRITERIA))
    documents = fields.List(fields.Nested(DocumentSchema), load_default=list)


class TenderUpdateSchema(ExpectedVersion):
    title = text(4, 200)
    description = optional_text(2000)
    buyer = fields.Nested(PublicBodySchema)
    project = fields.Nested(TenderProjectSchema)
    station_ids = fields.List(fields.String(validate=STATION_ID), validate=validate.Length(min=1, max=200))
    service_domains = fields.List(fields.String(validate=validate.OneOf(DOMAINS)), validate=validate.Length(min=1))
    method = fields.String(validate=validate.OneOf(METHODS))
    budget_fen = Fen(validate=_positive)
    deadline = fields.AwareDateTime()
    contract_period = fields.Nested(PeriodSchema)
    eligibility = fields.List(text(2, 300))
    award_criteria = fields.String(validate=validate.OneOf(vocabulary.AWARD_CRITERIA))
    documents = fields.List(fields.Nested(DocumentSchema))


class CancelSchema(ExpectedVersion):
    reason = text(4, 500, required=True)


class BidOrganisationSchema(OrganisationSchema):
    qualifications = fields.List(text(2, 100), load_default=list)
    charity_recognised = fields.Boolean(load_default=False)


class ContactSchema(Strict):
    name = Name(2, 40, required=True)
    phone = fields.String(required=True, validate=phone)


class LeaderSchema(Strict):
    name = Name(2, 40, required=True)
    role = fields.String(required=True, validate=validate.OneOf(LEADER_ROLES))
    id_number = IdNumber(required=True)


class BidInputSchema(Strict):
    organisation = fields.Nested(BidOrganisationSchema, required=True)
    contact = fields.Nested(ContactSchema, required=True)
    leaders = fields.List(fields.Nested(LeaderSchema), required=True, validate=validate.Length(min=1, max=20))
    price_fen = Fen(required=True, validate=_positive)
    proposal = optional_text(2000)


class ChecklistItemSchema(Strict):
    passed = fields.Boolean(required=True)
    note = optional_text()


class LeaderReviewSchema(Strict):
    leader_id = fields.String(required=True)
    political_quality = fields.Boolean(required=True)
    work_experience = fields.Boolean(required=True)
    professional_ethics = fields.Boolean(required=True)
    note = optional_text()


class ScoreSchema(Strict):
    criterion = text(2, 60, required=True)
    score = fields.Float(required=True, validate=validate.Range(min=0))
    max_score = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))


class BidReviewSchema(ExpectedVersion):
    checklist = fields.Dict(keys=fields.String(), values=fields.Nested(ChecklistItemSchema), required=True)
    leaders = fields.List(fields.Nested(LeaderReviewSchema), required=True)
    scores = fields.List(fields.Nested(ScoreSchema), required=True, validate=validate.Length(min=1, max=20))


class AwardSchema(ExpectedVersion):
    bid_id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=4, max=500))


# --- contracts -------------------------------------------------------------------------------------
class MetricSchema(Strict):
    name = fields.String(required=True, validate=validate.OneOf(METRICS))
    target = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class MilestoneEvidenceSchema(Strict):
    documents_required = fields.Boolean(load_default=False)
    metric = fields.Nested(MetricSchema, load_default=None, allow_none=True)
    min_grade = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20))


class MilestoneSchema(Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,20}$",
                                                               error="letters, digits, - and _, up to 20"))
    title = text(2, 200, required=True)
    type = fields.String(required=True, validate=validate.OneOf(MILESTONE_TYPES))
    domain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DOMAINS))
    due_on = fields.Date(required=True)
    amount_fen = Fen(required=True)
    deliverables = fields.List(text(2, 300), load_default=list)
    evidence = fields.Nested(MilestoneEvidenceSchema, load_default=None, allow_none=True)


class StaffingPromiseSchema(Strict):
    professional_social_workers_per_station = fields.Integer(required=True, strict=True,
                                                             validate=validate.Range(min=1, max=50))
    monthly_pay_fen = Fen(required=True, validate=_positive)
    social_insurance = fields.Boolean(load_default=True)


class ContractInputSchema(Strict):
    title = text(4, 200, load_default=None)
    station_ids = fields.List(fields.String(validate=STATION_ID), load_default=None, validate=validate.Length(min=1))
    period = fields.Nested(PeriodSchema, load_default=None)
    amount_fen = Fen(validate=_positive)
    service_domains = fields.List(fields.String(validate=validate.OneOf(DOMAINS)), load_default=None,
                                  validate=validate.Length(min=1))
    signed_on = fields.Date(required=True)
    staffing_promise = fields.Nested(StaffingPromiseSchema, required=True)
    milestones = fields.List(fields.Nested(MilestoneSchema), required=True, validate=validate.Length(min=1, max=40))


class AmendmentSchema(ExpectedVersion):
    reason = text(4, 500, required=True)
    amount_fen = Fen(validate=_positive)
    period_end = fields.Date()
    station_ids = fields.List(fields.String(validate=STATION_ID), validate=validate.Length(min=1))
    milestones = fields.List(fields.Nested(MilestoneSchema), validate=validate.Length(min=1, max=40))
    staffing_promise = fields.Nested(StaffingPromiseSchema)


class ContractClosingSchema(ExpectedVersion):
    closed_on = fields.Date(required=True)
    reason = text(4, 500, required=True)


class CommitmentSchema(Strict):
    budget_line_id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    amount_fen = Fen(required=True, validate=_positive)


class DisbursementEvidenceSchema(Strict):
    documents = fields.List(fields.Nested(DocumentSchema), load_default=list)
    evaluation_id = fields.String(load_default=None, allow_none=True)


class DisbursementSchema(Strict):
    milestone_id = fields.String(required=True)
    budget_line_id = fields.String(required=True)
    amount_fen = Fen(required=True, validate=_positive)
    paid_on = fields.Date(required=True)
    voucher_number = text(2, 40, required=True)
    evidence = fields.Nested(DisbursementEvidenceSchema, load_default=None, allow_none=True)
    note = optional_text()


class ResolveFlagSchema(ExpectedVersion):
    decision = fields.String(required=True, validate=validate.OneOf(vocabulary.FLAG_DECISIONS))
    reason = text(4, 500, required=True)


# --- evaluation ------------------------------------------------------------------------------------
class IndicatorSchema(Strict):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,30}$"))
    title = text(2, 200, required=True)
    category = text(2, 60, required=True)
    weight = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    max_score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    guidance = optional_text(1000)


class GradeSchema(Strict):
    name = text(1, 20, required=True)
    min_total = fields.Float(required=True, validate=validate.Range(min=0, max=100))


class SchemeInputSchema(Strict):
    name = text(2, 100, required=True)
    region_code = fields.String(required=True, validate=COUNTY_OR_ABOVE)
    description = optional_text(1000)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True, validate=validate.Length(min=1, max=100))
    grades = fields.List(fields.Nested(GradeSchema), required=True, validate=validate.Length(min=2, max=10))


class SchemeUpdateSchema(ExpectedVersion):
    name = text(2, 100)
    description = optional_text(1000)
    indicators = fields.List(fields.Nested(IndicatorSchema), validate=validate.Length(min=1, max=100))
    grades = fields.List(fields.Nested(GradeSchema), validate=validate.Length(min=2, max=10))


class SubjectSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class CommissionSchema(Strict):
    subject = fields.Nested(SubjectSchema, required=True)
    scheme_id = fields.String(required=True)
    evaluator = fields.Nested(OrganisationSchema, required=True)
    evaluator_user_ids = fields.List(text(1, 60), required=True, validate=validate.Length(min=1, max=20))
    period = fields.Nested(PeriodSchema, load_default=None, allow_none=True)
    due_on = fields.Date(required=True)


class IndicatorScoreSchema(Strict):
    indicator = fields.String(required=True)
    score = fields.Float(required=True, validate=validate.Range(min=0))
    comment = text(2, 1000, required=True)
    evidence = fields.List(fields.Nested(DocumentSchema), load_default=list)


class ScoreEvaluationSchema(ExpectedVersion):
    scores = fields.List(fields.Nested(IndicatorScoreSchema), required=True, validate=validate.Length(min=1, max=100))


class CompleteEvaluationSchema(ExpectedVersion):
    summary = text(4, 2000, required=True)


# --- filters -----------------------------------------------------------------------------------------
class PageSchema(Strict):
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class SourceFilterSchema(PageSchema):
    region = fields.String(load_default=None, allow_none=True, validate=REGION_FILTER)
    year = fields.Integer(load_default=None, allow_none=True, validate=YEAR)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SOURCE_KINDS))


class BudgetLineFilterSchema(PageSchema):
    region = fields.String(load_default=None, allow_none=True, validate=REGION_FILTER)
    year = fields.Integer(load_default=None, allow_none=True, validate=YEAR)
    source_id = fields.String(load_default=None, allow_none=True)
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)


class TenderFilterSchema(PageSchema):
    region = fields.String(load_default=None, allow_none=True, validate=REGION_FILTER)
    year = fields.Integer(load_default=None, allow_none=True, validate=YEAR)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(vocabulary.TENDER_STATUSES))


class ContractFilterSchema(PageSchema):
    region = fields.String(load_default=None, allow_none=True, validate=REGION_FILTER)
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    flagged = fields.Boolean(load_default=None, allow_none=True)


class DisbursementFilterSchema(PageSchema):
    region = fields.String(load_default=None, allow_none=True, validate=REGION_FILTER)
    year = fields.Integer(load_default=None, allow_none=True, validate=YEAR)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(vocabulary.DISBURSEMENT_STATUSES))
    source_id = fields.String(load_default=None, allow_none=True)


class EvaluationFilterSchema(PageSchema):
    region = fields.String(load_default=None, allow_none=True, validate=REGION_FILTER)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(vocabulary.EVALUATION_STATUSES))
    subject_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SUBJECT_KINDS))
    assigned_to_me = fields.Boolean(load_default=False)


class SupervisionFilterSchema(Strict):
    region = fields.String(required=True, validate=COUNTY_OR_ABOVE)
    year = fields.Integer(load_default=None, allow_none=True, validate=YEAR)


class CostFilterSchema(Strict):
    region = fields.String(required=True, validate=COUNTY_OR_ABOVE)
    year = fields.Integer(required=True, strict=True, validate=YEAR)


class DisclosureFilterSchema(PageSchema):
    region = fields.String(load_default=None, allow_none=True, validate=COUNTY_OR_ABOVE)
    year = fields.Integer(load_default=None, allow_none=True, validate=YEAR)


class OcdsPageSchema(DisclosureFilterSchema):
    """A page of the OCDS packages: whole contracting processes, in id order. The gateway names the
    URL it serves the page at (the package's `uri`) and its public base URL (for the extension and
    the publication policy)."""
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    uri = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    base_url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)


class LotteryFilterSchema(Strict):
    region = fields.String(load_default=None, allow_none=True, validate=COUNTY_OR_ABOVE)
    year = fields.Integer(load_default=None, allow_none=True, validate=YEAR)
