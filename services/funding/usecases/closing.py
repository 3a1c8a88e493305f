"""Closing a contract: its unspent committed money goes back to each budget line (closing.py explains the
two writes and how a crash between them is completed)."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification
from services.common.events import event_by
from services.common.rpc import load
from services.contracts import funding as events
from services.funding import closing as closing_rules
from services.funding import contracts as contract_rules
from services.funding import schemas

from .access import writable
from .aggregates import APPEND_ATTEMPTS, edit
from .context import Funding


def close_contract(context: Funding, viewer: Viewer, contract_id: str, data: dict) -> dict:
    data = load(schemas.ContractClosingSchema, data)
    contract = writable(context.repo.contracts, viewer, contract_id)
    changes, returns = closing_rules.close(contract, data, clock.today(), clock.utcnow(), viewer.user_id)
    closed = event_by(viewer, events.CONTRACT_CLOSED, {
        "contract_id": contract_id, "region_code": contract["region_code"], "station_ids": contract["station_ids"],
        "closed_on": changes["closure"]["closed_on"], "reason": data["reason"], "paid_fen": contract["paid_fen"],
        "returned_fen": changes["closure"]["returned_fen"], "returns": returns})
    updated = edit(context.repo.contracts, contract, data["expected_version"], changes, [closed])
    context.repo.save_positions(contract_rules.positions(updated))
    complete_closing(context, contract_id)
    return contract_rules.contract_view(updated)


def complete_closing(context: Funding, contract_id: str) -> None:
    """Give each budget line what the closed contract did not spend (idempotent per line)."""
    contract = context.repo.contracts.get(contract_id)
    if contract is None or contract["status"] != closing_rules.CLOSED:
        return
    lines = context.repo.lines
    for entry in contract["closure"]["returns"]:
        for _ in range(APPEND_ATTEMPTS):
            line = lines.require(entry["budget_line_id"])
            changes = closing_rules.line_return(line, contract_id, entry["amount_fen"])
            if changes is None:
                break
            try:
                lines.update(line["_id"], line["_version"], changes)
                break
            except ConcurrentModification:
                continue
        else:
            raise ConcurrentModification(f"budget line {entry['budget_line_id']} is changing too often; "
                                         "the return is completed from contract.closed")
