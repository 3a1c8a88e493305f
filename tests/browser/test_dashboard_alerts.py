"""The dashboard's 预警 feed and 督导 view in Debian's headless Chromium (issues 11 and 12): acknowledging an
alert updates the feed; an alert raised while the feed is open arrives over the push channel and appears
without a reload; the follow-ups panel shows an overdue follow-up; a station-staff token sees its own
station's alerts and not another's. The services run in the test process on a controllable clock (the
registry, casework, supervision and the gateway on the test broker and store); the browser may reach the
gateway and nothing else."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from gateway.service import GatewayService
from services.common import clock
from services.common.auth import mint_token
from services.common.clock import FrozenClock
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.supervision_fixtures import (
    ADMIN,
    COUNTY,
    OTHER_STATION,
    STATION,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


def graphql(url: str, token: str, query: str, **variables) -> dict:
    body = requests.post(f"{url}/graphql", headers={"Authorization": f"Bearer {token}"}, timeout=60,
                         json={"query": query, "variables": variables}).json()
    assert "errors" not in body, body
    return body["data"]


def open_crisis(client, worker, sequence: int) -> dict:
    household = client.casework.register_household(worker, household_input(worker["station_ids"][0], sequence))
    return client.casework.open_case(worker, {"household_id": household["id"], "domain": "marriage_family",
                                              "source": "hotline", "summary": "遭受家庭暴力求助",
                                              "assigned_staff_id": worker["user_id"], "crisis": {"notes": "暂住娘家"}})


def supervise(url: str, county: str) -> str:
    """A supervisor at STATION and a session today with a follow-up due tomorrow; returns its follow-up id."""
    today = clock.today()
    supervisor = graphql(url, county, """mutation($r: String!) { registerSupervisor(input: {name: "李督导",
        kind: EXPERT, organisation: {name: "江苏大学社会工作系"}, regionCode: $r}) { id } }""", r=COUNTY)
    supervisor_id = supervisor["registerSupervisor"]["id"]
    graphql(url, county, """mutation($id: ID!, $s: ID!, $d: Date!) { assignSupervisor(supervisorId: $id,
        input: {stationId: $s, from: $d}) { id } }""", id=supervisor_id, s=STATION, d=today.isoformat())
    session = graphql(url, county, """mutation($id: ID!, $s: ID!, $d: Date!, $due: Date!) {
        recordSupervisionSession(input: {supervisorId: $id, stationId: $s, date: $d, form: ON_SITE,
          durationMinutes: 90, topics: [SERVICES], followUps: [{description: "补齐需求档案复核记录",
          owner: "站长", dueOn: $due}]}) { id followUps { followUpId } } }""",
                      id=supervisor_id, s=STATION, d=today.isoformat(),
                      due=(today + timedelta(days=1)).isoformat())
    return session["recordSupervisionSession"]["followUps"][0]["followUpId"]


def evaluate(client) -> None:
    wait_until_caught_up()
    client.supervision.evaluate_alerts(ADMIN)


@pytest.mark.timeout(300)
def test_the_alert_feed_acknowledges_receives_pushed_alerts_and_the_follow_ups_panel_shows_overdue_ones(
        isolated_settings):
    assert CHROMIUM.exists(), "run scripts/ensure-chromium.sh (make test does)"
    secret = isolated_settings.token_secret
    county = mint_token(secret, role="county", user_id="official-321181", region=COUNTY)
    staff = mint_token(secret, role="station_staff", user_id="staff-yunyang", station_ids=[STATION])
    gateway = own_port(isolated_settings)
    with FrozenClock(clock.utcnow()) as frozen, producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        wait_until_caught_up()
        url = f"http://127.0.0.1:{gateway.http_port}"
        open_crisis(client, workers[STATION], 1)
        open_crisis(client, workers[OTHER_STATION], 2)
        follow_up = supervise(url, county)
        frozen.advance(days=2)  # the crises lack their first contact; the follow-up is past its due date
        evaluate(client)
        elsewhere = {a["id"] for a in client.supervision.list_alerts(ADMIN, {"limit": 100})["items"]
                     if a["station_id"] == OTHER_STATION}
        assert elsewhere

        driver = subprocess.Popen([sys.executable, "-m", "tests.support.alerts_browser", url, json.dumps(
            {"token": county, "staff_token": staff, "region": COUNTY})], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            step = driver.stdout.readline()
            assert step, driver.stderr.read()[-4000:]
            acknowledged = json.loads(step)["alert_id"]
            # a new crisis, due while the feed is open: raised, pushed, shown
            case = open_crisis(client, workers[STATION], 3)
            frozen.advance(hours=25)
            evaluate(client)
            [pushed] = [a for a in client.supervision.list_alerts(ADMIN, {"limit": 100})["items"]
                        if a["subject_id"] == case["id"]]
            driver.stdin.write(json.dumps({"alert_id": pushed["id"]}) + "\n")
            driver.stdin.flush()
            out, err = driver.communicate(timeout=120)
        finally:
            if driver.poll() is None:
                driver.kill()
        assert driver.returncode == 0, err[-4000:]
        report = json.loads(out.strip().splitlines()[-1])
        api = graphql(url, county, """query($id: ID!) { alerts(first: 100) { items { id } }
            a: alerts(status: ACKNOWLEDGED, first: 100) { items { id acknowledged { note } } }
            s: supervisionSessions(stationId: $id, first: 10) { items { followUps { followUpId status } } } }""",
                      id=STATION)

    shown, own = report["county"], report["staff"]
    for seen in (shown, own):
        assert seen["left_the_gateway"] == [] and seen["page_errors"] == [] and seen["console_errors"] == [], seen
    # Acknowledging through the feed: the row changed with its note, and the API agrees.
    [row] = [r for r in shown["after_ack"] if r["id"] == acknowledged]
    assert row["status"] == "ACKNOWLEDGED" and row["note"] == "已电话联系站点，今日上门"
    assert [a["acknowledged"]["note"] for a in api["a"]["items"] if a["id"] == acknowledged] == [row["note"]]
    # Pushed: the new alert is in the feed, marked new, in the same document (no reload).
    live = shown["live"]
    [new] = [r for r in live["rows"] if r["id"] == pushed["id"]]
    assert new["fresh"] and new["severity"] == "CRITICAL" and new["status"] == "OPEN"
    assert live["same_document"] and live["navigations"] == 1
    assert live["last_event"].startswith("alert.")
    assert {r["id"] for r in live["rows"]} <= {a["id"] for a in api["alerts"]["items"]}
    assert not {r["id"] for r in shown["before"] + live["rows"]} & elsewhere  # the county's own only
    # The follow-ups panel: the follow-up past its due date, shown as overdue, as the API says.
    [listed] = [f for f in shown["follow_ups"] if f["id"] == follow_up]
    assert listed["status"] == "OVERDUE" and "补齐需求档案复核记录" in listed["cells"]
    statuses = [f["status"] for s in api["s"]["items"] for f in s["followUps"] if f["followUpId"] == follow_up]
    assert statuses == ["OVERDUE"]
    # A station-staff token: its own station's alerts, never another station's.
    assert own["rows"] and all(r["station"] == STATION for r in own["rows"])
    assert not {r["id"] for r in own["rows"]} & elsewhere
