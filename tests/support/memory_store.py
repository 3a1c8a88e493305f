"""The in-memory document store for unit tests of the use cases: mongomock, a maintained in-memory
implementation of pymongo's API, so the kernel's AggregateStore and every service's repositories run
unchanged on it (versions, outbox fields, unique indexes, request keys) without a server.

It earns its place as a fake by passing the same contract suite as the real store
(tests/contract/test_store_contract.py). Where mongomock falls short of the real store it is mended
here, so that the code under test never needs to know which store it runs on:
- pymongo 4.20's bulk `UpdateOne`/`ReplaceOne` pass a `sort` option that mongomock 4.3 does not take
  (the outbox relay clears what it published with a bulk write).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable

import mongomock
from mongomock.collection import BulkOperationBuilder

from services.common.storage import REQUEST_RESULT_INDEXES, Index, ensure_indexes


def _without_sort(add):
    """A bulk operation taking pymongo's `sort` option: only None, the single-document write's default."""

    @functools.wraps(add)
    def adding(self, *args, sort=None, **kwargs):
        if sort is not None:
            raise NotImplementedError("sorted bulk updates are not emulated by the in-memory store")
        return add(self, *args, **kwargs)

    return adding


if not getattr(BulkOperationBuilder.add_update, "takes_sort", False):
    for _name in ("add_update", "add_replace"):
        _mended = _without_sort(getattr(BulkOperationBuilder, _name))
        _mended.takes_sort = True  # marks the method as mended once
        setattr(BulkOperationBuilder, _name, _mended)


def memory_database(name: str = "unit", indexes: Iterable[Index] = ()):
    """A fresh, empty database holding `indexes` (a service's INDEXES list), in memory."""
    database = mongomock.MongoClient(tz_aware=True)[name]
    ensure_indexes(database, [*indexes, *REQUEST_RESULT_INDEXES])
    return database
