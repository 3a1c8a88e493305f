"""The funding service's part of the schema: sources and budget lines, purchase of services (tenders,
bids, contracts with milestones, amendments and promised staffing), disbursements with their flags,
fund supervision, cost and outcome, third-party evaluation, and the public disclosure feed (reads).

Every field is resolved from the funding service's RPC answers (the contract is the docstring of
services/funding/service.py); the viewer goes with every call and the service decides what that
viewer may see: out-of-scope records are null or missing from lists, officials' views refuse the
public, and evaluators are read-only. The disclosure feed and the lottery-fund report are public:
they need no token.

Fields that need another call (a contract's disbursements, evaluations, staffing, tender; a
station's contracts; the registry's stations and regions) go through the request's DataLoaders,
so a list costs one call per kind of data, not one per item. Those fields are nullable.

Money is integer fen (分) in fields named `...Fen`, of the scalar `Fen` (see below).
"""
from __future__ import annotations

import graphene
from graphql import GraphQLError, IntValueNode, print_ast

from services.common.config import settings

from ..loaders import gather, then
from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size
from .base import at_most as _at_most
from .base import listed as _listed
from .base import page_args as _page_args
from .registry import AccessLogEntry, Organisation, Region, RuleStatus, Station
from .scalars import JSON, Date, DateTime

# What a JSON value or a list of leaves can hold, about one per value (guards.py: CostModel). Station
# lists: the service accepts up to 200 stations per tender, contract, earmark or payment.
LEAF_COSTS = {
    "AmendmentChange.before": 10, "AmendmentChange.after": 10,  # one amended term of a contract
    "DisclosureRelease.release": 240,  # a whole OCDS release: 176 to 233 values in the demo data
    "Contract.stationIds": 200, "Tender.stationIds": 200, "Earmark.stationIds": 200,
    "Disbursement.stationIds": 200, "Evaluation.stationIds": 200, "LotteryUse.stationIds": 200,
    "Contract.serviceDomains": 9, "Tender.serviceDomains": 9, "Earmark.domains": 9,  # the funding domains
    "Earmark.regionCodes": 100,
    "Tender.eligibility": 20, "BidOrganisation.qualifications": 20, "BidReview.failedItems": 20,
    "Milestone.deliverables": 20, "Disbursement.flags": 10, "PlatformFigures.problems": 20,
    "Evaluation.evaluatorUserIds": 20, "ContractStaffing.problems": 20, "AccessLogEntry.fields": 20,
    "DisclosureRelease.tag": 5, "DisclosureRelease.supplierNames": 20, "IndicatorScheme.categories": 20,
}

# Usual lengths of lists that take no page argument, for the query cost estimate (guards.py).
# Lists of records inside a record also take an optional `first`, which the estimate uses instead.
LIST_SIZES = {
    "ContractClosure.returns": 10, "BidPersonalData.leaders": 20,
    "FundingSource.budgetLines": 10,
    "Tender.documents": 5,
    "Tender.bids": 5,
    "Tender.stations": 10,
    "Bid.leaders": 3,
    "BidReview.checklist": 6,
    "BidReview.leaders": 3,
    "BidReview.scores": 5,
    "Contract.stations": 10,
    "Contract.milestones": 6,
    "Contract.funding": 5,
    "Contract.amendments": 3,
    "Contract.disbursements": 20,
    "Contract.evaluations": 3,
    "Amendment.changes": 3,
    "DisbursementEvidence.documents": 3,
    "ContractStaffing.stations": 10,
    "FundSupervision.rows": 30,
    "FundSupervision.byYear": 5,
    "FundSupervision.byKind": 4,
    "CostOutcome.bySource": 20,
    "CostOutcome.byKind": 4,
    "CostOutcome.byRegion": 15,
    "DisclosureRelease.withheld": 6,
    "LotteryFundUse.sources": 10,
    "LotterySource.uses": 20,
    "IndicatorScheme.indicators": 15,
    "IndicatorScheme.grades": 4,
    "EvaluationScheme.indicators": 15,
    "EvaluationScheme.grades": 4,
    "Evaluation.scores": 15,
    "Evaluation.stations": 3,
    "IndicatorScore.evidence": 3,
    "Station.contracts": 3,
}


def loaders(info):
    return info.context.funding_loaders


def registry_loaders(info):
    return info.context.registry_loaders


# --- money ---------------------------------------------------------------------------------
MAX_SAFE_FEN = 2**53 - 1


def _whole_fen(value, problem: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(problem)
    if abs(value) > MAX_SAFE_FEN:
        raise GraphQLError(f"{value} fen is beyond the exact range of a JSON number (±{MAX_SAFE_FEN})")
    return value


class Fen(graphene.Scalar):
    """An amount of money in whole fen (分, 1/100 yuan), as a JSON integer: 12345678 is 123,456.78 yuan.

    Not GraphQL's Int, which is 32-bit: at most 2,147,483,647 fen (21.47 million yuan), less than
    many a county's budget and any province's. Fen is exact up to 2^53 − 1, as JSON numbers are.
    Fractions of a fen are refused.
    """

    @staticmethod
    def serialize(value):
        return _whole_fen(value, f"Fen cannot represent {value!r}")

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, IntValueNode):
            raise GraphQLError(f"an amount in whole fen (分) is an integer, got {print_ast(node)}")
        return cls.parse_value(int(node.value))

    @staticmethod
    def parse_value(value):
        return _whole_fen(value, f"an amount in whole fen (分) is an integer, got {value!r}")


