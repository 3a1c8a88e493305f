"""County yearly plans on the in-memory store (services/supervision/usecases/plans.py): recorded, revised
from a day on, read in scope, and set against the same figures the roll-up gives."""
from __future__ import annotations

from datetime import datetime

import pytest

from services.common.auth import Viewer
from services.common.clock import UTC, FrozenClock
from services.common.errors import ConcurrentModification, NotFound, PermissionDenied, ValidationFailed
from services.supervision.usecases import plans, rollups
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    OTHER_STATION,
    OTHER_TOWNSHIP,
    STATION,
    TOWNSHIP,
    WORKER,
    events_of,
    seed_read_model,
    seed_stations,
    supervision,
)

CITY = Viewer("zhenjiang-official", "city", "321100")
NEAR_STATION = "ST321181002"  # another township of the same county
NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


def _visit(day: str, station: str = STATION, township: str = TOWNSHIP) -> dict:
    return {"visited_on": day, "station": station, "township": township, "household": f"hh-{day}"}


@pytest.fixture
def context():
    with FrozenClock(NOW):
        context = supervision()
        seed_stations(context)
        visits = [_visit("2026-01-10"), _visit("2026-01-20"), _visit("2026-02-03"), _visit("2026-03-05"),
                  _visit("2026-02-04", OTHER_STATION, OTHER_TOWNSHIP)]
        seed_read_model(context, "visits", {"visits": {f"v{i}": v for i, v in enumerate(visits)}})
        seed_read_model(context, "cases", {"cases": {
            "c1": {"opened_on": "2026-02-01", "domain": "elderly", "stage": "intake", "station": STATION,
                   "township": TOWNSHIP},
            "c2": {"opened_on": "2026-03-01", "domain": "children", "stage": "intake", "station": STATION,
                   "township": TOWNSHIP}}, "crisis": {}})
        yield context


def _plan(**changes) -> dict:
    return {"region_code": "321181", "year": 2026, "effective_from": "2026-01-01",
            "targets": [{"indicator": "visits", "value": 8},
                        {"station_id": STATION, "indicator": "cases", "domain": "elderly", "value": 4}], **changes}


def test_a_county_records_its_plan_and_the_event_goes_to_the_outbox(context):
    plan = plans.record_plan(context, COUNTY, _plan(note="第一版"))

    assert plan["id"] == "plan-321181-2026" and plan["version"] == 1
    assert [t["indicator"] for t in plan["versions"][0]["targets"]] == ["visits", "cases"]
    [event] = events_of(context, "plans", plan["id"])
    assert event["type"] == "supervision_plan.recorded"
    assert event["payload"]["version"] == 1 and event["payload"]["targets"] == 2


def test_a_revision_replaces_the_targets_from_its_day_and_keeps_the_history(context):
    first = plans.record_plan(context, COUNTY, _plan())
    revised = plans.record_plan(context, COUNTY, _plan(effective_from="2026-03-01", expected_version=first["version"],
                                                       targets=[{"indicator": "visits", "value": 12}]))

    assert [v["effective_from"] for v in revised["versions"]] == ["2026-01-01", "2026-03-01"]
    report = plans.plan_versus_actual(context, COUNTY, {"region": "321181", "year": 2026})
    visits = next(r for r in report["rows"] if r["indicator"] == "visits")
    assert [(m["month"], m["target"], m["version"]) for m in visits["months"][:3]] == [
        (1, 8, 1), (2, 8, 1), (3, 12, 2)]
    assert len(events_of(context, "plans", first["id"])) == 2


def test_plan_versus_actual_agrees_with_the_rollup_monthly_and_cumulatively(context):
    plans.record_plan(context, COUNTY, _plan())

    report = plans.plan_versus_actual(context, COUNTY, {"region": "321181", "year": 2026})
    visits = next(r for r in report["rows"] if r["indicator"] == "visits")
    february = visits["months"][1]
    rollup = rollups.rollup(context, COUNTY, {"region": "321181", "period": {"year": 2026, "month": 2}})
    assert february["actual"] == rollup["region"]["visits"]["count"] == 1  # the other county's visit not counted
    assert february["cumulative"] == 3 and february["share_of_target"] == 0.375
    assert len(visits["months"]) == 6  # January to the running month
    elderly = next(r for r in report["rows"] if r["indicator"] == "cases")
    assert elderly["station_id"] == STATION and elderly["months"][2]["cumulative"] == 1


def test_one_month_only(context):
    plans.record_plan(context, COUNTY, _plan())

    report = plans.plan_versus_actual(context, CITY, {"region": "321181", "year": 2026, "month": 3})
    visits = next(r for r in report["rows"] if r["indicator"] == "visits")
    assert [(m["month"], m["actual"], m["cumulative"]) for m in visits["months"]] == [(3, 1, 4)]


