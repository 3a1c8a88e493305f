"""Each scorecard computation (services/supervision/domain/indicators.py) on read models folded from the
producers' events, read as of a day, and the scoring and schemes of domain/scorecard.py."""
from __future__ import annotations

from datetime import date

import pytest

from services.common.errors import ValidationFailed
from services.supervision.domain import indicators as ind
from services.supervision.domain import scorecard as cards
from services.supervision.domain.periods import year_fraction
from tests.support import scorecard_events as ev
from tests.support.scorecard_events import OTHER_STATION, STATION

DAY = date(2026, 6, 30)


def facts(events, as_of=DAY, **extra) -> ind.Facts:
    return ind.Facts(ev.fold_into(None, [ev.station(), *events]), frozenset({STATION}), as_of, **extra)


def test_staff_count_and_professional_ratio_read_who_was_in_post_on_the_day():
    events = [ev.staff("stf-1", "2025-01-01", professional=True), ev.staff("stf-2", "2025-06-01"),
              ev.staff("stf-3", "2026-05-01"), ev.staff_left("stf-2", "2026-04-01"),
              ev.staff("stf-9", "2025-01-01", True, station_id=OTHER_STATION)]
    assert ind.staff_count(facts(events)).value == 2  # stf-1, stf-3: stf-2 left, stf-9 is elsewhere
    assert ind.staff_count(facts(events, date(2026, 3, 1))).value == 2  # stf-1, stf-2
    ratio = ind.professional_ratio(facts(events))
    assert (ratio.value, ratio.numerator, ratio.denominator) == (0.5, 1, 2)
    assert [r["id"] for r in ratio.evidence] == ["stf-1", "stf-3"]
    assert ind.professional_ratio(facts([])).value is None  # no staff: not computable, never 0


def test_training_hours_are_the_dated_year_total_against_30_hours_pro_rata():
    events = [ev.staff("stf-1", "2025-01-01"), ev.training("stf-1", "2026-02-01", 6, 6),
              ev.training("stf-1", "2026-09-01", 20, 26)]
    expected = 30 * year_fraction(DAY)
    measure = ind.training_hours_pro_rata(facts(events))
    assert measure.numerator == 6 and measure.expected == round(expected, 2)
    assert measure.value == round(6 / round(expected, 2), 4)
    assert ind.training_hours_pro_rata(facts(events, date(2026, 12, 31))).numerator == 26


def test_archive_coverage_and_freshness():
    events = [ev.household("hh-1", "2024-01-01"), ev.household("hh-2", "2025-01-01"),
              ev.household("hh-3", "2026-05-01"), ev.household("hh-4", "2026-08-01"),
              ev.assessed("hh-1", "2024-02-01"), ev.assessed("hh-2", "2026-01-10"),
              ev.assessed("hh-3", "2026-09-01")]
    coverage = ind.archive_coverage(facts(events))
    assert (coverage.numerator, coverage.denominator) == (2, 3)  # hh-3's assessment comes after the day
    freshness = ind.archive_freshness(facts(events))
    assert (freshness.numerator, freshness.denominator) == (1, 3)  # hh-1's review is older than 12 months
    assert coverage.evidence[0]["detail"] == {"last_assessed_on": "2024-02-01"}


def test_visits_per_household_count_this_years_visits_by_the_day():
    events = [ev.household("hh-1", "2024-01-01"), ev.household("hh-2", "2024-01-01"),
              ev.visit("v1", "hh-1", "2025-12-30"), ev.visit("v2", "hh-1", "2026-02-01"),
              ev.visit("v3", "hh-2", "2026-06-30"), ev.visit("v4", "hh-2", "2026-07-01")]
    measure = ind.visits_per_household(facts(events))
    assert (measure.value, measure.numerator, measure.denominator) == (1.0, 2, 2)


