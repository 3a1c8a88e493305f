"""GraphQL over HTTP: request parsing and response building, without nameko or a broker."""
from __future__ import annotations

import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.execution import GraphQLEndpoint
from gateway.http import (
    APPLICATION_JSON,
    GRAPHQL_RESPONSE_JSON,
    HttpRequest,
    RequestRejected,
    parse_params,
    read_werkzeug_request,
    response_media_type,
    wants_graphiql,
)
from gateway.schema import COST_MODEL, schema
from services.common import config
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
MUTATION = 'mutation { importRegions(csv: "code,name,level,parent_code") { accepted } }'


def post(body, content_type="application/json"):
    return HttpRequest.build("POST", {"Content-Type": content_type}, body=body)


def rejected(request) -> RequestRejected:
    with pytest.raises(RequestRejected) as caught:
        parse_params(request)
    return caught.value


# --- parsing ------------------------------------------------------------------------------
def test_post_json_body_gives_query_variables_and_operation_name():
    params = parse_params(post(json.dumps({"query": "query Q($a: Int) { viewer { role } }", "variables": {"a": 1},
                                           "operationName": "Q"})))
    assert (params.query, params.variables, params.operation_name) == ("query Q($a: Int) { viewer { role } }",
                                                                        {"a": 1}, "Q")


def test_json_with_charset_is_accepted():
    assert parse_params(post('{"query": "{ viewer { role } }"}', "application/json; charset=utf-8")).query


def test_get_takes_parameters_from_the_query_string():
    params = parse_params(HttpRequest.build("GET", args={"query": "{ viewer { role } }",
                                                         "variables": '{"x": 2}', "operationName": ""}))
    assert params.variables == {"x": 2} and params.operation_name is None


@pytest.mark.parametrize("content_type", ["text/plain", "application/graphql", "application/x-www-form-urlencoded", ""])
def test_other_media_types_are_415(content_type):
    assert rejected(post('{"query": "{ viewer { role } }"}', content_type)).status == 415


def test_non_utf8_charset_is_415():
    assert rejected(post('{"query": "{ a }"}', "application/json; charset=latin-1")).status == 415


@pytest.mark.parametrize("body", ["{not json", "[]", '"a string"', '{"query": 5}', '{"query": ""}', "{}",
                                  '{"query": "{ a }", "variables": [1]}', '{"query": "{ a }", "operationName": 3}',
                                  "[" * 100_000, b"\xff\xfe"])
def test_malformed_bodies_are_400(body):
    failure = rejected(post(body))
    assert failure.status == 400 and failure.code == "BAD_REQUEST"


def test_batches_are_refused_with_a_reason():
    assert "batched" in rejected(post('[{"query": "{ a }"}]')).message


def test_get_without_query_or_with_bad_variables_is_400():
    assert rejected(HttpRequest.build("GET")).status == 400
    assert rejected(HttpRequest.build("GET", args={"query": "{ a }", "variables": "{oops"})).status == 400


def test_other_methods_are_405_with_allow():
    failure = rejected(HttpRequest.build("PUT", body=b"{}"))
    assert failure.status == 405 and failure.headers["Allow"] == "GET, POST"


def test_body_over_the_limit_is_413_by_declared_length_and_by_actual_size():
    declared = Request(EnvironBuilder(method="POST", data=b"x" * 2_000, content_type="application/json").get_environ())
    assert read_werkzeug_request(declared, max_bytes=1_000).body_too_large
    environ = EnvironBuilder(method="POST", data=b"x" * 2_000, content_type="application/json").get_environ()
    environ["CONTENT_LENGTH"] = "10"  # lies: the read is capped by the limit anyway
    environ["wsgi.input_terminated"] = True
    lying = read_werkzeug_request(Request(environ), max_bytes=1_000)
    assert len(lying.body) <= 1_000
    small = read_werkzeug_request(Request(EnvironBuilder(method="POST", data=b'{"query": "{ a }"}',
                                                         content_type="application/json").get_environ()), 1_000)
    assert not small.body_too_large and parse_params(small).query == "{ a }"
    assert rejected(HttpRequest.build("POST", body_too_large=True)).status == 413


def test_werkzeug_request_headers_are_case_insensitive_and_get_has_no_body():
    request = Request(EnvironBuilder(method="GET", query_string={"query": "{ a }"},
                                     headers={"Authorization": "Bearer x"}).get_environ())
    read = read_werkzeug_request(request, 100)
    assert read.header("AUTHORIZATION") == "Bearer x" and read.args["query"] == "{ a }" and read.body == b""


# --- content negotiation ------------------------------------------------------------------
@pytest.mark.parametrize("accept, expected", [
    (None, APPLICATION_JSON),
    ("*/*", APPLICATION_JSON),
    ("application/json", APPLICATION_JSON),
    ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
    ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
    ("application/json, application/graphql-response+json;q=0.5", APPLICATION_JSON),
    ("text/plain", APPLICATION_JSON),
])
def test_response_media_type(accept, expected):
    assert response_media_type(accept) == expected


def test_graphiql_wanted_by_browsers_only():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert wants_graphiql(HttpRequest.build("GET", {"Accept": browser}))
    assert not wants_graphiql(HttpRequest.build("GET", {"Accept": "*/*"}))
    assert not wants_graphiql(HttpRequest.build("GET", {"Accept": browser}, {"query": "{ a }"}))
    assert not wants_graphiql(HttpRequest.build("POST", {"Accept": browser}))


