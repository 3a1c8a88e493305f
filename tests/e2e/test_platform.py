"""End to end: the platform started the way `make run` starts it, queried over HTTP like a GraphQL client.

Runs `shegong run` (what `make run` calls after installing and checking the broker) in a private data
directory, on free ports, against a private RabbitMQ vhost; stops it with Ctrl+C (SIGINT) and starts it
again to show the data survives and the demo seed is not loaded twice.
"""
from __future__ import annotations

import contextlib
import time

import pytest
import requests

from tests.support.launched_platform import LaunchedPlatform
from tests.support.platform_client import PlatformClient
from tests.support.waiting import wait_for

STARTUP_SECONDS = 600  # the first start seeds four services (about 5.5 minutes on 2 quiet cores)
# The module's first test carries the seeding start-up in its own time: give it the start-up bound and more,
# so a slow machine fails on STARTUP_SECONDS with the console, not on the suite-wide timeout with no context.
pytestmark = pytest.mark.timeout(STARTUP_SECONDS + 300)


READY_LINE = "Press Ctrl+C to stop."


class Platform(LaunchedPlatform):
    """`shegong run` started as `make run` starts it, and its GraphQL API as a client uses it."""

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port_of('gateway')}/graphql"

    @property
    def output(self) -> str:
        return self.console()

    def start(self, *args: str) -> None:
        """Start and wait until this run (not an earlier one in the same console) says it is ready."""
        earlier = self.console().count(READY_LINE) if self.console_path.exists() else 0
        super().start(*args)

        def ready() -> bool:
            return self.console().count(READY_LINE) > earlier

        with contextlib.suppress(AssertionError):  # a start that never got ready fails below, with its console
            wait_for(lambda: ready() or self.process.poll() is not None, timeout=STARTUP_SECONDS, interval=0.5)
        if not ready():
            self.stop()
            pytest.fail("the platform did not start:\n" + self.console()[-4000:])

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
    assert f"GraphQL: {platform.graphql_url}" in platform.output
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
    assert "demo data was loaded before" in platform.output
    after = platform.query('{ stations(first: 1) { totalCount } }', admin)["stations"]["totalCount"]
    assert after == before
