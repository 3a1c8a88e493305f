"""Volunteers DataLoaders: the number of RPC calls does not grow with the number of volunteers or
needs. The volunteers client is the service's own use cases in memory, counting every call."""
from __future__ import annotations

from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from services.common import config
from tests.support.gateway_volunteers_fakes import registry_for_volunteers, seeded, tokens, volunteers_request

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=1_000_000)
TOKENS = tokens()

VOLUNTEERS = """{ volunteers(first: 100) { totalCount items {
    id name idNumber station { name }
    hours { id hours status } teams { id name leader { id } members { id } }
    tasks { id status need { id status } volunteer { id } } } } }"""


def volunteers_page(n: int, token: str = "danyang"):
    volunteers = seeded(volunteers=n)
    registry = registry_for_volunteers()
    body = volunteers_request(ENDPOINT, VOLUNTEERS, volunteers=volunteers, registry=registry, token=TOKENS[token],
                              settings=SETTINGS).json()
    assert "errors" not in body, body.get("errors")
    assert body["data"]["volunteers"]["totalCount"] == n  # 丹阳's only
    return volunteers, registry, body


def test_one_volunteer_and_twenty_cost_the_same_number_of_calls():
    one, one_registry, one_body = volunteers_page(1)
    many, registry, body = volunteers_page(20)
    assert many.count() == one.count() and registry.count() == one_registry.count()
    assert many.count() == {"list_volunteers": 1, "hours_for_volunteers": 1, "teams_for_volunteers": 1,
                            "tasks_for_volunteers": 1, "get_volunteers": 1, "get_needs": 1}
    assert registry.count() == {"get_stations": 1}
    assert body["extensions"]["rpcCalls"] == one_body["extensions"]["rpcCalls"] == 7
    items = body["data"]["volunteers"]["items"]
    assert all(len(v["hours"]) == 1 and v["tasks"][0]["volunteer"]["id"] == v["id"] for v in items)
    assert all(v["teams"][0]["leader"]["id"] for v in items)
    [(keys,)] = many.sent("hours_for_volunteers")
    assert sorted(keys) == sorted(v["id"] for v in items)


NEEDS = """{ matchNeeds(first: 100) { items { id status
    proposals { id rank kind candidateName volunteer { id name teams { id } } resource { id } stock { id } }
    tasks { id volunteer { id } } distributions { id } } } }"""


def test_needs_with_their_candidates_cost_the_same_number_of_calls():
    def run(n):
        volunteers = seeded(volunteers=n)
        body = volunteers_request(ENDPOINT, NEEDS, volunteers=volunteers, token=TOKENS["worker"],
                                  settings=SETTINGS).json()
        assert "errors" not in body, body.get("errors")
        assert len(body["data"]["matchNeeds"]["items"]) == n
        return volunteers.count(), body
    one, _ = run(1)
    many, body = run(12)
    assert one == many
    assert many["get_volunteers"] == 1 and many["teams_for_volunteers"] == 1
    proposals = [p for need in body["data"]["matchNeeds"]["items"] for p in need["proposals"]]
    assert len(proposals) > 12 and all(p["volunteer"]["id"] for p in proposals if p["kind"] == "VOLUNTEER")
