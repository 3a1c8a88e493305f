"""End to end: the platform started the way `make run` starts it, queried over HTTP like a GraphQL client.

Runs `shegong run` (what `make run` calls after installing and checking the broker) in a private data
directory, on free ports, against a private RabbitMQ vhost; stops it with Ctrl+C (SIGINT) and starts it
again to show the data survives and the demo seed is not loaded twice.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.support.infrastructure import free_port, free_port_block
from tests.support.platform_client import PlatformClient

STARTUP_SECONDS = 600  # the first start seeds four services (about 2 minutes here)


class Platform:
    def __init__(self, tmp_path, amqp_uri):
        self.port_base = free_port_block(6)
        self.env = {**os.environ, "AMQP_URI": amqp_uri, "SHEGONG_DATA_DIR": str(tmp_path / "data"),
                    "SHEGONG_PORT_BASE": str(self.port_base), "SHEGONG_LOCAL_STORE_PORT": str(free_port()),
                    "PYTHONUNBUFFERED": "1"}
        self.env.pop("MONGO_URI", None)
        self.process = None
        self.output: list[str] = []

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port_base}/graphql"

    def start(self):
        self.output = []
        self.process = subprocess.Popen([sys.executable, "-m", "shegong", "run"], env=self.env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if "Press Ctrl+C to stop." in line:
                return
        self.stop()
        pytest.fail("the platform did not start:\n" + "".join(self.output[-40:]))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self.output.extend(self.process.stdout.read().splitlines(keepends=True))
        return code

    def token(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "shegong", "token", *args], env=self.env, text=True,
                                capture_output=True, check=True)
        return result.stdout.strip()

    def query(self, query: str, token: str | None = None, variables: dict | None = None) -> dict:
        return PlatformClient(self.graphql_url).ok(query, variables or {}, token)


STATIONS_FAILING = """
query Failing($region: String!) {
  stations(region: $region, compliance: NOT_MET, first: 40) {
    totalCount
    items { id name compliance { status rules { rule status since evidence } }
            staff { name idNumber phone } }
  }
}"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory, rabbit_vhost):
    running = Platform(tmp_path_factory.mktemp("platform"), rabbit_vhost)
    running.start()
    yield running
    if running.process.poll() is None:
        running.stop()


def test_a_new_user_sees_which_stations_fail_which_rule_and_why(platform):
    assert f"GraphQL: {platform.graphql_url}" in "".join(platform.output)
    county = platform.token("--role", "county", "--region", "321181")
    data = platform.query(STATIONS_FAILING, county, {"region": "321181"})["stations"]
    assert data["totalCount"] >= 1
    for station in data["items"]:
        assert station["id"].startswith("ST321181")
        failing = [r for r in station["compliance"]["rules"] if r["status"] == "NOT_MET"]
        assert failing, "a non-compliant station names the rule it fails"
        assert all(r["evidence"] and r["since"] for r in failing)
        assert all("*" in s["idNumber"] and "*" in s["phone"] for s in station["staff"])


def test_the_demo_city_has_a_station_in_every_township_and_a_mix_of_outcomes(platform):
    admin = platform.token("--role", "admin")
    rollup = platform.query('{ regionRollup(code: "321100") { stations operating byStatus { met notMet atRisk } } }',
                            admin)["regionRollup"]
    townships = sum(len(platform.query('query($c: String!) { regions(parentCode: $c) { code } }', admin,
                                       {"c": county["code"]})["regions"])
                    for county in platform.query('{ regions(parentCode: "321100") { code } }', admin)["regions"])
    assert rollup["stations"] == townships >= 50
    assert rollup["byStatus"]["met"] > 0 and rollup["byStatus"]["notMet"] > 0


def test_scopes_hold_over_http(platform):
    other_county = platform.token("--role", "county", "--region", "321102")
    data = platform.query(STATIONS_FAILING, other_county, {"region": "321181"})["stations"]
    assert data["totalCount"] == 0
    anonymous = platform.query('{ stations(first: 5) { totalCount } }')
    assert anonymous["stations"]["totalCount"] == 0


SUPERVISION_ROLLUP = """query ($region: String!) {
  supervisionRollup(region: $region) {
    stations { registered operating townships }
    households { registered }
    cases { opened }
    crisis { flagged }
    children { regionCode stations { registered } }
  }
}"""


def test_supervision_figures_of_the_demo_city_come_from_the_other_services_events(platform):
    admin = platform.token("--role", "admin")
    registered = platform.query('{ regionRollup(code: "321100") { stations } }', admin)["regionRollup"]["stations"]
    deadline = time.monotonic() + 120
    while True:  # the read models follow the seed's events asynchronously
        rollup = platform.query(SUPERVISION_ROLLUP, admin, {"region": "3211"})["supervisionRollup"]
        if rollup["stations"]["registered"] == registered and rollup["crisis"]["flagged"] >= 1 or \
                time.monotonic() > deadline:
            break
        time.sleep(2)
    assert rollup["stations"]["registered"] == registered == rollup["stations"]["townships"]
    assert rollup["households"]["registered"] > 0
    assert rollup["crisis"]["flagged"] >= 1
    assert sum(c["stations"]["registered"] for c in rollup["children"]) == registered


def test_ctrl_c_stops_everything_and_a_restart_finds_the_data(platform):
    admin = platform.token("--role", "admin")
    before = platform.query('{ stations(first: 1) { totalCount } }', admin)["stations"]["totalCount"]
    assert platform.stop() == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(platform.graphql_url, timeout=2)
    platform.start()
    assert "demo data was loaded before" in "".join(platform.output)
    after = platform.query('{ stations(first: 1) { totalCount } }', admin)["stations"]["totalCount"]
    assert after == before
