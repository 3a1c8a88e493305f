"""Compound keys (services/common/compound_keys.py): counts and pages through one are those of the plain
filter, on the fake and on the real store, whatever writes made the documents."""
from __future__ import annotations

import pytest

from services.common import storage
from services.common.errors import ConcurrentModification
from services.common.storage import AggregateStore, CompoundKey
from tests.contract.test_store_contract import every_page

KEY = CompoundKey("things", ("status", "region_code"))
INDEXES = [*storage.page_key_indexes("things"), storage.Index("things", (("region_code", 1),)),
           *storage.compound_key_indexes(KEY)]


@pytest.fixture
def stores(store_database) -> tuple[AggregateStore, AggregateStore]:
    """The same collection, read plainly and through the key; sixty documents written through the key."""
    storage.ensure_indexes(store_database, INDEXES)
    plain = AggregateStore(store_database, "things", "thing")
    keyed = AggregateStore(store_database, "things", "thing", compound_keys=(KEY,))
    keyed.insert_many([storage.aggregate_document({
        "_id": f"t{n:03d}", "status": ("active", "moved", "active2")[n % 3],
        "region_code": f"3211{81 + n % 3}0{n % 4:02d}"}) for n in range(58)])
    keyed.insert({"_id": "t058", "status": "active", "region_code": None})
    keyed.insert({"_id": "t059", "status": "active"})
    return plain, keyed


QUERIES = [
    {"status": "active", "region_code": "321181000"},
    {"status": "active", "region_code": {"$gte": "321181", "$lt": "321181\uffff"}},
    {"status": "active", "region_code": {"$gte": "321182"}},
    {"status": "moved", "region_code": {"$gt": "321181001", "$lte": "321183000"}},
    {"status": "active", "region_code": {"$lt": "321182"}},
    {"status": "active2", "region_code": {"$gte": "321181", "$lt": "321184"}, "_id": {"$gte": "t010"}},
    {"status": "nobody", "region_code": {"$gte": "3"}},
    {"region_code": {"$gte": "321181", "$lt": "321182"}},  # no leading equality: asked as it is
    {"status": "active"},
]


@pytest.mark.parametrize("query", QUERIES)
def test_counts_and_pages_through_the_key_are_the_plain_ones(stores, query):
    plain, keyed = stores
    assert keyed.count(query) == plain.count(query)
    assert every_page(keyed, query, 4) == every_page(plain, query, 4)


def test_a_filter_the_key_covers_is_asked_as_one_range_on_it():
    rewritten = KEY.rewrite({"status": "active", "region_code": {"$gte": "3211"}, "risk": "high"})
    assert rewritten == {"risk": "high", KEY.name: {"$gte": "active\x1f3211", "$lt": "active\x20"}}
    assert KEY.rewrite({"status": {"$in": ["active"]}, "region_code": "3211"}) is None
    assert KEY.rewrite({"status": "active", "region_code": {"$in": ["3211"]}}) is None


def test_updates_keep_the_key_right_and_reads_leave_it_out(stores):
    plain, keyed = stores
    in_county = {"status": "active", "region_code": {"$gte": "321181", "$lt": "321182"}}
    before = plain.count(in_county)
    version = keyed.update("t001", 1, {"status": "active"})  # was moved, region 321182001
    keyed.update("t001", version, {"region_code": "321181009"})
    keyed.update("t000", 1, {"note": "untouched key"})
    keyed.update("t003", 1, {}, unset=["status"])  # active, 321181003: leaves the count
    assert plain.count(in_county) == before + 1 - 1 == keyed.count(in_county)
    assert every_page(keyed, in_county, 5) == every_page(plain, in_county, 5)
    with pytest.raises(ConcurrentModification):
        keyed.update("t006", 7, {"status": "moved"})
    assert keyed.count(in_county) == plain.count(in_county)
    assert not any(k.startswith("_key_") for k in keyed.require("t001")) and "status" in keyed.require("t001")


def test_documents_written_without_the_key_get_it_from_the_backfill(stores, store_database):
    plain, keyed = stores
    plain.insert({"_id": "t100", "status": "active", "region_code": "321181777"})
    plain.update("t002", 1, {"status": "active"})  # a stale key: written by a store that did not keep it
    query = {"status": "active", "region_code": {"$gte": "321181", "$lt": "321182"}}
    assert keyed.count(query) != plain.count(query)

    assert storage.backfill_compound_keys(store_database, [KEY]) == 2
    assert storage.backfill_compound_keys(store_database, [KEY]) == 0
    assert keyed.count(query) == plain.count(query)


def test_a_value_with_the_separator_is_refused(stores):
    _, keyed = stores
    with pytest.raises(ValueError):
        keyed.insert({"_id": "bad", "status": "a\x1fb", "region_code": "321181"})
