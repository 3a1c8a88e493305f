"""Cost declarations of the funding fields (guards.py: CostModel)."""
from __future__ import annotations

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
