"""Reservations across two documents: money held on a source or a budget line while its dependent
document is written (domain.py explains the protocol), and the timer that settles what a crash left."""
from __future__ import annotations

from services.common import clock
from services.common.errors import ConcurrentModification, Conflict
from services.common.storage import AggregateStore
from services.funding import domain

from .aggregates import APPEND_ATTEMPTS, append
from .context import Funding


def reserve(store: AggregateStore, holder_id: str, counter: str, reservation_id: str, amount_fen: int,
            extra: dict | None = None) -> None:
    append(store, holder_id, lambda holder: (
        domain.reserve(holder, counter, reservation_id, amount_fen, clock.utcnow(), store.label, extra), []))


def settle(store: AggregateStore, holder_id: str, reservation_id: str, counter: str | None) -> None:
    """Confirm a reservation (counter None) or release it; nothing if it is not pending any more."""
    for _ in range(APPEND_ATTEMPTS):
        holder = store.require(holder_id)
        changes = domain.confirm(holder, reservation_id) if counter is None \
            else domain.release(holder, counter, reservation_id)
        if changes is None:
            return
        try:
            store.update(holder_id, holder["_version"], changes)
            return
        except ConcurrentModification:
            continue
    raise ConcurrentModification(f"{store.label} {holder_id} is changing too often right now; try again")


def require_fresh(store: AggregateStore, holder_id: str, reservation_id: str) -> None:
    if not domain.reservation_is_fresh(store.require(holder_id), reservation_id, clock.utcnow()):
        raise Conflict("the reservation took too long and may be released; try again",
                       {"amount_fen": ["reservation expired"]})


def settle_reservations(context: Funding) -> dict:
    """Timer: settle reservations left pending by a crash between their two writes."""
    repo, now = context.repo, clock.utcnow()
    settled = {"confirmed": 0, "released": 0}
    for source in repo.sources_with_reservations():
        for line_id in domain.stale_reservations(source, now):
            exists = repo.lines.get(line_id) is not None
            settle(repo.sources, source["_id"], line_id, None if exists else "allocated_fen")
            settled["confirmed" if exists else "released"] += 1
    for line in repo.lines_with_reservations():
        for commitment_id in domain.stale_reservations(line, now):
            contract = repo.contracts.get(line["pending"][commitment_id]["contract_id"])
            exists = contract is not None and any(c["id"] == commitment_id for c in contract["commitments"])
            settle(repo.lines, line["_id"], commitment_id, None if exists else "committed_fen")
            settled["confirmed" if exists else "released"] += 1
    return settled
