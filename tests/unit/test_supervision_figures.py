"""Supervision's pure rules: periods, region keys, scopes, folds and the roll-up figures."""
from __future__ import annotations

from datetime import date

import pytest

from services.common.auth import Viewer
from services.common.errors import PermissionDenied, ValidationFailed
from services.common.events import Envelope
from services.supervision.domain import folds
from services.supervision.domain.access import FigureScope, figure_scope
from services.supervision.domain.figures import ReadModels, rollup
from services.supervision.domain.periods import Period, period_of
from services.supervision.domain.regions import region_key

TODAY = date(2026, 6, 30)
DANYANG, JINGKOU = "321181", "321102"
T1, T2, T3 = "321181001", "321181002", "321102001"


def event(type_, payload, occurred_at="2026-01-05T02:00:00Z"):
    return Envelope(id="e", type=type_, version=1, occurred_at=occurred_at, producer="p", correlation_id="c",
                    causation_id=None, actor=None, payload=payload)


def test_periods_cover_year_quarter_month_and_ranges():
    assert period_of(TODAY) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert period_of(TODAY, year=2025, quarter=4) == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert period_of(TODAY, year=2024, month=2) == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert period_of(TODAY, start=date(2026, 3, 5), end=date(2026, 4, 1)).end == date(2026, 4, 1)
    for bad in ({"quarter": 1}, {"year": 2026, "quarter": 1, "month": 2},
                {"year": 2026, "start": date(2026, 1, 1), "end": date(2026, 2, 1)},
                {"start": date(2026, 3, 1), "end": date(2026, 2, 1)}, {"start": date(2026, 3, 1)}):
        with pytest.raises(ValidationFailed):
            period_of(TODAY, **bad)


def test_region_keys_take_every_level_and_refuse_patterns():
    assert region_key("32").code == "320000" and region_key("320000").prefix == "32"
    assert region_key("3211").code == "321100" and region_key("321100").level == "city"
    assert region_key(DANYANG).child_of(T1) == T1 and region_key("3211").child_of(T1) == DANYANG
    assert region_key(T1).child_of(T1) is None
    for bad in ("3", "321181|", ".*", "32118", ""):
        with pytest.raises(ValidationFailed):
            region_key(bad)


def test_scopes_follow_roles():
    county = Viewer("c", "county", DANYANG)
    assert figure_scope(county, region_key(T1)) == FigureScope(prefix=DANYANG)
    with pytest.raises(PermissionDenied):
        figure_scope(county, region_key("3211"))  # a city is wider than the county's own scope
    with pytest.raises(PermissionDenied):
        figure_scope(county, region_key(JINGKOU))
    staff = figure_scope(Viewer("s", "station_staff", None, ("ST" + T1,)), region_key("32"))
    assert staff.covers("ST" + T1, T1) and not staff.covers("ST" + T2, T2)
    with pytest.raises(PermissionDenied):
        figure_scope(Viewer("anonymous", "public"), region_key("32"))


def models() -> ReadModels:
    state: dict = {}
    for township, status in ((T1, "operating"), (T2, "preparing"), (T3, "operating")):
        folds.station_registered(state, event("station.registered", {
            "station_id": "ST" + township, "township_code": township, "status": status}))
    folds.compliance_changed(state, event("station.compliance_changed", {
        "station_id": "ST" + T1, "region_code": T1, "status": "not_met", "as_of": "2026-02-01",
        "rules": {"venue_area": {"status": "met", "since": "x"},
                  "training_hours": {"status": "at_risk", "since": "x"}}}))
    staff: dict = {}
    folds.staff_joined(staff, event("staff.joined", {"staff_id": "a", "station_id": "ST" + T1, "region_code": T1,
                                                     "role": "social_worker", "professional": True,
                                                     "employment_start": "2020-01-01"}))
    folds.staff_joined(staff, event("staff.joined", {"staff_id": "b", "station_id": "ST" + T1, "region_code": T1,
                                                     "role": "assistant", "professional": False,
                                                     "employment_start": "2021-01-01"}))
    folds.training_recorded(staff, event("staff.training_recorded", {"staff_id": "a", "station_id": "ST" + T1,
                                                                     "date": "2026-03-01", "hours": 20,
                                                                     "year_total_hours": 20}))
    homes: dict = {}
    for hid, township, registered in (("h1", T1, "2025-01-01"), ("h2", T1, "2025-01-01"), ("h3", T3, "2026-01-01")):
        folds.household_registered(homes, event("household.registered", {
            "household_id": hid, "station_id": "ST" + township, "township_code": township,
            "registered_on": registered}))
    folds.needs_assessed(homes, event("needs.assessed", {"household_id": "h1", "station_id": "ST" + T1,
                                                         "township_code": T1, "assessed_on": "2025-09-01"}))
    folds.needs_assessed(homes, event("needs.assessed", {"household_id": "h2", "station_id": "ST" + T1,
                                                         "township_code": T1, "assessed_on": "2025-03-01"}))
    cases: dict = {}
    for cid, opened in (("c1", "2025-12-01"), ("c2", "2026-02-01"), ("c3", "2026-03-01")):
        folds.case_opened(cases, event("case.opened", {"case_id": cid, "station_id": "ST" + T1, "township_code": T1,
                                                       "household_id": "h1", "domain": "elderly",
                                                       "opened_on": opened}))
    folds.case_closed(cases, event("case.closed", {"case_id": "c1", "station_id": "ST" + T1, "township_code": T1,
                                                   "domain": "elderly", "outcome": "improved",
                                                   "opened_on": "2025-12-01", "closed_on": "2026-01-31"}))
    for cid, flagged, due in (("c2", "2026-02-01T01:00:00Z", "2026-02-02T01:00:00Z"),
                              ("c3", "2026-03-01T01:00:00Z", "2026-03-02T01:00:00Z")):
        folds.crisis_flagged(cases, event("crisis.flagged", {"case_id": cid, "station_id": "ST" + T1,
                                                             "township_code": T1, "domain": "marriage_family",
                                                             "flagged_at": flagged, "contact_due_at": due}))
    visits: dict = {}
    for vid, case, contact in (("v1", "c2", "2026-02-01T05:00:00Z"), ("v2", "c3", "2026-03-03T05:00:00Z")):
        visit = event("visit.logged", {"visit_id": vid, "case_id": case, "household_id": "h1", "station_id": "ST" + T1,
                                       "township_code": T1, "visited_on": folds.china_date(contact),
                                       "contact_at": contact})
        folds.first_contact(cases, visit)
        folds.visit_logged(visits, visit)
    return ReadModels(stations=state["stations"], staff=staff["staff"], households=homes["households"],
                      cases=cases["cases"], crisis=cases["crisis"], visits=visits["visits"])


