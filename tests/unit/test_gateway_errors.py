"""The one error mapping: domain errors keep code and details; everything else is masked."""
from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError
from nameko.exceptions import RemoteError

from gateway.errors import client_error, format_error
from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from services.common.errors import (
    ConcurrentModification,
    Conflict,
    NotFound,
    PermissionDenied,
    RuleViolation,
    Unauthenticated,
    UpstreamUnavailable,
    ValidationFailed,
)
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)


@pytest.mark.parametrize("error, code", [
    (ValidationFailed("bad", {"name": ["too short"]}), "BAD_USER_INPUT"),
    (NotFound("no such station"), "NOT_FOUND"),
    (Conflict("already there"), "CONFLICT"),
    (ConcurrentModification("changed meanwhile"), "CONCURRENT_MODIFICATION"),
    (RuleViolation("not allowed now"), "RULE_VIOLATION"),
    (PermissionDenied("not yours"), "FORBIDDEN"),
    (Unauthenticated("who are you"), "UNAUTHENTICATED"),
    (UpstreamUnavailable("registry.list_stations did not answer within 10s"), "SERVICE_UNAVAILABLE"),
])
def test_each_domain_error_keeps_its_code_and_message(error, code):
    described = client_error(error)
    assert (described.code, described.message, described.expected) == (code, error.message, True)


def test_details_become_camel_case_field_paths():
    error = ValidationFailed.from_marshmallow({"venue": {"office_area_m2": ["must be positive"]},
                                               "staff": {"0": {"id_number": ["bad check digit"]}},
                                               "_schema": ["nothing to change"]})
    assert client_error(error).extensions() == {"code": "BAD_USER_INPUT", "details": {
        "venue.officeAreaM2": ["must be positive"], "staff.0.idNumber": ["bad check digit"],
        "_schema": ["nothing to change"]}}


@pytest.mark.parametrize("error", [RuntimeError("db password=secret"), KeyError("id_number"),
                                   RemoteError("ValueError", "cannot decrypt 320102199001011234")])
def test_anything_else_is_masked(error):
    described = client_error(error)
    assert (described.message, described.code, described.expected) == ("internal error", "INTERNAL_SERVER_ERROR",
                                                                       False)


def test_located_errors_are_mapped_by_what_they_wrap():
    wrapped_domain = GraphQLError("ignored", path=["station"], original_error=NotFound("no such station"))
    assert format_error(wrapped_domain)["extensions"] == {"code": "NOT_FOUND"}
    # A scalar that cannot serialise a service's value is our bug, not the client's
    serialisation = GraphQLError("Int cannot represent 'x'", path=["a"], original_error=GraphQLError("Int cannot"))
    assert format_error(serialisation)["message"] == "internal error"


def test_masked_errors_are_logged_with_traceback_and_answered_with_correlation_id_only(caplog):
    try:
        raise RuntimeError("secret detail 320102199001011234")
    except RuntimeError as exc:
        error = GraphQLError("x", path=["stations"], original_error=exc)
    with caplog.at_level(logging.ERROR, logger="gateway.errors"):
        formatted = format_error(error, correlation_id="corr-1234")
    assert formatted == {"message": "internal error", "path": ["stations"],
                         "extensions": {"code": "INTERNAL_SERVER_ERROR", "correlationId": "corr-1234"}}
    assert caplog.records[0].exc_info and "secret detail" in caplog.text


def test_errors_from_the_registry_reach_the_client_through_the_endpoint():
    registry = FakeRegistry()
    registry.failures["update_station"] = ConcurrentModification(
        "station changed since you read it", {"expected_version": ["is 2, you sent 1"]})
    response = gateway_request(ENDPOINT, registry, """mutation { updateStation(id: "ST321102001",
        input: {expectedVersion: 1, name: "京口区第1街道社工站"}) { station { version } } }""",
                               token=token_for("admin"))
    body = response.json()
    assert response.status == 200 and body["data"] == {"updateStation": None}
    assert body["errors"][0]["extensions"] == {"code": "CONCURRENT_MODIFICATION",
                                               "details": {"expectedVersion": ["is 2, you sent 1"]}}
    assert body["errors"][0]["path"] == ["updateStation"]


