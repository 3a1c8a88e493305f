"""The community resource library as an open resource directory: HSDS 3.0 JSON.

Open Referral's Human Services Data Specification 3.0 describes a directory with `organization`,
`service`, `location` and `service_at_location` objects, each with a UUID. Ours are mapped so a
standard HSDS consumer can read them: an organisation (or a facility, which is both an
organisation and a place) offers services at one location; schedules are weekly RRULE-style
rows; our domains and need types become taxonomy terms linked through `attributes`.

HSDS is strict about shape: a field we have no value for is left out (never `null`), places are
named (city, state_province, a service area's name), and codes go where HSDS has room for them
(a service area's description, `organization_identifiers` for the credit code, scheme CN-USCI as
org-id.guide lists it). HSDS 3.0 requires an address's `postal_code`; the resource library does
not collect one, so it is an empty string. No I/O here: place names are passed in.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from services.contracts.vocabulary import ORGANISATION_KINDS, RESOURCE_KINDS

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shegong.example/resource-library")
WEEKDAYS = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
COUNTRY = "CN"
# org-id.guide's list code for the Unified Social Credit Identifier (统一社会信用代码, GB 32100).
CREDIT_CODE_SCHEME = "CN-USCI"
TAXONOMIES = {
    "shegong:domain": "社会工作服务领域 (service domain of the Shegong platform)",
    "shegong:need_type": "服务需求类型 (need type of the Shegong platform)",
}


def hsds_id(*parts: str) -> str:
    """Stable UUIDs derived from our ids: re-exporting gives the same identifiers."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _present(**fields) -> dict:
    """HSDS leaves out what is unknown: a `null` fails its schemas."""
    return {key: value for key, value in fields.items() if value is not None and value != []}


def _schedules(service_id: str, slots: list[dict]) -> list[dict]:
    return [{"id": hsds_id("schedule", service_id, str(n)), "service_id": hsds_id("service", service_id),
             "freq": "WEEKLY", "wkst": "MO", "byday": WEEKDAYS[slot["weekday"]], "opens_at": slot["start"],
             "closes_at": slot["end"]} for n, slot in enumerate(slots)]


def _taxonomy_term(taxonomy: str, code: str) -> dict:
    return {"id": hsds_id("taxonomy_term", taxonomy, code), "code": code, "name": code,
            "description": f"{TAXONOMIES[taxonomy]}: {code}", "taxonomy": taxonomy,
            "taxonomy_id": hsds_id("taxonomy", taxonomy),
            "taxonomy_detail": {"id": hsds_id("taxonomy", taxonomy), "name": taxonomy,
                                "description": TAXONOMIES[taxonomy]}}


def _attributes(service: dict) -> list[dict]:
    service_uuid = hsds_id("service", service["service_id"])
    terms = [("shegong:domain", service["domain"])] + [("shegong:need_type", t) for t in service["need_types"]]
    return [{"id": hsds_id("attribute", service["service_id"], taxonomy, code), "link_id": service_uuid,
             "link_type": "service_type", "link_entity": "service", "taxonomy_term_id": term["id"],
             "taxonomy_term": term}
            for taxonomy, code in terms for term in [_taxonomy_term(taxonomy, code)]]


def _address(resource: dict, location_id: str, names: Mapping[str, str]) -> dict:
    """Names, never codes, in the place fields; a place the shipped lists do not name is "" (HSDS
    requires city and state_province), and the free-text address line still says where it is."""
    county = resource["county_code"]
    city_code = county[:4] + "00"
    # 省直辖县级行政区划 (county digits 90..) have no city above them: the county is the city.
    city = names.get(city_code) or names.get(county) or ""
    return _present(id=hsds_id("address", resource["_id"]), location_id=location_id, address_type="physical",
                    address_1=resource["location"]["address"], city=city,
                    region=names.get(county) if city_code in names else None,
                    state_province=names.get(county[:2] + "0000", ""), postal_code="", country=COUNTRY)


def _service_area(resource: dict, service_id: str, names: Mapping[str, str]) -> dict:
    township = resource["township_code"]
    community = resource.get("community_code")
    township_name = names.get(township)
    if community:
        description = f"村(社区)行政区划代码 {community}" + (f",属{township_name}" if township_name else "")
    else:
        description = f"乡镇(街道)行政区划代码 {township}"
    return _present(id=hsds_id("area", service_id), service_id=hsds_id("service", service_id),
                    name=township_name, description=description)


def _organization(resource: dict, organisation_id: str) -> dict:
    contact = resource["contact"]
    identifiers = []
    if resource.get("credit_code"):
        identifiers.append({"id": hsds_id("identifier", resource["_id"]), "organization_id": organisation_id,
                            "identifier_scheme": CREDIT_CODE_SCHEME, "identifier_type": "统一社会信用代码",
                            "identifier": resource["credit_code"]})
    return _present(
        id=organisation_id, name=resource["name"],
        description=resource.get("description") or RESOURCE_KINDS[resource["kind"]],
        email=contact.get("email"), tax_id=resource.get("credit_code"),
        legal_status=RESOURCE_KINDS[resource["kind"]] if resource["kind"] in ORGANISATION_KINDS else None,
        phones=[{"id": hsds_id("phone", resource["_id"]), "organization_id": organisation_id,
                 "number": contact["phone"]}],
        contacts=[_present(id=hsds_id("contact", resource["_id"]), organization_id=organisation_id,
                           name=contact["name"], email=contact.get("email"))],
        organization_identifiers=identifiers)


def _service(resource: dict, service: dict, organisation_id: str, names: Mapping[str, str]) -> dict:
    eligibility = service["eligibility"]
    groups = "、".join(eligibility["beneficiary_groups"]) or None
    return _present(
        id=hsds_id("service", service["service_id"]), organization_id=organisation_id, name=service["name"],
        description=service.get("description"), status="active",
        eligibility_description=eligibility.get("notes") or groups,
        minimum_age=eligibility.get("min_age"), maximum_age=eligibility.get("max_age"),
        schedules=_schedules(service["service_id"], service["opening_hours"]),
        service_areas=[_service_area(resource, service["service_id"], names)],
        attributes=_attributes(service))


def hsds_directory(resources: list[dict], exported_at: datetime, names: Mapping[str, str] | None = None) -> dict:
    """`names` maps division codes to names (see places.py)."""
    names = names or {}
    organizations, services, locations, at_locations = [], [], [], []
    for resource in resources:
        organisation_id = hsds_id("organization", resource["_id"])
        location_id = hsds_id("location", resource["_id"])
        location = resource["location"]
        organizations.append(_organization(resource, organisation_id))
        locations.append(_present(
            id=location_id, location_type="physical", organization_id=organisation_id, name=resource["name"],
            latitude=location.get("latitude"), longitude=location.get("longitude"),
            addresses=[_address(resource, location_id, names)]))
        for service in resource["services"]:
            services.append(_service(resource, service, organisation_id, names))
            at_locations.append({"id": hsds_id("service_at_location", service["service_id"]),
                                 "service_id": hsds_id("service", service["service_id"]),
                                 "location_id": location_id})
    return {
        "hsds_version": HSDS_VERSION,
        "exported_at": exported_at.isoformat(),
        "organizations": organizations,
        "services": services,
        "locations": locations,
        "service_at_locations": at_locations,
    }
