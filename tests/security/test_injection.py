"""Injection strings against the real registry and store: scope never widens, no request stalls the store,
nothing is an internal error.

Every String and ID argument of the registry's queries is tried with each string (the arguments are read
from the schema, so a new one is covered without touching this file)."""
from __future__ import annotations

import time

import pytest
from graphql import GraphQLNonNull, get_named_type

from gateway.schema import schema
from gateway.schema.registry import RegistryQuery
from tests.integration.test_gateway_registry import (  # noqa: F401 (platform: the fixture)
    DANYANG,
    JINGKOU,
    platform,
    stations,
    token_for,
)

INJECTIONS = [
    "321181|", ".*", "^", "3", "", " ", "321181.*", "32118[0-9]", "(a+)+$", "((((((((((((a*)*)*)*)*)*)*)*)*)*)*)*)*b",
    "(.*){12}x", "321181\x00", "３２１１８１", "321181' || '1'=='1", '{"$ne": null}', "$where", "\\", "321181\\",
    "[", "]", "a" * 5000,
]
# Loaded machine: a refusal costs milliseconds, an exponential regex would cost hours. Generous bound.
BOUND_SECONDS = 10.0

ROLLUP = """query ($code: String!) { regionRollup(code: $code) { regionCode stations } }"""


@pytest.mark.parametrize("code", INJECTIONS)
@pytest.mark.parametrize("role", ["county", "evaluator"])
def test_region_rollup_never_widens_and_refuses_patterns(platform, role, code):  # noqa: F811
    token = token_for(platform, role, region=DANYANG)
    started = time.monotonic()
    body = platform.gql(ROLLUP, {"code": code}, token)
    assert time.monotonic() - started < BOUND_SECONDS
    codes = [e["extensions"]["code"] for e in body.get("errors", [])]
    assert codes and set(codes) <= {"BAD_USER_INPUT", "NOT_FOUND"}, body
    assert body["data"] is None or body["data"]["regionRollup"] is None


def test_region_rollup_of_the_city_shows_only_the_callers_county(platform):  # noqa: F811
    token = token_for(platform, "county", region=DANYANG)
    own = platform.ok(ROLLUP, {"code": DANYANG}, token)["regionRollup"]["stations"]
    city = platform.ok(ROLLUP, {"code": "321100"}, token)["regionRollup"]["stations"]
    everything = platform.ok(ROLLUP, {"code": "321100"}, token_for(platform, "admin"))["regionRollup"]["stations"]
    assert own == city == len(stations(platform)[DANYANG])
    assert everything == len(stations(platform)[DANYANG]) + len(stations(platform)[JINGKOU])


@pytest.mark.parametrize("region", ["321181|", ".*", "^", "3", "32", "(a+)+$"])
def test_a_token_region_that_is_a_pattern_is_refused(platform, region):  # noqa: F811
    token = token_for(platform, "county", region=region)
    response = platform.post("{ stations { totalCount } }", token=token)
    assert response.status_code == 401, response.text


def _string_arguments():
    query_type = schema.graphql_schema.query_type
    registry_fields = {_camel(name) for name in RegistryQuery._meta.fields}
    for name, field in query_type.fields.items():
        if name not in registry_fields:
            continue
        for arg_name, arg in field.args.items():
            if get_named_type(arg.type).name not in ("String", "ID"):
                continue
            others_required = [a for n, a in field.args.items() if n != arg_name and isinstance(a.type, GraphQLNonNull)]
            if others_required:
                continue
            yield name, arg_name, field


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _selection(field) -> str:
    named = get_named_type(field.type)
    return " { __typename }" if hasattr(named, "fields") else ""


STRING_ARGUMENTS = list(_string_arguments())


def test_the_registry_has_string_arguments_to_try():
    assert len(STRING_ARGUMENTS) >= 3, STRING_ARGUMENTS


@pytest.mark.parametrize("value", INJECTIONS[:12])
def test_every_string_argument_of_the_registry(platform, value):  # noqa: F811
    token = token_for(platform, "county", region=DANYANG)
    for name, arg_name, field in STRING_ARGUMENTS:
        wrapped = get_named_type(field.args[arg_name].type).name
        type_ref = f"{wrapped}!" if isinstance(field.args[arg_name].type, GraphQLNonNull) else wrapped
        query = f"query ($v: {type_ref}) {{ {name}({arg_name}: $v){_selection(field)} }}"
        started = time.monotonic()
        body = platform.gql(query, {"v": value}, token)
        assert time.monotonic() - started < BOUND_SECONDS, (name, arg_name)
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert "INTERNAL_SERVER_ERROR" not in codes, (name, arg_name, body)
    stations = platform.gql("query ($v: String) { stations(region: $v) { totalCount } }", {"v": value}, token)
    listed = (stations.get("data") or {}).get("stations")
    assert listed is None or listed["totalCount"] <= len(stations(platform)[DANYANG])
