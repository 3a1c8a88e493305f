"""Pages and counts of the aggregate store, over the real pymongo driver and document store.

Pages are cut on the page key (a copy of `_id`), so every document appears exactly once in id order
whatever the filter, and documents written before page keys existed get theirs from `migrate`."""
import pytest

from services.common import storage
from services.common.storage import PAGE_KEY, AggregateStore, all_of


@pytest.fixture
def households(isolated_settings):
    db = storage.database("paging")
    storage.ensure_indexes(db, storage.page_key_indexes("households"))
    store = AggregateStore(db, "households", "household")
    docs = [storage.aggregate_document({"_id": f"hh{n:04d}", "station_id": f"st{n % 3}",
                                        "region_code": f"32118100{n % 2}", "status": "active" if n % 5 else "closed"})
            for n in range(230)]
    assert store.insert_many(docs) == set()
    return store


def _all_pages(store: AggregateStore, query: dict, limit: int) -> list[str]:
    seen, after, totals = [], None, set()
    while True:
        page = store.page(query, after, limit)
        totals.add(page.total)
        seen.extend(d["_id"] for d in page.docs)
        if page.next_cursor is None:
            assert len(totals) == 1 and totals.pop() == len(seen)
            return seen
        assert page.next_cursor == page.docs[-1]["_id"]
        after = page.next_cursor


def test_pages_return_every_matching_document_once_in_id_order(households):
    query = all_of({"station_id": {"$in": ["st0", "st2"]}}, {"status": "active"},
                   {"region_code": {"$gte": "321181000", "$lt": "32118100:"}})
    seen = _all_pages(households, query, 17)
    expected = sorted(f"hh{n:04d}" for n in range(230) if n % 3 in (0, 2) and n % 5)
    assert seen == expected


def test_unfiltered_pages_and_counts_cover_the_collection(households):
    assert _all_pages(households, {}, 50) == [f"hh{n:04d}" for n in range(230)]
    assert households.count({}) == 230
    assert households.count({"status": "closed"}) == 46
    assert households.count({"station_id": "nobody"}) == 0


def test_bookkeeping_stays_out_of_what_readers_get(households):
    page = households.page({}, None, 1)
    assert PAGE_KEY not in page.docs[0] and "_outbox" not in page.docs[0]
    assert PAGE_KEY not in households.require("hh0001")


def test_insert_many_reports_the_ids_that_already_existed(households):
    again = [storage.aggregate_document({"_id": "hh0003"}), storage.aggregate_document({"_id": "hh9999"})]
    assert households.insert_many(again) == {"hh0003"}
    assert households.count({}) == 231


def test_migration_gives_older_documents_their_page_key(isolated_settings):
    db = storage.database("paging")
    db.legacy.insert_many([{"_id": f"old{n}", "_version": 1} for n in range(5)])
    indexes = storage.page_key_indexes("legacy")
    legacy = storage.AggregateStore(db, "legacy", "legacy")
    assert legacy.page({}, "old1", 10).docs == []  # the next page cannot be cut without keys
    assert storage.backfill_page_keys(db, indexes) == 5
    assert storage.backfill_page_keys(db, indexes) == 0
    assert [d["_id"] for d in legacy.page({}, "old1", 10).docs] == ["old2", "old3", "old4"]


def test_casework_households_read_through_their_keys_as_through_the_plain_filter(isolated_settings):
    """Casework's repository asks a station worker's `$in` one station at a time and a county's active
    households through the (status, region_code) compound key; the answers are the plain filter's."""
    from services.casework.storage import INDEXES, CaseworkRepository, HouseholdCriteria
    from services.common.scope import Scope

    db = storage.database("paging_casework")
    storage.ensure_indexes(db, INDEXES)
    repo = CaseworkRepository(db)
    repo.households.insert_many([storage.aggregate_document({
        "_id": f"hh{n:04d}", "station_id": f"ST32118{n % 2}00{n % 3}", "region_code": f"32118{n % 2}00{n % 3}001",
        "status": "active" if n % 5 else "moved", "risk_level": ("low", "high")[n % 2],
        "review_due_on": "2027-01-01"}) for n in range(120)])
    assert db.households.find_one({"_id": "hh0001"})["_key_status_region_code"] == "active\x1f321181001001"
    plain = AggregateStore(db, "households", "household")
    scopes = [Scope(region_prefix="321181"), Scope(station_ids=("ST321180001", "ST321181002", "ST321180001")),
              Scope(region_prefix="32118", station_ids=("ST321181001",)), Scope.everything()]
    for scope in scopes:
        for criteria in (HouseholdCriteria(), HouseholdCriteria(risk_level="high")):
            keyed = _all_ids(lambda after, s=scope, c=criteria: repo.households.page_in(s, c, "2026-06-30", after, 7))
            query = all_of(storage.scope_filter(scope), {"status": "active"},
                           {"risk_level": criteria.risk_level} if criteria.risk_level else None)
            assert keyed == _all_pages(plain, query, 7) and keyed


def _all_ids(page_at) -> list[str]:
    seen, after = [], None
    while True:
        page = page_at(after)
        seen.extend(d["_id"] for d in page.docs)
        assert page.total >= len(seen)
        if page.next_cursor is None:
            assert page.total == len(seen)
            return seen
        after = page.next_cursor
