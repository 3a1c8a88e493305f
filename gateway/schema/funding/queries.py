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

from gateway.loaders import loader
from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, listed, page_args, page_size
from gateway.schema.funding.enums import (
    DisbursementStatus,
    EvaluationStatus,
    EvaluationSubjectKind,
    FundingSourceKind,
    TenderStatus,
)
from gateway.schema.funding.types.contracts import Contract
from gateway.schema.funding.types.disclosure import DisclosureFeed, DisclosureRelease, LotteryFundUse
from gateway.schema.funding.types.evaluations import Evaluation, IndicatorScheme
from gateway.schema.funding.types.pages import (
    BudgetLinePage,
    ContractPage,
    DisbursementPage,
    EvaluationPage,
    FundingSourcePage,
    IndicatorSchemePage,
    TenderPage,
)
from gateway.schema.funding.types.sources import BudgetLine, FundingSource
from gateway.schema.funding.types.supervision import CostOutcome, FundSupervision
from gateway.schema.funding.types.tenders import Tender
from gateway.schema.registry.types import AccessLogEntry


def _region_arg(description="A 6-digit division code (320000, 321100, 321181) or a 9-digit township code."):
    return graphene.String(description=description)


class FundingQuery(graphene.ObjectType):
    funding_sources = graphene.Field(
        FundingSourcePage, **page_args(region=_region_arg(), year=graphene.Int(), kind=FundingSourceKind()),
        description="Funding sources you may see (officials of their region; administrators).")
    funding_source = graphene.Field(FundingSource, id=graphene.ID(required=True),
                                    description="Null when unknown or outside your scope.")
    budget_lines = graphene.Field(
        BudgetLinePage, **page_args(region=_region_arg(), year=graphene.Int(), source_id=graphene.ID(),
                                    station_id=graphene.ID()))
    budget_line = graphene.Field(BudgetLine, id=graphene.ID(required=True))
    tenders = graphene.Field(TenderPage, **page_args(
        region=_region_arg(), year=graphene.Int(description="Project year."), status=TenderStatus()))
    tender = graphene.Field(Tender, id=graphene.ID(required=True))
    contracts = graphene.Field(
        ContractPage, **page_args(
            region=_region_arg(), station_id=graphene.ID(),
            flagged=graphene.Boolean(description="With (true) or without (false) held payments.")))
    contract = graphene.Field(Contract, id=graphene.ID(required=True))
    disbursements = graphene.Field(
        DisbursementPage, **page_args(region=_region_arg(), year=graphene.Int(description="Year paid."),
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
        DisclosureFeed, **page_args(region=graphene.String(description="A 6-digit division code."),
                                    year=graphene.Int(description="Project year.")),
        description="The public procurement feed (OCDS releases). No token needed.")
    disclosure_release = graphene.Field(DisclosureRelease, ocid=graphene.String(required=True),
                                        description="One contracting process from the public feed. No token needed.")
    lottery_fund_use = graphene.Field(
        LotteryFundUse, region=graphene.String(description="A 6-digit division code."), year=graphene.Int(),
        description="The public report on lottery public-welfare funds (彩票公益金). No token needed.")
    indicator_schemes = graphene.Field(IndicatorSchemePage, **page_args())
    indicator_scheme = graphene.Field(IndicatorScheme, id=graphene.ID(required=True))
    evaluations = graphene.Field(
        EvaluationPage, **page_args(region=_region_arg(), status=EvaluationStatus(),
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
        return listed(info.context.service("funding").list_sources, first, after, filters)

    @staticmethod
    def resolve_funding_source(root, info, id):
        return loader(info, "funding.sources").load(id)

    @staticmethod
    def resolve_budget_lines(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("funding").list_budget_lines, first, after, filters)

    @staticmethod
    def resolve_budget_line(root, info, id):
        return loader(info, "funding.budget_lines").load(id)

    @staticmethod
    def resolve_tenders(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("funding").list_tenders, first, after, filters)

    @staticmethod
    def resolve_tender(root, info, id):
        return loader(info, "funding.tenders").load(id)

    @staticmethod
    def resolve_contracts(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("funding").list_contracts, first, after, filters)

    @staticmethod
    def resolve_contract(root, info, id):
        return loader(info, "funding.contracts").load(id)

    @staticmethod
    def resolve_disbursements(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("funding").list_disbursements, first, after, filters)

    @staticmethod
    def resolve_fund_supervision(root, info, region, year=None):
        return info.context.service("funding").fund_supervision(given(region=region, year=year))

    @staticmethod
    def resolve_cost_outcome(root, info, region, year):
        return info.context.service("funding").cost_outcome({"region": region, "year": year})

    @staticmethod
    def resolve_disclosure_feed(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("funding").disclosure_feed, first, after, filters)

    @staticmethod
    def resolve_disclosure_release(root, info, ocid):
        return loader(info, "funding.releases").load(ocid)

    @staticmethod
    def resolve_lottery_fund_use(root, info, region=None, year=None):
        return info.context.service("funding").lottery_fund_use(given(region=region, year=year))

    @staticmethod
    def resolve_indicator_schemes(root, info, first=DEFAULT_PAGE_SIZE, after=None):
        return listed(info.context.service("funding").list_indicator_schemes, first, after, {})

    @staticmethod
    def resolve_indicator_scheme(root, info, id):
        return loader(info, "funding.schemes").load(id)

    @staticmethod
    def resolve_evaluations(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return listed(info.context.service("funding").list_evaluations, first, after, filters)

    @staticmethod
    def resolve_evaluation(root, info, id):
        return loader(info, "funding.evaluations").load(id)

    @staticmethod
    def resolve_funding_access_log(root, info, first=DEFAULT_PAGE_SIZE, subject_id=None, user_id=None):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        query = {**given(subject_id=subject_id, user_id=user_id), "limit": limit}
        return info.context.service("funding").access_log(query)
