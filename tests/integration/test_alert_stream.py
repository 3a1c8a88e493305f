"""The alert push channel (issue 11): server-sent events at `GET /events/alerts`, fed by supervision's alert
events through the gateway's one live consumer, scoped like the `alerts` query. Real broker, real store,
the real registry, casework, supervision and gateway, and a controllable clock to make alerts fall due."""
from __future__ import annotations

import json

import eventlet
import pytest
import requests
from kombu import Connection

from gateway.service import GatewayService
from services.common import clock
from services.common.auth import mint_token
from services.common.clock import FrozenClock
from services.common.config import settings
from services.common.live import LiveEventHandler
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.supervision_fixtures import (
    ADMIN,
    COUNTY,
    OTHER_STATION,
    STATION,
    own_port,
    producers_running,
    wait_until_caught_up,
)


@pytest.fixture
def platform(isolated_settings):
    gateway = own_port(isolated_settings)
    with FrozenClock(clock.utcnow()) as frozen, producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway) as [container]:
        wait_for_port(gateway.http_port)
        wait_until_caught_up()
        url = f"http://127.0.0.1:{gateway.http_port}"
        yield client, workers, frozen, url, isolated_settings.token_secret, container


class Listener:
    """Reads one SSE stream in a green thread and keeps its events."""

    def __init__(self, url: str, token: str):
        self.response = requests.get(f"{url}/events/alerts", headers={"Authorization": f"Bearer {token}"},
                                     stream=True, timeout=30)
        self.events: list[dict] = []
        self.greeted = eventlet.event.Event()
        self.thread = eventlet.spawn(self._read)

    def _read(self):
        kind = None
        for line in self.response.iter_lines(decode_unicode=True):
            if line.startswith(": stream") and not self.greeted.ready():
                self.greeted.send(True)
            elif line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: "):
                self.events.append({"event": kind, **json.loads(line[len("data: "):])})

    def close(self):
        self.thread.kill()
        self.response.close()


def open_crisis(client, worker, sequence):
    from tests.support.supervision_fixtures import household_input
    household = client.casework.register_household(worker, household_input(worker["station_ids"][0], sequence))
    return client.casework.open_case(worker, {"household_id": household["id"], "domain": "marriage_family",
                                              "source": "hotline", "summary": "遭受家庭暴力求助",
                                              "assigned_staff_id": worker["user_id"], "crisis": {"notes": "暂住娘家"}})


def test_a_county_stream_receives_its_own_countys_alert_and_not_another_countys(platform):
    client, workers, frozen, url, secret, _ = platform
    county = mint_token(secret, role="county", user_id="official-321181", region=COUNTY)
    other_station = mint_token(secret, role="station_staff", user_id="staff-other", station_ids=[OTHER_STATION])
    mine, theirs = Listener(url, county), Listener(url, other_station)
    try:
        assert mine.response.status_code == 200 and theirs.response.status_code == 200
        assert mine.response.headers["Content-Type"].startswith("text/event-stream")
        assert mine.greeted.wait(10) and theirs.greeted.wait(10)

        own_case = open_crisis(client, workers[STATION], 1)
        other_case = open_crisis(client, workers[OTHER_STATION], 2)
        frozen.advance(hours=24, minutes=1)  # both crisis cases now lack their first contact in 24 hours
        wait_until_caught_up()
        assert client.supervision.evaluate_alerts(ADMIN)["raised"] >= 2

        raised = [a for a in client.supervision.list_alerts(ADMIN, {"limit": 100})["items"]
                  if a["rule"] == "crisis_no_first_contact"]
        by_case = {a["subject_id"]: a for a in raised}
        assert set(by_case) == {own_case["id"], other_case["id"]}

        def arrived(listener, alert):
            return any(e["event"] == "alert.raised" and e["alert_id"] == alert["id"] for e in listener.events)

        deadline = eventlet.Timeout(15)
        try:
            while not (arrived(mine, by_case[own_case["id"]]) and arrived(theirs, by_case[other_case["id"]])):
                eventlet.sleep(0.05)
        finally:
            deadline.cancel()
        eventlet.sleep(0.5)  # time for a wrongly routed event to arrive as well
        # Other rules fire too on the new stations (e.g. not compliant yet): each stream has only its own.
        everyone = {a["id"]: a for a in client.supervision.list_alerts(ADMIN, {"limit": 100})["items"]}
        assert mine.events and all(everyone[e["alert_id"]]["station_id"] == STATION for e in mine.events)
        assert theirs.events and all(everyone[e["alert_id"]]["station_id"] == OTHER_STATION for e in theirs.events)
        assert by_case[other_case["id"]]["id"] not in {e["alert_id"] for e in mine.events}
        [event] = [e for e in mine.events if e["alert_id"] == by_case[own_case["id"]]["id"]]
        assert event["station_id"] == STATION and event["region_code"].startswith(COUNTY)
        assert event["severity"] == "critical" and "note" not in event

        # Acknowledging it (over GraphQL) is pushed too, to the county only.
        alert = by_case[own_case["id"]]
        acknowledged = requests.post(f"{url}/graphql", headers={"Authorization": f"Bearer {county}"}, timeout=30,
                                     json={"query": """mutation($id: ID!, $v: Int!) {
                                         acknowledgeAlert(id: $id, input: {expectedVersion: $v, note: "已电话联系"}) {
                                           alert { status } } }""", "variables": {"id": alert["id"],
                                                                                  "v": alert["version"]}}).json()
        assert acknowledged["data"]["acknowledgeAlert"]["alert"]["status"] == "ACKNOWLEDGED", acknowledged
        deadline = eventlet.Timeout(15)
        try:
            while not any(e["event"] == "alert.acknowledged" and e["alert_id"] == alert["id"] for e in mine.events):
                eventlet.sleep(0.05)
        finally:
            deadline.cancel()
        assert not any(e["alert_id"] == alert["id"] for e in theirs.events)
    finally:
        mine.close()
        theirs.close()


def test_the_stream_refuses_the_public_and_a_token_in_the_url(platform):
    _, _, _, url, secret, _ = platform
    assert requests.get(f"{url}/events/alerts", timeout=10).status_code == 401
    token = mint_token(secret, role="county", user_id="official-321181", region=COUNTY)
    assert requests.get(f"{url}/events/alerts", params={"access_token": token}, timeout=10).status_code == 401
    bad_region = requests.get(f"{url}/events/alerts", params={"region": "32.*"}, timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
    assert bad_region.status_code == 400


def test_one_live_queue_per_gateway_process_whatever_the_number_of_streams(platform):
    _, _, _, url, secret, container = platform
    token = mint_token(secret, role="county", user_id="official-321181", region=COUNTY)
    [live] = [e for e in container.entrypoints if isinstance(e, LiveEventHandler)]
    listeners = [Listener(url, token) for _ in range(3)]
    try:
        assert all(listener.greeted.wait(10) for listener in listeners)
        with Connection(settings().amqp_uri) as conn:
            declared = conn.channel().queue_declare(live.queue_name, passive=True)
        assert declared.consumer_count == 1  # three streams, one consumer
    finally:
        for listener in listeners:
            listener.close()
