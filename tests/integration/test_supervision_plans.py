"""County yearly plans over the real broker and store: the county records and revises its plan, and plan
versus actual reads the same figures as the roll-up, from the read models the producers' events built."""
from __future__ import annotations

import pytest

from services.common import clock
from services.common.clock import FrozenClock
from services.common.errors import PermissionDenied
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.supervision_fixtures import (
    COUNTY,
    STATION,
    county_official,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
)
from tests.support.waiting import wait_for


@pytest.fixture
def platform(isolated_settings):
    with FrozenClock(clock.utcnow()), producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)):
        wait_until_caught_up()
        yield client, workers


def a_case_with_a_visit(client, worker) -> None:
    household = client.casework.register_household(worker, household_input(STATION, 1))
    case = client.casework.open_case(worker, {"household_id": household["id"], "domain": "elderly",
                                              "source": "outreach", "summary": "入户探访需求",
                                              "assigned_staff_id": worker["user_id"]})
    client.casework.log_case_visit(worker, case["id"], {
        "expected_version": case["version"], "visit_type": "home_visit", "visited_on": clock.today().isoformat(),
        "duration_minutes": 30, "staff_ids": [worker["user_id"]]})


def test_a_county_plan_against_the_rollup_figures(platform):
    client, workers = platform
    supervision, county, today = client.supervision, county_official(), clock.today()
    a_case_with_a_visit(client, workers[STATION])
    wait_until_caught_up()
    month = {"year": today.year, "month": today.month}
    wait_for(lambda: client.supervision.rollup(county, {"region": COUNTY, "period": month})
             ["region"]["visits"]["count"] == 1)

    plan = supervision.record_plan(county, {
        "region_code": COUNTY, "year": today.year, "effective_from": f"{today.year}-01-01",
        "targets": [{"indicator": "visits", "value": 4},
                    {"station_id": STATION, "indicator": "cases", "domain": "elderly", "value": 2}]})
    with pytest.raises(PermissionDenied):
        supervision.record_plan(workers[STATION], {"region_code": COUNTY, "year": today.year,
                                                   "effective_from": today.isoformat(),
                                                   "targets": [{"indicator": "visits", "value": 9}]})
    assert supervision.supervision_plan(county, COUNTY, today.year)["versions"][0]["version"] == 1

    report = supervision.plan_versus_actual(county, {"region": COUNTY, **month})
    rollup = supervision.rollup(county, {"region": COUNTY, "period": month})["region"]
    rows = {r["indicator"]: r["months"][0] for r in report["rows"]}
    assert rows["visits"]["actual"] == rollup["visits"]["count"] == 1
    assert rows["visits"]["share_of_target"] == 0.25
    assert rows["cases"]["cumulative"] == 1 and rows["cases"]["share_of_target"] == 0.5
    assert report["region_code"] == COUNTY and plan["id"] == f"plan-{COUNTY}-{today.year}"
