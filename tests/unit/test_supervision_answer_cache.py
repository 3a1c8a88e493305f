"""The roll-up answer cache (usecases/answers.py) on sharded read models: an unchanged question is
answered without counting again, and every change that matters gives a new answer equal to the
record-by-record count: a written record, another scope, another day, another threshold. Also the
batched `rollups` call the gateway makes for one request's roll-up fields."""
from __future__ import annotations

from datetime import datetime

import pytest
from nameko.exceptions import deserialize

from services.common.auth import Viewer
from services.common.clock import CHINA_STANDARD_TIME, FrozenClock
from services.common.errors import PermissionDenied
from services.supervision.usecases import privacy, rollups
from services.supervision.usecases.answers import ANSWERS
from tests.support.supervision_streams import history
from tests.support.supervision_usecases import ADMIN
from tests.unit.test_supervision_tally_rollups import CITY, PROVINCE, fold_in_batches_until, reference, sharded_context

COUNTY = Viewer("danyang-official", "county", "321181")
QUESTIONS = [(rollups.rollup, {"region": "32"}), (privacy.protected_rollup, {"region": "32"}),
             (rollups.rollup, {"region": "321181", "period": {"year": 2025}}),
             (privacy.protected_rollup, {"region": "321181", "period": {"year": 2026, "quarter": 1}})]


@pytest.fixture(autouse=True)
def frozen():
    ANSWERS.clear()
    with FrozenClock(datetime(2026, 3, 20, 10, tzinfo=CHINA_STANDARD_TIME)) as clock:
        yield clock


@pytest.fixture(scope="module")
def logs():
    return history(seed=31, households=120)


def answers(context, viewer=ADMIN) -> list[dict]:
    return [use_case(context, viewer, dict(request)) for use_case, request in QUESTIONS]


@pytest.fixture
def counted(monkeypatch):
    """How often a roll-up was computed from its tallies and a protected one suppressed."""
    calls = {"tallies": 0, "protect": 0}
    tallied, protect = rollups.rollup_of_tallies, privacy.protect

    def counting_tallies(*args, **kwargs):
        calls["tallies"] += 1
        return tallied(*args, **kwargs)

    def counting_protect(*args, **kwargs):
        calls["protect"] += 1
        return protect(*args, **kwargs)
    monkeypatch.setattr(rollups, "rollup_of_tallies", counting_tallies)
    monkeypatch.setattr(privacy, "protect", counting_protect)
    return calls


def test_an_unchanged_question_is_answered_from_the_cache_with_the_same_figures(logs, counted):
    context, _ = sharded_context(logs)
    expected = answers(reference(logs))
    counted.update(tallies=0, protect=0)
    first = answers(context)
    computed = dict(counted)
    assert first == expected and computed["tallies"] >= 3 and computed["protect"] == 2

    assert answers(context) == expected
    assert counted == computed  # nothing counted or suppressed again


def test_each_caller_gets_an_answer_of_its_own_to_change(logs):
    context, _ = sharded_context(logs)
    first = rollups.rollup(context, ADMIN, {"region": "32"})
    first["region"]["households"]["registered"] = -1
    first["children"].clear()
    again = rollups.rollup(context, ADMIN, {"region": "32"})
    assert again["region"]["households"]["registered"] > 0 and again["children"]


