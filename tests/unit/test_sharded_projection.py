"""Sharded read models (services/common/sharded_projections.py) on the in-memory store: the same state as one
document folding the same history, whatever the batching, redelivery, replay, crash or rebuild."""
from __future__ import annotations

import random

import pytest

from services.common.sharded_projections import SHARDS, ShardedProjection, kept_states
from services.supervision import projections
from services.supervision.storage import INDEXES, SupervisionRepository, merged_state
from tests.support.memory_store import memory_database
from tests.support.supervision_streams import TOWNSHIPS, folded_whole, history


class LoggedProjection(ShardedProjection):
    """A sharded projection whose producers' logs are lists in memory (catch_up without RPC)."""

    logs: dict = {}

    def catch_up(self, producer: str, until: int | None = None) -> int:
        with self._lock:
            while True:
                position = self.document()["positions"][producer]
                page = [item for item in self.logs[producer] if item[0] > position][:self.page]
                if page:
                    self._apply(producer, page)
                if len(page) < self.page:
                    return self.document()["positions"][producer]


def sharded(db, name: str, logs: dict, page: int = 200) -> LoggedProjection:
    projection = LoggedProjection(name, projections.FOLDS[name], page=page)
    projection.logs = logs
    return projection.on_database(db)


def state_of(projection: ShardedProjection) -> dict:
    return merged_state(projection.shard_states().values())


@pytest.fixture(scope="module")
def logs():
    return history(seed=11, households=80)


@pytest.fixture(scope="module")
def whole(logs):
    return folded_whole(logs)


def fold_in_batches(projection: ShardedProjection, logs: dict, rng: random.Random) -> None:
    for producer in sorted(projection.producers):
        log, at = logs[producer], 0
        while at < len(log):
            size = rng.randrange(1, 9)
            projection._apply(producer, log[at:at + size])
            at += size


@pytest.mark.parametrize("name", projections.SHARDED)
def test_shards_in_random_batches_hold_what_one_document_holds(name, logs, whole):
    projection = sharded(memory_database("supervision", INDEXES), name, logs)
    fold_in_batches(projection, logs, random.Random(3))
    assert state_of(projection) == whole[name]
    assert projection.document()["positions"] == {p: len(logs[p]) for p in projection.producers}
    assert set(projection.shard_states()) <= set(TOWNSHIPS)  # one document per township, no more


@pytest.mark.parametrize("name", [projections.CASES, projections.NEEDS, projections.STAFF])
def test_redelivered_duplicated_and_out_of_order_events_change_nothing(name, logs, whole):
    projection = sharded(memory_database("supervision", INDEXES), name, logs)
    rng = random.Random(5)
    for producer in sorted(projection.producers):
        log = logs[producer]
        for at in range(0, len(log), 5):
            projection._apply(producer, log[at:at + 5])
            projection._apply(producer, log[max(0, at - 7):at + 5])  # redelivered, overlapping the last batch
            ahead = log[at + 7:at + 9]
            assert projection._apply(producer, ahead) is False or not ahead  # a gap: nothing applied
            for sequence, envelope in rng.sample(log[:at + 5], min(3, at + 5)):  # old events, shuffled
                assert projection._apply(producer, [(sequence, envelope)]) is False
    assert state_of(projection) == whole[name]


@pytest.mark.parametrize("name", [projections.HOUSEHOLDS, projections.CASES])
def test_a_worker_killed_between_the_shard_writes_and_the_head_catches_up_exactly(name, logs, whole):
    db = memory_database("supervision", INDEXES)
    projection = sharded(db, name, logs, page=17)
    producer = "casework"
    half = len(logs[producer]) // 2
    projection._apply(producer, logs[producer][:half])
    head = projection.document()
    # The killed worker wrote the shards of the next page, but never advanced the head.
    next_page = [(s, e, projection.shard_of(e.payload, head["routes"])) for s, e in logs[producer][half:half + 17]]
    written, _ = projection._write_shards(head, producer, next_page)
    assert projection.document()["positions"][producer] == half
    projection._kept.clear()  # the restarted worker holds nothing
    projection._apply(producer, logs[producer][half:half + 17])  # its first page: the one the shards hold
    # The shards the killed worker wrote get new tokens, so no reader keeps their tallies from before.
    assert written or name == projections.CASES  # that page of casework events may change no case
    assert all(projection.document()["shards"][key] != head["shards"].get(key) for key in written)
    for other in projection.producers:
        if other != producer:
            projection.catch_up(other)
    projection.catch_up(producer)  # from the head's position, the shards guard the rest
    assert state_of(projection) == whole[name]


def test_rebuild_from_scratch_equals_incremental_and_removes_the_old_generation(logs, whole):
    db = memory_database("supervision", INDEXES)
    projection = sharded(db, projections.NEEDS, logs)
    fold_in_batches(projection, logs, random.Random(9))
    incremental = state_of(projection)
    old_generation = projection.document()["generation"]
    result = projection.rebuild_shards()
    assert result["positions"] == {p: len(logs[p]) for p in projection.producers}
    assert state_of(projection) == incremental == whole[projections.NEEDS]
    assert projection.document()["generation"] == old_generation + 1
    assert db[SHARDS].count_documents({"generation_key": f"needs/{old_generation}"}) == 0
    assert db["projections"].count_documents({"_id": "needs.rebuild"}) == 0