def test_plans_are_scoped_like_the_rollups(context):
    plans.record_plan(context, COUNTY, _plan())

    with pytest.raises(PermissionDenied):
        plans.record_plan(context, OTHER_COUNTY, _plan(expected_version=1, effective_from="2026-02-01"))
    with pytest.raises(PermissionDenied):
        plans.record_plan(context, CITY, _plan(expected_version=1, effective_from="2026-02-01"))
    with pytest.raises(PermissionDenied):
        plans.supervision_plan(context, OTHER_COUNTY, "321181", 2026)
    station_view = plans.supervision_plan(context, WORKER, "321181", 2026)
    assert [t.get("station_id") for t in station_view["versions"][0]["targets"]] == [STATION]
    assert plans.supervision_plan(context, ADMIN, "321181", 2026)["region_code"] == "321181"


def test_invalid_plans_are_refused(context):
    with pytest.raises(ValidationFailed):
        plans.record_plan(context, COUNTY, _plan(targets=[{"indicator": "cases", "value": 3}]))
    with pytest.raises(ValidationFailed):
        plans.record_plan(context, COUNTY, _plan(targets=[{"station_id": OTHER_STATION, "indicator": "visits",
                                                           "value": 3}]))
    with pytest.raises(ValidationFailed):
        plans.record_plan(context, COUNTY, _plan(effective_from="2025-12-01"))
    with pytest.raises(ValidationFailed):
        plans.record_plan(context, COUNTY, _plan(targets=[{"indicator": "tea", "value": 3}]))
    plans.record_plan(context, COUNTY, _plan())
    with pytest.raises(ConcurrentModification):
        plans.record_plan(context, COUNTY, _plan(effective_from="2026-04-01"))
    with pytest.raises(ValidationFailed):
        plans.record_plan(context, COUNTY, _plan(effective_from="2026-01-01", expected_version=1))
    with pytest.raises(NotFound):
        plans.supervision_plan(context, COUNTY, "321181", 2025)


def _hours(day: str, hours: float, station: str = STATION) -> dict:
    return {"station": station, "township": station[2:], "volunteer": "vol-1", "hours": hours, "approved_on": day}


def _evaluation(completed_on: str | None, *stations: str) -> dict:
    done = {"status": "completed", "completed_on": completed_on} if completed_on else {"status": "commissioned"}
    return {"subject_kind": "contract", "station_ids": list(stations), "region_code": "321181", **done}


def test_volunteer_hours_and_evaluation_are_read_from_their_read_models(context):
    seed_read_model(context, "volunteer_hours", {"hours": {
        "h1": _hours("2026-01-05", 2.5), "h2": _hours("2026-02-10", 4.0), "h3": _hours("2026-02-11", 1.5),
        "h4": _hours("2026-02-12", 9.0, OTHER_STATION),  # another county's station: not counted
        "h5": _hours("2025-12-31", 7.0)}})  # last year
    seed_read_model(context, "evaluations", {"contracts": {}, "evaluations": {
        "ev-1": _evaluation("2026-02-20", STATION, NEAR_STATION, OTHER_STATION),
        "ev-2": _evaluation("2026-03-02", STATION),  # the same station again: counts once to date
        "ev-3": _evaluation(None, NEAR_STATION)}})  # commissioned, not completed
    plans.record_plan(context, COUNTY, _plan(targets=[
        {"indicator": "volunteer_hours", "value": 100}, {"indicator": "evaluation", "value": 4},
        {"station_id": STATION, "indicator": "evaluation", "value": 1},
        {"station_id": STATION, "indicator": "volunteer_hours", "value": 10}]))

    report = plans.plan_versus_actual(context, COUNTY, {"region": "321181", "year": 2026})
    rows = {(r["station_id"], r["indicator"]): r["months"] for r in report["rows"]}
    county_hours = [(m["actual"], m["cumulative"]) for m in rows[(None, "volunteer_hours")][:3]]
    assert county_hours == [(2.5, 2.5), (5.5, 8.0), (0, 8.0)]
    assert rows[(None, "volunteer_hours")][1]["share_of_target"] == 0.08
    assert rows[(STATION, "volunteer_hours")][1]["cumulative"] == 8.0
    county_evaluated = [(m["actual"], m["cumulative"]) for m in rows[(None, "evaluation")][:3]]
    assert county_evaluated == [(0, 0), (2, 2), (1, 2)]  # the county's two stations, not the other county's
    assert rows[(None, "evaluation")][2]["share_of_target"] == 0.5
    assert [m["cumulative"] for m in rows[(STATION, "evaluation")][:3]] == [0, 1, 1]


def test_a_station_target_counts_that_stations_hours_only(context):
    seed_read_model(context, "volunteer_hours", {"hours": {
        "h1": _hours("2026-01-05", 2.5), "h2": _hours("2026-01-06", 3.0, NEAR_STATION)}})
    plans.record_plan(context, COUNTY, _plan(targets=[{"indicator": "volunteer_hours", "value": 100},
                                                      {"station_id": STATION, "indicator": "volunteer_hours",
                                                       "value": 10}]))

    county = plans.plan_versus_actual(context, COUNTY, {"region": "321181", "year": 2026, "month": 1})
    assert {r["station_id"]: r["months"][0]["actual"] for r in county["rows"]} == {None: 5.5, STATION: 2.5}
    station = plans.plan_versus_actual(context, WORKER, {"region": "321181", "year": 2026, "month": 1})
    assert [(r["station_id"], r["months"][0]["actual"]) for r in station["rows"]] == [(STATION, 2.5)]
