"""Through the endpoint: a query text is parsed and validated once, each request still runs with its own
variables (and loaders), and the cache of prepared documents is bounded."""
from __future__ import annotations

import gateway.guards as guards
from gateway.execution import GraphQLEndpoint
from gateway.guards import CostModel, GuardLimits, QueryGuard
from gateway.schema import COST_MODEL, schema
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

PAGE = """query ($first: Int) { stations(first: $first) { totalCount items { id name
    staff { name } compliance { status rules { rule status } } } } }"""


def test_the_same_text_is_prepared_once_and_runs_with_each_requests_variables(monkeypatch):
    parsed, validated = [], []
    real_parse, real_validate = guards.parse, guards.validate
    monkeypatch.setattr(guards, "parse", lambda text, **kw: parsed.append(text) or real_parse(text, **kw))
    monkeypatch.setattr(guards, "validate", lambda *a, **kw: validated.append(a[1]) or real_validate(*a, **kw))
    endpoint = GraphQLEndpoint(schema, COST_MODEL)
    query = PAGE + " # a text no other test sends"
    registry = FakeRegistry(stations=5)
    pages = [gateway_request(endpoint, registry, query, variables={"first": first}, token=token_for("admin")).json()
             for first in (2, 4, 2)]
    assert len(parsed) == 1 and len(validated) == 1
    assert [len(page["data"]["stations"]["items"]) for page in pages] == [2, 4, 2]
    assert pages[0]["data"] == pages[2]["data"] and all("errors" not in page for page in pages)
    assert all(page["data"]["stations"]["items"][0]["staff"] for page in pages)
    assert registry.count() == {"list_stations": 3}  # each request asked the registry itself


def test_the_cache_of_prepared_documents_is_bounded():
    bounded = QueryGuard(schema.graphql_schema, GuardLimits(max_depth=10, max_cost=5_000, max_aliases=20,
                                                            production=False), CostModel(), cache_size=3)
    for number in range(10):
        bounded.prepare(f"{{ viewer {{ userId }} }} # {number}")
    assert bounded.cache_info().currsize == 3
    bounded.prepare("{ viewer { userId } } # 9")
    assert bounded.cache_info().hits == 1
