"""Writes that name a record of another scope by its id are refused and change nothing.

Real volunteers service and gateway over a real broker and wire-protocol store. A need and a volunteer are
seeded at 京口区 (ST321102001) by an administrator; 丹阳's county official and 丹阳's station staff then try every
volunteers mutation that takes such an id, stating their own station beside it where the input has one
(issue 14, security 2: `requestMatching` used to check the stated station, not the need's own).
"""
from __future__ import annotations

import dataclasses
import uuid

import pytest
import requests

from gateway.service import GatewayService
from services.common import config
from services.common.auth import mint_token
from services.volunteers.service import VolunteersService
from tests.support.containers import running
from tests.support.infrastructure import free_port, wait_for_port
from tests.support.volunteers_fixtures import OTHER_COUNTY_TOWNSHIP, STATION, TOWNSHIP, WEEKDAYS, volunteer_input

JINGKOU_STATION = f"ST{OTHER_COUNTY_TOWNSHIP}"
OUTSIDERS = ("danyang_official", "danyang_worker")

REQUEST = """mutation ($input: RequestMatchingInput!) { requestMatching(input: $input) {
    need { id version status description proposals { id candidateId } } } }"""
REGISTER = """mutation ($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) {
    volunteer { id version } } }"""
NEED = """query ($id: ID!) { matchNeed(id: $id) { id version status description householdId stationId
    proposals { id state } tasks { id } } }"""
VOLUNTEER = """query ($id: ID!) { volunteer(id: $id) { id version name stationId } }"""


@dataclasses.dataclass
class Platform:
    url: str
    tokens: dict[str, str]
    ids: dict[str, str] = dataclasses.field(default_factory=dict)

    def gql(self, query: str, variables: dict, token: str) -> dict:
        response = requests.post(self.url, json={"query": query, "variables": variables},
                                 headers={"Authorization": f"Bearer {self.tokens[token]}"}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, query: str, variables: dict, token: str = "admin") -> dict:
        body = self.gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]


def need_input(station_id: str, township: str, household_id: str, **overrides) -> dict:
    return {"householdId": household_id, "stationId": station_id, "communityCode": f"{township}001",
            "domain": "ELDERLY", "needType": "home_visit", "severity": "MEDIUM", "description": "独居老人需要定期探访",
            "beneficiaryGroups": ["elderly_living_alone"], **overrides}


def volunteer_variables(station_id: str, community_code: str) -> dict:
    data = volunteer_input(station_id=station_id, community_code=community_code)
    return {"stationId": data["station_id"], "name": data["name"], "idNumber": data["id_number"],
            "phone": data["phone"], "communityCode": data["community_code"], "skills": ["COMPANIONSHIP", "HOME_CARE"],
            "domains": ["ELDERLY"], "availability": WEEKDAYS}


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    base = config.Settings(amqp_uri=rabbit_vhost, mongo_uri=mongo_server, database_prefix=f"t{uuid.uuid4().hex[:10]}",
                           rpc_timeout_seconds=20, http_port=free_port())
    config.override(base)
    secret = base.token_secret
    tokens = {"admin": mint_token(secret, role="admin", user_id="ops"),
              "danyang_official": mint_token(secret, role="county", user_id="danyang-official", region="321181"),
              "danyang_worker": mint_token(secret, role="station_staff", user_id="stf_danyang",
                                           station_ids=[STATION])}
    with running(VolunteersService, settings=dataclasses.replace(base, http_port=free_port())), \
            running(GatewayService, settings=base):
        wait_for_port(base.http_port)
        platform = Platform(f"http://127.0.0.1:{base.http_port}/graphql", tokens)
        platform.ids["volunteer"] = platform.ok(REGISTER, {"input": volunteer_variables(
            JINGKOU_STATION, f"{OTHER_COUNTY_TOWNSHIP}001")})["registerVolunteer"]["volunteer"]["id"]
        need = platform.ok(REQUEST, {"input": need_input(JINGKOU_STATION, OTHER_COUNTY_TOWNSHIP,
                                                         "hh-jingkou-1")})["requestMatching"]["need"]
        assert need["proposals"], "the 京口 volunteer should be proposed for the 京口 need"
        platform.ids.update(need=need["id"], proposal=need["proposals"][0]["id"])
        yield platform
    config.override(None)


def snapshot(platform: Platform) -> tuple[dict, dict]:
    return (platform.ok(NEED, {"id": platform.ids["need"]})["matchNeed"],
            platform.ok(VOLUNTEER, {"id": platform.ids["volunteer"]})["volunteer"])


def cases(ids: dict) -> dict[str, tuple[str, dict]]:
    """Each mutation that takes the id of an existing need or volunteer, with input valid but for the scope."""
    version = 1  # any version: the scope check comes before the version check, so nothing leaks either way
    return {
        "requestMatching (own station, other county's need id)": (REQUEST, {"input": need_input(
            STATION, TOWNSHIP, "hh-jingkou-1", needId=ids["need"], description="overwritten from 丹阳")}),
        "rematchNeed": ("""mutation ($id: ID!, $v: Int!) { rematchNeed(id: $id, expectedVersion: $v) {
            need { id } } }""", {"id": ids["need"], "v": version}),
        "acceptMatchProposal": ("""mutation ($n: ID!, $p: ID!, $v: Int!) { acceptMatchProposal(needId: $n,
            proposalId: $p, input: {expectedVersion: $v}) { need { id } } }""",
                                {"n": ids["need"], "p": ids["proposal"], "v": version}),
        "declineMatchProposal": ("""mutation ($n: ID!, $p: ID!, $v: Int!) { declineMatchProposal(needId: $n,
            proposalId: $p, input: {expectedVersion: $v, reason: "不合适"}) { need { id } } }""",
                                 {"n": ids["need"], "p": ids["proposal"], "v": version}),
        "updateVolunteer": ("""mutation ($id: ID!, $v: Int!) { updateVolunteer(id: $id,
            input: {expectedVersion: $v, phone: "13912345678"}) { volunteer { id } } }""",
                            {"id": ids["volunteer"], "v": version}),
    }


@pytest.mark.parametrize("role", OUTSIDERS)
def test_every_id_taking_write_from_another_scope_is_refused_and_changes_nothing(platform, role):
    before = snapshot(platform)
    outcomes = {}
    for name, (mutation, variables) in cases(platform.ids).items():
        body = platform.gql(mutation, variables, role)
        assert body["data"] is not None and not any(body["data"].values()), (name, body)
        outcomes[name] = body["errors"][0]["extensions"]["code"]
    # Out-of-scope records look like unknown ones: the refusal does not confirm that the id exists.
    assert outcomes == {name: "NOT_FOUND" for name in outcomes}
    assert snapshot(platform) == before


def test_the_need_owner_still_reaches_the_same_need_through_request_matching(platform):
    """The check refuses by the need's scope, not every repeated request: 京口's own request is accepted."""
    need = platform.ok(REQUEST, {"input": need_input(JINGKOU_STATION, OTHER_COUNTY_TOWNSHIP, "hh-jingkou-1",
                                                     needId=platform.ids["need"])})["requestMatching"]["need"]
    assert need["id"] == platform.ids["need"]
