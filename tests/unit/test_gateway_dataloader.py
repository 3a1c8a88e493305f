"""The gateway's own DataLoader and batching executor (gateway/dataloader.py), on a small schema of
its own: stations, each with a county (a second loader) and a head count, and a few root fields.

Every batch function records the keys it was called with, so the tests count calls exactly.
"""
from __future__ import annotations

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    parse,
)

from gateway.dataloader import BatchingExecutionContext, BatchQueue, DataLoader, Pending, gather, then


class Store:
    """What the batch functions read, and every batch they were asked for."""

    def __init__(self, broken: set[str] = frozenset()):
        self.calls: list[tuple[str, list]] = []
        self.broken = broken  # batch names that raise
        self.writes: list[str] = []

    def batch(self, name, answer):
        def load(keys):
            self.calls.append((name, list(keys)))
            if name in self.broken:
                raise ConnectionError(f"{name} is down")
            return [answer(key) for key in keys]
        load.__name__ = name
        return load

    def count(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for name, _ in self.calls:
            counted[name] = counted.get(name, 0) + 1
        return counted


class Context:
    def __init__(self, store: Store):
        self.store = store
        self.batches = BatchQueue()
        self.forget_reads()

    def forget_reads(self):
        store = self.store
        self.stations = DataLoader(store.batch("stations", lambda i: None if i == "missing" else {
            "id": i, "county": f"C{i[-1]}", "staff": int(i[1:]) % 7}), self.batches)
        self.counties = DataLoader(store.batch("counties", lambda code: {"code": code, "name": f"县{code}"}),
                                   self.batches)
        self.heads = DataLoader(store.batch("heads", lambda i: ValueError(f"no head count for {i}")
                                            if i == "S3" else int(i[1:]) * 10), self.batches)


County = GraphQLObjectType("County", {
    "code": GraphQLField(GraphQLNonNull(GraphQLString)),
    "name": GraphQLField(GraphQLString),
})
Station = GraphQLObjectType("Station", lambda: {
    "id": GraphQLField(GraphQLNonNull(GraphQLString)),
    "county": GraphQLField(County, resolve=lambda s, info: info.context.counties.load(s["county"])),
    "countyName": GraphQLField(GraphQLString, resolve=lambda s, info: then(
        info.context.counties.load(s["county"]), lambda county: county["name"])),
    "heads": GraphQLField(GraphQLInt, resolve=lambda s, info: info.context.heads.load(s["id"])),
    "requiredHeads": GraphQLField(GraphQLNonNull(GraphQLInt), resolve=lambda s, info: info.context.heads.load(s["id"])),
    "badLabel": GraphQLField(GraphQLNonNull(GraphQLString), resolve=lambda s, info: None),
    "neighbours": GraphQLField(GraphQLList(Station), resolve=lambda s, info: [
        info.context.stations.load(f"S{int(s['id'][1:]) + d}") for d in (1, 2)]),
})


def _station_ids(count):
    return [f"S{n}" for n in range(1, count + 1)]


def _write(root, info, name):
    # what the store holds when this mutation runs: earlier mutations' batches must already have run
    info.context.store.writes.append((name, [call[0] for call in info.context.store.calls]))
    return info.context.stations.load(name)


Query = GraphQLObjectType("Query", {
    "station": GraphQLField(Station, args={"id": GraphQLArgument(GraphQLNonNull(GraphQLString))},
                            resolve=lambda root, info, id: info.context.stations.load(id)),
    "stations": GraphQLField(GraphQLList(GraphQLNonNull(Station)), args={"count": GraphQLArgument(GraphQLInt)},
                             resolve=lambda root, info, count=3: [{"id": i, "county": f"C{i[-1]}", "staff": 1}
                                                                 for i in _station_ids(count)]),
    "loadedStations": GraphQLField(GraphQLList(Station), args={"ids": GraphQLArgument(GraphQLList(GraphQLString))},
                                   resolve=lambda root, info, ids: [info.context.stations.load(i) for i in ids]),
    "strictStations": GraphQLField(GraphQLList(GraphQLNonNull(Station)),
                                   args={"ids": GraphQLArgument(GraphQLList(GraphQLString))},
                                   resolve=lambda root, info, ids: info.context.stations.load_many(ids)),
    "countyOfStation": GraphQLField(County, args={"id": GraphQLArgument(GraphQLNonNull(GraphQLString))},
                                    resolve=lambda root, info, id: then(
                                        info.context.stations.load(id),
                                        lambda s: info.context.counties.load(s["county"]))),
    "plain": GraphQLField(GraphQLString, resolve=lambda root, info: "still here"),
    "countyNames": GraphQLField(GraphQLList(GraphQLString), args={"ids": GraphQLArgument(GraphQLList(GraphQLString))},
                                resolve=lambda root, info, ids: _county_names(info, ids)),
    "sleepy": GraphQLField(GraphQLString, resolve=lambda root, info: _sleepy()),
})


async def _county_names(info, ids):
    # a resolver written as a coroutine awaits loader values like any awaitable
    stations = [await info.context.stations.load(i) for i in ids]
    counties = await gather([info.context.counties.load(s["county"]) for s in stations])
    return [county["name"] for county in counties]


async def _sleepy():
    import asyncio
    await asyncio.sleep(0)  # not a loader value: there is no event loop to wait on
    return "never"
Mutation = GraphQLObjectType("Mutation", {
    "write": GraphQLField(Station, args={"name": GraphQLArgument(GraphQLNonNull(GraphQLString))}, resolve=_write),
})
SCHEMA = GraphQLSchema(Query, Mutation)


def run(query: str, store: Store | None = None, context: Context | None = None):
    store = store or Store()
    context = context or Context(store)
    execution = BatchingExecutionContext.build(SCHEMA, parse(query), context_value=context)
    assert not isinstance(execution, list), execution
    data = execution.execute_operation(execution.operation, None)
    errors = [(e.path, e.message) for e in execution.collected_errors.errors]
    return data, errors, store


# --- batching and caching ----------------------------------------------------------------------
def test_fifty_lookups_are_one_call():
    data, errors, store = run("{ stations(count: 50) { id heads county { name } } }")
    assert errors == [(["stations", 2, "heads"], "no head count for S3")] and len(data["stations"]) == 50
    assert store.count() == {"heads": 1, "counties": 1}
    heads_keys = next(keys for name, keys in store.calls if name == "heads")
    assert heads_keys == _station_ids(50)
    assert data["stations"][9] == {"id": "S10", "heads": 100, "county": {"name": "县C0"}}


def test_lookups_from_different_fields_and_aliases_share_one_batch_and_each_key_is_asked_once():
    data, errors, store = run("""{ a: station(id: "S1") { id } b: station(id: "S2") { id }
        again: station(id: "S1") { countyName county { code } } }""")
    assert errors == []
    assert data == {"a": {"id": "S1"}, "b": {"id": "S2"}, "again": {"countyName": "县C1", "county": {"code": "C1"}}}
    assert store.calls == [("stations", ["S1", "S2"]), ("counties", ["C1"])]


def test_the_cache_lasts_one_request():
    store = Store()
    run('{ station(id: "S1") { id } }', store)
    run('{ station(id: "S1") { id } }', store)
    assert store.count() == {"stations": 2}


def test_a_loader_called_directly_batches_until_dispatched():
    queue = BatchQueue()
    store = Store()
    loader = DataLoader(store.batch("stations", lambda i: i.lower()), queue)
    first, second, repeated = loader.load("A"), loader.load("B"), loader.load("A")
    assert first is repeated and not first.done() and store.calls == []
    assert queue.dispatch_next() is True and queue.dispatch_next() is False
    assert (first.result(), second.result()) == ("a", "b") and store.calls == [("stations", ["A", "B"])]


# --- failures stay where they belong -----------------------------------------------------------
def test_a_failing_batch_fails_only_the_fields_that_wait_for_it():
    data, errors, store = run("""{ stations(count: 3) { id heads county { name } }
        station(id: "S2") { id county { code } } plain }""", Store(broken={"counties"}))
    assert data["plain"] == "still here"
    assert [s["heads"] for s in data["stations"]] == [10, 20, None]  # S3: its own error value
    assert [s["county"] for s in data["stations"]] == [None, None, None]
    assert data["station"] == {"id": "S2", "county": None}
    assert sorted(path for path, _ in errors) == sorted([
        ["stations", 0, "county"], ["stations", 1, "county"], ["stations", 2, "county"],
        ["stations", 2, "heads"], ["station", "county"]])
    assert {message for path, message in errors if path[-1] == "county"} == {"counties is down"}
    assert store.count() == {"heads": 1, "counties": 1, "stations": 1}  # a failure is cached too: asked once


def test_an_error_that_nulls_a_parent_does_not_break_a_deferred_sibling_or_other_fields():
    # graphql-sync-dataloaders failed here: `badLabel` raised while `county` waited for its batch,
    # and the waiting field's callback then failed the request with an unrelated error.
    data, errors, _ = run("""{ station(id: "S1") { id county { name } badLabel }
        other: station(id: "S2") { id county { name } } plain }""")
    assert data == {"station": None, "other": {"id": "S2", "county": {"name": "县C2"}}, "plain": "still here"}
    assert errors == [(["station", "badLabel"], "Cannot return null for non-nullable field Station.badLabel.")]


def test_a_non_null_field_s_loader_error_nulls_the_nearest_nullable_parent_with_the_right_path():
    data, errors, _ = run("""{ stations(count: 4) { id } loadedStations(ids: ["S2", "S3", "S4"]) {
        id requiredHeads } }""")
    assert data["loadedStations"] == [{"id": "S2", "requiredHeads": 20}, None, {"id": "S4", "requiredHeads": 40}]
    assert errors == [(["loadedStations", 1, "requiredHeads"], "no head count for S3")]
    assert len(data["stations"]) == 4


def test_a_null_in_a_non_null_list_nulls_the_list_only():
    data, errors, _ = run('{ strictStations(ids: ["S1", "missing"]) { id } plain }')
    assert data == {"strictStations": None, "plain": "still here"}
    assert errors == [(["strictStations", 1], "Cannot return null for non-nullable field Query.strictStations.")]


def test_a_batch_answering_the_wrong_number_of_values_fails_its_keys():
    queue = BatchQueue()
    loader = DataLoader(lambda keys: [1], queue)
    a, b = loader.load("a"), loader.load("b")
    queue.dispatch_next()
    for value in (a, b):
        with pytest.raises(RuntimeError, match="answered 1 values for 2 keys"):
            value.result()


# --- nesting and lists -------------------------------------------------------------------------
def test_a_loader_value_that_needs_another_loader():
    data, errors, store = run('{ a: countyOfStation(id: "S1") { name } b: countyOfStation(id: "S2") { name } }')
    assert errors == [] and data == {"a": {"name": "县C1"}, "b": {"name": "县C2"}}
    assert store.calls == [("stations", ["S1", "S2"]), ("counties", ["C1", "C2"])]


def test_each_level_of_a_nested_query_is_one_batch_per_loader():
    data, errors, store = run("""{ loadedStations(ids: ["S1", "S2"]) { id county { name }
        neighbours { id county { name } neighbours { id heads } } } }""")
    assert errors == [(["loadedStations", 0, "neighbours", 0, "neighbours", 0, "heads"], "no head count for S3")]
    assert data["loadedStations"][0]["neighbours"][0] == {
        "id": "S2", "county": {"name": "县C2"}, "neighbours": [{"id": "S3", "heads": None}, {"id": "S4", "heads": 40}]}
    # stations: the two asked for, then their neighbours S2..S4 (S2 cached), then S5, S6
    assert [keys for name, keys in store.calls if name == "stations"] == [["S1", "S2"], ["S3", "S4"], ["S5", "S6"]]
    # S2 was known when the first level's neighbours were asked for, so its subtree runs a level
    # ahead of the others: its neighbours' heads make a batch of their own
    assert [keys for name, keys in store.calls if name == "heads"] == [["S3", "S4"], ["S5", "S6"]]
    assert store.count() == {"stations": 3, "counties": 2, "heads": 2}


def test_gather_and_then_on_ready_pending_and_failed_values():
    queue = BatchQueue()
    doubles = DataLoader(lambda keys: [k * 2 for k in keys], queue)
    combined = gather([doubles.load(1), 5, doubles.load(2)], sum)
    chained = then(doubles.load(3), lambda six: doubles.load(six))  # a loader value needing the same loader
    queue.dispatch_next()
    assert combined.result() == 11 and not chained.done()
    assert queue.dispatch_next() and chained.result() == 12
    assert not then(Pending(), lambda v: v).done()
    failing = Pending()
    derived = then(failing, lambda v: v)
    failing.reject(LookupError("gone"))
    with pytest.raises(LookupError):
        derived.result()


def test_a_coroutine_resolver_awaits_loader_values_and_anything_else_fails_only_its_field():
    data, errors, store = run('{ countyNames(ids: ["S1", "S2"]) sleepy plain }')
    assert data == {"countyNames": ["县C1", "县C2"], "sleepy": None, "plain": "still here"}
    assert [path for path, _ in errors] == [["sleepy"]] and "only DataLoader values" in errors[0][1]
    # each await of a loader value waits for its batch: S1 alone, then S2, then both counties
    assert store.calls == [("stations", ["S1"]), ("stations", ["S2"]), ("counties", ["C1", "C2"])]


# --- mutations -----------------------------------------------------------------------------------
class Renewing(BatchingExecutionContext):
    def before_serial_field(self):
        self.context_value.forget_reads()


def test_mutations_run_one_after_the_other_each_with_its_batches_done_and_fresh_loaders():
    store = Store()
    execution = Renewing.build(SCHEMA, parse(
        'mutation { first: write(name: "S1") { id county { name } } second: write(name: "S1") { id } }'),
        context_value=Context(store))
    data = execution.execute_operation(execution.operation, None)
    assert data == {"first": {"id": "S1", "county": {"name": "县C1"}}, "second": {"id": "S1"}}
    # the second write saw the first one's station and county batches already done, and read again
    assert store.writes == [("S1", []), ("S1", ["stations", "counties"])]
    assert store.count() == {"stations": 2, "counties": 1}


def test_a_mutation_nulled_by_an_error_leaves_no_batch_behind_for_the_next_one():
    store = Store()
    execution = Renewing.build(SCHEMA, parse(
        'mutation { first: write(name: "S1") { county { name } badLabel } second: write(name: "S2") { id } }'),
        context_value=Context(store))
    data = execution.execute_operation(execution.operation, None)
    assert data == {"first": None, "second": {"id": "S2"}}
    assert [path for path in (e.path for e in execution.collected_errors.errors)] == [["first", "badLabel"]]
    # the first payload's county was abandoned with it: its batch is never run
    assert store.calls == [("stations", ["S1"]), ("stations", ["S2"])]