def test_unexpected_failures_are_masked_in_the_response(caplog):
    registry = FakeRegistry()
    registry.failures["list_stations"] = RuntimeError("Traceback: pymongo secret at 10.0.0.3")
    with caplog.at_level(logging.ERROR):
        response = gateway_request(ENDPOINT, registry, "{ stations { totalCount } }", token=token_for("admin"),
                                   correlation_id="corr-abcdef01")
    assert response.status == 200
    assert "pymongo" not in response.body and "Traceback" not in response.body
    assert response.json()["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR",
                                                          "correlationId": "corr-abcdef01"}
    assert "pymongo secret" in caplog.text


def test_a_failing_batch_fails_only_the_fields_that_needed_it():
    registry = FakeRegistry(stations=3)
    registry.failures["compliance_for_stations"] = UpstreamUnavailable("registry.compliance_for_stations did not "
                                                                       "answer")
    # Compliance of a past date is loaded in a batch after the page (today's comes with the page).
    response = gateway_request(ENDPOINT, registry, """{ stations { items { id staff { name }
        compliance(asOf: "2023-12-31") { status } } } }""", token=token_for("admin"))
    body = response.json()
    assert [s["id"] for s in body["data"]["stations"]["items"]] == ["ST321102001", "ST321102002", "ST321102003"]
    assert all(s["compliance"] is None and s["staff"] for s in body["data"]["stations"]["items"])
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"}
    assert [e["path"] for e in body["errors"]] == [["stations", "items", i, "compliance"] for i in range(3)]


def test_a_crash_outside_graphql_is_a_masked_500(monkeypatch):
    endpoint = GraphQLEndpoint(schema, COST_MODEL, context_factory=lambda viewer, clients: 1 / 0)
    response = gateway_request(endpoint, FakeRegistry(), "{ viewer { role } }", correlation_id="corr-crash-01")
    assert response.status == 500
    assert response.json() == {"errors": [{"message": "internal error", "extensions": {
        "code": "INTERNAL_SERVER_ERROR", "correlationId": "corr-crash-01"}}]}


def test_a_service_that_is_not_running_is_service_unavailable():
    from nameko.exceptions import UnknownService
    described = client_error(UnknownService("registry"))
    assert (described.code, described.message) == ("SERVICE_UNAVAILABLE",
                                                   "the registry service is not available; try again shortly")


def test_every_batched_read_failing_still_gives_a_partial_answer():
    # Guards the rule in loaders.py: loader-backed fields are nullable, so a failed batch nulls
    # its fields instead of losing the whole response.
    registry = FakeRegistry(stations=2)
    for method in ("get_stations", "get_regions", "staff_for_stations", "compliance_for_stations", "regions",
                   "region_rollup"):
        registry.failures[method] = UpstreamUnavailable(f"registry.{method} did not answer")
    response = gateway_request(ENDPOINT, registry, """{ viewer { role }
        station(id: "ST321102001") { id } region(code: "321100") { name } regions { name }
        regionRollup(code: "321100") { stations }
        stations { totalCount items { id region { name } county { name } staff { name }
                   trainingTotals { hoursThisYear } compliance { status }
                   lastYear: compliance(asOf: "2023-12-31") { status } } } }""", token=token_for("admin"))
    body = response.json()
    assert response.status == 200
    assert body["data"]["viewer"] == {"role": "ADMIN"} and body["data"]["stations"]["totalCount"] == 2
    assert body["data"]["station"] is None and body["data"]["regions"] is None
    # Staff and today's compliance came with the page, in the call that answered.
    assert body["data"]["stations"]["items"][0] == {
        "id": "ST321102001", "region": None, "county": None, "staff": [{"name": "员工1"}, {"name": "员工2"}],
        "trainingTotals": [{"hoursThisYear": 12.5}] * 2, "compliance": {"status": "NOT_MET"}, "lastYear": None}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"}
