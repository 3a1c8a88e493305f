"""Scorecards on the in-memory store (services/supervision/usecases/scorecards.py): computed as of a day from
read models folded from events, evaluators scoped by the evaluations they were commissioned for, their
scores beside the computed ones (stored, published), evidence paged and masked for them."""
from __future__ import annotations

from datetime import datetime

import pytest

from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.supervision.scorecard_storage import REVIEWS, review_id
from services.supervision.usecases import plans, scorecards
from tests.support import scorecard_events as ev
from tests.support.scorecard_events import OTHER_STATION, STATION
from tests.support.supervision_usecases import COUNTY, OTHER_COUNTY, WORKER, events_of, supervision

EVALUATOR = Viewer("evaluator-1", "evaluator", "321181")
OTHER_EVALUATOR = Viewer("evaluator-2", "evaluator", "321181")
TODAY = datetime(2026, 11, 20, 2, 0)


@pytest.fixture
def context():
    with FrozenClock(TODAY):
        context = supervision()
        ev.seed(context, [
            ev.station(), ev.station(OTHER_STATION, "321102001"),
            ev.staff("stf-1", "2025-01-01", professional=True), ev.staff("stf-2", "2025-01-01"),
            ev.staff("stf-3", "2026-01-01", professional=True),
            ev.household("hh-00000001", "2025-01-01"), ev.household("hh-00000002", "2025-01-01"),
            ev.assessed("hh-00000001", "2026-01-10"),
            ev.visit("vis-1", "hh-00000001", "2026-02-01"),
            ev.commissioned("evl-1", [EVALUATOR.user_id], "2026-11-01", "2026-12-31"),
            ev.commissioned("evl-old", [EVALUATOR.user_id], "2026-01-01", "2026-03-31",
                            station_ids=[OTHER_STATION]),
        ])
        yield context


def indicator(card: dict, code: str) -> dict:
    return next(r for r in card["indicators"] if r["code"] == code)


def test_a_scorecard_as_of_a_past_day_differs_from_todays_when_later_events_changed_the_figures(context):
    ev.seed(context, [ev.staff_left("stf-2", "2026-09-01"), ev.assessed("hh-00000002", "2026-10-01"),
                      ev.case_opened("cas-1", "hh-00000002", "2026-04-01"),
                      ev.case_closed("cas-1", "2026-04-01", "2026-10-15")])
    past = scorecards.scorecard(context, COUNTY, {"station_id": STATION, "as_of": "2026-06-30"})
    today = scorecards.scorecard(context, COUNTY, {"station_id": STATION})
    assert past["as_of"] == "2026-06-30" and today["as_of"] == "2026-11-20"
    assert (indicator(past, "staff_count")["value"], indicator(today, "staff_count")["value"]) == (3, 2)
    assert (indicator(past, "archive_coverage")["value"], indicator(today, "archive_coverage")["value"]) == (0.5, 1.0)
    assert (indicator(past, "case_closure_rate")["value"], indicator(today, "case_closure_rate")["value"]) == (0, 1)
    assert past["scheme"]["effective_from"] == "2021-01-01" and today["scheme"]["effective_from"] == "2026-07-01"
    assert past["total"] != today["total"]
    assert today["total"] == round(sum(r["points"] for r in today["indicators"] if r["points"] is not None), 2)
    sessions = indicator(today, "supervision_sessions")
    assert sessions["value"] is None and sessions["score"] is None  # the county has no plan: not computable
    crisis = indicator(today, "crisis_first_contact")
    assert crisis["value"] is None  # no crisis flags this year: nothing to score, not a zero
    assert today["computable_weight"] == 100 - sessions["weight"] - crisis["weight"]


def test_the_sessions_indicator_reads_the_stations_target_in_the_countys_plan(context):
    plans.record_plan(context, COUNTY, {"region_code": "321181", "year": 2026, "effective_from": "2026-01-01",
                                        "targets": [{"station_id": STATION, "indicator": "supervision_sessions",
                                                     "value": 12}]})
    row = indicator(scorecards.scorecard(context, COUNTY, {"station_id": STATION}), "supervision_sessions")
    assert row["numerator"] == 0 and row["expected"] > 10 and row["value"] == 0 and row["score"] == 0


def test_the_commissioned_evaluator_sees_the_station_with_evidence_masked_the_county_unmasked(context):
    mine = scorecards.scorecard(context, EVALUATOR, {"station_id": STATION})
    county = scorecards.scorecard(context, COUNTY, {"station_id": STATION})
    assert mine["evidence_masked"] and not county["evidence_masked"]
    assert [r["id"] for r in indicator(county, "archive_coverage")["evidence"]] == ["hh-00000001", "hh-00000002"]
    assert [r["id"] for r in indicator(mine, "archive_coverage")["evidence"]] == ["hh-****0001", "hh-****0002"]
    assert indicator(mine, "visits_per_household")["evidence"][0]["detail"]["household"] == "hh-****0001"
    assert indicator(mine, "archive_coverage")["value"] == indicator(county, "archive_coverage")["value"]


