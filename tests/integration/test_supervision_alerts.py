"""Supervision alerts from the real registry's and casework's events, on a controllable clock: one test
per rule, thresholds as policy data with an effective date, the feed scoped and paged per role, and
acknowledge/resolve with who, when and a note."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.common.errors import ConcurrentModification, Conflict, NotFound, PermissionDenied, ValidationFailed
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.supervision_fixtures import (
    ADMIN,
    COUNTY,
    OTHER_STATION,
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
    with FrozenClock(clock.utcnow()) as frozen, producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)):
        wait_until_caught_up()
        yield client, workers, frozen


def evaluate(client):
    wait_until_caught_up()
    return client.supervision.evaluate_alerts(ADMIN)


def alerts(client, viewer=ADMIN, **filters):
    return client.supervision.list_alerts(viewer, {"limit": 100, **filters})["items"]


def open_crisis(client, worker, sequence=1):
    household = client.casework.register_household(worker, household_input(STATION, sequence))
    return client.casework.open_case(worker, {"household_id": household["id"], "domain": "marriage_family",
                                              "source": "hotline", "summary": "遭受家庭暴力求助",
                                              "assigned_staff_id": worker["user_id"], "crisis": {"notes": "暂住娘家"}})


def test_a_crisis_without_first_contact_in_24_hours_is_critical_until_resolved(platform):
    client, workers, frozen = platform
    worker = workers[STATION]
    case = open_crisis(client, worker)
    frozen.advance(hours=23, minutes=59)
    evaluate(client)
    assert alerts(client, rule="crisis_no_first_contact") == []
    frozen.advance(minutes=2)
    assert evaluate(client)["raised"] >= 1
    [alert] = alerts(client, rule="crisis_no_first_contact")
    assert alert["severity"] == "critical" and alert["status"] == "open" and alert["subject_id"] == case["id"]
    assert alert["station_id"] == STATION and alert["region_code"] == STATION[2:]
    assert alert["evidence"]["domain"] == "marriage_family" and alert["evidence"]["threshold_hours"] == 24
    assert alert["evidence"]["due_at"] > alert["evidence"]["flagged_at"] and alert["first_seen"]
    evaluate(client)  # evaluated again: still the one alert
    assert len(alerts(client, rule="crisis_no_first_contact")) == 1

    # The late contact ends the condition; the alert stays for someone to resolve, with a note.
    current = client.casework.get_cases(worker, [case["id"]])[0]
    client.casework.log_case_visit(worker, case["id"], {
        "expected_version": current["version"], "visit_type": "phone_call", "visited_on": clock.today().isoformat(),
        "duration_minutes": 15, "staff_ids": [worker["user_id"]]})
    evaluate(client)
    [alert] = alerts(client, rule="crisis_no_first_contact")
    assert alert["condition_cleared_at"] and alert["status"] == "open"
    official = county_official()
    with pytest.raises(ConcurrentModification):
        client.supervision.acknowledge_alert(official, alert["id"], {"expected_version": alert["version"] - 1,
                                                                     "note": "已联系社工"})
    acknowledged = client.supervision.acknowledge_alert(official, alert["id"], {"expected_version": alert["version"],
                                                                                "note": "已联系社工，核实中"})
    assert acknowledged["status"] == "acknowledged"
    assert acknowledged["acknowledged"]["by"] == official["user_id"]
    assert acknowledged["acknowledged"]["note"] == "已联系社工，核实中"
    with pytest.raises(Conflict):
        client.supervision.acknowledge_alert(official, alert["id"], {"expected_version": acknowledged["version"],
                                                                     "note": "再次确认"})
    resolved = client.supervision.resolve_alert(worker, alert["id"], {"expected_version": acknowledged["version"],
                                                                      "note": "首次联系晚于24小时，已复盘排班"})
    assert resolved["status"] == "resolved" and resolved["resolved"]["at"] == clock.timestamp(clock.utcnow())
    assert alerts(client, status="active", rule="crisis_no_first_contact") == []
    # The relay appends to the event log after the write commits: wait for it, within a bound.
    expected = {"alert.raised", "alert.acknowledged", "alert.resolved"}

    def published() -> set[str]:
        return {i["envelope"]["type"] for i in client.supervision.events_since(ADMIN, 0, 500)["items"]}

    wait_for(lambda: expected <= published(), timeout=15)
    assert expected <= published()


def test_a_station_out_of_compliance_is_an_alert_naming_the_failing_rules(platform):
    client, workers, _ = platform
    evaluate(client)
    raised = {a["station_id"]: a for a in alerts(client, rule="station_not_compliant")}
    # Each test station has one professional worker where the standard asks for three.
    assert set(raised) == {STATION, OTHER_STATION}
    alert = raised[STATION]
    assert alert["severity"] == "high" and "professional_staff" in alert["evidence"]["failing_rules"]
    assert alert["evidence"]["not_met_since"] == clock.today().isoformat()


def test_a_need_unmet_for_more_than_30_days_follows_the_policy_in_force(platform):
    client, workers, frozen = platform
    worker = workers[STATION]
    household = client.casework.register_household(worker, household_input(STATION, 2))
    client.casework.record_consent(worker, household["id"], {
        "expected_version": household["version"], "person_id": household["members"][0]["person_id"],
        "legal_basis": "statutory_duty", "purposes": ["archive", "casework", "volunteer_matching"],
        "given_on": "2024-01-01", "basis_note": "《社会救助暂行办法》第十条：核查与建档"})
    client.casework.assess_needs(worker, household["id"], {
        "expected_version": household["version"] + 1, "assessed_on": clock.today().isoformat(),
        "assessor_staff_id": worker["user_id"],
        "needs": [{"domain": "elderly", "need_type": "home_visit", "severity": "medium", "description": "定期探访"}]})
    frozen.advance(days=30)
    evaluate(client)
    assert alerts(client, rule="need_unmet") == []
    frozen.advance(days=1)
    evaluate(client)
    [alert] = alerts(client, rule="need_unmet")
    assert alert["severity"] == "medium" and alert["evidence"]["threshold_days"] == 30
    assert alert["evidence"]["household_id"] == household["id"] and alert["evidence"]["need_type"] == "home_visit"

    # 丹阳市 allows 60 days from tomorrow: today the province's 30 days still hold, tomorrow the need is in time.
    policy = {"region_code": COUNTY, "effective_from": (clock.today() + timedelta(days=1)).isoformat(),
              "crisis_first_contact_hours": 24, "need_unmet_days": 60, "archive_review_months": 12,
              "source": "丹阳市民政局2026年社工站管理办法"}
    with pytest.raises(PermissionDenied):
        client.supervision.set_alert_policy(county_official("321102"), policy)
    with pytest.raises(ValidationFailed):
        client.supervision.set_alert_policy(ADMIN, {**policy, "need_unmet_days": 0})
    client.supervision.set_alert_policy(county_official(), policy)
    evaluate(client)
    assert alerts(client, rule="need_unmet")[0]["condition_cleared_at"] is None
    frozen.advance(days=1)
    evaluate(client)
    assert alerts(client, rule="need_unmet")[0]["condition_cleared_at"] == clock.timestamp(clock.utcnow())
    assert {p["region_code"] for p in client.supervision.alert_policies(county_official())} == {"32", COUNTY}


def test_an_archive_not_reviewed_for_12_months_and_the_feed_per_role(platform):
    client, workers, _ = platform
    long_ago = (clock.today() - timedelta(days=400)).isoformat()
    recent = (clock.today() - timedelta(days=30)).isoformat()
    stale = client.casework.register_household(workers[STATION], household_input(STATION, 3, registered_on=long_ago))
    client.casework.register_household(workers[STATION], household_input(STATION, 4, registered_on=recent))
    elsewhere = client.casework.register_household(workers[OTHER_STATION],
                                                   household_input(OTHER_STATION, 5, registered_on=long_ago))
    evaluate(client)
    archive = {a["subject_id"]: a for a in alerts(client, rule="archive_not_reviewed")}
    assert set(archive) == {stale["id"], elsewhere["id"]}
    assert archive[stale["id"]]["evidence"] == {"last_assessed_on": None, "never_assessed": True,
                                                "registered_on": long_ago, "threshold_months": 12}

    every = alerts(client)
    assert {a["station_id"] for a in alerts(client, county_official())} == {STATION}
    assert {a["station_id"] for a in alerts(client, county_official("321102"))} == {OTHER_STATION}
    assert {a["station_id"] for a in alerts(client, workers[OTHER_STATION])} == {OTHER_STATION}
    assert alerts(client, county_official(), region="321102") == []  # outside the official's scope: nothing
    assert len(alerts(client, Viewer("e", "evaluator", "321100").to_dict())) == len(every)
    with pytest.raises(PermissionDenied):
        client.supervision.list_alerts(Viewer("anonymous", "public").to_dict(), {})
    first = client.supervision.list_alerts(ADMIN, {"limit": 1})
    second = client.supervision.list_alerts(ADMIN, {"limit": 1, "after": first["next_cursor"]})
    assert first["total"] == len(every) and first["items"][0]["id"] < second["items"][0]["id"]

    theirs = archive[elsewhere["id"]]
    with pytest.raises(NotFound):  # another county's alert looks like an unknown one
        client.supervision.resolve_alert(county_official(), theirs["id"], {"expected_version": 1, "note": "处理"})
    with pytest.raises(PermissionDenied):  # evaluators read, never act
        client.supervision.resolve_alert(Viewer("e", "evaluator", "321100").to_dict(), theirs["id"],
                                         {"expected_version": 1, "note": "处理"})
    assert client.supervision.get_alerts(county_official(), [theirs["id"]]) == [None]


FEED = """query ($status: AlertStatusFilter) {
  alerts(status: $status, first: 10) {
    totalCount nextCursor
    items { id rule severity status stationId station { id name } regionCode subjectType evidence firstSeen version
            acknowledged { by role at note } }
  }
}"""
ACKNOWLEDGE = """mutation ($id: ID!, $input: AlertActionInput!) {
  acknowledgeAlert(id: $id, input: $input) { alert { id status version acknowledged { by note } } }
}"""


def test_the_gateway_serves_the_alert_feed_and_its_actions(platform, isolated_settings):

    from gateway.service import GatewayService
    from tests.support.infrastructure import wait_for_port
    from tests.support.platform_client import PlatformClient

    client, workers, _ = platform
    evaluate(client)
    gateway = own_port(isolated_settings)
    with running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        county = PlatformClient(f"http://127.0.0.1:{gateway.http_port}/graphql", settings=isolated_settings)
        county.default_token = county.mint("county", "county", "official", region=COUNTY)
        ask = county.gql

        feed = ask(FEED, {"status": "ACTIVE"})
        assert "errors" not in feed, feed
        page = feed["data"]["alerts"]
        [alert] = page["items"]  # the county sees its own station's compliance alert only
        assert page["totalCount"] == 1 and alert["rule"] == "STATION_NOT_COMPLIANT" and alert["severity"] == "HIGH"
        assert alert["station"]["id"] == STATION and "professional_staff" in alert["evidence"]["failing_rules"]
        done = ask(ACKNOWLEDGE, {"id": alert["id"],
                                 "input": {"expectedVersion": alert["version"], "note": "督促补充社工"}})
        assert done["data"]["acknowledgeAlert"]["alert"]["acknowledged"] == {"by": "official", "note": "督促补充社工"}
        again = ask(ACKNOWLEDGE, {"id": alert["id"],
                                  "input": {"expectedVersion": alert["version"] + 1, "note": "再次"}})
        assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
        assert ask(FEED, {"status": "OPEN"})["data"]["alerts"]["totalCount"] == 0
