"""The in-memory document store for unit tests of the use cases: mongomock, a maintained in-memory
implementation of pymongo's API, so the kernel's AggregateStore and every service's repositories run
unchanged on it (versions, outbox fields, unique indexes, request keys) without a server.

It earns its place as a fake by passing the same contract suite as the real store
(tests/contract/test_store_contract.py). Where it and nx-27017 differ, the contract suite says so.
"""
from __future__ import annotations

from collections.abc import Iterable

import mongomock

from services.common.storage import REQUEST_RESULT_INDEXES, Index, ensure_indexes


def memory_database(name: str = "unit", indexes: Iterable[Index] = ()):
    """A fresh, empty database holding `indexes` (a service's INDEXES list), in memory."""
    database = mongomock.MongoClient(tz_aware=True)[name]
    ensure_indexes(database, [*indexes, *REQUEST_RESULT_INDEXES])
    return database
