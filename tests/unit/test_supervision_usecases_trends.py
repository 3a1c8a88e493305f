"""Trends on the in-memory store (services/supervision/usecases/trends.py, domain/trends.py): each month's
figures equal the period roll-up of that month, and small township counts are hidden as in the protected
roll-up, with a second month hidden so that the year's total does not give the first away."""
from __future__ import annotations

from datetime import datetime

import pytest

from services.common.auth import Viewer
from services.common.clock import CHINA_STANDARD_TIME, FrozenClock
from services.common.errors import PermissionDenied, ValidationFailed
from services.supervision.usecases import privacy, rollups, trends
from tests.support.supervision_usecases import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_STATION,
    STATION,
    TOWNSHIP,
    WORKER,
    seed_read_model,
    seed_stations,
    supervision,
)

CITY = Viewer("zhenjiang-official", "city", "321100")
TODAY = datetime(2026, 6, 15, 10, tzinfo=CHINA_STANDARD_TIME)


def _record(**fields) -> dict:
    return {"station": STATION, "township": TOWNSHIP, **fields}


@pytest.fixture
def context():
    with FrozenClock(TODAY):
        context = supervision()
        seed_stations(context)
        seed_read_model(context, "households", {"households": {
            f"hh-{i}": _record(registered_on=f"2026-0{1 + i % 4}-05", assessed_on=["2026-01-10"] if i % 2 else [])
            for i in range(12)}})
        cases = {f"cs-{i}": _record(household=f"hh-{i}", domain="elderly", stage="intake",
                                    opened_on=f"2026-0{1 + i % 3}-0{1 + i % 7}", closed_on=None, outcome=None)
                 for i in range(9)}
        cases["cs-closed"] = _record(household="hh-1", domain="elderly", stage="closed", opened_on="2025-12-01",
                                     closed_on="2026-02-20", outcome="resolved")
        cases["cs-march"] = _record(household="hh-2", domain="elderly", stage="intake", opened_on="2026-05-03",
                                    closed_on=None, outcome=None)
        seed_read_model(context, "cases", {"cases": cases, "crisis": {}})
        seed_read_model(context, "visits", {"visits": {
            f"v-{i}": _record(household=f"hh-{i % 5}", case=None, visited_on=f"2026-0{1 + i % 5}-12")
            for i in range(20)}})
        yield context


def test_each_month_equals_the_period_rollup_of_that_month(context):
    with FrozenClock(TODAY):
        answer = trends.trend(context, COUNTY, {"region": "321181", "year": 2026})
        assert [m["month"] for m in answer["months"]] == [f"2026-0{m}" for m in range(1, 7)]  # not July onwards
        for point in answer["months"]:
            month = int(point["month"][5:])
            expected = rollups.rollup(context, COUNTY, {"region": "321181", "children": False,
                                                        "period": {"year": 2026, "month": month}})["region"]
            assert point["period"] == expected["period"] and point["as_of"] == expected["as_of"]
            assert point["stations_operating"] == expected["stations"]["operating"]
            assert point["township_coverage"] == expected["stations"]["township_coverage"]
            assert point["households_current_archive"] == expected["households"]["current_archive"]
            assert point["archive_freshness"] == expected["households"]["archive_freshness"]
            assert point["cases_opened"] == expected["cases"]["opened"]
            assert point["cases_closed"] == expected["cases"]["closed"]
            assert point["closure_rate"] == expected["cases"]["closure_rate"]
            assert point["visits"] == expected["visits"]["count"]
            assert point["crisis_breaches"] == expected["crisis"]["breaches"]
            assert point["suppressed"] == []  # county level: shown
        february = answer["months"][1]
        assert february["cases_closed"] == 1 and february["visits"] == 4


