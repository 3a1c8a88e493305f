"""Funding DataLoaders: the number of RPC calls does not grow with the number of contracts or stations."""
from __future__ import annotations

import pytest

from gateway.dataloader import BatchQueue, DataLoader
from gateway.execution import GraphQLEndpoint
from gateway.loaders import gather
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.errors import UpstreamUnavailable
from tests.support.gateway_fakes import gateway_request, token_for
from tests.support.gateway_funding_fakes import FakeFunding, registry_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=1_000_000)
COUNTY = token_for("county", region="321181")

CONTRACTS = """{ contracts(first: 100) { totalCount items {
    id amountFen paidFen heldFen openFlags operator { name }
    stations { id name county { name } }
    tender { id status bids { id review { totalScore } } contract { id } }
    milestones { id type amountFen paidFen remainingFen }
    funding { budgetLineId committedFen budgetLine { id amountFen source { name } } }
    amendments { reason changes { field before after } }
    disbursements { id status flags amountFen milestone { id title } budgetLine { id } }
    evaluations { id status grade scheme { name } stations { id } }
    staffing { kept problems }
    lastYear: staffing(on: "2025-12-31") { kept } } } }"""


def contracts_page(n: int):
    funding, registry = FakeFunding(contracts_count=n), registry_for(n)
    body = gateway_request(ENDPOINT, registry, CONTRACTS, token=COUNTY, settings=SETTINGS, funding=funding).json()
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["contracts"]["items"]) == n
    return funding, registry, body


def test_one_contract_and_thirty_contracts_cost_the_same_number_of_calls():
    one_funding, one_registry, _ = contracts_page(1)
    funding, registry, body = contracts_page(30)
    assert funding.count() == one_funding.count() and registry.count() == one_registry.count()
    assert funding.count() == {
        "list_contracts": 1, "get_tenders": 1, "bids_for_tenders": 1, "get_contracts": 1, "get_budget_lines": 1,
        "get_sources": 1, "disbursements_for_contracts": 1, "evaluations_for_contracts": 1,
        "contract_staffing": 2}  # today and 2025-12-31
    assert registry.count() == {"get_stations": 1, "get_regions": 1}
    assert body["extensions"]["rpcCalls"] == 12
    first = body["data"]["contracts"]["items"][0]
    assert [d["status"] for d in first["disbursements"]] == ["PAID", "HELD"]
    assert first["disbursements"][1]["flags"] and first["disbursements"][0]["milestone"]["id"] == "M4"
    assert first["stations"][0]["county"] == {"name": "丹阳市"}
    assert first["tender"]["contract"]["id"] == first["id"]


def test_batches_carry_every_key_once():
    funding, registry, body = contracts_page(30)
    ids = sorted(c["id"] for c in body["data"]["contracts"]["items"])
    for method in ("disbursements_for_contracts", "evaluations_for_contracts"):
        (args,) = [args for name, args, _ in funding.calls if name == method]
        assert sorted(args[1]) == ids
    (stations,) = [args[1] for name, args, _ in registry.calls if name == "get_stations"]
    assert len(stations) == len(set(stations)) == 30
    dates = sorted(kwargs.get("on") or "today" for name, _, kwargs in funding.calls if name == "contract_staffing")
    assert dates == ["2025-12-31", "today"]


def test_stations_with_their_contracts_cost_the_same_for_one_or_twenty():
    query = """{ stations(first: 100) { items { id contracts { id disbursements { amountFen }
        evaluations { status } tender { title } } } } }"""

    def run(n):
        funding, registry = FakeFunding(contracts_count=n), registry_for(n)
        body = gateway_request(ENDPOINT, registry, query, token=token_for("admin"), settings=SETTINGS,
                               funding=funding).json()
        assert "errors" not in body, body.get("errors")
        assert all(len(s["contracts"]) == 1 for s in body["data"]["stations"]["items"])
        return funding.count(), registry.count()

    assert run(1) == run(20) == (
        {"contracts_for_stations": 1, "disbursements_for_contracts": 1, "evaluations_for_contracts": 1,
         "get_tenders": 1}, {"list_stations": 1})


def test_a_failing_batch_fails_only_the_fields_that_needed_it():
    funding, registry = FakeFunding(contracts_count=3), registry_for(3)
    funding.failures["disbursements_for_contracts"] = UpstreamUnavailable("funding did not answer within 10s")
    body = gateway_request(ENDPOINT, registry, "{ contracts { items { id disbursements { id } } } }", token=COUNTY,
                           funding=funding).json()
    assert [c["disbursements"] for c in body["data"]["contracts"]["items"]] == [None, None, None]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"}
    assert len(body["errors"]) == 3


def test_gather_combines_ready_and_pending_values():
    assert gather([1, 2], sum) == 3
    queue = BatchQueue()
    loader = DataLoader(lambda keys: [k * 2 for k in keys], queue)
    combined = gather([loader.load(1), 5, loader.load(2)])
    assert not combined.done()
    assert queue.dispatch_next() and not queue.dispatch_next()  # one batch for both keys
    assert combined.result() == [2, 5, 4]
    failing = gather([DataLoader(lambda keys: 1 / 0, queue).load(1)])
    queue.dispatch_next()
    with pytest.raises(ZeroDivisionError):
        failing.result()
    assert gather([]) == []
