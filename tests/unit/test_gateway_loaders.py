"""DataLoader batching: the number of registry calls does not grow with the number of stations."""
from __future__ import annotations

import pytest

from gateway.dataloader import BatchQueue, DataLoader
from gateway.execution import GraphQLEndpoint
from gateway.loaders import then
from gateway.schema import COST_MODEL, schema
from services.common import config
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=100_000)
DASHBOARD = """{ stations(first: 100) { totalCount items {
    id name region { name parent { name } } county { name }
    staff { name training { hours } } trainingTotals { hoursThisYear }
    compliance { status rules { rule status evidence } }
    lastYear: compliance(asOf: "2023-12-31") { status } } } }"""


def dashboard(stations: int):
    registry = FakeRegistry(stations=stations, staff_per_station=3)
    body = gateway_request(ENDPOINT, registry, DASHBOARD, token=token_for("admin"), settings=SETTINGS).json()
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["stations"]["items"]) == stations
    return registry, body


def test_one_station_and_fifty_stations_cost_the_same_number_of_calls():
    one, _ = dashboard(1)
    fifty, body = dashboard(50)
    assert fifty.count() == one.count()
    # The townships' parents are the counties already loaded for `county`: served from the loader's cache.
    # Staff and today's compliance come with the page (each station read once); 2023-12-31 is one batch.
    assert fifty.count() == {"list_stations": 1, "get_regions": 1, "compliance_for_stations": 1}
    assert body["extensions"]["rpcCalls"] == 3


def test_batches_carry_every_key_once():
    registry, body = dashboard(50)
    compliance_call = next(args for name, args, _ in registry.calls if name == "compliance_for_stations")
    assert sorted(compliance_call[1]) == sorted({s["id"] for s in body["data"]["stations"]["items"]})
    dates = [kwargs.get("as_of") for name, _, kwargs in registry.calls if name == "compliance_for_stations"]
    assert dates == ["2023-12-31"]
    region_calls = [args[1] for name, args, _ in registry.calls if name == "get_regions"]
    assert len(region_calls[0]) == len(set(region_calls[0]))  # townships and the county, no duplicates


def test_station_by_id_is_batched_too():
    registry = FakeRegistry(stations=5)
    query = "{ " + " ".join(f's{i}: station(id: "ST32110200{i}") {{ id staff {{ name }} }}' for i in range(1, 6)) + " }"
    body = gateway_request(ENDPOINT, registry, query, token=token_for("admin")).json()
    assert [body["data"][f"s{i}"]["id"] for i in range(1, 6)] == [f"ST32110200{i}" for i in range(1, 6)]
    assert registry.count() == {"get_stations": 1, "staff_for_stations": 1}


def test_then_transforms_ready_and_pending_values():
    assert then(2, lambda v: v * 10) == 20
    queue = BatchQueue()
    pending = then(DataLoader(lambda keys: [k * 2 for k in keys], queue).load(3), lambda v: v + 1)
    assert not pending.done()
    queue.dispatch_next()
    assert pending.result() == 7
    failing = then(DataLoader(lambda keys: 1 / 0, queue).load(1), lambda v: v)
    queue.dispatch_next()
    with pytest.raises(ZeroDivisionError):
        failing.result()


def test_loaders_are_per_request():
    registry = FakeRegistry(stations=1)
    for _ in range(2):
        gateway_request(ENDPOINT, registry, '{ station(id: "ST321102001") { id } }', token=token_for("admin"))
    assert registry.count() == {"get_stations": 2}
