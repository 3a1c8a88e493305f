"""The gateway in front of the real volunteers service: real broker, real wire-protocol store, real HTTP.

One platform per module, seeded through the gateway's own mutations: two volunteers at 丹阳市云阳街道
(ST321181001), each in a community of their own, in one team, and one at 京口区正东路街道 (ST321102001);
an elderly need at 丹阳 matched to the first volunteer (accepted, completed with 1.5 hours, approved).
Tests that write use failing writes or records of their own, so their order does not matter.
"""
from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from gateway.service import GatewayService
from services.common import config, storage
from services.common.auth import SYSTEM, mint_token
from services.volunteers.service import VolunteersService
from services.volunteers.storage import VolunteersRepository
from services.volunteers.usecases import Volunteering
from tests.support import hsds_validation as hsds
from tests.support.containers import running
from tests.support.infrastructure import free_port_block, wait_for_port
from tests.support.volunteers_fixtures import (
    OTHER_COUNTY_TOWNSHIP,
    STATION,
    TOWNSHIP,
    WEEKDAYS,
    resource_input,
    volunteer_input,
)
from tests.support.volunteers_in_process import in_process

JINGKOU_STATION = f"ST{OTHER_COUNTY_TOWNSHIP}"


@dataclasses.dataclass
class Platform:
    settings: config.Settings
    url: str
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    ids: dict[str, str] = dataclasses.field(default_factory=dict)

    def mint(self, key: str, role: str, user_id: str, **scope) -> None:
        self.tokens[key] = mint_token(self.settings.token_secret, role=role, user_id=user_id, **scope)

    def gql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        response = requests.post(self.url, json={"query": query, "variables": variables}, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = self.gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def refused(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = self.gql(query, variables, token)
        assert body["data"] is not None and not any(body["data"].values()), body
        return body["errors"][0]


def volunteer_variables(station_id: str, community_code: str) -> dict:
    data = volunteer_input(station_id=station_id, community_code=community_code)
    return {"stationId": data["station_id"], "name": data["name"], "idNumber": data["id_number"],
            "phone": data["phone"], "communityCode": data["community_code"], "skills": ["COMPANIONSHIP", "HOME_CARE"],
            "domains": ["ELDERLY"], "availability": WEEKDAYS}


REGISTER = """mutation ($input: RegisterVolunteerInput!) {
  registerVolunteer(input: $input) { volunteer { id version } } }"""
TEAM = """mutation ($input: CreateVolunteerTeamInput!) { createVolunteerTeam(input: $input) { team { id } } }"""
REQUEST = """mutation ($input: RequestMatchingInput!) { requestMatching(input: $input) {
    need { id version status proposals { id kind candidateId } } } }"""
ACCEPT = """mutation ($need: ID!, $p: ID!, $v: Int!) { acceptMatchProposal(needId: $need, proposalId: $p,
    input: {expectedVersion: $v}) { need { id version tasks { id candidateId } } } }"""
COMPLETE = """mutation ($need: ID!, $task: ID!, $input: CompleteMatchTaskInput!) {
    completeMatchTask(needId: $need, taskId: $task, input: $input) { need { status tasks { hours } } } }"""
HOURS = """query ($id: ID!) { volunteer(id: $id) { version hours { id start end status } } }"""
APPROVE = """mutation ($id: ID!, $input: DecideVolunteerHoursInput!) { approveVolunteerHours(volunteerId: $id,
    input: $input) { volunteer { approvedHours } } }"""


def seed(platform: Platform) -> None:
    ids = platform.ids
    danyang = [platform.ok(REGISTER, {"input": volunteer_variables(STATION, f"{TOWNSHIP}{n:03d}")},
                           "worker")["registerVolunteer"]["volunteer"] for n in (1, 2)]
    ids["first"], ids["second"] = danyang[0]["id"], danyang[1]["id"]
    ids["jingkou"] = platform.ok(REGISTER,
                                 {"input": volunteer_variables(JINGKOU_STATION, f"{OTHER_COUNTY_TOWNSHIP}001")},
                                 "admin")["registerVolunteer"]["volunteer"]["id"]
    platform.ok(TEAM, {"input": {"stationId": STATION, "name": "云阳助老队", "domains": ["ELDERLY"],
                                 "leaderId": ids["first"], "memberIds": [ids["first"], ids["second"]]}}, "worker")
    need = platform.ok(REQUEST, {"input": {
        "householdId": "hh-gw-1", "stationId": STATION, "communityCode": f"{TOWNSHIP}001", "domain": "ELDERLY",
        "needType": "home_visit", "severity": "MEDIUM", "description": "独居老人需要定期探访",
        "beneficiaryGroups": ["elderly_living_alone"]}}, "worker")["requestMatching"]["need"]
    proposal = next(p for p in need["proposals"] if p["candidateId"] == ids["first"])
    accepted = platform.ok(ACCEPT, {"need": need["id"], "p": proposal["id"], "v": need["version"]},
                           "worker")["acceptMatchProposal"]["need"]
    ids["need"], ids["task"] = need["id"], accepted["tasks"][0]["id"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    done = platform.ok(COMPLETE, {"need": need["id"], "task": ids["task"], "input": {
        "expectedVersion": accepted["version"], "startedAt": start.isoformat(),
        "endedAt": (start + timedelta(minutes=90)).isoformat(), "notes": "陪同就医"}}, "worker")
    assert done["completeMatchTask"]["need"]["status"] == "DELIVERED"
    volunteer = platform.ok(HOURS, {"id": ids["first"]}, "worker")["volunteer"]
    ids["entry_start"], ids["entry_end"] = volunteer["hours"][0]["start"], volunteer["hours"][0]["end"]
    approved = platform.ok(APPROVE, {"id": ids["first"], "input": {
        "expectedVersion": volunteer["version"], "entryIds": [e["id"] for e in volunteer["hours"]]}}, "worker")
    assert approved["approveVolunteerHours"]["volunteer"]["approvedHours"] == 1.5


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    base = config.Settings(amqp_uri=rabbit_vhost, mongo_uri=mongo_server, database_prefix=f"t{uuid.uuid4().hex[:10]}",
                           rpc_timeout_seconds=10, http_port=free_port_block(2))
    config.override(base)
    with running(VolunteersService, settings=dataclasses.replace(base, http_port=base.http_port + 1)), \
            running(GatewayService, settings=base):
        wait_for_port(base.http_port)
        platform = Platform(base, f"http://127.0.0.1:{base.http_port}/graphql")
        platform.mint("admin", "admin", "ops")
        platform.mint("danyang", "county", "danyang-official", region="321181")
        platform.mint("jingkou", "county", "jingkou-official", region="321102")
        platform.mint("evaluator", "evaluator", "evaluator-1", region="321181")
        platform.mint("worker", "station_staff", "stf_worker", station_ids=[STATION])
        seed(platform)
        yield platform
    config.override(None)


LIST = """{ volunteers { totalCount items { id name idNumber phone stationId approvedHours
    hours { hours status } teams { name members { id } } tasks { id status need { status } } } } }"""


def test_a_county_official_sees_only_their_regions_volunteers_masked(platform):
    ids = platform.ids
    danyang = platform.ok(LIST, token="danyang")["volunteers"]
    assert {v["id"] for v in danyang["items"]} == {ids["first"], ids["second"]}
    for volunteer in danyang["items"]:
        assert "*" in volunteer["idNumber"] and "*" in volunteer["phone"]
        assert volunteer["teams"][0]["name"] == "云阳助老队"
    first = next(v for v in danyang["items"] if v["id"] == ids["first"])
    assert first["approvedHours"] == 1.5 and first["tasks"][0]["need"]["status"] == "DELIVERED"
    jingkou = platform.ok(LIST, token="jingkou")["volunteers"]
    assert [v["id"] for v in jingkou["items"]] == [ids["jingkou"]]
    assert platform.ok("query ($id: ID!) { volunteer(id: $id) { id } }", {"id": ids["first"]},
                       "jingkou") == {"volunteer": None}


PAGE = """query ($first: Int) { volunteers(first: $first) { items { id hours { hours } teams { name
    leader { id } members { id name } } tasks { id } } } }"""


def test_rpc_calls_do_not_grow_with_the_number_of_volunteers(platform):
    one = platform.gql(PAGE, {"first": 1}, token="danyang")
    two = platform.gql(PAGE, {"first": 2}, token="danyang")
    assert len(one["data"]["volunteers"]["items"]) == 1 and len(two["data"]["volunteers"]["items"]) == 2
    assert "errors" not in one and "errors" not in two
    # list, hours, teams, tasks, the team's leader and members (one batch)
    assert one["extensions"]["rpcCalls"] == two["extensions"]["rpcCalls"] == 5


def test_an_evaluator_cannot_write(platform):
    error = platform.refused(REGISTER, {"input": volunteer_variables(STATION, f"{TOWNSHIP}003")}, "evaluator")
    assert error["extensions"]["code"] == "FORBIDDEN"
    names = platform.ok(LIST, token="evaluator")["volunteers"]["items"]
    assert names and all("*" in v["name"] for v in names)


def test_overlapping_hours_are_refused_with_a_typed_error(platform):
    ids = platform.ids
    error = platform.refused("""mutation ($id: ID!, $input: LogVolunteerHoursInput!) {
        logVolunteerHours(volunteerId: $id, input: $input) { entry { id } } }""", {"id": ids["first"], "input": {
        "needId": ids["need"], "taskId": ids["task"], "startedAt": ids["entry_start"], "endedAt": ids["entry_end"],
        "activity": "回访"}}, "worker")
    assert error["extensions"]["code"] == "RULE_VIOLATION" and "overlapping hours" in error["message"]


def test_the_public_verifies_a_certificate_without_a_token(platform):
    today = datetime.now(UTC).date()
    issued = platform.ok("""mutation ($id: ID!, $input: IssueVolunteerCertificateInput!) {
        issueVolunteerCertificate(volunteerId: $id, input: $input) { content verificationCode text } }""",
                         {"id": platform.ids["first"], "input": {"from": (today - timedelta(days=30)).isoformat(),
                                                                 "to": today.isoformat()}},
                         "worker")["issueVolunteerCertificate"]
    verify = """query ($content: JSON!, $code: String!) { verifyVolunteerCertificate(content: $content,
        verificationCode: $code) { valid reason volunteerName totalHours } }"""
    check = platform.ok(verify, {"content": issued["content"], "code": issued["verificationCode"]})
    assert check["verifyVolunteerCertificate"]["valid"] is True
    assert check["verifyVolunteerCertificate"]["totalHours"] == 1.5
    forged = platform.ok(verify, {"content": {**issued["content"], "total_hours": 99},
                                  "code": issued["verificationCode"]})
    assert forged["verifyVolunteerCertificate"]["valid"] is False
    assert platform.ok("{ volunteers { totalCount } }")["volunteers"]["totalCount"] == 0


def test_the_public_reads_the_hsds_directory_over_graphql_and_at_its_url(platform):
    library = in_process(Volunteering(VolunteersRepository(storage.database("volunteers"))))
    library.register_resource(SYSTEM, resource_input(kind="community_social_organisation"))
    library.register_resource(SYSTEM,
                              resource_input(community_code=None, location={"address": "丹阳市云阳街道新民路2号"}))
    response = requests.get(platform.url.removesuffix("/graphql") + "/public/hsds/directory.json",
                            params={"region": "321181"}, timeout=30)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    export = response.json()
    assert export["hsds_version"] == "3.0" and len(export["organizations"]) >= 2
    assert hsds.directory_errors(export) == {}
    over_graphql = platform.ok('{ resourceDirectory(region: "321181") }')["resourceDirectory"]
    assert {k: v for k, v in over_graphql.items() if k != "exported_at"} == {
        k: v for k, v in export.items() if k != "exported_at"}
    assert requests.get(platform.url.removesuffix("/graphql") + "/public/hsds/directory.json",
                        params={"region": "not-a-code"}, timeout=30).status_code == 400


UPDATE = """mutation ($id: ID!, $input: UpdateVolunteerInput!) { updateVolunteer(id: $id, input: $input) {
    volunteer { version communityCode } } }"""
COUNT = "{ volunteers { totalCount } }"


@pytest.mark.parametrize("name",
                         ["李\u200b明", "\u202e明李", "李明\x00", "\x1b[2J李明", "\u2066李明\u2069", "  \u3000 "])
def test_a_volunteer_name_with_hidden_characters_is_refused_and_nothing_is_registered(platform, name):
    before = platform.ok(COUNT, token="admin")["volunteers"]["totalCount"]
    variables = {**volunteer_variables(STATION, f"{TOWNSHIP}003"), "name": name}
    error = platform.refused(REGISTER, {"input": variables}, "worker")
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and set(error["extensions"]["details"]) == {"name"}
    assert platform.ok(COUNT, token="admin")["volunteers"]["totalCount"] == before


def test_a_volunteer_cannot_be_registered_or_moved_to_a_community_of_another_county(platform):
    before = platform.ok(COUNT, token="admin")["volunteers"]["totalCount"]
    elsewhere = f"{OTHER_COUNTY_TOWNSHIP}001"  # 京口区, while the station is in 丹阳市
    error = platform.refused(REGISTER, {"input": volunteer_variables(STATION, elsewhere)}, "admin")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["details"]) == {"communityCode"}, error
    assert platform.ok(COUNT, token="admin")["volunteers"]["totalCount"] == before

    current = platform.ok("query ($id: ID!) { volunteer(id: $id) { version communityCode } }",
                          {"id": platform.ids["second"]}, "admin")["volunteer"]
    moved = platform.refused(UPDATE, {"id": platform.ids["second"], "input": {
        "expectedVersion": current["version"], "communityCode": elsewhere}}, "admin")
    assert moved["extensions"]["code"] == "BAD_USER_INPUT" and set(moved["extensions"]["details"]) == {"communityCode"}
    # Another community of the same county is accepted.
    nearby = platform.ok(UPDATE, {"id": platform.ids["second"], "input": {
        "expectedVersion": current["version"], "communityCode": "321181002004"}}, "admin")["updateVolunteer"]
    assert nearby["volunteer"]["communityCode"] == "321181002004"
