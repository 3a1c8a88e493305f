"""Warming this year's tallies in the background (usecases/warming.py): after a pass the first dashboard
query of the day counts no shard, with the record-by-record figures; a new day is warmed again; read
models that are not sharded are left alone."""
from __future__ import annotations

from datetime import datetime

import pytest

from services.common.clock import CHINA_STANDARD_TIME, FrozenClock
from services.supervision.usecases import privacy, rollups, tallies, warming
from services.supervision.usecases.answers import ANSWERS
from services.supervision.usecases.tallies import TallyCache
from tests.support.supervision_streams import history
from tests.support.supervision_usecases import ADMIN, supervision
from tests.unit.test_supervision_tally_rollups import JiangsuRegistry, reference, sharded_context


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    ANSWERS.clear()
    monkeypatch.setattr(tallies, "TALLIES", TallyCache())
    monkeypatch.setattr(rollups, "TALLIES", tallies.TALLIES)
    monkeypatch.setattr(warming, "TALLIES", tallies.TALLIES)
    monkeypatch.setattr(warming.gc, "freeze", lambda: None)  # the test process's objects stay collectable
    with FrozenClock(datetime(2026, 3, 20, 10, tzinfo=CHINA_STANDARD_TIME)) as clock:
        yield clock


@pytest.fixture
def counted(monkeypatch):
    calls = []
    counting = tallies.township_tallies

    def township_tallies(*args, **kwargs):
        calls.append(args[1])
        return counting(*args, **kwargs)
    monkeypatch.setattr(tallies, "township_tallies", township_tallies)
    return calls


def dashboard(context) -> list[dict]:
    return [rollups.rollup(context, ADMIN, {"region": "32"}),
            privacy.protected_rollup(context, ADMIN, {"region": "32"}),
            rollups.rollup(context, ADMIN, {"region": "321181"})]


def test_after_a_pass_the_first_query_of_the_day_counts_nothing(counted, fresh):
    logs = history(seed=41, households=90)
    expected = dashboard(reference(logs))
    context, _ = sharded_context(logs)
    warmth = warming.Warmth()
    assert warming.warm_current_tallies(context, warmth) and warmth.day.isoformat() == "2026-03-20"
    assert counted  # every shard counted once, by the pass
    counted.clear()
    assert dashboard(context) == expected
    assert counted == []  # the query only merged what the pass had counted

    fresh.advance(days=1)  # a new "as of" day: a full pass again, before any query
    expected = dashboard(reference(logs))
    context.regions.registry = JiangsuRegistry()  # reference() made a new registry fake: the same tree
    assert warming.warm_current_tallies(context, warmth) and warmth.day.isoformat() == "2026-03-21"
    assert counted
    counted.clear()
    assert dashboard(context) == expected and counted == []
    assert len(warmth.full_passes) == 2


def test_unsharded_read_models_are_not_warmed():
    context = supervision(JiangsuRegistry())
    assert warming.warm_current_tallies(context, warming.Warmth()) is False
