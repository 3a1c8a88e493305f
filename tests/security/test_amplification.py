"""Response amplification: a JSON value or a list costs what it can hold, so many aliases of it are
refused before any service is asked."""
from __future__ import annotations

import dataclasses
import json
import time

import pytest
from graphql import get_named_type, parse

from gateway.execution import GraphQLEndpoint
from gateway.guards import CostModel, TokenBuckets, measure_operation
from gateway.http import HttpRequest
from gateway.schema import COST_MODEL, schema
from services.common import config
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)


def aliases_of_the_directory(count: int) -> str:
    return "{ " + " ".join(f"d{i}: resourceDirectory" for i in range(count)) + " }"


def cost_of(query: str, cost_model: CostModel = COST_MODEL) -> int:
    return measure_operation(schema.graphql_schema, parse(query).definitions[0], {}, cost_model).cost


def test_thirty_aliases_of_the_resource_directory_are_refused_cheaply():
    registry = FakeRegistry()
    started = time.monotonic()
    response = gateway_request(ENDPOINT, registry, aliases_of_the_directory(30))
    elapsed = time.monotonic() - started
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COSTLY"]
    assert body["errors"][0]["extensions"]["cost"] > config.Settings().graphql_max_cost
    assert registry.calls == []
    assert body.get("data") is None
    assert elapsed < 2.0  # refused during validation: milliseconds, bounded generously for a loaded machine


def test_one_directory_is_allowed_and_costs_what_it_weighs():
    assert cost_of("{ resourceDirectory }") == COST_MODEL.leaf_costs["Query.resourceDirectory"]
    assert cost_of("{ resourceDirectory }") <= config.Settings().graphql_max_cost


def test_a_json_scalar_is_not_free():
    query = "{ volunteerCatalogue }"
    assert cost_of(query) > cost_of(query, CostModel())


def test_an_answer_over_the_size_cap_is_a_clear_error():
    registry = FakeRegistry(stations=20)
    query = "{ stations(first: 20) { items { id name } } }"
    admin = token_for("admin")
    full = gateway_request(ENDPOINT, registry, query, token=admin)
    assert full.status == 200 and len(full.json()["data"]["stations"]["items"]) == 20
    small_cap = dataclasses.replace(config.Settings(), max_response_bytes=len(full.body.encode()) - 1)
    capped = gateway_request(ENDPOINT, registry, query, token=admin, settings=small_cap)
    body = capped.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["RESPONSE_TOO_LARGE"]
    assert body["errors"][0]["extensions"]["maxBytes"] == small_cap.max_response_bytes
    assert len(capped.body.encode()) < 1000


def test_anonymous_callers_are_rate_limited_per_address_with_retry_after():
    endpoint = GraphQLEndpoint(schema, COST_MODEL)
    settings = dataclasses.replace(config.Settings(), anonymous_requests_per_minute=6, anonymous_burst=3)
    query = "{ viewer { role } }"

    def ask(client: str, token: str | None = None):
        request = HttpRequest.build("POST", {"Content-Type": "application/json",
                                             **({"Authorization": f"Bearer {token}"} if token else {})},
                                    body=json.dumps({"query": query}))
        request = dataclasses.replace(request, client=client)
        return endpoint.handle(request, clients={"registry": FakeRegistry()}, settings=settings)

    assert [ask("198.51.100.7").status for _ in range(3)] == [200, 200, 200]
    refused = ask("198.51.100.7")
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 10  # one token per 10 s at 6 a minute
    assert refused.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_REQUESTS"
    assert ask("198.51.100.8").status == 200  # another address has its own bucket
    assert ask("198.51.100.7", token_for("admin")).status == 200  # signed-in callers are not limited here


def test_a_bucket_refills_with_time():
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, now=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0, 0]
    assert buckets.take("a") == pytest.approx(1.0)
    now[0] += 1.0
    assert buckets.take("a") == 0


def test_the_bucket_table_is_bounded():
    buckets = TokenBuckets(per_minute=60, burst=1, max_clients=100)
    for i in range(1000):
        buckets.take(f"10.0.{i // 256}.{i % 256}")
    assert len(buckets._buckets) == 100


# --- every JSON value and every list declares what it can hold -----------------------------------
def test_every_json_value_and_every_list_has_a_declared_cost():
    # A new JSON field or list of ids without an entry in its module's LEAF_COSTS (or a list of
    # records without a page argument or LIST_SIZES entry) fails here: it would cost 1 (or a guess).
    assert COST_MODEL.undeclared(schema.graphql_schema) == []


def test_the_declaration_check_sees_json_values_lists_of_leaves_and_unsized_lists():
    undeclared = CostModel().undeclared(schema.graphql_schema)
    assert {"RuleEvaluation.evidence", "DisclosureRelease.release", "Query.resourceReviewsOverdue",  # JSON
            "Person.tags", "Contract.stationIds", "Venue.equipment",  # lists of leaves
            "Query.charityDistributions", "Case.crisisBreaches"} <= set(undeclared)  # lists of records
    assert "Station.name" not in undeclared and "StationPage.items" not in undeclared  # sized or paged
    assert "Volunteer.hours" not in undeclared  # takes `first`


def root_json_fields() -> list[str]:
    query_type = schema.graphql_schema.query_type
    return [name for name, f in query_type.fields.items()
            if getattr(get_named_type(f.type), "name", "") in COST_MODEL.open_scalars]


def test_each_alias_of_a_json_value_costs_its_declared_weight():
    assert set(root_json_fields()) >= {"resourceDirectory", "resourceReviewsOverdue", "volunteerCatalogue"}
    for name in root_json_fields():
        declared = COST_MODEL.leaf_costs[f"Query.{name}"]
        assert declared > 1
        assert cost_of("{ " + " ".join(f"a{i}: {name}" for i in range(7)) + " }") == 7 * declared


@pytest.mark.parametrize("name", ["resourceDirectory", "resourceReviewsOverdue"])
def test_the_alias_limit_of_a_big_json_value_is_refused_before_any_service_is_asked(name):
    registry = FakeRegistry()
    aliases = config.Settings().graphql_max_aliases
    body = gateway_request(ENDPOINT, registry, "{ " + " ".join(f"a{i}: {name}" for i in range(aliases)) + " }",
                           token=token_for("admin")).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COSTLY"]
    assert body.get("data") is None and registry.calls == []


def test_aliases_of_a_json_value_inside_a_page_are_refused_before_any_service_is_asked():
    # Anonymous and public: each release is a whole OCDS document (about 240 values). It cost 1, so
    # two aliases of it on a page of 20 passed; now the page with one of them is about the most.
    registry = FakeRegistry()
    one = "{ disclosureFeed(first: 20) { items { ocid release } } }"
    two = "{ disclosureFeed(first: 20) { items { ocid release again: release } } }"
    assert cost_of(one) <= config.Settings().graphql_max_cost < cost_of(two)
    body = gateway_request(ENDPOINT, registry, two).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COSTLY"]
    assert body.get("data") is None and registry.calls == []


def test_a_list_of_ids_costs_what_it_can_hold_on_every_row():
    declared = COST_MODEL.leaf_costs["Contract.stationIds"]
    without = cost_of("{ contracts(first: 10) { items { id } } }")
    assert cost_of("{ contracts(first: 10) { items { id stationIds } } }") == without + 10 * declared
    assert cost_of("{ contracts(first: 10) { items { id stationIds same: stationIds } } }") == \
        without + 2 * 10 * declared
