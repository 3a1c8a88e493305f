"""The staffing projection from registry events, and the staffing promise check."""
import itertools
from datetime import date

import pytest

from services.funding import staffing
from tests.support import funding_fixtures as fx

PROMISE = {"professional_social_workers_per_station": 3, "social_insurance": True}


def apply(events):
    doc = staffing.empty(fx.STATION)
    for event in events:
        change = {"staff.joined": staffing.staff_joined, "staff.left": staffing.staff_left,
                  "station.compliance_changed": staffing.compliance_changed}[event.type]
        doc = change(doc, event.payload, event.occurred_at)
    return doc


def test_events_in_any_order_give_the_same_projection():
    events = [*fx.staffed_station_events(fx.STATION, 3), fx.staff_left(fx.STATION, f"{fx.STATION}-s0", "2026-02-01"),
              fx.compliance_changed(fx.STATION, salary="not_met", as_of="2026-02-02")]
    expected = apply(events)
    for order in itertools.islice(itertools.permutations(events), 0, None, 97):
        assert apply(order) == expected
    assert apply(events + events) == expected  # a redelivered event changes nothing
    assert expected["compliance"]["rules"]["salary"] == "not_met"


def test_an_older_qualification_event_never_overrides_a_newer_one():
    joined = fx.staff_joined(fx.STATION, "s1", professional=False)
    doc = staffing.staff_joined(staffing.empty(fx.STATION), joined.payload, "2026-01-02T00:00:00Z")
    doc = staffing.qualification_recorded(doc, {"staff_id": "s1", "professional": True}, "2026-01-03T00:00:00Z")
    doc = staffing.staff_joined(doc, joined.payload, "2026-01-02T00:00:00Z")  # redelivered late
    assert doc["staff"]["s1"]["professional"] is True


@pytest.mark.parametrize("professionals,salary,insurance,expected", [
    (3, "met", "met", []),
    (2, "met", "met", ["2 professional social workers in post; the contract promises 3"]),
    (3, "not_met", "met", ["staff pay below the local average wage"]),
    (3, "met", "not_met", ["social insurance (五险一金) missing"]),
    (3, "unknown", "met", []),
])
def test_promise_problems(professionals, salary, insurance, expected):
    doc = apply([*(fx.staff_joined(fx.STATION, f"s{i}") for i in range(professionals)),
                 fx.compliance_changed(fx.STATION, salary, insurance)])
    problems = staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 3, 1))
    assert len(problems) == len(expected)
    for problem, wanted in zip(problems, expected, strict=False):
        assert problem.startswith(fx.STATION) and wanted in problem


def test_who_is_in_post_depends_on_the_day():
    doc = apply([*(fx.staff_joined(fx.STATION, f"s{i}", start="2026-01-01") for i in range(3)),
                 fx.staff_joined(fx.STATION, "late", start="2026-06-01"),
                 fx.staff_left(fx.STATION, "s0", "2026-03-31"), fx.compliance_changed(fx.STATION)])
    assert staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 3, 31)) == []
    assert "2 professional" in staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 4, 1))[0]
    assert staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 6, 1)) == []
    nothing = staffing.promise_problems(PROMISE, [fx.SECOND_STATION], {}, date(2026, 6, 1))
    assert nothing == [f"{fx.SECOND_STATION}: the registry has reported no staff for this station"]


# --- the staffing on the payment's date, not today's ----------------------------------------------
def test_a_later_salary_breach_does_not_flag_an_earlier_payment_and_an_earlier_one_is_not_hidden():
    doc = apply([*(fx.staff_joined(fx.STATION, f"s{i}") for i in range(3)),
                 fx.compliance_changed(fx.STATION, as_of="2026-01-05"),
                 fx.compliance_changed(fx.STATION, salary="not_met", as_of="2026-03-10"),
                 fx.compliance_changed(fx.STATION, as_of="2026-05-01")])
    assert staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 3, 9)) == []
    on_breach = staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 3, 10))
    assert len(on_breach) == 1 and "pay below" in on_breach[0] and "2026-03-10" in on_breach[0]
    assert "pay below" in staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 4, 30))[0]
    assert staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 5, 1)) == []
    before_any = staffing.station_figures(doc, date(2026, 1, 4))
    assert before_any["salary"] == "unknown" and before_any["compliance_as_of"] is None


def test_a_qualification_counts_from_the_day_it_was_recorded():
    joined = fx.staff_joined(fx.STATION, "s3", professional=False, start="2025-06-01")
    doc = apply([*(fx.staff_joined(fx.STATION, f"s{i}") for i in range(2)), joined, fx.compliance_changed(fx.STATION)])
    recorded_at = "2026-03-31T17:00:00Z"  # 1 April in China
    doc = staffing.qualification_recorded(doc, {"staff_id": "s3", "professional": True}, recorded_at)
    assert "2 professional" in staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 3, 31))[0]
    assert staffing.promise_problems(PROMISE, [fx.STATION], {fx.STATION: doc}, date(2026, 4, 1)) == []
    redelivered = staffing.qualification_recorded(doc, {"staff_id": "s3", "professional": True}, recorded_at)
    assert redelivered == doc


def test_dated_facts_in_any_order_give_the_same_history():
    events = [fx.staff_joined(fx.STATION, "s1", professional=False),
              fx.compliance_changed(fx.STATION, as_of="2026-01-05"),
              fx.compliance_changed(fx.STATION, salary="not_met", as_of="2026-03-10")]
    expected = apply(events)
    assert apply(list(reversed(events))) == expected
    assert [e["as_of"] for e in expected["compliance_history"]] == ["2026-01-05", "2026-03-10"]


def test_an_evaluation_stated_later_for_an_earlier_day_supersedes_those_computed_without_it():
    doc = staffing.empty(fx.STATION)
    for event, at in ((fx.compliance_changed(fx.STATION, as_of="2026-01-05"), "2026-01-05T01:00:00Z"),
                      (fx.compliance_changed(fx.STATION, as_of="2026-03-10"), "2026-03-10T01:00:00Z"),
                      # recorded on 1 April: pay was cut from 1 March
                      (fx.compliance_changed(fx.STATION, salary="not_met", as_of="2026-03-01"),
                       "2026-04-01T01:00:00Z"),
                      (fx.compliance_changed(fx.STATION, salary="not_met", as_of="2026-04-01"),
                       "2026-04-01T01:00:01Z")):
        doc = staffing.compliance_changed(doc, event.payload, at)
    assert staffing.compliance_on(doc, date(2026, 2, 28))["rules"]["salary"] == "met"
    for day in (date(2026, 3, 1), date(2026, 3, 15), date(2026, 4, 2)):
        assert staffing.compliance_on(doc, day)["rules"]["salary"] == "not_met", day