def test_case_closure_rate_over_open_on_1_january_and_opened_since():
    events = [ev.case_opened("c1", "hh-1", "2025-11-01"), ev.case_opened("c2", "hh-1", "2026-02-01"),
              ev.case_opened("c3", "hh-1", "2026-03-01"), ev.case_opened("c4", "hh-1", "2025-01-01"),
              ev.case_closed("c1", "2025-11-01", "2026-03-01"), ev.case_closed("c3", "2026-03-01", "2026-08-01"),
              ev.case_closed("c4", "2025-01-01", "2025-06-01")]
    measure = ind.case_closure_rate(facts(events))
    assert (measure.numerator, measure.denominator) == (1, 3)  # c4 closed last year; c3 closes after the day
    assert ind.case_closure_rate(facts(events, date(2026, 12, 31))).numerator == 2


def test_crisis_first_contact_within_24_hours():
    events = [ev.crisis("k1", "2026-06-01T02:00:00+00:00", "2026-06-02T02:00:00+00:00"),
              ev.crisis("k2", "2026-06-03T02:00:00+00:00", "2026-06-04T02:00:00+00:00"),
              ev.crisis("k3", "2026-06-05T02:00:00+00:00", "2026-06-06T02:00:00+00:00"),
              ev.crisis("k4", "2026-06-30T10:00:00+00:00", "2026-07-01T10:00:00+00:00"),
              ev.visit("v1", "hh-1", "2026-06-01", "k1", "2026-06-01T08:00:00+00:00"),
              ev.visit("v2", "hh-1", "2026-06-05", "k2", "2026-06-05T08:00:00+00:00")]
    measure = ind.crisis_first_contact_24h(facts(events))
    # k1 in time, k2 late, k3 never contacted by its due time; k4 still within its 24 hours: left out.
    assert (measure.value, measure.numerator, measure.denominator) == (0.3333, 1, 3)
    assert [r["detail"]["in_time"] for r in measure.evidence] == [True, False, False]


def test_volunteer_hours_and_supervision_sessions_against_the_plan():
    events = [ev.hours("vol-1", 10, "2026-03-01T02:00:00+00:00"), ev.hours("vol-2", 5.5, "2026-07-02T02:00:00+00:00"),
              ev.hours("vol-3", 7, "2025-12-01T02:00:00+00:00")]
    assert ind.volunteer_hours(facts(events)).value == 10
    sessions = ({"id": "ses-1", "station_id": STATION, "date": "2026-02-01"},
                {"id": "ses-2", "station_id": STATION, "date": "2026-05-01"})
    planned = ind.supervision_sessions_vs_plan(facts([], sessions=sessions, session_target=4.0))
    assert planned.numerator == 2 and planned.expected == round(4 * year_fraction(DAY), 2)
    assert ind.supervision_sessions_vs_plan(facts([], sessions=sessions)).value is None  # no target in the plan


def test_scores_run_from_floor_to_target_and_pro_rata_targets_scale():
    indicator = {"floor": 0.5, "target": 1.0}
    assert [cards.score(indicator, v, DAY) for v in (0.4, 0.5, 0.75, 1.0, 1.2, None)] == [0, 0, 50, 100, 100, None]
    pro_rata = {"floor": 0, "target": 200, "pro_rata": True}
    assert cards.score(pro_rata, 100 * year_fraction(DAY), DAY) == 50


def test_the_shipped_schemes_are_valid_and_versions_follow_their_effective_dates():
    assert set(cards.SCHEMES) == {"station-standard"}
    early, late = cards.scheme_in_force(None, date(2026, 6, 30)), cards.scheme_in_force(None, date(2026, 7, 1))
    assert (early.effective_from, late.effective_from) == ("2021-01-01", "2026-07-01")
    weights = {i["code"]: i["weight"] for i in late.indicators}
    assert weights["professional_ratio"] == 15 and sum(weights.values()) == 100
    with pytest.raises(ValidationFailed):
        cards.scheme_in_force(None, date(2020, 12, 31))
    with pytest.raises(ValidationFailed):
        cards.scheme_in_force("no-such-scheme", DAY)
    with pytest.raises(ValueError, match="weights"):
        cards.check_scheme_version("x", {"effective_from": "2026-01-01", "indicators": [
            {"code": "a", "formula": "staff_count", "weight": 90, "floor": 0, "target": 3}]})
    with pytest.raises(ValueError, match="formula"):
        cards.check_scheme_version("x", {"effective_from": "2026-01-01", "indicators": [
            {"code": "a", "formula": "eval(x)", "weight": 100, "floor": 0, "target": 3}]})


