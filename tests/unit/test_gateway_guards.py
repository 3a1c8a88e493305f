"""Query guards: parse limits, spec validation kept, depth, cost, aliases, introspection, caching."""
from __future__ import annotations

import pytest
from graphql import parse

from gateway.guards import (
    MAX_TOKENS,
    CostModel,
    GuardLimits,
    QueryGuard,
    guard_for,
    measure_operation,
)
from gateway.schema import COST_MODEL, schema

SCHEMA = schema.graphql_schema
DEVELOPMENT = GuardLimits(max_depth=10, max_cost=5000, max_aliases=30, production=False)
PRODUCTION = GuardLimits(max_depth=10, max_cost=5000, max_aliases=30, production=True)


def guard(limits=DEVELOPMENT, cost_model=COST_MODEL) -> QueryGuard:
    return QueryGuard(SCHEMA, limits, cost_model)


def codes(prepared) -> list[str]:
    return [e.extensions.get("code") for e in prepared.errors]


def measure(query: str, cost_model=COST_MODEL):
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    operation = next(d for d in document.definitions if d.kind == "operation_definition")
    return measure_operation(SCHEMA, operation, fragments, cost_model)


def test_valid_query_passes_and_is_measured():
    checked = guard()
    prepared = checked.prepare("{ stations(first: 10) { items { id name } totalCount } }")
    assert prepared.valid and prepared.errors == ()
    measure, refusal = checked.measure(prepared, prepared.document.definitions[0], {})
    assert (measure.cost, measure.depth, measure.aliases, refusal) == (1 + 1 + 10 * 2 + 1, 3, 0, None)


def test_spec_rules_still_apply_next_to_ours():
    prepared = guard().prepare("{ doesNotExist }")
    assert not prepared.valid and codes(prepared) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "doesNotExist" in prepared.errors[0].message
    assert codes(guard().prepare("query ($a: Int) { viewer { role } }")) == ["GRAPHQL_VALIDATION_FAILED"]  # unused


def test_syntax_errors_are_parse_failures():
    assert codes(guard().prepare("{ viewer { role }")) == ["GRAPHQL_PARSE_FAILED"]


def test_token_limit_stops_huge_documents_before_validation():
    huge = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(MAX_TOKENS)) + " }"
    prepared = guard().prepare(huge)
    assert codes(prepared) == ["GRAPHQL_PARSE_FAILED"] and "tokens" in prepared.errors[0].message


def nested_regions(levels: int) -> str:
    return "{ region(code: \"32\") { " + "children { " * (levels - 1) + "code" + " }" * levels + " }"


def test_depth_limit():
    assert measure(nested_regions(3)).depth == 4  # region + 2 × children + code
    assert guard(GuardLimits(4, 10**9, 30, False)).prepare(nested_regions(3)).valid
    prepared = guard(GuardLimits(4, 10**9, 30, False)).prepare(nested_regions(4))
    assert codes(prepared) == ["QUERY_TOO_DEEP"] and "the limit is 4" in prepared.errors[0].message


def test_depth_follows_fragments_and_survives_unknown_or_cyclic_ones():
    query = """{ region(code: "32") { ...Deep } }
               fragment Deep on Region { children { children { children { code } } } }"""
    assert measure(query).depth == 5
    assert codes(guard(GuardLimits(4, 10**9, 30, False)).prepare(query)) == ["QUERY_TOO_DEEP"]
    # graphene's depth_limit_validator raised KeyError / recursed forever on these; ours lets the
    # spec rules report them.
    unknown = guard().prepare("{ region(code: \"32\") { ...Missing } }")
    assert codes(unknown) == ["GRAPHQL_VALIDATION_FAILED"]
    cyclic = guard().prepare("""{ region(code: "32") { ...A } }
                                fragment A on Region { children { ...B } } fragment B on Region { parent { ...A } }""")
    assert not cyclic.valid and "GRAPHQL_VALIDATION_FAILED" in codes(cyclic)


def test_cost_multiplies_lists_by_page_size_hint_or_default():
    model = CostModel(default_list_size=50, list_sizes={"Station.staff": 10})
    # stations(first: 20): the page passes 20 to its list `items`; staff uses its hint, training the default
    query = "{ stations(first: 20) { totalCount items { id staff { name training { hours } } } } }"
    assert measure(query, model).cost == 1 + 1 + 1 + 20 * (1 + 1 + 10 * (1 + 1 + 50 * 1))
    # without `first`, the argument's declared default (50) applies
    assert measure("{ stations { items { id } } }", model).cost == 1 + 1 + 50 * 1


def test_variable_page_sizes_count_as_a_lower_bound_when_validating_and_exactly_per_request():
    with_default = "query ($n: Int = 5) { stations(first: $n) { items { id } } }"
    without_default = "query ($n: Int) { stations(first: $n) { items { id } } }"
    assert measure(with_default).cost == 1 + 1 + 5
    assert measure(without_default).cost == 1 + 1 + 1
    document = parse(without_default)
    operation = document.definitions[0]
    assert measure_operation(SCHEMA, operation, {}, COST_MODEL, {"n": 80}).cost == 1 + 1 + 80
    assert measure_operation(SCHEMA, operation, {}, COST_MODEL, {}).cost == 1 + 1 + 50  # the argument's default
    assert measure_operation(SCHEMA, operation, {}, COST_MODEL, {"n": None}).cost == 1 + 1 + 50


