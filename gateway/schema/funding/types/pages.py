"""The pages of the funding lists."""
from __future__ import annotations

from gateway.schema.base import page_type
from gateway.schema.funding.types.contracts import Contract
from gateway.schema.funding.types.disbursements import Disbursement
from gateway.schema.funding.types.evaluations import Evaluation, IndicatorScheme
from gateway.schema.funding.types.sources import BudgetLine, FundingSource
from gateway.schema.funding.types.tenders import Tender

FundingSourcePage = page_type("FundingSourcePage", FundingSource, "funding sources", ordered_by="id")
BudgetLinePage = page_type("BudgetLinePage", BudgetLine, "budget lines", ordered_by="id")
TenderPage = page_type("TenderPage", Tender, "tenders", ordered_by="id")
ContractPage = page_type("ContractPage", Contract, "contracts", ordered_by="id")
DisbursementPage = page_type("DisbursementPage", Disbursement, "disbursements", ordered_by="id")
IndicatorSchemePage = page_type("IndicatorSchemePage", IndicatorScheme, "indicator schemes", ordered_by="id")
EvaluationPage = page_type("EvaluationPage", Evaluation, "evaluations", ordered_by="id")
