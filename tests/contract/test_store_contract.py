"""The aggregate store's promises, kept alike by the in-memory fake and the real store.

Every test runs twice (tests/contract/conftest.py): on mongomock through tests/support/memory_store.py,
and on the pymongo driver against nx-27017 (or MongoDB when MONGO_URI is set). A use case unit-tested
on the fake can rely on exactly what is asserted here, nothing more.

Where the stores differ, the fake is made to behave like the real store, or the difference is stated
in the test that meets it:
- a unique index and documents WITHOUT the indexed field: MongoDB and mongomock refuse the second one,
  nx-27017 lets both in. Code must not rely on either (every unique key is always written), so the
  suite only asserts the behaviour with the field present.
- a boolean written by `$set` reads back from nx-27017 as 1 (True when inserted): the relay's
  `{_outbox_pending: True}` query matches both, so the suite asserts the flag's truth, not its type.
"""
from __future__ import annotations

import time

import pytest
from marshmallow import Schema, fields

from services.common import eventlog, storage
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, Conflict, NotFound
from services.common.events import EventContract, event_by
from services.common.outbox import LEASE_SECONDS, relay_once
from services.common.scope import Scope
from services.common.storage import (
    OUTBOX,
    OUTBOX_LEASE,
    OUTBOX_PENDING,
    PAGE_KEY,
    VERSION,
    AggregateStore,
    Index,
    scope_filter,
)


class _ThingSchema(Schema):
    thing_id = fields.String(required=True)


# Not registered in the contract catalogue: it exists for this suite only.
THING_HAPPENED = EventContract("thing.happened", 1, "contract", _ThingSchema)
WORKER = Viewer(role="admin", user_id="contract-suite")
INDEXES = [*storage.page_key_indexes("things"), *storage.outbox_indexes("things"),
           Index("things", (("code", 1),), unique=True), Index("things", (("station_id", 1),))]


def happened(thing_id: str):
    return event_by(WORKER, THING_HAPPENED, {"thing_id": thing_id})


@pytest.fixture
def things(store_database) -> AggregateStore:
    storage.ensure_indexes(store_database, [*INDEXES, *storage.REQUEST_RESULT_INDEXES, *eventlog.INDEXES])
    return AggregateStore(store_database, "things", "thing")


def raw(store: AggregateStore, doc_id: str) -> dict:
    """The stored document with its bookkeeping, as the relay sees it."""
    found = store.collection.find_one({"_id": doc_id})
    assert found is not None
    return found


# --- insert -----------------------------------------------------------------------------------------
def test_insert_stores_version_page_key_and_pending_events_and_returns_the_public_document(things):
    event = happened("t1")
    returned = things.insert({"_id": "t1", "code": "A"}, [event])

    assert returned["_id"] == "t1" and returned[VERSION] == 1
    assert not {OUTBOX, OUTBOX_PENDING, OUTBOX_LEASE, PAGE_KEY} & set(returned)
    stored = raw(things, "t1")
    assert stored[VERSION] == 1 and stored[PAGE_KEY] == "t1"
    assert stored[OUTBOX_PENDING] and stored[OUTBOX_LEASE] == 0
    assert stored[OUTBOX] == {event.id: {"order": 1000, "envelope": event.to_dict()}}


def test_insert_without_events_is_not_pending(things):
    things.insert({"_id": "t1", "code": "A"})

    assert not raw(things, "t1")[OUTBOX_PENDING]
    assert things.require("t1")["code"] == "A"


def test_reads_leave_the_bookkeeping_out(things):
    things.insert({"_id": "t1", "code": "A"}, [happened("t1")])

    for doc in (things.get("t1"), things.find({})[0], things.page({}, None, 5).docs[0]):
        assert doc is not None and not {OUTBOX, OUTBOX_PENDING, OUTBOX_LEASE, PAGE_KEY} & set(doc)


def test_unknown_id_reads_as_none_and_require_refuses_it(things):
    assert things.get("nobody") is None
    with pytest.raises(NotFound):
        things.require("nobody")


# --- unique keys -------------------------------------------------------------------------------------
def test_a_second_aggregate_with_the_same_id_is_a_conflict(things):
    things.insert({"_id": "t1", "code": "A"})

    with pytest.raises(Conflict, match="thing t1 already exists"):
        things.insert({"_id": "t1", "code": "B"})


def test_a_unique_key_taken_is_a_conflict_with_the_callers_message(things):
    things.insert({"_id": "t1", "code": "A"})

    with pytest.raises(Conflict, match="code A is taken"):
        things.insert({"_id": "t2", "code": "A"}, duplicate_message="code A is taken")
    assert things.get("t2") is None


