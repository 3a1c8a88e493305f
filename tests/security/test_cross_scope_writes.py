"""Writes that name a record of another scope by its id are refused and change nothing.

Real volunteers service and gateway over a real broker and wire-protocol store. A need and a volunteer are
seeded at 京口区 (ST321102001) by an administrator; 丹阳's county official and 丹阳's station staff then try every
volunteers mutation that takes such an id, stating their own station beside it where the input has one
(issue 14, security 2: `requestMatching` used to check the stated station, not the need's own).
"""
from __future__ import annotations

import pytest

from services.volunteers.service import VolunteersService
from tests.support.platform_client import PlatformClient, gateway_platform
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
    with gateway_platform(mongo_server, rabbit_vhost, VolunteersService, rpc_timeout_seconds=20) as platform:
        platform.default_token = "admin"
        platform.mint("admin", "admin", "ops")
        platform.mint("danyang_official", "county", "danyang-official", region="321181")
        platform.mint("danyang_worker", "station_staff", "stf_danyang", station_ids=[STATION])
        platform.ids["volunteer"] = platform.ok(REGISTER, {"input": volunteer_variables(
            JINGKOU_STATION, f"{OTHER_COUNTY_TOWNSHIP}001")})["registerVolunteer"]["volunteer"]["id"]
        need = platform.ok(REQUEST, {"input": need_input(JINGKOU_STATION, OTHER_COUNTY_TOWNSHIP,
                                                         "hh-jingkou-1")})["requestMatching"]["need"]
        assert need["proposals"], "the 京口 volunteer should be proposed for the 京口 need"
        platform.ids.update(need=need["id"], proposal=need["proposals"][0]["id"])
        yield platform


def snapshot(platform: PlatformClient) -> tuple[dict, dict]:
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