def test_a_county_roll_up_and_its_townships():
    result = rollup(models(), region_key(DANYANG), [T1, T2, "321181003"], [T1, T2], period_of(TODAY), TODAY,
                    FigureScope())
    county = result["region"]
    assert county["region_code"] == DANYANG and county["as_of"] == "2026-06-30"
    assert county["stations"] == {"registered": 2, "operating": 1, "townships": 3, "townships_covered": 1,
                                  "township_coverage": 0.3333}
    assert county["compliance"]["not_met"] == 1 and county["compliance"]["unknown"] == 1
    rules = {r["rule"]: r for r in county["compliance"]["by_rule"]}
    assert rules["training_hours"]["at_risk"] == 1 and rules["venue_area"]["met"] == 1
    assert county["staff"]["count"] == 2 and county["staff"]["professional_ratio"] == 0.5
    assert county["staff"]["training_on_track"] == 1  # 20 h by 30 June is above 30 × 181/365
    assert county["households"] == {"registered": 2, "current_archive": 1, "archive_freshness": 0.5,
                                    "never_assessed": 0}
    cases = county["cases"]
    assert (cases["opened"], cases["closed"], cases["open"]) == (2, 1, 2)
    assert cases["closure_rate"] == round(1 / 3, 4) and cases["median_days_to_close"] == 61
    assert county["visits"] == {"count": 2, "households_visited": 1}
    assert county["crisis"] == {"flagged": 2, "contacted_in_time": 1, "contacted_late": 1, "no_contact_by_due": 0,
                                "breaches": 1, "awaiting_contact": 0}
    children = {c["region_code"]: c for c in result["children"]}
    assert children[T1]["stations"]["operating"] == 1 and children[T2]["stations"]["registered"] == 1
    assert children[T2]["households"]["archive_freshness"] is None  # nothing to divide by: not a zero


def test_figures_count_only_the_viewer_s_scope_and_period():
    staff_scope = FigureScope(station_ids=frozenset({"ST" + T3}))
    province = rollup(models(), region_key("32"), [T1, T2, T3], ["3211"], period_of(TODAY), TODAY, staff_scope)
    assert province["region"]["stations"]["registered"] == 1 and province["region"]["households"]["registered"] == 1
    assert province["region"]["cases"]["opened"] == 0
    first_quarter = rollup(models(), region_key(DANYANG), [T1, T2], [], period_of(TODAY, year=2026, quarter=1),
                           TODAY, FigureScope())
    assert first_quarter["region"]["as_of"] == "2026-03-31" and first_quarter["children"] == []
    crisis_then = rollup(models(), region_key(DANYANG), [T1], [], period_of(TODAY, year=2026, month=3), TODAY,
                         FigureScope())["region"]["crisis"]
    assert crisis_then["flagged"] == 1 and crisis_then["contacted_late"] == 1
    # Read on 2 March, the March crisis case had no contact yet but was still within its 24 hours.
    on_day_two = rollup(models(), region_key(DANYANG), [T1], [], period_of(TODAY, start=date(2026, 3, 1),
                                                                           end=date(2026, 3, 1)),
                        TODAY, FigureScope())["region"]["crisis"]
    assert on_day_two["awaiting_contact"] == 1 and on_day_two["breaches"] == 0


def test_folding_an_event_twice_changes_nothing():
    once, twice = models(), models()
    state = {"cases": twice.cases, "crisis": twice.crisis}
    folds.crisis_flagged(state, event("crisis.flagged", {"case_id": "c2", "station_id": "ST" + T1, "township_code": T1,
                                                         "domain": "marriage_family",
                                                         "flagged_at": "2026-02-01T01:00:00Z",
                                                         "contact_due_at": "2026-02-02T01:00:00Z"}))
    homes = {"households": twice.households}
    folds.needs_assessed(homes, event("needs.assessed", {"household_id": "h1", "station_id": "ST" + T1,
                                                         "township_code": T1, "assessed_on": "2025-09-01"}))
    assert once == twice
