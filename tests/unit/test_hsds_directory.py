"""The resource directory against the official HSDS 3.0 schemas (tests/support/hsds, $refs resolved
locally): on the demo city's whole library and on resources with no optional field set."""
from __future__ import annotations

import random
from datetime import datetime

import pytest

from services.common.auth import SYSTEM
from services.common.rpc import load
from services.volunteers import demo, directory, domain, places, schemas
from services.volunteers.candidates import CandidateIndex
from services.volunteers.usecases import Volunteering, resources
from tests.support import hsds_validation as hsds
from tests.support.gateway_volunteers_fakes import memory_repository
from tests.support.volunteers_fixtures import credit_code, resource_input

EXPORTED_AT = datetime(2026, 6, 1, 8, 0)
TODAY = datetime(2026, 6, 1).date()


def a_resource(resource_id: str = "res_1", service_ids=("svc_1",), **overrides) -> dict:
    data = load(schemas.ResourceInputSchema, resource_input(**overrides))
    return domain.new_resource(data, resource_id, list(service_ids), TODAY)


@pytest.fixture(scope="module")
def demo_directory() -> dict:
    repo = memory_repository()
    volunteering = Volunteering(repo, CandidateIndex(repo.db))
    demo.seed_city(volunteering, random.Random(20260601), demo.townships(), volunteers_per_township=1,
                   needs_per_township=0)
    return resources.export_directory(volunteering, SYSTEM, {})


def test_the_demo_directory_is_valid_hsds_3(demo_directory):
    assert len(demo_directory["organizations"]) == 3 * len(demo.townships())  # every demo resource is there
    assert len(demo_directory["services"]) == len(demo_directory["service_at_locations"]) >= 3 * 55
    assert hsds.directory_errors(demo_directory) == {}


def test_the_validator_catches_what_the_old_export_got_wrong(demo_directory):
    """The validation is not vacuous: nulls, the old attribute shape and a bad status fail."""
    service = demo_directory["services"][0]
    location = demo_directory["locations"][0]
    organisation = demo_directory["organizations"][0]
    assert hsds.errors("service.json", {**service, "description": None})
    assert hsds.errors("service.json", {**service, "attributes": [{"term": "elderly", "taxonomy": "shegong:domain"}]})
    assert hsds.errors("service.json", {**service, "status": "open"})
    assert hsds.errors("location.json", {**location, "latitude": None})
    address = location["addresses"][0]
    assert hsds.errors("location.json", {**location, "addresses": [{k: v for k, v in address.items()
                                                                    if k != "postal_code"}]})
    assert hsds.errors("organization.json", {**organisation, "id": "res_1"})
    assert hsds.errors("organization.json", {**organisation, "email": "not an address"})


def test_places_are_named_not_coded(demo_directory):
    address = demo_directory["locations"][0]["addresses"][0]
    assert (address["state_province"], address["city"], address["country"]) == ("江苏省", "镇江市", "CN")
    assert address["region"].endswith(("区", "市", "县"))
    names = {area["name"] for s in demo_directory["services"] for area in s["service_areas"]}
    assert names <= {row["name"] for row in demo.townships()} and len(names) == 55
    for service in demo_directory["services"]:
        area = service["service_areas"][0]
        assert "division_code" not in area.values() and area["description"].startswith("村(社区)行政区划代码 3211")


def test_organisations_carry_their_credit_code_as_an_organization_identifier():
    code = credit_code("321181", 9)
    export = directory.hsds_directory([a_resource(kind="community_social_organisation", credit_code=code)],
                                      EXPORTED_AT, places.division_names())
    organisation = export["organizations"][0]
    assert "identifiers" not in organisation
    assert organisation["organization_identifiers"] == [{
        "id": directory.hsds_id("identifier", "res_1"), "organization_id": organisation["id"],
        "identifier_scheme": "CN-USCI", "identifier_type": "统一社会信用代码", "identifier": code}]
    assert organisation["tax_id"] == code
    assert hsds.directory_errors(export) == {}


def test_a_resource_with_no_optional_field_is_valid_and_has_no_nulls():
    bare = a_resource(kind="elderly_care_institution", credit_code=None, community_code=None,
                      location={"address": "丹阳市云阳街道新民路1号"},
                      contact={"name": "张主任", "phone": "0511-86001234"},
                      services=[{"name": "日间照料", "domain": "elderly", "capacity": 2}])
    export = directory.hsds_directory([bare], EXPORTED_AT, places.division_names())
    assert hsds.directory_errors(export) == {}

    def nulls(value, path=""):
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in nulls(v, f"{path}/{k}")]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in nulls(v, f"{path}/{i}")]
        return [path] if value is None else []

    assert nulls(export) == []
    organisation, location, service = export["organizations"][0], export["locations"][0], export["services"][0]
    assert "organization_identifiers" not in organisation and "tax_id" not in organisation
    assert "email" not in organisation and "latitude" not in location and "schedules" not in service
    assert service["service_areas"][0]["name"] == "云阳街道"
    assert "minimum_age" not in service and "eligibility_description" not in service


def test_unknown_places_are_not_replaced_by_codes():
    """A county outside the shipped lists keeps the standard's shape; codes stay out of the name fields."""
    resource = a_resource(station_id="ST110101001", township_code="110101001", community_code=None)
    export = directory.hsds_directory([resource], EXPORTED_AT, places.division_names())
    assert hsds.directory_errors(export) == {}
    area = export["services"][0]["service_areas"][0]
    assert "name" not in area and area["description"] == "乡镇(街道)行政区划代码 110101001"
    address = export["locations"][0]["addresses"][0]
    assert (address["city"], address["state_province"]) == ("", "") and "region" not in address
    assert address["address_1"] == resource["location"]["address"]


def test_every_attribute_links_a_taxonomy_term_of_the_service():
    resource = a_resource()
    export = directory.hsds_directory([resource], EXPORTED_AT, places.division_names())
    service = export["services"][0]
    terms = {(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]) for a in service["attributes"]}
    assert terms == {("shegong:domain", "elderly"), ("shegong:need_type", "daily_care"),
                     ("shegong:need_type", "dementia_care")}
    assert {a["link_id"] for a in service["attributes"]} == {service["id"]}
    assert all(a["link_entity"] == "service" for a in service["attributes"])
    # Re-exporting gives the same identifiers.
    again = directory.hsds_directory([resource], datetime(2026, 6, 2), places.division_names())["services"][0]
    assert [a["id"] for a in again["attributes"]] == [a["id"] for a in service["attributes"]]
