"""Roll-ups from cached township tallies (usecases/tallies.py) against the record-by-record count of
domain/figures.py (the reference): the same random history folded both ways gives exactly the same
figures for the province, a city, a county and a township, in several periods, protected or not, also
after more events arrive, after redelivered ones, and after a rebuild."""
from __future__ import annotations

import random
from datetime import datetime

import pytest

from services.common.auth import Viewer
from services.common.clock import CHINA_STANDARD_TIME, FrozenClock
from services.supervision import projections
from services.supervision.usecases import privacy, rollups
from services.supervision.usecases.tallies import TALLIES
from tests.support.supervision_streams import COUNTIES, TOWNSHIPS, folded_whole, history
from tests.support.supervision_usecases import ADMIN, RegistryFake, seed_read_model, supervision
from tests.unit.test_sharded_projection import fold_in_batches, sharded

CITIES = sorted({c[:4] for c in COUNTIES})
TREE = [("320000", "江苏省", "province", None),
        *[(f"{c}00", f"市{c}", "city", "320000") for c in CITIES],
        *[(c, f"县{c}", "county", f"{c[:4]}00") for c in COUNTIES],
        *[(t, f"镇{t}", "township", t[:6]) for t in TOWNSHIPS]]
PERIODS = [None, {"year": 2025}, {"year": 2026, "quarter": 1}, {"year": 2025, "month": 7},
           {"from": "2025-03-17", "to": "2026-02-11"}]
REGIONS = ["32", "321100", "321181", "321181001", "321202"]
PROVINCE = Viewer("province-official", "province", "320000")
CITY = Viewer("city-official", "city", "321100")


class JiangsuRegistry(RegistryFake):
    def regions_under(self, viewer: dict, prefix: str) -> list[dict]:
        return [{"code": code, "name": name, "level": level, "parent_code": parent}
                for code, name, level, parent in TREE if code.startswith(prefix)]


@pytest.fixture(autouse=True)
def frozen():
    with FrozenClock(datetime(2026, 3, 20, 10, tzinfo=CHINA_STANDARD_TIME)):
        yield


def reference(logs) -> object:
    context = supervision(JiangsuRegistry())
    for name, state in folded_whole(logs).items():
        seed_read_model(context, name, state)
    return context


def sharded_context(logs, until: dict | None = None):
    context = supervision(JiangsuRegistry())
    models = {name: sharded(context.repo.db, name, logs) for name in projections.SHARDED}
    fold_in_batches_until(models, logs, until)
    return context, models


def fold_in_batches_until(models, logs, until):
    part = logs if until is None else {p: log[:until.get(p, len(log))] for p, log in logs.items()}
    for projection in models.values():
        fold_in_batches(projection, part, random.Random(2))


def every_figure(context, viewer=ADMIN, regions=REGIONS) -> list:
    found = []
    for region in regions:
        for period in PERIODS:
            request = {"region": region, "period": period, "children": True}
            found.append(rollups.rollup(context, viewer, request))
            found.append(privacy.protected_rollup(context, viewer, request))
    return found


@pytest.fixture(scope="module")
def logs():
    return history(seed=23, households=150)


def test_the_tallies_give_exactly_the_record_by_record_figures(logs):
    expected = every_figure(reference(logs))
    context, _ = sharded_context(logs)
    assert TALLIES.tally_function(context.repo, "32", rollups.period_of(datetime(2026, 3, 20).date()),
                                  datetime(2026, 3, 20).date()) is not None  # the cached path is taken
    assert every_figure(context) == expected
    assert every_figure(context) == expected  # warm: from the cache
    assert every_figure(context, PROVINCE) == every_figure(reference(logs), PROVINCE)
    in_city = ["321100", "321181", "321181001"]
    assert every_figure(context, CITY, in_city) == every_figure(reference(logs), CITY, in_city)


def test_figures_follow_later_events_redelivered_ones_and_a_rebuild(logs):
    half = {producer: len(log) // 2 for producer, log in logs.items()}
    context, models = sharded_context(logs, until=half)
    assert every_figure(context) == every_figure(reference({p: log[:half[p]] for p, log in logs.items()}))
    fold_in_batches_until(models, logs, None)  # the rest arrives: the changed shards are counted again
    expected = every_figure(reference(logs))
    assert every_figure(context) == expected
    for projection in models.values():  # redelivered and replayed events change nothing
        for producer in projection.producers:
            projection._apply(producer, logs[producer][: len(logs[producer]) // 3])
    assert every_figure(context) == expected
    for projection in models.values():
        projection.rebuild_shards()
    assert every_figure(context) == expected


def test_station_staff_are_counted_record_by_record_with_the_same_result(logs):
    station = sorted(s for s in folded_whole(logs)[projections.STATIONS]["stations"])[0]
    worker = Viewer("worker", "station_staff", station_ids=(station,))
    context, _ = sharded_context(logs)
    assert every_figure(context, worker) == every_figure(reference(logs), worker)


def store_reads(context, monkeypatch) -> list:
    """The shard keys the roll-ups read from the store from now on."""
    read: list = []
    store_read = context.repo.shard_states
    monkeypatch.setattr(context.repo, "shard_states",
                        lambda head, keys=None: read.append(keys) or store_read(head, keys))
    return read


def prefix_of(logs, until: dict) -> dict:
    return {p: log[:until[p]] for p, log in logs.items()}


def test_a_shard_written_a_moment_ago_is_counted_from_the_writers_copy_and_never_stale(logs, monkeypatch):
    until = {producer: len(log) * 2 // 3 for producer, log in logs.items()}
    context, models = sharded_context(logs, until=until)
    regions = ["32", "321181", "321181001", "321202"]
    assert every_figure(context, regions=regions) == every_figure(reference(prefix_of(logs, until)), regions=regions)
    read = store_reads(context, monkeypatch)
    for step in range(6):  # a few events at a time, each step asked again at once
        for producer in sorted(logs):
            log = logs[producer]
            for projection in models.values():
                if producer in projection.producers:
                    projection._apply(producer, log[until[producer]:until[producer] + 3 + step])
            until[producer] = min(len(log), until[producer] + 3 + step)
        assert every_figure(context, regions=regions) == \
            every_figure(reference(prefix_of(logs, until)), regions=regions)
    assert read == []  # every shard written since was counted from its writer's copy


def test_a_shard_another_process_wrote_is_read_from_the_store(logs, monkeypatch):
    half = {producer: len(log) // 2 for producer, log in logs.items()}
    context, models = sharded_context(logs, until=half)
    regions = ["32", "321102"]
    every_figure(context, regions=regions)
    read = store_reads(context, monkeypatch)
    for name in projections.SHARDED:  # another service instance folds the rest: this process holds no copy of it
        elsewhere = sharded(context.repo.db, name, logs)
        fold_in_batches_until({name: elsewhere}, logs, None)
        elsewhere._kept.clear()
    assert every_figure(context, regions=regions) == every_figure(reference(logs), regions=regions)
    assert read  # the changed shards came from the store