# --- whole responses ----------------------------------------------------------------------
def test_query_answers_200_in_the_negotiated_media_type():
    registry = FakeRegistry()
    for accept, media in [(None, APPLICATION_JSON), (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON)]:
        response = gateway_request(ENDPOINT, registry, "{ viewer { role } }", accept=accept)
        assert response.status == 200 and response.media_type == media
        assert response.json()["data"] == {"viewer": {"role": "PUBLIC"}}


def test_get_query_works_and_get_mutation_is_405_allow_post():
    registry = FakeRegistry()
    assert gateway_request(ENDPOINT, registry, "{ viewer { role } }", method="GET").status == 200
    response = gateway_request(ENDPOINT, registry, MUTATION, method="GET")
    assert response.status == 405 and response.headers["Allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert registry.writes == []


def test_get_picks_the_named_operation_before_deciding():
    document = "query Read { viewer { role } } " + MUTATION.replace("mutation", "mutation Write")
    assert gateway_request(ENDPOINT, FakeRegistry(), document, method="GET", operation_name="Read").status == 200
    assert gateway_request(ENDPOINT, FakeRegistry(), document, method="GET", operation_name="Write").status == 405


@pytest.mark.parametrize("query, code", [("{ viewer { role }", "GRAPHQL_PARSE_FAILED"),
                                         ("{ doesNotExist }", "GRAPHQL_VALIDATION_FAILED")])
def test_documents_that_cannot_run_are_400_for_graphql_response_json_and_200_for_json(query, code):
    for accept, status in [(GRAPHQL_RESPONSE_JSON, 400), ("application/json", 200), (None, 200)]:
        response = gateway_request(ENDPOINT, FakeRegistry(), query, accept=accept)
        body = response.json()
        assert response.status == status
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == code


def test_bad_variables_are_a_request_error():
    query = "query ($first: Int!) { stations(first: $first) { totalCount } }"
    for accept, status in [(GRAPHQL_RESPONSE_JSON, 400), (None, 200)]:
        response = gateway_request(ENDPOINT, FakeRegistry(), query, variables={"first": "ten"}, accept=accept)
        assert response.status == status
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_unknown_or_ambiguous_operation_is_a_request_error():
    document = "query A { viewer { role } } query B { viewer { userId } }"
    assert gateway_request(ENDPOINT, FakeRegistry(), document, accept=GRAPHQL_RESPONSE_JSON).status == 400
    response = gateway_request(ENDPOINT, FakeRegistry(), document, operation_name="C")
    assert response.status == 200 and "no operation named 'C'" in response.json()["errors"][0]["message"]
    assert gateway_request(ENDPOINT, FakeRegistry(), document, operation_name="B").json()["data"]["viewer"]


def test_http_level_refusals_through_the_endpoint():
    registry = FakeRegistry()
    assert gateway_request(ENDPOINT, registry, body=b'{"query": "{ a }"}',
                           headers={"Content-Type": "text/plain"}).status == 415
    assert gateway_request(ENDPOINT, registry, body=b"{oops",
                           headers={"Content-Type": "application/json"}).status == 400
    too_big = ENDPOINT.handle(HttpRequest.build("POST", body_too_large=True), clients={"registry": registry},
                              settings=config.Settings())
    assert too_big.status == 413 and too_big.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert registry.calls == []


def test_graphiql_only_outside_production():
    browser = {"Accept": "text/html,*/*;q=0.8"}
    development = ENDPOINT.handle(HttpRequest.build("GET", browser), clients={"registry": FakeRegistry()},
                                  settings=config.Settings())
    assert development.status == 200 and development.media_type == "text/html" and "graphiql" in development.body
    production = ENDPOINT.handle(HttpRequest.build("GET", browser), clients={"registry": FakeRegistry()},
                                 settings=config.Settings(environment="production"))
    assert production.status == 400 and production.media_type == APPLICATION_JSON  # an ordinary request without query


def test_development_responses_report_cost_and_rpc_calls_production_ones_do_not():
    query = "{ stations(first: 5) { items { id staff { name } } } }"
    development = gateway_request(ENDPOINT, FakeRegistry(), query, token=token_for("admin")).json()
    assert development["extensions"]["rpcCalls"] == 1  # the page carries its staff
    assert development["extensions"]["cost"] == 1 + 1 + 5 * (1 + 1 + 10 * 1)
    production = gateway_request(ENDPOINT, FakeRegistry(), query, settings=config.Settings(environment="production"))
    assert "extensions" not in production.json()


def test_too_costly_variables_are_refused_before_anything_runs():
    query = "query ($n: Int) { stations(first: $n) { items { staff { training { topic hours date } } } } }"
    registry = FakeRegistry()
    response = gateway_request(ENDPOINT, registry, query, variables={"n": 100}, token=token_for("admin"),
                               accept=GRAPHQL_RESPONSE_JSON)
    assert response.status == 400 and registry.calls == []
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    cheap = gateway_request(ENDPOINT, registry, query, variables={"n": 1}, token=token_for("admin"))
    assert cheap.status == 200 and "errors" not in cheap.json()