def _fen_of(value: dict | None) -> int | None:
    """An OCDS `value` ({amount: yuan, currency}) back in fen (the feed divides fen by 100 exactly)."""
    if not value or value.get("amount") is None:
        return None
    return round(value["amount"] * 100)


# --- enums (values as the funding service spells them) ---------------------------------------
class FundingSourceKind(graphene.Enum):
    """财政预算, 政府购买服务资金, 彩票公益金, 慈善资金."""
    FISCAL = "fiscal"
    PURCHASE_OF_SERVICE = "purchase_of_service"
    LOTTERY = "lottery"
    CHARITY = "charity"


class FundingDomain(graphene.Enum):
    """Service domains money may be earmarked for (专款专用)."""
    SOCIAL_ASSISTANCE = "social_assistance"
    ELDERLY = "elderly"
    CHILDREN = "children"
    DISABILITY = "disability"
    MARRIAGE_FAMILY = "marriage_family"
    COMMUNITY_BUILDING = "community_building"
    SOCIAL_AFFAIRS = "social_affairs"
    SOCIAL_ORGANISATION_DEVELOPMENT = "social_organisation_development"
    PUBLIC_WELFARE = "public_welfare"


class ProcurementMethod(graphene.Enum):
    """公开招标 (open), 竞争性磋商 (selective), 竞争性谈判 (limited), 单一来源 (direct)."""
    OPEN = "open"
    SELECTIVE = "selective"
    LIMITED = "limited"
    DIRECT = "direct"


class AwardCriteria(graphene.Enum):
    BEST_VALUE = "best_value"
    LOWEST_PRICE = "lowest_price"


