"""The funding service's use cases, one module per topic; each function takes the `Funding` context, then the
viewer (handlers of events and timers take the context alone).

sources, budgets (budget lines), tenders, bids, contracts (signing, amending, committing money), disbursements,
closing, evaluations (schemes and third-party evaluations), supervision (fund supervision, cost and outcome),
disclosure (OCDS, lottery fund use), projections (other services' events), reservations (the two-document
protocol of domain.py and its timer). Scope and approver rules: access.py; the two kinds of write: aggregates.py.
"""
from __future__ import annotations

from . import (
    bids,
    budgets,
    closing,
    contracts,
    disbursements,
    disclosure,
    evaluations,
    projections,
    reservations,
    sources,
    supervision,
    tenders,
)
from .context import Funding

USE_CASE_MODULES = (sources, budgets, tenders, bids, contracts, disbursements, closing, evaluations, supervision,
                    disclosure, projections, reservations)

__all__ = ["USE_CASE_MODULES", "Funding", "bids", "budgets", "closing", "contracts", "disbursements", "disclosure",
           "evaluations", "projections", "reservations", "sources", "supervision", "tenders"]
