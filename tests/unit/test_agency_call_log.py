"""Every call of an agency's client in the access log, refusals included: the gateway's account of each root field
(gateway/agency.py `calls_of`) and casework's entries for it (services/casework/usecases/agency_calls.py), read
back through the access log as every other entry is."""
from __future__ import annotations

import pytest
from graphql import GraphQLError, get_operation_ast, parse

from gateway.agency import calls_of, record_calls, refusal
from services.casework.usecases import agency_calls
from services.common.auth import Viewer
from services.common.errors import OutOfScope, PermissionDenied, UpstreamUnavailable, ValidationFailed
from tests.support.casework_units import casework

READER = Viewer(user_id="agc-1", role="agency", region="321181", agency_id="ag-1", scopes=("domain:disability",))
COUNTY = Viewer(user_id="county-1", role="county", region="321181")
OTHER_COUNTY = Viewer(user_id="county-2", role="county", region="321102")


def operation_of(query: str):
    document = parse(query)
    return get_operation_ast(document), document


def test_a_guard_refusal_is_a_refused_call_of_every_root_field_asked_for():
    operation, document = operation_of("{ agencyReferrals { items { id } } stations { totalCount } __typename }")
    refused = refusal(READER, operation, document)
    assert refused is not None
    calls = calls_of(operation, document, refused=refused)
    assert [(c["field"], c["outcome"], c["code"]) for c in calls] == [
        ("agencyReferrals", "refused", "OUT_OF_SCOPE"), ("stations", "refused", "OUT_OF_SCOPE")]
    assert "stations" in calls[0]["reason"] and calls[1]["reason"] == refused.message


def test_executed_calls_are_answered_refused_by_a_service_or_failed():
    operation, document = operation_of('mutation { a: answerAgencyReferral(input: {}) { id } '
                                       'agencyReferrals { items { id } } b: answerAgencyReferral(input: {}) { id } }')
    errors = [GraphQLError("x", path=["a"], original_error=OutOfScope("this agency client may not call it")),
              GraphQLError("y", path=["b"], original_error=UpstreamUnavailable("casework did not answer"))]
    calls = calls_of(operation, document, errors=errors)
    assert [(c["field"], c["outcome"], c["code"]) for c in calls] == [
        ("answerAgencyReferral", "refused", "OUT_OF_SCOPE"), ("agencyReferrals", "answered", None),
        ("answerAgencyReferral", "failed", "SERVICE_UNAVAILABLE")]
    assert calls[0]["reason"] == "this agency client may not call it"


class CaseworkStub:
    def __init__(self, failure=None):
        self.recorded: list = []
        self.failure = failure

    def record_agency_calls(self, viewer, calls):
        if self.failure:
            raise self.failure
        self.recorded.append((viewer, calls))


def test_the_gateway_records_only_an_agency_clients_calls_and_a_log_outage_does_not_change_the_answer():
    calls = [{"field": "stations", "outcome": "refused", "reason": "no", "code": "OUT_OF_SCOPE"}]
    stub = CaseworkStub()
    record_calls(READER, {"casework": stub}, calls)
    record_calls(COUNTY, {"casework": stub}, calls)
    assert stub.recorded == [(READER.to_dict(), calls)]
    record_calls(READER, {"casework": CaseworkStub(UpstreamUnavailable("down"))}, calls)  # logged, not raised


def test_casework_writes_one_entry_per_call_scoped_to_the_agencys_region():
    cw = casework()
    written = agency_calls.record_agency_calls(cw, READER, [
        {"field": "stations", "outcome": "refused", "reason": "an agency client may not ask for stations",
         "code": "OUT_OF_SCOPE"},
        {"field": "agencyReferrals", "outcome": "answered"}])
    assert written == 2
    entries = cw.repo.access_log.page(COUNTY, {"user_id": "agc-1"})["items"]
    assert {(e["subject_id"], e["outcome"], e["action"], e["agency_id"], e["role"]) for e in entries} == {
        ("stations", "refused", "agency_call", "ag-1", "agency"),
        ("agencyReferrals", "answered", "agency_call", "ag-1", "agency")}
    refused = next(e for e in entries if e["outcome"] == "refused")
    assert refused["reason"] == "an agency client may not ask for stations" and refused["code"] == "OUT_OF_SCOPE"
    assert cw.repo.access_log.page(OTHER_COUNTY, {"user_id": "agc-1"})["items"] == []


def test_only_an_agency_clients_calls_are_recorded_and_only_known_outcomes():
    cw = casework()
    with pytest.raises(PermissionDenied):
        agency_calls.record_agency_calls(cw, COUNTY, [{"field": "stations", "outcome": "refused"}])
    with pytest.raises(ValidationFailed):
        agency_calls.record_agency_calls(cw, READER, [{"field": "stations", "outcome": "ignored"}])
    with pytest.raises(ValidationFailed):
        agency_calls.record_agency_calls(cw, READER, [{"field": "f", "outcome": "answered"}] * 51)
