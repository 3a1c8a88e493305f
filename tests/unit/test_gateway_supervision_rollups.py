"""The dashboard's roll-up fields through the gateway: supervisionRollup and supervisionProtectedRollup of
one request are one `rollups` call (the supervision.rollups loader), whatever their number, with the same
answers as the service's own use cases; a refused question fails its own field only."""
from __future__ import annotations

import json

from gateway.execution import GraphQLEndpoint
from gateway.http import HttpRequest
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.auth import Viewer
from services.supervision.usecases import privacy, rollups
from tests.support.gateway_fakes import token_for
from tests.support.supervision_usecases import seed_stations, supervision

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=100_000)
COUNTY = Viewer("danyang-official", "county", "321181")
DASHBOARD = """query($region: String!, $other: String!) {
  supervisionRollup(region: $region) { regionCode households { registered } children { regionCode } }
  quarter: supervisionRollup(region: $region, period: {year: 2026, quarter: 2}) { period { from to } }
  supervisionProtectedRollup(region: $region) { threshold region { regionCode figures { key value suppressed } } }
  refused: supervisionProtectedRollup(region: $other) { threshold }
}"""


class SupervisionClient:
    """The supervision service's RPC surface as its use cases answer it, counting every call."""

    def __init__(self, context):
        self.context = context
        self.calls: list[tuple[str, list]] = []

    def rollups(self, viewer: dict, questions: list[dict]) -> list[dict]:
        self.calls.append(("rollups", questions))
        return json.loads(json.dumps(rollups.rollups(self.context, Viewer.from_dict(viewer), questions)))


def ask(client: SupervisionClient, query: str, variables: dict) -> dict:
    token = token_for("county", user_id=COUNTY.user_id, region=COUNTY.region)
    request = HttpRequest.build("POST", {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                {}, json.dumps({"query": query, "variables": variables}))
    response = ENDPOINT.handle(request, clients={"supervision": client}, settings=SETTINGS, correlation_id="c-1",
                               rpc_calls=lambda: len(client.calls))
    return json.loads(response.body)


def test_both_rollups_of_a_request_are_one_call_and_a_refusal_fails_its_field_only():
    context = supervision()
    seed_stations(context)
    client = SupervisionClient(context)

    body = ask(client, DASHBOARD, {"region": "321181", "other": "321102"})

    assert [name for name, _ in client.calls] == ["rollups"] and body["extensions"]["rpcCalls"] == 1
    assert len(client.calls[0][1]) == 4  # every roll-up field of the request in that one call
    data = body["data"]
    expected = rollups.rollup(context, COUNTY, {"region": "321181"})
    assert data["supervisionRollup"]["households"]["registered"] == expected["region"]["households"]["registered"]
    assert [c["regionCode"] for c in data["supervisionRollup"]["children"]] == \
        [c["region_code"] for c in expected["children"]]
    assert data["quarter"]["period"] == {"from": "2026-04-01", "to": "2026-06-30"}
    protected = privacy.protected_rollup(context, COUNTY, {"region": "321181"})
    assert data["supervisionProtectedRollup"]["threshold"] == protected["threshold"]
    assert [f["key"] for f in data["supervisionProtectedRollup"]["region"]["figures"]] == \
        [f["key"] for f in protected["region"]["figures"]]
    assert data["refused"] is None
    [error] = body["errors"]
    assert error["path"] == ["refused"] and error["extensions"]["code"] == "FORBIDDEN"
