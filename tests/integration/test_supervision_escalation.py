"""Escalation over the real broker and store, on a controllable clock: a crisis alert nobody acknowledged
goes to the city after the policy's hours and then to the province, each step recorded on the alert and
published as alert.escalated; an acknowledged alert stays with its county."""
from __future__ import annotations

import pytest

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.supervision_fixtures import (
    ADMIN,
    STATION,
    county_official,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
)
from tests.support.waiting import wait_for

CITY = Viewer("zhenjiang-official", "city", "321100").to_dict()


@pytest.fixture
def platform(isolated_settings):
    with FrozenClock(clock.utcnow()) as frozen, producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)):
        wait_until_caught_up()
        yield client, workers, frozen


def crisis_alerts(client, viewer=ADMIN, **filters) -> list[dict]:
    return client.supervision.list_alerts(viewer, {"rule": "crisis_no_first_contact", "limit": 100,
                                                   **filters})["items"]


def open_crisis(client, worker, sequence: int) -> dict:
    household = client.casework.register_household(worker, household_input(STATION, sequence))
    return client.casework.open_case(worker, {"household_id": household["id"], "domain": "marriage_family",
                                              "source": "hotline", "summary": "遭受家庭暴力求助",
                                              "assigned_staff_id": worker["user_id"], "crisis": {"notes": "暂住娘家"}})


def escalated_events(client) -> list[dict]:
    items = client.supervision.events_since(ADMIN, 0, 500)["items"]
    return [i["envelope"]["payload"] for i in items if i["envelope"]["type"] == "alert.escalated"]


def test_an_unacknowledged_crisis_alert_escalates_to_the_city_then_the_province(platform):
    client, workers, frozen = platform
    supervision, county = client.supervision, county_official()
    first, second = open_crisis(client, workers[STATION], 1), open_crisis(client, workers[STATION], 2)
    frozen.advance(hours=24, minutes=1)
    wait_until_caught_up()
    assert supervision.evaluate_alerts(ADMIN)["raised"] >= 2
    by_case = {a["subject_id"]: a for a in crisis_alerts(client)}
    taken_on = by_case[second["id"]]
    supervision.acknowledge_alert(county, taken_on["id"], {"expected_version": taken_on["version"],
                                                           "note": "已电话联系当事人"})

    frozen.advance(hours=3, minutes=59)
    assert supervision.escalate_alerts(ADMIN) == {"escalated": 0}
    assert crisis_alerts(client, CITY, escalated=True) == []
    frozen.advance(minutes=2)
    assert supervision.escalate_alerts(ADMIN) == {"escalated": 1}
    [escalated] = crisis_alerts(client, CITY, escalated=True)
    assert escalated["subject_id"] == first["id"] and escalated["status"] == "open"
    assert escalated["escalation"]["level"] == "city" and escalated["escalation"]["region_code"] == "321100"
    assert escalated["escalation"]["at"] == clock.timestamp(clock.utcnow())

    frozen.advance(hours=4)
    supervision.escalate_alerts(ADMIN)
    [escalated] = crisis_alerts(client, escalated=True)
    assert [e["level"] for e in escalated["escalations"]] == ["city", "province"]
    wait_for(lambda: len(escalated_events(client)) == 2)
    assert [(e["level"], e["escalated_to"], e["alert_id"]) for e in escalated_events(client)] == [
        ("city", "321100", escalated["id"]), ("province", "320000", escalated["id"])]
    assert crisis_alerts(client, escalated=False)[0]["id"] == taken_on["id"]