# --- optimistic updates ------------------------------------------------------------------------------
def test_update_with_the_current_version_applies_and_queues_its_events_after_the_older_ones(things):
    first, second = happened("t1"), happened("t1")
    things.insert({"_id": "t1", "code": "A", "note": "x"}, [first])

    assert things.update("t1", 1, {"status": "done"}, [second], unset=["note"]) == 2
    stored = raw(things, "t1")
    assert stored["status"] == "done" and "note" not in stored and stored[VERSION] == 2
    assert [e["order"] for e in stored[OUTBOX].values()] == [1000, 2000]
    assert stored[OUTBOX][second.id]["envelope"]["id"] == second.id
    assert stored[OUTBOX_PENDING]


def test_update_on_a_stale_version_is_refused_and_changes_nothing(things):
    things.insert({"_id": "t1", "code": "A"})
    things.update("t1", 1, {"status": "first"})

    with pytest.raises(ConcurrentModification):
        things.update("t1", 1, {"status": "lost"}, [happened("t1")])
    stored = raw(things, "t1")
    assert stored["status"] == "first" and stored[VERSION] == 2 and stored[OUTBOX] == {}


def test_update_of_an_unknown_aggregate_is_not_found(things):
    with pytest.raises(NotFound):
        things.update("nobody", 1, {"status": "x"})


# --- request keys: a rerun of a request returns its first result ---------------------------------------
def test_a_rerun_insert_returns_the_first_result_once(things):
    with storage.serving_request("req-1"):
        first = things.insert({"_id": "t1", "code": "A"}, [happened("t1")])
    with storage.serving_request("req-1"):  # nameko redelivered the request
        again = things.insert({"_id": "t1", "code": "A"}, [happened("t1")])

    assert again == first
    assert things.count({}) == 1 and len(raw(things, "t1")[OUTBOX]) == 1


def test_a_rerun_insert_under_a_new_id_still_collides_on_its_unique_key_and_returns_the_first(things):
    with storage.serving_request("req-1"):
        first = things.insert({"_id": "t1", "code": "A"})
    with storage.serving_request("req-1"):  # a rerun draws a fresh id; the unique code is what collides
        again = things.insert({"_id": "t2", "code": "A"})

    assert again["_id"] == first["_id"] == "t1" and things.count({}) == 1


def test_a_rerun_update_is_applied_once_and_answers_the_same_version(things):
    things.insert({"_id": "t1", "code": "A"})
    with storage.serving_request("req-2"):
        assert things.update("t1", 1, {"status": "done"}, [happened("t1")]) == 2
    with storage.serving_request("req-2"):
        assert things.update("t1", 1, {"status": "done"}, [happened("t1")]) == 2

    stored = raw(things, "t1")
    assert stored[VERSION] == 2 and len(stored[OUTBOX]) == 1


def test_two_writes_of_one_request_are_not_mistaken_for_a_rerun(things):
    things.insert({"_id": "t1", "code": "A"})
    with storage.serving_request("req-3"):
        things.update("t1", 1, {"step": 1})
        things.update("t1", 2, {"step": 2})
        assert storage.writes_made() == 2

    assert raw(things, "t1")[VERSION] == 3


def test_another_request_on_a_stale_version_is_still_refused(things):
    things.insert({"_id": "t1", "code": "A"})
    with storage.serving_request("req-4"):
        things.update("t1", 1, {"status": "first"})
    with storage.serving_request("req-5"), pytest.raises(ConcurrentModification):
        things.update("t1", 1, {"status": "second"})


# --- bulk insert ---------------------------------------------------------------------------------------
def test_insert_many_writes_the_new_ones_and_returns_the_ids_that_existed(things):
    things.insert({"_id": "t2", "code": "B"})
    docs = [storage.aggregate_document({"_id": f"t{n}", "code": f"C{n}"}, [happened(f"t{n}")]) for n in (1, 2, 3)]

    assert things.insert_many(docs) == {"t2"}
    assert sorted(d["_id"] for d in things.find({})) == ["t1", "t2", "t3"]
    assert things.require("t2")["code"] == "B"  # the existing one is left as it was
    assert raw(things, "t3")[OUTBOX_PENDING]


def test_insert_many_of_nothing_writes_nothing(things):
    assert things.insert_many([]) == set()
    assert things.count({}) == 0


# --- pages and counts --------------------------------------------------------------------------------
@pytest.fixture
def hundred(things) -> AggregateStore:
    docs = [storage.aggregate_document({"_id": f"t{n:03d}", "code": f"C{n}", "station_id": f"st{n % 3}",
                                        "region_code": f"3211810{n % 4:02d}"}) for n in range(100)]
    assert things.insert_many(docs) == set()
    return things


def every_page(store: AggregateStore, query: dict, limit: int) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = store.page(query, after, limit)
        pages.append([d["_id"] for d in page.docs])
        if page.next_cursor is None:
            return pages
        assert page.next_cursor == page.docs[-1]["_id"] and page.total == store.count(query)
        after = page.next_cursor