def test_a_page_size_variable_cannot_sneak_past_the_cost_limit():
    checked = guard()
    query = "query ($n: Int) { stations(first: $n) { items { staff { training { topic hours date } } } } }"
    prepared = checked.prepare(query)
    assert prepared.valid  # n unknown: at least 1 station
    operation = prepared.document.definitions[0]
    assert checked.measure(prepared, operation, {"n": 2})[1] is None
    measure, refusal = checked.measure(prepared, operation, {"n": 100})
    assert refusal.extensions["code"] == "QUERY_TOO_COSTLY" and refusal.extensions["cost"] == measure.cost > 5000


def test_costly_queries_are_refused_with_their_cost():
    query = "{ stations(first: 100) { items { staff { training { topic hours date } } } } }"
    prepared = guard().prepare(query)
    assert codes(prepared) == ["QUERY_TOO_COSTLY"]
    assert prepared.errors[0].extensions["cost"] > 5000


def test_introspection_is_free_in_development_and_not_counted():
    prepared = guard().prepare("{ __schema { types { name fields { name type { ofType { ofType { name } } } } } } }")
    assert prepared.valid


def test_alias_limit():
    query = "{ " + " ".join(f"s{i}: station(id: \"ST{i}\") {{ id }}" for i in range(31)) + " }"
    prepared = guard().prepare(query)
    assert codes(prepared) == ["TOO_MANY_ALIASES"]
    assert guard().prepare(query.replace("s30: station(id: \"ST30\") { id }", "")).valid
    assert measure("{ a: viewer { b: role } ...F } fragment F on Query { c: viewer { role } }").aliases == 3


def test_introspection_is_refused_in_production_but_typename_is_fine():
    prepared = guard(PRODUCTION).prepare("{ __schema { queryType { name } } }")
    assert prepared.errors and set(codes(prepared)) == {"INTROSPECTION_DISABLED"}
    assert set(codes(guard(PRODUCTION).prepare('{ __type(name: "Station") { name } }'))) == {"INTROSPECTION_DISABLED"}
    assert guard(PRODUCTION).prepare("{ __typename viewer { role } }").valid
    assert guard(DEVELOPMENT).prepare("{ __schema { queryType { name } } }").valid


def test_production_gives_no_suggestions_that_would_leak_the_schema():
    development = guard(DEVELOPMENT).prepare("{ station(id: \"x\") { nam } }")
    production = guard(PRODUCTION).prepare("{ station(id: \"x\") { nam } }")
    assert "Did you mean" in development.errors[0].message
    assert "Did you mean" not in production.errors[0].message


def test_validation_is_cached_per_query_string():
    cached = guard()
    query = "{ viewer { role } }"
    first = cached.prepare(query)
    assert cached.prepare(query) is first
    assert cached.cache_info().hits == 1
    bad = cached.prepare("{ doesNotExist }")
    assert cached.prepare("{ doesNotExist }") is bad  # refusals are cached too
    assert cached.prepare("{ viewer { userId } }") is not first


def test_very_long_documents_are_not_cached():
    cached = guard()
    query = "{ viewer { role } }" + " " * 30_000
    cached.prepare(query)
    cached.prepare(query)
    assert cached.cache_info().currsize == 0


def test_one_guard_per_schema_and_limits():
    assert guard_for(SCHEMA, DEVELOPMENT, COST_MODEL) is guard_for(SCHEMA, DEVELOPMENT, COST_MODEL)
    assert guard_for(SCHEMA, PRODUCTION, COST_MODEL) is not guard_for(SCHEMA, DEVELOPMENT, COST_MODEL)


@pytest.mark.parametrize("query", ["{ viewer { role } }", "mutation { importRegions(csv: \"x\") { accepted } }"])
def test_settings_limits_are_read(query):
    from services.common.config import Settings
    limits = GuardLimits.from_settings(Settings(graphql_max_depth=3, graphql_max_cost=7, graphql_max_aliases=1,
                                                environment="production"))
    assert limits == GuardLimits(3, 7, 1, True)
    assert guard(limits).prepare(query).valid


def test_the_readme_example_costs_what_the_readme_says():
    assert measure("{ stations(first: 20) { items { name staff { name } } } }").cost == 242


def test_fragment_bombs_are_measured_quickly_and_refused():
    import time
    fragments = " ".join(f"fragment F{i} on Region {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = '{ region(code: "32") { ...F0 } } ' + fragments + " fragment F40 on Region { code }"
    started = time.monotonic()
    prepared = guard().prepare(query)
    assert time.monotonic() - started < 1.0  # measured once per fragment, not 2^40 times
    assert codes(prepared) == ["QUERY_TOO_COSTLY"]


def test_deeply_nested_documents_are_refused_by_the_parser():
    query = '{ region(code: "32") ' + "{ children " * 500 + "{ code }" + " }" * 500 + " }"
    assert codes(guard().prepare(query)) == ["GRAPHQL_PARSE_FAILED"]