def test_a_written_record_gives_a_new_answer(logs):
    half = {producer: len(log) // 2 for producer, log in logs.items()}
    # The references first: a new context reads the region tree again, which alone renews every answer.
    expected_half = answers(reference({p: log[:half[p]] for p, log in logs.items()}))
    expected_all = answers(reference(logs))
    context, models = sharded_context(logs, until=half)
    assert answers(context) == expected_half
    assert answers(context) == expected_half  # kept
    fold_in_batches_until(models, logs, None)  # the rest of the history arrives
    assert answers(context) == expected_all


def test_different_scopes_never_share_an_answer(logs):
    truth = reference(logs)  # first: a new context reads the region tree again, which renews every answer
    request = {"region": "321181"}
    evaluator = Viewer("evaluator-1", "evaluator", "321181")
    worker = Viewer("worker", "station_staff", station_ids=("ST3211810010",))
    viewers = [COUNTY, CITY, ADMIN, evaluator]
    expected = {v.user_id: privacy.protected_rollup(truth, v, dict(request)) for v in viewers}
    expected_rollups = {v.user_id: rollups.rollup(truth, v, {"region": "32"}) for v in (ADMIN, PROVINCE, worker)}
    context, _ = sharded_context(logs)
    # Inside the county small township counts are shown; outside it (the city, and an evaluator of the
    # county, who counts the same records as the county) they are suppressed.
    assert {v.user_id: privacy.protected_rollup(context, v, dict(request)) for v in viewers} == expected
    assert expected[COUNTY.user_id] != expected[evaluator.user_id]  # small counts: a shared answer would show
    assert {v.user_id: rollups.rollup(context, v, {"region": "32"}) for v in (ADMIN, PROVINCE, worker)} == \
        expected_rollups
    with pytest.raises(PermissionDenied):  # a refusal is not answered from another viewer's cached answer
        rollups.rollup(context, COUNTY, {"region": "32"})


def test_a_new_day_gives_a_new_answer(logs, frozen):
    context, _ = sharded_context(logs)
    today = rollups.rollup(context, ADMIN, {"region": "32"})
    frozen.advance(days=1)
    tomorrow = rollups.rollup(context, ADMIN, {"region": "32"})
    assert (today["region"]["as_of"], tomorrow["region"]["as_of"]) == ("2026-03-20", "2026-03-21")
    assert tomorrow == rollups.rollup(reference(logs), ADMIN, {"region": "32"})


def test_a_new_threshold_gives_a_new_protected_answer(logs):
    context, _ = sharded_context(logs)
    request = {"region": "321181"}
    assert privacy.protected_rollup(context, CITY, dict(request))["threshold"] == 5
    truth = reference(logs)
    for store in (context, truth):
        store.repo.save_alert_policy({"region_code": "32", "effective_from": "2026-01-01", "source": "test",
                                      "crisis_first_contact_hours": 24, "need_unmet_days": 30,
                                      "archive_review_months": 12, "small_count_threshold": 2})
    lowered = privacy.protected_rollup(context, CITY, dict(request))
    assert lowered["threshold"] == 2
    assert lowered == privacy.protected_rollup(truth, CITY, dict(request))


def test_rollups_answers_several_questions_in_one_call_and_a_refusal_fails_alone(logs):
    context, _ = sharded_context(logs)
    found = rollups.rollups(context, COUNTY, [
        {"kind": "rollup", "request": {"region": "321181"}},
        {"kind": "protected_rollup", "request": {"region": "321181"}},
        {"kind": "rollup", "request": {"region": "32"}}])
    assert found[0] == {"result": rollups.rollup(context, COUNTY, {"region": "321181"})}
    assert found[1] == {"result": privacy.protected_rollup(context, COUNTY, {"region": "321181"})}
    refused = deserialize(found[2]["error"])
    assert isinstance(refused, PermissionDenied) and "outside" in refused.message


def test_the_volunteer_hours_are_added_to_each_callers_copy_and_never_kept(logs):
    context, _ = sharded_context(logs)
    plain = rollups.rollup(context, ADMIN, {"region": "32"})
    with_hours = [rollups.rollup(context, ADMIN, {"region": "32", "volunteers": True}) for _ in range(2)]
    assert all("volunteers" in answer["region"] and all("volunteers" in c for c in answer["children"])
               for answer in with_hours)
    assert with_hours[0] == with_hours[1]
    assert "volunteers" not in rollups.rollup(context, ADMIN, {"region": "32"})["region"]
    assert {k: v for k, v in with_hours[0]["region"].items() if k != "volunteers"} == plain["region"]
