"""Closing a contract: the unspent committed money goes back to its budget lines, and the contract
takes no further payments (pure rules).

What a budget line committed to a contract and the contract did not pay is returned: on the
contract each funding entry keeps only what was paid as committed (`returned_fen` says how much
went back), and the contract's status becomes `closed`, which every payment, commitment and
amendment refuses. A held (flagged) payment must be released or cancelled first: its money is
neither spent nor free.

The return spans two documents, the contract and each budget line. The contract is written first,
with `contract.closed` in its outbox naming every return; each line then gives the amount back in
one version-checked update that records the contract in the line's `returns`, so applying the same
return twice changes nothing. If the process dies in between, funding's own consumer of
`contract.closed` completes the returns.
"""
from __future__ import annotations

from datetime import date, datetime

from services.common.clock import timestamp
from services.common.errors import Conflict, RuleViolation, ValidationFailed
from services.contracts import funding as vocabulary

from .contracts import ACTIVE, CANCELLED
from .domain import yuan

CLOSED = vocabulary.CONTRACT_STATUSES[1]


def close(contract: dict, data: dict, today: date, now: datetime, by: str) -> tuple[dict, list[dict]]:
    """(changes to the contract, returns [{budget_line_id, source_id, amount_fen}])."""
    if contract["status"] != ACTIVE:
        raise Conflict(f"the contract is {contract['status']}", {"status": [contract["status"]]})
    if contract["open_flags"] or contract["held_fen"]:
        raise RuleViolation(f"{contract['open_flags']} held payments ({yuan(contract['held_fen'])}) wait for a "
                            "decision; release or cancel them before closing the contract",
                            {"status": ["held payments are open"]})
    closed_on = data["closed_on"]
    last_payment = max((d["paid_on"] for d in contract["disbursements"] if d["status"] != CANCELLED), default=None)
    if closed_on > today:
        raise ValidationFailed.field("closed_on", "a contract cannot be closed in the future")
    if closed_on.isoformat() < contract["signed_on"] or (last_payment and closed_on.isoformat() < last_payment):
        raise ValidationFailed.field("closed_on", f"on or after the signing ({contract['signed_on']}) and the last "
                                                  f"payment ({last_payment or 'none'})")
    returns, funding = [], []
    for entry in contract["funding"]:
        unspent = entry["committed_fen"] - entry["paid_fen"]
        if unspent > 0:
            returns.append({"budget_line_id": entry["budget_line_id"], "source_id": entry["source_id"],
                            "amount_fen": unspent})
        funding.append({**entry, "committed_fen": entry["paid_fen"],
                        "returned_fen": entry.get("returned_fen", 0) + max(unspent, 0)})
    returned = sum(r["amount_fen"] for r in returns)
    closure = {"closed_on": closed_on.isoformat(), "reason": data["reason"], "at": timestamp(now), "by": by,
               "returned_fen": returned, "returns": returns}
    return {"status": CLOSED, "funding": funding, "committed_fen": contract["committed_fen"] - returned,
            "closure": closure}, returns


def line_return(line: dict, contract_id: str, amount_fen: int) -> dict | None:
    """Changes giving `amount_fen` back to the budget line (None when this contract's return is
    already recorded: a re-run after a crash, or a redelivered event)."""
    if contract_id in (line.get("returns") or {}):
        return None
    if amount_fen > line["committed_fen"]:
        raise Conflict(f"budget line {line['_id']} has only {yuan(line['committed_fen'])} committed; "
                       f"cannot take back {yuan(amount_fen)}")
    return {"committed_fen": line["committed_fen"] - amount_fen,
            "returns": {**(line.get("returns") or {}), contract_id: amount_fen}}