def test_evidence_of_people_and_households_is_masked_for_evaluators():
    record = {"kind": "visit", "id": "vis-123456", "station_id": STATION, "date": "2026-02-01",
              "detail": {"household": "hh-9f8e7d6c", "case": "cas-1"}}
    shown = cards.masked(record, for_evaluator=True)
    assert shown["detail"] == {"household": "hh-****7d6c", "case": "cas-1"}
    assert cards.masked({**record, "kind": "household", "id": "hh-12345678"}, True)["id"] == "hh-****5678"
    assert cards.masked(record, for_evaluator=False) == record


def test_a_v1_commission_is_upcast_and_scopes_no_evaluator():
    import uuid

    from services.common.events import read_event
    from services.contracts.funding import EVALUATION_COMMISSIONED

    v1 = {"evaluation_id": "evl-9", "subject_kind": "station", "subject_id": STATION, "region_code": "321181001",
          "evaluator_name": "某评估中心", "evaluator_credit_code": "52320000MJ0000000X", "scheme_id": "sch-1",
          "due_on": "2026-12-31"}
    envelope = {"id": str(uuid.uuid4()), "type": "evaluation.commissioned", "version": 1,
                "occurred_at": "2026-05-01T00:00:00Z", "producer": "funding", "correlation_id": "c",
                "causation_id": None, "actor": None, "payload": v1}
    event = read_event(envelope, EVALUATION_COMMISSIONED)
    assert event.version == 2 and event.payload["station_ids"] == [STATION]
    folded = ev.fold_into(None, [event]).evaluations["evl-9"]
    assert folded["evaluator_user_ids"] == [] and (folded["start"], folded["end"]) == ("2026-05-01", "2026-12-31")


def test_the_cli_rebuilds_every_read_model_the_service_keeps():
    from services.supervision import projections
    from services.supervision.usecases.checks import CHECKABLE as SERVICE_CHECKABLE
    from shegong.readmodels import CHECKABLE, READ_MODELS

    assert READ_MODELS == projections.NAMES and CHECKABLE == SERVICE_CHECKABLE


def test_narrowing_to_the_subjects_stations_changes_no_measure():
    events = [ev.staff("stf-1", "2025-01-01", True), ev.staff("stf-9", "2025-01-01", station_id=OTHER_STATION),
              ev.household("hh-1", "2025-01-01"), ev.household("hh-9", "2025-01-01", station_id=OTHER_STATION),
              ev.visit("v1", "hh-1", "2026-02-01"), ev.visit("v9", "hh-9", "2026-02-01", station_id=OTHER_STATION),
              ev.case_opened("c9", "hh-9", "2026-02-01", station_id=OTHER_STATION),
              ev.crisis("k9", "2026-06-01T02:00:00+00:00", "2026-06-02T02:00:00+00:00", station_id=OTHER_STATION),
              ev.hours("vol-9", 3, "2026-03-01T02:00:00+00:00", station_id=OTHER_STATION)]
    whole = facts(events)
    narrowed = ind.Facts(ind.of_stations(whole.models, whole.station_ids), whole.station_ids, whole.as_of)
    assert list(narrowed.models.households) == ["hh-1"] and not narrowed.models.crisis
    for compute in ind.COMPUTATIONS.values():
        assert compute(narrowed) == compute(whole), compute.__name__