def test_pages_cut_on_the_page_key_return_each_document_once_in_id_order(hundred):
    pages = every_page(hundred, {"station_id": "st1"}, 7)

    assert [i for page in pages for i in page] == [f"t{n:03d}" for n in range(100) if n % 3 == 1]
    assert all(len(page) == 7 for page in pages[:-1]) and 0 < len(pages[-1]) <= 7


def test_a_cursor_stays_valid_when_documents_are_added_before_it(hundred):
    first = hundred.page({}, None, 10)
    hundred.insert({"_id": "t000a", "code": "early"})  # sorts before the cursor

    second = hundred.page({}, first.next_cursor, 10)
    assert [d["_id"] for d in second.docs] == [f"t{n:03d}" for n in range(10, 20)]


def test_an_exact_last_page_has_no_next_cursor(hundred):
    page = hundred.page({}, "t089", 10)

    assert [d["_id"] for d in page.docs] == [f"t{n:03d}" for n in range(90, 100)] and page.next_cursor is None


class CountingCollection:
    """The store's collection, counting the documents its queries hand back to the store."""

    def __init__(self, collection):
        self._collection = collection
        self.read = 0

    def find(self, *args, **kwargs):
        return _CountingCursor(self._collection.find(*args, **kwargs), self)

    def __getattr__(self, name):
        return getattr(self._collection, name)


class _CountingCursor:
    def __init__(self, cursor, counter: CountingCollection):
        self._cursor, self._counter = cursor, counter

    def sort(self, *args):
        self._cursor = self._cursor.sort(*args)
        return self

    def skip(self, n):
        self._cursor = self._cursor.skip(n)
        return self

    def limit(self, n):
        self._cursor = self._cursor.limit(n)
        return self

    def __iter__(self):
        for doc in self._cursor:
            self._counter.read += 1
            yield doc


def test_the_last_page_reads_as_many_documents_as_the_first(hundred):
    counting = CountingCollection(hundred.collection)
    hundred.collection = counting  # a measuring proxy of the same collection

    hundred.page({}, None, 10)
    first_read, counting.read = counting.read, 0
    hundred.page({}, "t088", 10)  # 11 documents left: a full page and the one that says more follow

    assert first_read == counting.read == 11
    # The store does not skip: the cut is a range on the indexed page key.
    if hundred.collection.database.client.address is not None and _explains(hundred):
        plan = hundred.collection.find({PAGE_KEY: {"$gt": "t089"}}).sort(PAGE_KEY, 1).limit(11).explain()
        examined = plan.get("executionStats", {}).get("totalDocsExamined")
        if examined is not None:
            assert examined <= 11


def _explains(store: AggregateStore) -> bool:
    """nx-27017 answers `explain` without execution statistics; MongoDB gives them."""
    try:
        return "executionStats" in store.collection.find({}).limit(1).explain()
    except Exception:
        return False


def test_count_counts_exactly_the_matching_documents(hundred):
    assert hundred.count({}) == 100
    assert hundred.count({"station_id": "st0"}) == 34
    assert hundred.count({"station_id": "nobody"}) == 0
    assert hundred.page({"station_id": "st2"}, None, 5).total == 33


@pytest.mark.parametrize("query", [
    {"station_id": {"$in": ["st0", "st2"]}},
    {"station_id": {"$in": ["st2", "st0", "st2"]}, "region_code": "321181001"},
    {"station_id": {"$in": ["st1", "nobody"]}, "region_code": {"$gte": "321181001", "$lt": "321181003"}},
    {"station_id": {"$in": ["nobody"]}},
    {"station_id": {"$in": []}},
])
def test_an_in_on_a_one_valued_field_asked_value_by_value_counts_and_pages_the_same(hundred, query):
    split = AggregateStore(hundred.collection.database, "things", "thing", one_valued=("station_id",))

    assert split.count(query) == hundred.count(query)
    assert every_page(split, query, 7) == every_page(hundred, query, 7)
    assert every_page(split, query, 100) == every_page(hundred, query, 100)


