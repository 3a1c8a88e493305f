"""Privacy in aggregates through the gateway (real broker and store): a city official sees a township's
small household count suppressed, and the county total beside it too (no other township can hide it);
the county sees its own townships' counts."""
from __future__ import annotations

import requests

from gateway.service import GatewayService
from services.common.auth import mint_token
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.supervision_fixtures import (
    COUNTY,
    STATION,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
)

PROTECTED = """query ($region: String!) {
  supervisionProtectedRollup(region: $region) {
    threshold
    region { regionCode figures { key value suppressed reason } }
    children { regionCode figures { key value suppressed reason } }
  }
}"""
TOWNSHIP = STATION[2:]


def registered(region: dict) -> dict:
    return next(f for f in region["figures"] if f["key"] == "households.registered")


def test_small_township_counts_are_suppressed_beyond_the_county(isolated_settings):
    gateway = own_port(isolated_settings)
    with producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway):
        for sequence in (1, 2):
            client.casework.register_household(workers[STATION], household_input(STATION, sequence))
        wait_for_port(gateway.http_port)
        wait_until_caught_up()
        url = f"http://127.0.0.1:{gateway.http_port}/graphql"

        def ask(token):
            answer = requests.post(url, json={"query": PROTECTED, "variables": {"region": COUNTY}},
                                   headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
            assert "errors" not in answer, answer
            result = answer["data"]["supervisionProtectedRollup"]
            return result, {c["regionCode"]: c for c in result["children"]}

        city = mint_token(isolated_settings.token_secret, role="city", user_id="city", region="321100")
        result, townships = ask(city)
        assert result["threshold"] == 5
        assert registered(townships[TOWNSHIP]) == {"key": "households.registered", "value": None,
                                                   "suppressed": True, "reason": "small_count"}
        # every other township has 0, so the county total would be the township's count: hidden too
        assert registered(result["region"])["suppressed"] and registered(result["region"])["value"] is None

        county = mint_token(isolated_settings.token_secret, role="county", user_id="official", region=COUNTY)
        result, townships = ask(county)
        assert registered(townships[TOWNSHIP])["value"] == 2 and registered(result["region"])["value"] == 2
