"""Both document stores the platform's code runs on, as one parametrised fixture.

`memory`: the in-memory fake (tests/support/memory_store.py) the use-case unit tests run on;
`wire`: the real pymongo driver against nx-27017 (or the MongoDB at MONGO_URI), what services run on.
A suite that takes `store_database` states a promise both must keep.
"""
from __future__ import annotations

import uuid

import pytest

from services.common import storage
from tests.support.memory_store import memory_database

STORES = ("memory", "wire")


@pytest.fixture(params=STORES)
def store_kind(request) -> str:
    return request.param


@pytest.fixture
def store_database(request, store_kind):
    """A fresh, empty database on the store named by `store_kind`."""
    name = f"contract{uuid.uuid4().hex[:10]}"
    if store_kind == "memory":
        yield memory_database(name)
        return
    uri = request.getfixturevalue("mongo_server")
    client = storage.mongo_client(uri)
    yield client[name]
    client.drop_database(name)
