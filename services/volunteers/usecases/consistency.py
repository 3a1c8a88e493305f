"""Optimistic concurrency in the use cases: retry a read-check-write, or fail early on a stale version."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from services.common.errors import ConcurrentModification

RETRIES = 8
T = TypeVar("T")


def retrying(operation: Callable[[], T]) -> T:
    """Run a read-check-write on a shared aggregate until no concurrent writer got in between."""
    for _ in range(RETRIES):
        try:
            return operation()
        except ConcurrentModification:
            continue
    raise ConcurrentModification("the record is changing too fast; try again")


def check_version(record: dict, expected: int) -> None:
    """Before side effects on other aggregates: a stale caller fails early, with nothing done."""
    if record["_version"] != expected:
        raise ConcurrentModification(f"{record['_id']} was changed by someone else (expected version {expected}, "
                                     f"now {record['_version']}); read it again and retry")
