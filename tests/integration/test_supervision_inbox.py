"""The worker inbox through the real gateway and services (real broker, real store): a worker's inbox holds
items of casework, the registry and supervision; a supervisor reminds and comments and the worker sees who
reminded them and when; a supervisor of another station is refused; the RPC count does not grow with the page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.service import GatewayService
from services.common import clock
from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.supervision.service import SupervisionService
from services.volunteers.service import VolunteersService
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.platform_client import PlatformClient
from tests.support.supervision_fixtures import (
    ADMIN,
    OTHER_STATION,
    STATION,
    county_official,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
)
from tests.support.waiting import wait_for

INBOX = """query ($first: Int, $kind: [InboxKind!]) { workInbox(first: $first, kind: $kind) {
  totalCount counts { kind count overdue }
  items { key kind id title status dueOn source stationId ownerId link { type id }
          actions { action by byName at note } lastReminder { by byName at } } } }"""
ACT = """mutation ($item: InboxItemRefInput!, $note: String) {
  %s(input: {item: $item, note: $note}) { key stationId actions { action by byName at note } } }"""


@pytest.fixture
def platform(isolated_settings):
    gateway = own_port(isolated_settings)
    with FrozenClock(clock.utcnow()), producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)), \
            running(VolunteersService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway):
        wait_until_caught_up()
        wait_for_port(gateway.http_port)
        yield client, workers, PlatformClient(f"http://127.0.0.1:{gateway.http_port}/graphql",
                                              settings=isolated_settings)


def reference(item: dict) -> dict:
    return {"source": item["source"], "kind": item["kind"], "itemId": item["id"], "stationId": item["stationId"],
            "ownerId": item["ownerId"]}


def test_a_workers_inbox_across_services_with_a_supervisors_reminder_and_comment(platform):
    client, workers, http = platform
    worker, county = workers[STATION], county_official()
    household = client.casework.register_household(worker, household_input(STATION, 1))
    case = client.casework.open_case(worker, {"household_id": household["id"], "domain": "marriage_family",
                                              "source": "hotline", "summary": "遭受家庭暴力求助",
                                              "assigned_staff_id": worker["user_id"], "crisis": {"notes": "暂住娘家"}})
    supervisor = client.supervision.register_supervisor(county, {
        "name": "张教授", "kind": "university", "organisation": {"name": "江苏大学社会工作系", "credit_code": None},
        "region_code": "321181"})
    client.supervision.assign_supervisor(county, supervisor["id"], {
        "station_id": STATION, "from": (clock.today() - timedelta(days=30)).isoformat()})
    wait_until_caught_up()  # the station's read model, which a session's station is checked against
    me = Viewer(supervisor["id"], "supervisor", None, (STATION,)).to_dict()
    session = client.supervision.record_session(me, {
        "supervisor_id": supervisor["id"], "station_id": STATION, "date": clock.today().isoformat(), "form": "on_site",
        "duration_minutes": 90, "topics": ["services"], "problems": ["个案记录不完整"],
        "follow_ups": [{"description": "补齐个案记录", "owner": "王社工",
                        "due_on": (clock.today() + timedelta(days=5)).isoformat()}]})

    worker_token = http.mint("worker", "station_staff", worker["user_id"], station_ids=[STATION])
    body = http.gql(INBOX, {"first": 50}, token=worker_token)
    assert "errors" not in body, body
    inbox = body["data"]["workInbox"]
    by_kind = {i["kind"]: i for i in inbox["items"]}
    assert {"CRISIS_FIRST_CONTACT", "TRAINING_BEHIND", "SUPERVISION_FOLLOW_UP"} <= set(by_kind)
    assert {i["source"] for i in inbox["items"]} >= {"CASEWORK", "REGISTRY", "SUPERVISION"}
    crisis = by_kind["CRISIS_FIRST_CONTACT"]
    assert crisis["id"] == case["id"] and crisis["link"] == {"type": "Case", "id": case["id"]}
    assert crisis["status"] == "DUE" and "家庭暴力" not in crisis["title"] and crisis["lastReminder"] is None
    assert by_kind["TRAINING_BEHIND"]["ownerId"] == worker["user_id"]
    assert by_kind["SUPERVISION_FOLLOW_UP"]["link"] == {"type": "SupervisionSession", "id": session["id"]}
    assert {c["kind"]: c["count"] for c in inbox["counts"]}["CRISIS_FIRST_CONTACT"] == 1
    # One call to each of the four sources, whatever the page size.
    assert body["extensions"]["rpcCalls"] == 4
    assert http.gql(INBOX, {"first": 1}, token=worker_token)["extensions"]["rpcCalls"] == 4

    supervisor_token = http.mint("supervisor", "supervisor", supervisor["id"], station_ids=[STATION])
    reminded = http.gql(ACT % "remindInboxItem", {"item": reference(crisis)}, token=supervisor_token)
    assert "errors" not in reminded, reminded
    commented = http.gql(ACT % "commentInboxItem", {"item": reference(crisis), "note": "请今天内电话联系"},
                         token=supervisor_token)
    assert [a["action"] for a in commented["data"]["commentInboxItem"]["actions"]] == ["REMIND", "COMMENT"]
    [remind] = reminded["data"]["remindInboxItem"]["actions"]

    inbox = http.gql(INBOX, {"kind": ["CRISIS_FIRST_CONTACT"]}, token=worker_token)["data"]["workInbox"]
    [crisis] = inbox["items"]
    assert crisis["lastReminder"] == {"by": supervisor["id"], "byName": "张教授", "at": remind["at"]}
    assert [(a["action"], a["note"]) for a in crisis["actions"]] == [("REMIND", None), ("COMMENT", "请今天内电话联系")]
    # The supervisor sees the same actions on the item in their own inbox (the station's crisis is theirs too).
    supervised = http.gql(INBOX, {"kind": ["CRISIS_FIRST_CONTACT"]}, token=supervisor_token)["data"]["workInbox"]
    assert [len(i["actions"]) for i in supervised["items"]] == [2]

    # A supervisor of another station may not act on this station's items, nor see the actions.
    stranger = http.mint("stranger", "supervisor", "sup-elsewhere", station_ids=[OTHER_STATION])
    refused = http.gql(ACT % "remindInboxItem", {"item": reference(crisis)}, token=stranger)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    elsewhere = http.gql(INBOX, {}, token=stranger)["data"]["workInbox"]
    assert all(i["stationId"] == OTHER_STATION for i in elsewhere["items"])

    def reminded_event() -> bool:
        return "inbox_item.reminded" in {i["envelope"]["type"] for i in
                                         client.supervision.events_since(ADMIN, 0, 500)["items"]}
    wait_for(reminded_event, timeout=15)