class TenderStatus(graphene.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    AWARDED = "awarded"
    CANCELLED = "cancelled"


class BidLeaderRole(graphene.Enum):
    """负责人, 发起人, 管理人员: the people the leaders' review covers."""
    RESPONSIBLE_PERSON = "responsible_person"
    FOUNDER = "founder"
    MANAGER = "manager"


class ReviewChecklistItem(graphene.Enum):
    """The organisation's qualifications checked for every bid (the first four are mandatory)."""
    LEGAL_REGISTRATION = "legal_registration"
    CREDIT_RECORD = "credit_record"
    PROFESSIONAL_STAFF = "professional_staff"
    FINANCIAL_MANAGEMENT = "financial_management"
    SERVICE_EXPERIENCE = "service_experience"
    CHARITY_RECOGNITION = "charity_recognition"


class ContractStatus(graphene.Enum):
    ACTIVE = "active"
    CLOSED = "closed"


class MilestoneType(graphene.Enum):
    STAFFING_IN_PLACE = "staffing_in_place"
    SERVICE_VOLUME = "service_volume"
    ARCHIVE_COVERAGE = "archive_coverage"
    EVALUATION_PASSED = "evaluation_passed"
    REPORT = "report"


class PlatformMetric(graphene.Enum):
    """Figures the platform counts from casework and volunteers events (milestone evidence, cost)."""
    SERVICES_DELIVERED = "services_delivered"
    VOLUNTEER_HOURS = "volunteer_hours"
    HOUSEHOLDS_SERVED = "households_served"
    HOUSEHOLDS_ASSESSED = "households_assessed"
    VISITS = "visits"
    CASES_CLOSED = "cases_closed"


class DisbursementStatus(graphene.Enum):
    """PAID; HELD: flagged for review (the reasons are in `flags`); CANCELLED: a held payment refused."""
    PAID = "paid"
    HELD = "held"
    CANCELLED = "cancelled"


class FlagDecision(graphene.Enum):
    RELEASE = "release"
    CANCEL = "cancel"


class EvaluationStatus(graphene.Enum):
    COMMISSIONED = "commissioned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class EvaluationSubjectKind(graphene.Enum):
    STATION = "station"
    CONTRACT = "contract"


# --- helpers ---------------------------------------------------------------------------------


def _stations(info, station_ids):
    """The registry's stations for these ids (those the viewer may see), through its loader."""
    station_loader = registry_loaders(info).stations
    return gather([station_loader.load(s) for s in station_ids or ()],
                  lambda found: [s for s in found if s is not None])


def _first_arg(description: str = "At most this many; all when omitted."):
    return graphene.Int(description=description)


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


# --- shared shapes ---------------------------------------------------------------------------
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


# --- sources and budget lines ----------------------------------------------------------------
class FundingSource(graphene.ObjectType):
    """Money of one kind, one year and one region: a fiscal budget, a purchase-of-service fund of
    a domain, a lottery public-welfare fund, charity money."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    kind = FundingSourceKind(required=True)
    domain = FundingDomain(description="The domain a purchase-of-service or lottery fund is for.")
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    funder = graphene.Field(PublicBody, required=True)
    document_number = graphene.String(description="The budget or allocation document (文号).")
    amount_fen = Fen(required=True)
    allocated_fen = Fen(required=True, description="Allocated to budget lines.")
    unallocated_fen = Fen(required=True)
    earmark = graphene.Field(Earmark, required=True)
    note = graphene.String()
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the source.")
    budget_lines = graphene.List(graphene.NonNull(lambda: BudgetLine), first=_first_arg(),
                                 description="The budget lines allocating this source (those you may see).")

    @staticmethod
    def resolve_region(source, info):
        return registry_loaders(info).regions.load(source["region_code"])

    @staticmethod
    def resolve_budget_lines(source, info, first=None):
        return then(loaders(info).lines_for_sources.load(source["id"]), _at_most(first))


class FundingProject(graphene.ObjectType):
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)


class BudgetLine(graphene.ObjectType):
    """Part of a source allocated to one station or one project of a region. Contracts commit
    money from budget lines; never more than a line holds."""
    id = graphene.ID(required=True)
    source_id = graphene.ID(required=True)
    source = graphene.Field(FundingSource)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)
    source_domain = FundingDomain()
    funder_name = graphene.String(required=True)
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True)
    station_id = graphene.ID()
    station = graphene.Field(Station, description="The registry's station, when the line is for one.")
    project = graphene.Field(FundingProject)
    domain = FundingDomain()
    earmark = graphene.Field(Earmark, required=True)
    amount_fen = Fen(required=True)
    committed_fen = Fen(required=True, description="Committed to contracts.")
    uncommitted_fen = Fen(required=True)
    note = graphene.String()
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_source(line, info):
        return loaders(info).sources.load(line["source_id"])

    @staticmethod
    def resolve_station(line, info):
        return registry_loaders(info).stations.load(line["station_id"]) if line.get("station_id") else None


# --- tenders and bids ----------------------------------------------------------------------
class TenderProject(graphene.ObjectType):
    name = graphene.String(required=True)
    year = graphene.Int(required=True)
    rationale = graphene.String()


class TenderAward(graphene.ObjectType):
    bid_id = graphene.ID(required=True)
    operator = graphene.Field(Organisation, required=True)
    amount_fen = Fen(required=True)
    awarded_at = DateTime(required=True)
    reason = graphene.String(description="Why, when the award did not go to the highest score.")


class Cancellation(graphene.ObjectType):
    at = DateTime(required=True)
    reason = graphene.String(required=True)


class BidOrganisation(graphene.ObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True)
    qualifications = graphene.List(graphene.NonNull(graphene.String), required=True)
    charity_recognised = graphene.Boolean()

    @staticmethod
    def resolve_qualifications(organisation, info):
        return organisation.get("qualifications") or []


class BidContact(graphene.ObjectType):
    """The bidder's contact person. The phone is masked; read-only roles see the name masked too."""
    name = graphene.String(required=True)
    phone = graphene.String(required=True)


class BidLeader(graphene.ObjectType):
    """A leader, founder or manager of the bidder, for the leaders' review. ID number masked."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    role = BidLeaderRole(required=True)
    id_number = graphene.String(required=True)


class ChecklistResult(graphene.ObjectType):
    code = ReviewChecklistItem(required=True)
    title = graphene.String(required=True)
    mandatory = graphene.Boolean(required=True)
    passed = graphene.Boolean(required=True)
    note = graphene.String()


class LeaderReview(graphene.ObjectType):
    leader_id = graphene.ID(required=True)
    political_quality = graphene.Boolean(required=True)
    work_experience = graphene.Boolean(required=True)
    professional_ethics = graphene.Boolean(required=True)
    passed = graphene.Boolean(required=True)
    note = graphene.String()


class CriterionScore(graphene.ObjectType):
    criterion = graphene.String(required=True)
    score = graphene.Float(required=True)
    max_score = graphene.Float(required=True)


class BidReview(graphene.ObjectType):
    """The review of one bid: the qualification checklist, every leader's review, and the scores."""
    checklist = graphene.List(graphene.NonNull(ChecklistResult), required=True)
    leaders = graphene.List(graphene.NonNull(LeaderReview), required=True)
    scores = graphene.List(graphene.NonNull(CriterionScore), required=True)
    total_score = graphene.Float(required=True)
    qualified = graphene.Boolean(required=True)
    failed_items = graphene.List(graphene.NonNull(graphene.String), required=True)
    reviewed_at = DateTime(required=True)
    reviewed_by = graphene.String(required=True)


class Bid(graphene.ObjectType):
    id = graphene.ID(required=True)
    tender_id = graphene.ID(required=True)
    organisation = graphene.Field(BidOrganisation, required=True)
    contact = graphene.Field(BidContact, required=True)
    leaders = graphene.List(graphene.NonNull(BidLeader), required=True)
    price_fen = Fen(required=True)
    proposal = graphene.String()
    received_at = DateTime(required=True)
    review = graphene.Field(BidReview, description="Null until reviewed.")


class Tender(graphene.ObjectType):
    """A purchase of social work services (政府购买服务): published with a deadline, then bids,
    their review, the award and the contract."""
    id = graphene.ID(required=True)
    ocid = graphene.String(required=True, description="The contracting process's id in the disclosure feed.")
    title = graphene.String(required=True)
    description = graphene.String()
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    buyer = graphene.Field(PublicBody, required=True)
    project = graphene.Field(TenderProject, required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    stations = graphene.List(graphene.NonNull(Station), description="The registry's stations (those you may see).")
    service_domains = graphene.List(graphene.NonNull(FundingDomain), required=True)
    method = ProcurementMethod(required=True)
    budget_fen = Fen(required=True, description="The ceiling price.")
    deadline = DateTime(required=True)
    contract_period = graphene.Field(DateRange, required=True)
    eligibility = graphene.List(graphene.NonNull(graphene.String), required=True)
    award_criteria = AwardCriteria(required=True)
    documents = graphene.List(graphene.NonNull(SupportingDocument), required=True)
    status = TenderStatus(required=True)
    published_at = DateTime()
    bid_count = graphene.Int(required=True)
    award = graphene.Field(TenderAward)
    cancellation = graphene.Field(Cancellation)
    contract_id = graphene.ID()
    contract = graphene.Field(lambda: Contract, description="The contract signed from the award, if any.")
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the tender.")
    bids = graphene.List(graphene.NonNull(Bid), first=_first_arg(),
                         description="Personal data masked; read-only roles see names masked too.")

    @staticmethod
    def resolve_region(tender, info):
        return registry_loaders(info).regions.load(tender["region_code"])

    @staticmethod
    def resolve_stations(tender, info):
        return _stations(info, tender["station_ids"])

    @staticmethod
    def resolve_contract(tender, info):
        return loaders(info).contracts.load(tender["contract_id"]) if tender.get("contract_id") else None

    @staticmethod
    def resolve_bids(tender, info, first=None):
        return then(loaders(info).bids.load(tender["id"]), _at_most(first))


# --- contracts ----------------------------------------------------------------------------
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
        return loaders(info).budget_lines.load(funding["budget_line_id"])


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
    disbursements = graphene.List(graphene.NonNull(lambda: Disbursement), first=_first_arg())
    evaluations = graphene.List(graphene.NonNull(lambda: Evaluation), first=_first_arg(),
                                description="Third-party evaluations of this contract.")
    staffing = graphene.Field(ContractStaffing, on=Date(description="Check on this date; default today."),
                              description="The staffing promise against the registry's figures.")

    @staticmethod
    def resolve_tender(contract, info):
        return loaders(info).tenders.load(contract["tender_id"])

    @staticmethod
    def resolve_stations(contract, info):
        return _stations(info, contract["station_ids"])

    @staticmethod
    def resolve_disbursements(contract, info, first=None):
        return then(loaders(info).disbursements.load(contract["id"]), _at_most(first))

    @staticmethod
    def resolve_evaluations(contract, info, first=None):
        return then(loaders(info).evaluations_for_contracts.load(contract["id"]), _at_most(first))

    @staticmethod
    def resolve_staffing(contract, info, on=None):
        return loaders(info).staffing.load((contract["id"], on))


# --- disbursements ------------------------------------------------------------------------
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
        return loaders(info).contracts.load(disbursement["contract_id"])

    @staticmethod
    def resolve_milestone(disbursement, info):
        wanted = disbursement["milestone_id"]
        return then(loaders(info).contracts.load(disbursement["contract_id"]), lambda contract: next(
            (m for m in (contract or {}).get("milestones", ()) if m["id"] == wanted), None))

    @staticmethod
    def resolve_budget_line(disbursement, info):
        return loaders(info).budget_lines.load(disbursement["budget_line_id"])

    @staticmethod
    def resolve_flagged(disbursement, info):
        return bool(disbursement.get("flags"))

    @staticmethod
    def resolve_flags(disbursement, info):
        return disbursement.get("flags") or []

    @staticmethod
    def resolve_evidence(disbursement, info):
        return disbursement.get("evidence") or {}


# --- fund supervision, cost and outcome ---------------------------------------------------------
class SupervisionFigures(graphene.Interface):
    allocated_fen = Fen(required=True, description="Allocated to budget lines in the region.")
    contracted_fen = Fen(required=True, description="Committed to contracts.")
    disbursed_fen = Fen(required=True, description="Paid.")
    flagged_fen = Fen(required=True, description="Held for review.")
    remaining_fen = Fen(required=True, description="Allocated − disbursed − flagged.")


class SupervisionRow(graphene.ObjectType):
    """One funding source's figures within the region."""
    class Meta:
        interfaces = (SupervisionFigures,)

    source_id = graphene.ID(required=True)
    source = graphene.Field(FundingSource)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)
    source_domain = FundingDomain()
    year = graphene.Int(required=True)
    source_region_code = graphene.String(required=True)
    unallocated_fen = Fen(description="Not allocated yet: for the region's own sources only.")

    @staticmethod
    def resolve_source(row, info):
        return loaders(info).sources.load(row["source_id"])


class SupervisionYear(graphene.ObjectType):
    class Meta:
        interfaces = (SupervisionFigures,)

    year = graphene.Int(required=True)


class SupervisionKind(graphene.ObjectType):
    class Meta:
        interfaces = (SupervisionFigures,)

    source_kind = FundingSourceKind(required=True)


class SupervisionTotal(graphene.ObjectType):
    class Meta:
        interfaces = (SupervisionFigures,)

    unallocated_fen = Fen(required=True, description="Of the region's own sources.")


class FundSupervision(graphene.ObjectType):
    """Fund use in a region (the part of it you may see): by source, by year, by kind, in total."""
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    rows = graphene.List(graphene.NonNull(SupervisionRow), required=True)
    by_year = graphene.List(graphene.NonNull(SupervisionYear), required=True)
    by_kind = graphene.List(graphene.NonNull(SupervisionKind), required=True)
    total = graphene.Field(SupervisionTotal, required=True)

    @staticmethod
    def resolve_region(view, info):
        return registry_loaders(info).regions.load(view["region_code"])


class OutcomeFigures(graphene.ObjectType):
    """What the platform counted from the casework and volunteers events."""
    households_served = graphene.Int(required=True)
    households_assessed = graphene.Int(required=True)
    services_delivered = graphene.Int(required=True)
    volunteer_hours = graphene.Float(required=True)
    visits = graphene.Int(required=True)
    cases_closed = graphene.Int(required=True)


class UnitCosts(graphene.Interface):
    """Money paid per unit of outcome, in fen (half up); null when nothing was counted."""
    disbursed_fen = Fen(required=True)
    cost_per_household_fen = Fen()
    cost_per_visit_fen = Fen()
    cost_per_volunteer_hour_fen = Fen()


class SourceCost(graphene.ObjectType):
    class Meta:
        interfaces = (UnitCosts,)

    source_id = graphene.ID(required=True)
    source_name = graphene.String(required=True)
    source_kind = FundingSourceKind(required=True)


class KindCost(graphene.ObjectType):
    class Meta:
        interfaces = (UnitCosts,)

    source_kind = FundingSourceKind(required=True)


class RegionCost(graphene.ObjectType):
    """Cost and outcome of one region one level down (cities, counties or townships)."""
    class Meta:
        interfaces = (UnitCosts,)

    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    outcomes = graphene.Field(OutcomeFigures, required=True)

    @staticmethod
    def resolve_region(row, info):
        return registry_loaders(info).regions.load(row["region_code"])

    @staticmethod
    def resolve_outcomes(row, info):
        return row


class CostTotal(graphene.ObjectType):
    class Meta:
        interfaces = (UnitCosts,)


class CostOutcome(graphene.ObjectType):
    """Cost per household served, per visit and per volunteer hour in a region for a year, by
    fund source, by kind and by region."""
    region_code = graphene.String(required=True)
    year = graphene.Int(required=True)
    outcomes = graphene.Field(OutcomeFigures, required=True)
    by_source = graphene.List(graphene.NonNull(SourceCost), required=True)
    by_kind = graphene.List(graphene.NonNull(KindCost), required=True)
    by_region = graphene.List(graphene.NonNull(RegionCost), required=True)
    total = graphene.Field(CostTotal, required=True)


# --- public disclosure ----------------------------------------------------------------------
class WithheldInformation(graphene.ObjectType):
    """Something left out of a release, and why (personal data; payments under review)."""
    id = graphene.ID(required=True)
    field = graphene.String(required=True, description="Where it would be in the OCDS release.")
    name = graphene.String(required=True)
    rationale = graphene.String(required=True)


def _buyer_party(release: dict) -> dict:
    return next((p for p in release.get("parties", ()) if "buyer" in p.get("roles", ())), {})


class DisclosureRelease(graphene.ObjectType):
    """One contracting process as published: its latest OCDS 1.1 release (planning, tender, award,
    contract, implementation with its transactions, as they stand) in `release`, and a few fields
    typed here. Its earlier releases are in the OCDS release and record packages.
    Personal data is never in it; what was withheld is listed in `withheld`."""
    ocid = graphene.String(required=True)
    id = graphene.ID(required=True, description="The release id; a release with a given id never changes.")
    date = DateTime(required=True)
    tag = graphene.List(graphene.NonNull(graphene.String), required=True, description="OCDS release tags.")
    title = graphene.String(required=True)
    buyer_name = graphene.String(required=True)
    region_code = graphene.String(description="The buyer's region.")
    tender_status = graphene.String(required=True, description="OCDS tender status: active, complete, cancelled.")
    procurement_method = ProcurementMethod(required=True)
    budget_fen = Fen(description="The planned budget.")
    tender_value_fen = Fen(description="The ceiling price.")
    number_of_tenderers = graphene.Int(required=True)
    supplier_names = graphene.List(graphene.NonNull(graphene.String), required=True)
    awarded_fen = Fen()
    contract_value_fen = Fen()
    paid_fen = Fen(required=True, description="The transactions published so far (held payments are not).")
    withheld = graphene.List(graphene.NonNull(WithheldInformation), required=True)
    release = JSON(required=True, description="The whole OCDS release, keys as OCDS spells them.")

    @staticmethod
    def resolve_title(release, info):
        return release["tender"]["title"]

    @staticmethod
    def resolve_buyer_name(release, info):
        return release["buyer"]["name"]

    @staticmethod
    def resolve_region_code(release, info):
        return (_buyer_party(release).get("address") or {}).get("region")

    @staticmethod
    def resolve_tender_status(release, info):
        return release["tender"]["status"]

    @staticmethod
    def resolve_procurement_method(release, info):
        return release["tender"]["procurementMethod"]

    @staticmethod
    def resolve_budget_fen(release, info):
        return _fen_of(((release.get("planning") or {}).get("budget") or {}).get("amount"))

    @staticmethod
    def resolve_tender_value_fen(release, info):
        return _fen_of(release["tender"].get("value"))

    @staticmethod
    def resolve_number_of_tenderers(release, info):
        return release["tender"].get("numberOfTenderers", 0)

    @staticmethod
    def resolve_supplier_names(release, info):
        return [s["name"] for award in release.get("awards", ()) for s in award.get("suppliers", ())]

    @staticmethod
    def resolve_awarded_fen(release, info):
        awards = release.get("awards") or []
        return _fen_of(awards[0].get("value")) if awards else None

    @staticmethod
    def resolve_contract_value_fen(release, info):
        signed = release.get("contracts") or []
        return _fen_of(signed[0].get("value")) if signed else None

    @staticmethod
    def resolve_paid_fen(release, info):
        return sum(_fen_of(t.get("value")) or 0 for c in release.get("contracts", ())
                   for t in (c.get("implementation") or {}).get("transactions", ()))

    @staticmethod
    def resolve_withheld(release, info):
        return release.get("withheldInformation") or []

    @staticmethod
    def resolve_release(release, info):
        return release


class DisclosurePackage(graphene.ObjectType):
    """The OCDS package metadata of the feed, and where the packages themselves are published."""
    version = graphene.String(required=True)
    published_date = DateTime(required=True)
    publisher_name = graphene.String(required=True)
    license = graphene.String()
    publication_policy = graphene.String(description="The URL of the publication policy.")
    release_package_url = graphene.String(
        required=True, description="OCDS release packages with every release of each process (paged, Link: next).")
    record_package_url = graphene.String(
        required=True, description="OCDS record packages: each process's releases and compiled release.")

    @staticmethod
    def resolve_published_date(package, info):
        return package["publishedDate"]

    @staticmethod
    def resolve_publisher_name(package, info):
        return (package.get("publisher") or {}).get("name")

    @staticmethod
    def resolve_publication_policy(package, info):
        return f"{settings().public_url()}/public/ocds/publication-policy"

    @staticmethod
    def resolve_release_package_url(package, info):
        return f"{settings().public_url()}/public/ocds/releases.json"

    @staticmethod
    def resolve_record_package_url(package, info):
        return f"{settings().public_url()}/public/ocds/records.json"


class DisclosureFeed(graphene.ObjectType):
    """Procurement of social work services, published: the latest release of each contracting
    process, in id order (every release of each is in the OCDS packages at `package`'s URLs).
    Anyone may read it, without a token."""
    items = graphene.List(graphene.NonNull(DisclosureRelease), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)
    package = graphene.Field(DisclosurePackage, required=True)

    @staticmethod
    def resolve_total_count(feed, info):
        return feed.get("total", 0)


class LotteryUse(graphene.ObjectType):
    """What a lottery source paid for under one contract."""
    contract_id = graphene.ID(required=True)
    ocid = graphene.String(required=True)
    operator_name = graphene.String(required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    paid_fen = Fen(required=True)
    release = graphene.Field(DisclosureRelease, description="The contracting process in the disclosure feed.")

    @staticmethod
    def resolve_release(use, info):
        return loaders(info).releases.load(use["ocid"])


class LotterySource(graphene.ObjectType):
    source_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    domain = FundingDomain()
    year = graphene.Int(required=True)
    region_code = graphene.String(required=True)
    amount_fen = Fen(required=True)
    allocated_fen = Fen(required=True)
    contracted_fen = Fen(required=True)
    disbursed_fen = Fen(required=True)
    flagged_fen = Fen(required=True)
    uses = graphene.List(graphene.NonNull(LotteryUse), required=True)


class LotteryFundUse(graphene.ObjectType):
    """彩票公益金使用情况: each lottery public-welfare source, its allocation, commitments and payments,
    and what they paid for. Public."""
    region_code = graphene.String()
    year = graphene.Int()
    sources = graphene.List(graphene.NonNull(LotterySource), required=True)


# --- third-party evaluation -----------------------------------------------------------------
class Indicator(graphene.ObjectType):
    code = graphene.String(required=True)
    title = graphene.String(required=True)
    category = graphene.String(required=True)
    weight = graphene.Int(required=True, description="Share of the 100-point total.")
    max_score = graphene.Int(required=True)
    guidance = graphene.String()


class Grade(graphene.ObjectType):
    name = graphene.String(required=True)
    min_total = graphene.Float(required=True)


class IndicatorScheme(graphene.ObjectType):
    """Weighted indicators (weights add up to 100) and grade thresholds: data, not code."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)
    description = graphene.String()
    indicators = graphene.List(graphene.NonNull(Indicator), required=True)
    grades = graphene.List(graphene.NonNull(Grade), required=True, description="Highest first.")
    categories = graphene.List(graphene.NonNull(graphene.String), required=True)
    version = graphene.Int(required=True)


class EvaluationScheme(graphene.ObjectType):
    """The scheme as it was when the evaluation was commissioned (later edits do not change it)."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    indicators = graphene.List(graphene.NonNull(Indicator), required=True)
    grades = graphene.List(graphene.NonNull(Grade), required=True)


class EvaluationSubject(graphene.ObjectType):
    kind = EvaluationSubjectKind(required=True)
    id = graphene.ID(required=True)


class IndicatorScore(graphene.ObjectType):
    indicator = graphene.String(required=True)
    score = graphene.Float(required=True)
    comment = graphene.String(required=True)
    evidence = graphene.List(graphene.NonNull(SupportingDocument), required=True)
    by = graphene.String(required=True)
    at = DateTime(required=True)

    @staticmethod
    def resolve_evidence(score, info):
        return score.get("evidence") or []


class Evaluation(graphene.ObjectType):
    """A third-party evaluation a county commissioned for a station or a contract. The evaluators
    named score each indicator; completing it gives the total and the grade, which can gate a
    milestone's payment."""
    id = graphene.ID(required=True)
    subject = graphene.Field(EvaluationSubject, required=True)
    contract_id = graphene.ID()
    contract = graphene.Field(Contract)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    stations = graphene.List(graphene.NonNull(Station))
    region_code = graphene.String(required=True)
    scheme = graphene.Field(EvaluationScheme, required=True)
    evaluator = graphene.Field(Organisation, required=True)
    evaluator_user_ids = graphene.List(graphene.NonNull(graphene.String), required=True)
    period = graphene.Field(DateRange)
    due_on = Date(required=True)
    commissioned_on = Date(required=True)
    status = EvaluationStatus(required=True)
    scores = graphene.List(graphene.NonNull(IndicatorScore), required=True)
    total = graphene.Float(description="Weighted total out of 100, once completed.")
    grade = graphene.String()
    summary = graphene.String()
    completed_on = Date()
    version = graphene.Int(required=True, description="Pass as expectedVersion when scoring or completing.")

    @staticmethod
    def resolve_contract(evaluation, info):
        return loaders(info).contracts.load(evaluation["contract_id"]) if evaluation.get("contract_id") else None

    @staticmethod
    def resolve_stations(evaluation, info):
        return _stations(info, evaluation["station_ids"])


# --- pages ----------------------------------------------------------------------------------
FundingSourcePage = _page_type("FundingSourcePage", FundingSource, "funding sources")
BudgetLinePage = _page_type("BudgetLinePage", BudgetLine, "budget lines")
TenderPage = _page_type("TenderPage", Tender, "tenders")
ContractPage = _page_type("ContractPage", Contract, "contracts")
DisbursementPage = _page_type("DisbursementPage", Disbursement, "disbursements")
IndicatorSchemePage = _page_type("IndicatorSchemePage", IndicatorScheme, "indicator schemes")
EvaluationPage = _page_type("EvaluationPage", Evaluation, "evaluations")


# --- linked from the registry's Station -------------------------------------------------------
def station_contracts(station: dict, info, first: int | None = None):
    """Station.contracts (declared in registry.py): contracts running the station, one batch for all."""
    return then(loaders(info).contracts_for_stations.load(station["id"]), _at_most(first))


# --- queries ------------------------------------------------------------------------------


def _region_arg(description="A 6-digit division code (320000, 321100, 321181) or a 9-digit township code."):
    return graphene.String(description=description)


class FundingQuery(graphene.ObjectType):
    funding_sources = graphene.Field(
        FundingSourcePage, **_page_args(region=_region_arg(), year=graphene.Int(), kind=FundingSourceKind()),
        description="Funding sources you may see (officials of their region; administrators).")
    funding_source = graphene.Field(FundingSource, id=graphene.ID(required=True),
                                    description="Null when unknown or outside your scope.")
    budget_lines = graphene.Field(
        BudgetLinePage, **_page_args(region=_region_arg(), year=graphene.Int(), source_id=graphene.ID(),
                                     station_id=graphene.ID()))
    budget_line = graphene.Field(BudgetLine, id=graphene.ID(required=True))
    tenders = graphene.Field(TenderPage, **_page_args(
        region=_region_arg(), year=graphene.Int(description="Project year."), status=TenderStatus()))
    tender = graphene.Field(Tender, id=graphene.ID(required=True))
    contracts = graphene.Field(
        ContractPage, **_page_args(
            region=_region_arg(), station_id=graphene.ID(),
            flagged=graphene.Boolean(description="With (true) or without (false) held payments.")))
    contract = graphene.Field(Contract, id=graphene.ID(required=True))
    disbursements = graphene.Field(
        DisbursementPage, **_page_args(region=_region_arg(), year=graphene.Int(description="Year paid."),
                                       status=DisbursementStatus(), source_id=graphene.ID()))
    fund_supervision = graphene.Field(
        FundSupervision, region=graphene.String(required=True, description="A 6-digit province, city or county code."),
        year=graphene.Int(description="Budget year; all years when omitted."),
        description="Allocated, contracted, disbursed, flagged and remaining money by source and year, for "
                    "officials (the part of the region in their scope).")
    cost_outcome = graphene.Field(
        CostOutcome, region=graphene.String(required=True, description="A 6-digit province, city or county code."),
        year=graphene.Int(required=True), description="Cost per household, visit and volunteer hour, for officials.")
    disclosure_feed = graphene.Field(
        DisclosureFeed, **_page_args(region=graphene.String(description="A 6-digit division code."),
                                     year=graphene.Int(description="Project year.")),
        description="The public procurement feed (OCDS releases). No token needed.")
    disclosure_release = graphene.Field(DisclosureRelease, ocid=graphene.String(required=True),
                                        description="One contracting process from the public feed. No token needed.")
    lottery_fund_use = graphene.Field(
        LotteryFundUse, region=graphene.String(description="A 6-digit division code."), year=graphene.Int(),
        description="The public report on lottery public-welfare funds (彩票公益金). No token needed.")
    indicator_schemes = graphene.Field(IndicatorSchemePage, **_page_args())
    indicator_scheme = graphene.Field(IndicatorScheme, id=graphene.ID(required=True))
    evaluations = graphene.Field(
        EvaluationPage, **_page_args(region=_region_arg(), status=EvaluationStatus(),
                                     subject_kind=EvaluationSubjectKind(),
                                     assigned_to_me=graphene.Boolean(description="Only those you are to score.")))
    evaluation = graphene.Field(Evaluation, id=graphene.ID(required=True))
    funding_access_log = graphene.List(
        graphene.NonNull(AccessLogEntry), subject_id=graphene.ID(), user_id=graphene.String(),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"1 to {MAX_PAGE_SIZE}."),
        description="Reads of bidders' unmasked personal data, newest first.",
        deprecation_reason="Use personalDataAccessLog: one access log across the services, scoped by the viewer.")

    @staticmethod
    def resolve_funding_sources(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.funding.list_sources, first, after, filters)

    @staticmethod
    def resolve_funding_source(root, info, id):
        return loaders(info).sources.load(id)

    @staticmethod
    def resolve_budget_lines(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.funding.list_budget_lines, first, after, filters)

    @staticmethod
    def resolve_budget_line(root, info, id):
        return loaders(info).budget_lines.load(id)

    @staticmethod
    def resolve_tenders(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.funding.list_tenders, first, after, filters)

    @staticmethod
    def resolve_tender(root, info, id):
        return loaders(info).tenders.load(id)

    @staticmethod
    def resolve_contracts(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.funding.list_contracts, first, after, filters)

    @staticmethod
    def resolve_contract(root, info, id):
        return loaders(info).contracts.load(id)

    @staticmethod
    def resolve_disbursements(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.funding.list_disbursements, first, after, filters)

    @staticmethod
    def resolve_fund_supervision(root, info, region, year=None):
        return info.context.funding.fund_supervision(given(region=region, year=year))

    @staticmethod
    def resolve_cost_outcome(root, info, region, year):
        return info.context.funding.cost_outcome({"region": region, "year": year})

    @staticmethod
    def resolve_disclosure_feed(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.funding.disclosure_feed, first, after, filters)

    @staticmethod
    def resolve_disclosure_release(root, info, ocid):
        return loaders(info).releases.load(ocid)

    @staticmethod
    def resolve_lottery_fund_use(root, info, region=None, year=None):
        return info.context.funding.lottery_fund_use(given(region=region, year=year))

    @staticmethod
    def resolve_indicator_schemes(root, info, first=DEFAULT_PAGE_SIZE, after=None):
        return _listed(info.context.funding.list_indicator_schemes, first, after, {})

    @staticmethod
    def resolve_indicator_scheme(root, info, id):
        return loaders(info).schemes.load(id)

    @staticmethod
    def resolve_evaluations(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.funding.list_evaluations, first, after, filters)

    @staticmethod
    def resolve_evaluation(root, info, id):
        return loaders(info).evaluations.load(id)

    @staticmethod
    def resolve_funding_access_log(root, info, first=DEFAULT_PAGE_SIZE, subject_id=None, user_id=None):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.funding.access_log({**given(subject_id=subject_id, user_id=user_id), "limit": limit})