def test_read_models_merge_the_shards_of_every_sharded_read_model(logs, whole):
    db = memory_database("supervision", INDEXES)
    for name in projections.SHARDED:
        fold_in_batches(sharded(db, name, logs), logs, random.Random(1))
    models = SupervisionRepository(db).read_models()
    assert models.households == whole[projections.HOUSEHOLDS]["households"]
    assert models.cases == whole[projections.CASES]["cases"]
    assert models.crisis == whole[projections.CASES]["crisis"]
    assert models.visits == whole[projections.VISITS]["visits"]
    assert models.needs == whole[projections.NEEDS]["needs"]
    assert models.staff == whole[projections.STAFF]["staff"]
    assert models.stations == whole[projections.STATIONS]["stations"]
    assert any(key.startswith("withdrawn-") for key in models.households)  # the stream withdraws a consent
    station = next(iter(models.stations))
    assert SupervisionRepository(db).station(station) == models.stations[station]


@pytest.mark.parametrize("name", [projections.HOUSEHOLDS, projections.VISITS, projections.NEEDS])
def test_two_workers_writing_the_same_shards_in_turn_lose_nothing(name, logs, whole):
    """Each worker keeps the shards it wrote in memory; the other's writes make its copies stale, and the
    guarded write fails, reads them again and folds once more."""
    db = memory_database("supervision", INDEXES)
    first, second = sharded(db, name, logs), sharded(db, name, logs)
    for producer in sorted(first.producers):
        log = logs[producer]
        for n, at in enumerate(range(0, len(log), 6)):
            (first if n % 2 else second)._apply(producer, log[at:at + 6])
    assert state_of(first) == whole[name]
    assert first.document()["positions"] == {p: len(logs[p]) for p in first.producers}


@pytest.mark.parametrize("name", [projections.HOUSEHOLDS, projections.CASES, projections.VISITS])
def test_a_fresh_worker_warms_every_shard_then_folds_the_rest_without_reading_one(name, logs, whole):
    db = memory_database("supervision", INDEXES)
    first = sharded(db, name, logs)
    for producer in sorted(first.producers):
        first._apply(producer, logs[producer][: len(logs[producer]) // 2])
    fresh = sharded(db, name, logs, page=7)  # a restarted service: nothing in memory
    shards = set(fresh.document()["shards"])
    assert fresh.warm() == len(shards) > 1
    assert fresh.warm() == 0  # already held
    reads = []
    real_find = db[SHARDS].find
    db[SHARDS].find = lambda *a, **k: reads.append(a) or real_find(*a, **k)
    try:
        for producer in sorted(fresh.producers):
            fresh.catch_up(producer)
    finally:
        db[SHARDS].find = real_find
    assert not [r for r in reads if set(r[0]["_id"]["$in"]) & {f"{name}/0/{key}" for key in shards}]
    assert state_of(fresh) == whole[name]


def test_a_warmed_copy_another_worker_has_written_since_is_read_again(logs, whole):
    name = projections.HOUSEHOLDS
    db = memory_database("supervision", INDEXES)
    first, second = sharded(db, name, logs), sharded(db, name, logs)
    log = logs["casework"]
    first._apply("casework", log[:40])
    second.warm()  # copies of every shard at sequence 40
    first._apply("casework", log[40:80])  # those copies are stale now
    second._apply("casework", log[80:])  # its guarded writes fail, it reads again and folds once more
    assert state_of(second) == whole[name]


def test_kept_states_give_a_workers_copy_only_at_the_version_the_head_names(logs):
    name = projections.VISITS
    db, other_db = memory_database("supervision", INDEXES), memory_database("supervision", INDEXES)
    writer, elsewhere = sharded(db, name, logs), sharded(other_db, name, logs)
    log = logs["casework"]
    writer._apply("casework", log[:60])
    elsewhere._apply("casework", log[:30])
    head = writer.document()
    kept = kept_states(head, head["shards"])
    assert kept == writer.shard_states() and set(kept) == set(head["shards"])
    # Another store's head (its own instance) naming the very same tokens gets none of this writer's copies.
    assert kept_states({**elsewhere.document(), "shards": head["shards"]}, head["shards"]) == {}
    # Another process's worker writes: this process holds no copy at the version the head now names.
    another = sharded(db, name, logs)
    another._apply("casework", log[60:])
    another._kept.clear()
    moved = another.document()
    changed = {key for key, token in moved["shards"].items() if head["shards"].get(key) != token}
    assert changed and not set(kept_states(moved, changed))
    assert kept_states(moved, moved["shards"]) == {
        key: state for key, state in another.shard_states().items() if key not in changed}


def test_a_batch_that_leaves_a_shard_as_it_was_neither_writes_it_nor_gives_it_a_new_token(logs, whole):
    name = projections.CASES  # a visit outside any case changes no case: only the head's position moves
    db = memory_database("supervision", INDEXES)
    projection = sharded(db, name, logs)
    log = logs["casework"]
    no_case = [n for n, (_, e) in enumerate(log) if e.type == "visit.logged" and not e.payload["case_id"]]
    assert no_case
    at = no_case[-1]
    projection._apply("casework", log[:at])
    before = {d["_id"]: d["writes"] for d in db[SHARDS].find()}
    tokens = projection.document()["shards"]
    assert projection._apply("casework", [log[at]]) is True
    assert projection.document()["positions"]["casework"] == log[at][0]
    assert {d["_id"]: d["writes"] for d in db[SHARDS].find()} == before
    assert projection.document()["shards"] == tokens
    projection._apply("casework", log)  # then the rest, and a replay of everything: nothing lost, nothing twice
    projection._apply("casework", log[:at + 1])
    for other in projection.producers:
        projection.catch_up(other)
    assert state_of(projection) == whole[name]
