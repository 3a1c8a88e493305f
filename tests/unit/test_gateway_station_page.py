"""The stations page asks the registry for staff fields and compliance only when the query selects them,
and serves them from the page's own reply (no staff or compliance batch)."""
from __future__ import annotations

import pytest

from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from gateway.selection import snake_case
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)


def page(query: str, stations: int = 3):
    registry = FakeRegistry(stations=stations)
    body = gateway_request(ENDPOINT, registry, query, token=token_for("admin")).json()
    assert "errors" not in body, body["errors"]
    include = next(kwargs["include"] for name, _, kwargs in registry.calls if name == "list_stations")
    return registry, body, include


def test_names_only_asks_for_nothing_more():
    registry, _, include = page("{ stations { items { name } } }")
    assert include == [] and registry.count() == {"list_stations": 1}


def test_selected_staff_fields_and_compliance_come_with_the_page():
    registry, body, include = page("""{ stations { items { name staff { id name idNumber trainingHoursThisYear }
        compliance { status rules { rule status } } } } }""")
    assert include == ["staff", "staff.id_number", "staff.name", "staff.training_hours_this_year", "compliance"]
    assert registry.count() == {"list_stations": 1}
    item = body["data"]["stations"]["items"][0]
    assert item["staff"][0] == {"id": "stf-ST321102001-1", "name": "员工1", "idNumber": "320102********1234",
                                "trainingHoursThisYear": 12.5}
    assert {r["rule"] for r in item["compliance"]["rules"]} == {"VENUE_AREA", "TRAINING_HOURS"}


def test_fragments_aliases_and_training_totals_are_followed():
    _, body, include = page("""query { stations(first: 5) { items { ...Card } } }
        fragment Card on Station { trainingTotals { hoursThisYear }
                                   people: staff { ... on StaffMember { training { hours } } }
                                   compliance { rules { evidence } } }""")
    assert include == ["staff", "staff.employment_end", "staff.name", "staff.training",
                       "staff.training_hours_this_year", "compliance", "compliance.evidence"]
    item = body["data"]["stations"]["items"][0]
    assert item["trainingTotals"][0] == {"hoursThisYear": 12.5} and item["people"][0]["training"]
    assert item["compliance"]["rules"][0]["evidence"]


def test_compliance_of_another_day_is_still_one_batch():
    registry, body, _ = page("""{ stations { items { now: compliance { status }
        then: compliance(asOf: "2023-12-31") { asOf } } } }""", stations=5)
    assert registry.count() == {"list_stations": 1, "compliance_for_stations": 1}
    assert {s["then"]["asOf"] for s in body["data"]["stations"]["items"]} == {"2023-12-31"}


@pytest.mark.parametrize(("graphql", "service"), [("trainingHoursThisYear", "training_hours_this_year"),
                                                   ("idNumber", "id_number"), ("name", "name")])
def test_field_names_turn_into_the_services_names(graphql, service):
    assert snake_case(graphql) == service
