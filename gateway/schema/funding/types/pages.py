"""The pages of the funding lists."""
from __future__ import annotations

from .common import _page_type
from .contracts import Contract
from .disbursements import Disbursement
from .evaluations import Evaluation, IndicatorScheme
from .sources import BudgetLine, FundingSource
from .tenders import Tender

FundingSourcePage = _page_type("FundingSourcePage", FundingSource, "funding sources")
BudgetLinePage = _page_type("BudgetLinePage", BudgetLine, "budget lines")
TenderPage = _page_type("TenderPage", Tender, "tenders")
ContractPage = _page_type("ContractPage", Contract, "contracts")
DisbursementPage = _page_type("DisbursementPage", Disbursement, "disbursements")
IndicatorSchemePage = _page_type("IndicatorSchemePage", IndicatorScheme, "indicator schemes")
EvaluationPage = _page_type("EvaluationPage", Evaluation, "evaluations")