def test_the_split_asks_one_equality_per_distinct_value(hundred):
    split = AggregateStore(hundred.collection.database, "things", "thing", one_valued=("station_id",))
    asked: list[dict] = []
    collection = split.collection

    class Spy:
        def find(self, query, *args, **kwargs):
            asked.append(query)
            return collection.find(query, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(collection, name)
    split.collection = Spy()  # type: ignore[assignment]

    page = split.page({"station_id": {"$in": ["st1", "st0", "st1"]}}, "t050", 5)
    assert [d["_id"] for d in page.docs] == ["t051", "t052", "t054", "t055", "t057"] and page.total == 67
    assert [q["station_id"] for q in asked] == ["st1", "st0"]
    assert all(q[PAGE_KEY] == {"$gt": "t050"} for q in asked)


# --- scope ---------------------------------------------------------------------------------------------
def in_scope(scope: Scope, doc: dict) -> bool:
    if scope.empty:
        return False
    return ((scope.station_ids is None or doc["station_id"] in scope.station_ids)
            and (scope.region_prefix is None or doc["region_code"].startswith(scope.region_prefix)))


SCOPES = [Scope.everything(), Scope.nothing(), Scope(region_prefix="321181001"), Scope(region_prefix="32118100"),
          Scope(station_ids=("st0", "st2")), Scope(region_prefix="321181003", station_ids=("st1",)),
          Scope(station_ids=()), Scope(region_prefix="3212")]


@pytest.mark.parametrize("scope", SCOPES, ids=repr)
def test_scope_filter_selects_exactly_the_records_in_scope(hundred, scope):
    docs = hundred.find({})
    expected = sorted(d["_id"] for d in docs if in_scope(scope, d))

    assert sorted(d["_id"] for d in hundred.find(scope_filter(scope))) == expected
    assert hundred.count(scope_filter(scope)) == len(expected)


def test_scope_filter_on_other_field_names(things):
    things.insert({"_id": "s1", "code": "A", "township": "321181001", "station_ids": ["st1", "st2"]})
    things.insert({"_id": "s2", "code": "B", "township": "321102001", "station_ids": ["st3"]})
    scope = Scope(region_prefix="321181", station_ids=("st2",))

    found = things.find(scope_filter(scope, region_field="township", station_field="station_ids"))
    assert [d["_id"] for d in found] == ["s1"]  # an array field matches when any element is in scope


# --- the outbox as the relay needs it ------------------------------------------------------------------
class RecordingPublisher:
    def __init__(self, fail_after: int | None = None):
        self.published: list[dict] = []
        self.fail_after = fail_after

    def publish(self, envelope: dict, sequence: int | None = None) -> None:
        if self.fail_after is not None and len(self.published) >= self.fail_after:
            raise ConnectionError("the broker went away")
        self.published.append(envelope)


def test_the_relay_publishes_pending_events_in_order_and_clears_them_once(things):
    events = [happened("t1"), happened("t1")]
    things.insert({"_id": "t1", "code": "A"}, events[:1])
    things.update("t1", 1, {"status": "done"}, events[1:])
    things.insert({"_id": "t2", "code": "B"})  # nothing pending
    publisher = RecordingPublisher()

    assert relay_once(things.collection.database, ["things"], publisher) == 2
    assert [e["id"] for e in publisher.published] == [e.id for e in events]
    stored = raw(things, "t1")
    assert stored[OUTBOX] == {} and not stored[OUTBOX_PENDING] and stored[OUTBOX_LEASE] == 0
    assert relay_once(things.collection.database, ["things"], publisher) == 0


def test_a_document_leased_by_a_live_relay_is_left_to_it(things):
    things.insert({"_id": "t1", "code": "A"}, [happened("t1")])
    things.collection.update_one({"_id": "t1"}, {"$set": {OUTBOX_LEASE: time.time() + LEASE_SECONDS,
                                                           storage.OUTBOX_CLAIM: "elsewhere:1:1/token"}})

    assert relay_once(things.collection.database, ["things"], RecordingPublisher()) == 0
    things.collection.update_one({"_id": "t1"}, {"$set": {OUTBOX_LEASE: time.time() - 1}})  # the lease ran out
    assert relay_once(things.collection.database, ["things"], RecordingPublisher()) == 1


def test_a_failed_publish_gives_the_lease_back_and_keeps_the_unpublished_events(things):
    things.insert({"_id": "t1", "code": "A"}, [happened("t1")])
    things.insert({"_id": "t2", "code": "B"}, [happened("t2")])

    with pytest.raises(ConnectionError):
        relay_once(things.collection.database, ["things"], RecordingPublisher(fail_after=1))
    pending = [d for d in things.collection.find({OUTBOX_PENDING: True})]
    assert len(pending) == 1 and pending[0][OUTBOX_LEASE] == 0
    assert relay_once(things.collection.database, ["things"], RecordingPublisher()) == 1


def test_an_event_added_while_the_relay_publishes_stays_pending(things):
    things.insert({"_id": "t1", "code": "A"}, [happened("t1")])
    late = happened("t1")

    class WriterMeanwhile(RecordingPublisher):
        def publish(self, envelope, sequence=None):
            super().publish(envelope, sequence)
            things.update("t1", 1, {"status": "later"}, [late])

    assert relay_once(things.collection.database, ["things"], WriterMeanwhile()) == 1
    stored = raw(things, "t1")
    assert list(stored[OUTBOX]) == [late.id] and stored[OUTBOX_PENDING]
    assert relay_once(things.collection.database, ["things"], RecordingPublisher()) == 1
