"""The contract-money read model as the outcome use cases read it: one projection document by primary key."""
from __future__ import annotations

from services.common.projections import PROJECTIONS

from . import projections


def contract_money(db) -> dict:
    """{"contracts": {id: contract}, "disbursements": {id: disbursement}} (empty before the first event)."""
    doc = db[PROJECTIONS].find_one({"_id": projections.MONEY}, {"state": 1}) or {}
    state = doc.get("state") or {}
    return {"contracts": state.get("contracts", {}), "disbursements": state.get("disbursements", {})}