def test_evaluators_are_refused_other_stations_and_outside_their_evaluations_period(context):
    with pytest.raises(NotFound):
        scorecards.scorecard(context, OTHER_EVALUATOR, {"station_id": STATION})  # not commissioned
    with pytest.raises(PermissionDenied, match="not running"):
        scorecards.scorecard(context, EVALUATOR, {"station_id": OTHER_STATION})  # evl-old ended in March
    with FrozenClock(datetime(2027, 1, 5, 2, 0)), pytest.raises(PermissionDenied, match="not running"):
        scorecards.scorecard(context, EVALUATOR, {"station_id": STATION})
    with FrozenClock(datetime(2026, 10, 31, 2, 0)), pytest.raises(PermissionDenied):
        scorecards.scorecard(context, EVALUATOR, {"station_id": STATION})  # before the period starts
    with pytest.raises(NotFound):
        scorecards.scorecard(context, OTHER_COUNTY, {"station_id": STATION})
    with pytest.raises(NotFound):
        scorecards.scorecard(context, WORKER, {"station_id": OTHER_STATION})
    assert scorecards.scorecard(context, WORKER, {"station_id": STATION})["subject"]["id"] == STATION
    with pytest.raises(ValidationFailed):
        scorecards.scorecard(context, COUNTY, {"station_id": STATION, "as_of": "2026-12-01"})  # the future


def test_an_evaluator_scores_beside_the_computed_score_and_the_difference_shows(context):
    card = scorecards.record_scorecard_score(context, EVALUATOR, {
        "station_id": STATION, "evaluation_id": "evl-1", "indicator": "staff_count", "score": 80,
        "note": "台账与现场人数一致"})
    row = indicator(card, "staff_count")
    [review] = row["evaluator_scores"]
    assert row["score"] == 100 and review["score"] == 80 and review["difference"] == -20
    assert review["note"] == "台账与现场人数一致" and review["by"] == EVALUATOR.user_id
    assert card["reviewed_indicators"] == 1

    scorecards.record_scorecard_score(context, EVALUATOR, {
        "station_id": STATION, "evaluation_id": "evl-1", "indicator": "staff_count", "score": 90, "note": "复核"})
    stored = context.repo.db[REVIEWS].find_one({"_id": review_id("evl-1", STATION)})
    assert [h["score"] for h in stored["history"]] == [80, 90] and stored["scores"]["staff_count"]["score"] == 90
    published = events_of(context, REVIEWS, review_id("evl-1", STATION))
    assert [(e["type"], e["payload"]["evaluator_score"], e["payload"]["computed_score"]) for e in published] == [
        ("scorecard.score_recorded", 80, 100), ("scorecard.score_recorded", 90, 100)]
    county_view = indicator(scorecards.scorecard(context, COUNTY, {"station_id": STATION}), "staff_count")
    assert [r["score"] for r in county_view["evaluator_scores"]] == [90]


def test_only_a_running_evaluations_evaluator_records_scores_under_it(context):
    score = {"station_id": STATION, "evaluation_id": "evl-1", "indicator": "staff_count", "score": 50, "note": "n"}
    with pytest.raises(PermissionDenied):
        scorecards.record_scorecard_score(context, COUNTY, score)
    with pytest.raises(PermissionDenied):
        scorecards.record_scorecard_score(context, EVALUATOR, {**score, "evaluation_id": "evl-old"})
    with pytest.raises(NotFound):
        scorecards.record_scorecard_score(context, OTHER_EVALUATOR, score)
    with pytest.raises(ValidationFailed):
        scorecards.record_scorecard_score(context, EVALUATOR, {**score, "indicator": "nothing"})
    with pytest.raises(ValidationFailed):
        scorecards.record_scorecard_score(context, EVALUATOR, {**score, "score": 101})
    assert context.repo.db[REVIEWS].count_documents({}) == 0


def test_a_contracts_scorecard_covers_its_stations_and_its_evaluator(context):
    ev.seed(context, [ev.contract_awarded("ctr-1", [STATION, OTHER_STATION]),
                      ev.staff("stf-8", "2025-01-01", station_id=OTHER_STATION),
                      ev.commissioned("evl-c", ["evaluator-3"], "2026-11-01", "2026-12-31",
                                      station_ids=[STATION, OTHER_STATION], contract_id="ctr-1")])
    card = scorecards.scorecard(context, Viewer("evaluator-3", "evaluator"), {"contract_id": "ctr-1"})
    staff = indicator(card, "staff_count")
    assert card["subject"]["station_ids"] == sorted([STATION, OTHER_STATION])
    assert (staff["numerator"], staff["denominator"], staff["value"]) == (4, 2, 2.0)
    assert scorecards.scorecard(context, Viewer("evaluator-3", "evaluator"), {"station_id": STATION})
    with pytest.raises(NotFound):
        scorecards.scorecard(context, EVALUATOR, {"contract_id": "ctr-1"})
    with pytest.raises(NotFound):
        scorecards.scorecard(context, COUNTY, {"contract_id": "ctr-unknown"})


def test_evidence_is_paged_and_masked_for_evaluators(context):
    ev.seed(context, [ev.household(f"hh-1000000{n}", "2025-06-01") for n in range(5)])
    request = {"station_id": STATION, "indicator": "archive_coverage", "limit": 3}
    first = scorecards.scorecard_evidence(context, EVALUATOR, request)
    second = scorecards.scorecard_evidence(context, EVALUATOR, {**request, "after": first["next_cursor"]})
    assert first["total"] == 7 and len(first["items"]) == 3 and second["next_cursor"] is not None
    assert all("****" in r["id"] for r in first["items"] + second["items"])
    everything = scorecards.scorecard_evidence(context, COUNTY, {**request, "limit": 100})
    assert len(everything["items"]) == 7 and everything["next_cursor"] is None
    with pytest.raises(ValidationFailed):
        scorecards.scorecard_evidence(context, COUNTY, {**request, "indicator": "nothing"})
