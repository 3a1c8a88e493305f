"""The history part of the schema: each aggregate kind goes to its owning service, pages are checked,
heads are public, and a service's typed error reaches the client with its code."""
from __future__ import annotations

import json

import pytest

from gateway.execution import GraphQLEndpoint
from gateway.http import HttpRequest
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.errors import NotFound
from tests.support.gateway_fakes import token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
ENTRY = {"sequence": 3, "type": "case.opened", "version": 1, "occurred_at": "2024-05-01T02:00:00Z",
         "recorded_at": "2024-05-01T02:00:01Z", "actor": {"user_id": "stf-1", "role": "station_staff"},
         "correlation_id": "c-1", "fields": [{"path": "domain", "value": "elderly", "masked": False}]}


class FakeHistoryService:
    def __init__(self, name: str):
        self.name = name
        self.calls = []

    def aggregate_history(self, viewer, aggregate_type, aggregate_id, filters):
        self.calls.append(("aggregate_history", viewer["role"], aggregate_type, aggregate_id, filters))
        if aggregate_id == "missing":
            raise NotFound(f"no history for {aggregate_type} {aggregate_id}")
        return {"items": [ENTRY], "total": 1, "next_cursor": None}

    def event_log_head(self, viewer):
        self.calls.append(("event_log_head", viewer["role"]))
        return {"service": self.name, "sequence": 7, "hash": "ab" * 32, "updated_at": None}


def request(query: str, token: str | None = None):
    services = {name: FakeHistoryService(name) for name in ("registry", "casework", "volunteers", "funding")}
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    response = ENDPOINT.handle(HttpRequest.build("POST", headers, {}, json.dumps({"query": query})), clients=services,
                               settings=config.Settings(), correlation_id="corr-test-0001",
                               rpc_calls=lambda: sum(len(s.calls) for s in services.values()))
    return response.json(), services


@pytest.mark.parametrize(("kind", "service", "collection"), [("STATION", "registry", "stations"),
                                                             ("HOUSEHOLD", "casework", "households"),
                                                             ("CASE", "casework", "cases"),
                                                             ("CONTRACT", "funding", "contracts")])
def test_history_asks_the_owning_service_with_the_viewer_and_a_page(kind, service, collection):
    body, services = request(f"""{{ history(aggregateType: {kind}, aggregateId: "X1", first: 10, after: "2") {{
        totalCount items {{ sequence eventType occurredAt actor {{ userId role }}
                            fields {{ path value masked }} }} }} }}""", token_for("county", region="321102"))
    assert "errors" not in body, body
    assert body["data"]["history"]["items"][0] == {
        "sequence": 3, "eventType": "case.opened", "occurredAt": "2024-05-01T02:00:00Z",
        "actor": {"userId": "stf-1", "role": "station_staff"},
        "fields": [{"path": "domain", "value": "elderly", "masked": False}]}
    assert services[service].calls == [("aggregate_history", "county", collection, "X1", {"limit": 10, "after": "2"})]


def test_history_page_size_is_checked_and_not_found_keeps_its_code():
    body, services = request('{ history(aggregateType: CASE, aggregateId: "X1", first: 1000) { totalCount } }',
                             token_for("admin"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and services["casework"].calls == []
    body, _ = request('{ history(aggregateType: CASE, aggregateId: "missing") { totalCount } }', token_for("admin"))
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND" and body["data"]["history"] is None


def test_event_log_heads_need_no_token():
    body, services = request("{ eventLogHeads { service sequence hash } }")
    assert [h["service"] for h in body["data"]["eventLogHeads"]] == ["REGISTRY", "CASEWORK", "VOLUNTEERS", "FUNDING"]
    assert all(s.calls == [("event_log_head", "public")] for s in services.values())