def test_small_township_counts_are_hidden_for_the_city_as_in_the_protected_rollup(context):
    with FrozenClock(TODAY):
        answer = trends.trend(context, CITY, {"region": TOWNSHIP, "year": 2026})
        for point in answer["months"]:
            month = int(point["month"][5:])
            protected = privacy.protected_rollup(context, CITY, {"region": TOWNSHIP, "children": False,
                                                                 "period": {"year": 2026, "month": month}})
            shown = {f["key"]: f for f in protected["region"]["figures"]}
            for name, key in (("cases_opened", "cases.opened"), ("visits", "visits.count"),
                              ("households_registered", "households.registered")):
                if shown[key]["suppressed"]:
                    assert point[name] is None and key in point["suppressed"]
        june = answer["months"][5]
        assert june["cases_opened"] == 0 and june["visits"] == 0  # 0 points at nobody: shown
        # May: one case opened, hidden; the year's 10 is shown, so one more month is hidden beside it
        may = answer["months"][4]
        assert may["cases_opened"] is None and "cases.opened" in may["suppressed"]
        hidden_months = [p for p in answer["months"] if p["cases_opened"] is None]
        assert len(hidden_months) >= 2
        # a ratio built on a hidden count is hidden too
        assert all(p["closure_rate"] is None for p in answer["months"] if "cases.opened" in p["suppressed"])
        county = trends.trend(context, COUNTY, {"region": TOWNSHIP, "year": 2026})
        assert county["months"][4]["cases_opened"] == 1  # the township's own county sees it


def _payment(paid_on: str, amount_fen: int, *stations: str, status: str = "paid") -> dict:
    return {"contract_id": "ct-1", "station_ids": list(stations), "region_code": "321181", "amount_fen": amount_fen,
            "paid_on": paid_on, "status": status}


def test_volunteer_hours_and_money_disbursed_per_month_from_their_read_models(context):
    near = "ST321181002"  # another township of the same county
    seed_read_model(context, "volunteer_hours", {"hours": {
        "h1": {**_record(), "volunteer": "vol-1", "hours": 2.5, "approved_on": "2026-01-05"},
        "h2": {**_record(), "volunteer": "vol-2", "hours": 1.5, "approved_on": "2026-03-09"},
        "h3": {"station": near, "township": near[2:], "volunteer": "vol-3", "hours": 4.0, "approved_on": "2026-03-10"},
        "h4": {"station": OTHER_STATION, "township": OTHER_STATION[2:], "volunteer": "vol-4", "hours": 8.0,
               "approved_on": "2026-03-10"}}})
    seed_read_model(context, "contract_money", {"contracts": {}, "disbursements": {
        "d1": _payment("2026-02-01", 500_00, STATION), "d2": _payment("2026-03-01", 300_00, STATION, near),
        "d3": _payment("2026-03-02", 700_00, STATION, status="held"),  # not paid
        "d4": _payment("2026-03-03", 900_00, OTHER_STATION)}})

    with FrozenClock(TODAY):
        county = trends.trend(context, COUNTY, {"region": "321181", "year": 2026})["months"]
        assert [p["volunteer_hours"] for p in county] == [2.5, 0, 5.5, 0, 0, 0]
        assert [p["money_disbursed_fen"] for p in county] == [0, 500_00, 300_00, 0, 0, 0]
        township = trends.trend(context, CITY, {"region": TOWNSHIP, "year": 2026})["months"]
        assert [p["volunteer_hours"] for p in township[:3]] == [2.5, 0, 1.5]  # small, yet not a count of people
        assert [p["money_disbursed_fen"] for p in township[:3]] == [0, 500_00, 0]  # d2 spans two townships
        worker = trends.trend(context, WORKER, {"region": "321181", "year": 2026})["months"]
        assert [p["volunteer_hours"] for p in worker[:3]] == [2.5, 0, 1.5]  # the worker's station only


def test_the_trend_is_scoped_and_its_arguments_checked(context):
    with FrozenClock(TODAY):
        with pytest.raises(PermissionDenied):
            trends.trend(context, OTHER_COUNTY, {"region": "321181", "year": 2026})
        with pytest.raises(ValidationFailed):
            trends.trend(context, COUNTY, {"region": "321181", "year": "2026"})
        assert trends.trend(context, COUNTY, {"region": "321181", "year": 2027})["months"] == []
