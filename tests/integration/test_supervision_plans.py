"""County yearly plans over the real broker and store: the county records and revises its plan, and plan
versus actual reads the same figures as the roll-up, from the read models the producers' events built."""
from __future__ import annotations

import pytest
import requests

from gateway.service import GatewayService
from services.common import clock
from services.common.auth import mint_token
from services.common.clock import FrozenClock
from services.common.errors import PermissionDenied
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
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


RECORD = """mutation ($input: RecordSupervisionPlanInput!) {
  recordSupervisionPlan(input: $input) { id version versions { version effectiveFrom targets { indicator value } } }
}"""
VERSUS = """query ($region: String!, $year: Int!, $month: Int) {
  planVersusActual(region: $region, year: $year, month: $month) {
    regionCode rows { stationId indicator months { month target actual cumulative shareOfTarget } }
  }
}"""


def test_the_gateway_records_a_plan_and_answers_plan_versus_actual(isolated_settings):
    gateway = own_port(isolated_settings)
    with producers_running(isolated_settings), running(SupervisionService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        wait_until_caught_up()
        url, year = f"http://127.0.0.1:{gateway.http_port}/graphql", clock.today().year

        def ask(token, query, variables):
            return requests.post(url, json={"query": query, "variables": variables},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30).json()

        county = mint_token(isolated_settings.token_secret, role="county", user_id="official", region=COUNTY)
        worker = mint_token(isolated_settings.token_secret, role="station_staff", user_id="w",
                            station_ids=[STATION])
        plan_input = {"regionCode": COUNTY, "year": year, "effectiveFrom": f"{year}-01-01",
                      "targets": [{"indicator": "VISITS", "value": 10}]}
        refused = ask(worker, RECORD, {"input": plan_input})
        assert refused["data"]["recordSupervisionPlan"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        recorded = ask(county, RECORD, {"input": plan_input})
        assert "errors" not in recorded, recorded
        assert recorded["data"]["recordSupervisionPlan"]["versions"][0]["targets"] == [
            {"indicator": "VISITS", "value": 10.0}]

        answer = ask(county, VERSUS, {"region": COUNTY, "year": year, "month": 1})
        assert "errors" not in answer, answer
        [row] = answer["data"]["planVersusActual"]["rows"]
        assert row["indicator"] == "VISITS" and row["months"][0]["target"] == 10.0
        assert row["months"][0]["cumulative"] == 0 and row["months"][0]["shareOfTarget"] == 0.0
