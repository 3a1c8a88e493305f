"""Optimistic concurrency in the use cases: how often a read-check-write is tried, and failing early on a
stale version. Retries of a read-check-write on a shared aggregate (stock, a volunteer's hours and load) use
the kernel's `storage.retry_commuting`: the rerun reads the newer state and checks every rule again."""
from __future__ import annotations

from services.common.errors import ConcurrentModification

RETRIES = 8


def check_version(record: dict, expected: int) -> None:
    """Before side effects on other aggregates: a stale caller fails early, with nothing done."""
    if record["_version"] != expected:
        raise ConcurrentModification(f"{record['_id']} was changed by someone else (expected version {expected}, "
                                     f"now {record['_version']}); read it again and retry")
