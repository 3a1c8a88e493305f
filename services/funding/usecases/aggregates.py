"""The two ways a funding use case writes an aggregate (the module docstring of domain.py says which when)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from services.common.errors import ConcurrentModification
from services.common.events import Envelope
from services.common.storage import AggregateStore

APPEND_ATTEMPTS = 50


def append(store: AggregateStore, doc_id: str, build: Callable[[dict], tuple[dict, list[Envelope]]]) -> dict:
    """Re-read, re-check and write until no concurrent writer got in between; returns the new state.
    For appends that do not edit what the caller read (a bid received, a disbursement recorded)."""
    for _ in range(APPEND_ATTEMPTS):
        current = store.require(doc_id)
        changes, change_events = build(current)
        try:
            store.update(doc_id, current["_version"], changes, change_events)
        except ConcurrentModification:
            continue
        return {**current, **changes, "_version": current["_version"] + 1}
    raise ConcurrentModification(f"{store.label} {doc_id} is changing too often right now; try again")


def edit(store: AggregateStore, doc: dict, expected_version: int, changes: dict,
         change_events: Iterable[Envelope] = ()) -> dict:
    """A user's edit of what they read: refused if the document changed since `expected_version`."""
    store.update(doc["_id"], expected_version, changes, change_events)
    return store.require(doc["_id"])


def page_result(items: list, next_cursor: str | None, total: int) -> dict:
    return {"items": items, "next_cursor": next_cursor, "total": total}
