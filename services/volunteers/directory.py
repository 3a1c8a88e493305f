"""The community resource library as an open resource directory: HSDS 3.0-shaped JSON.

Open Referral's Human Services Data Specification describes a directory with `organization`,
`service`, `location` and `service_at_location` objects, each with a UUID. Ours are mapped so a
standard HSDS consumer can read them: an organisation (or a facility, which is both an
organisation and a place) offers services at one location; schedules are weekly RRULE-style
rows; our domains and need types become taxonomy terms. No I/O here.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from .domain import RESOURCE_KINDS

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shegong.example/resource-library")
WEEKDAYS = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}


def hsds_id(*parts: str) -> str:
    """Stable UUIDs derived from our ids: re-exporting gives the same identifiers."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _schedules(service_id: str, slots: list[dict]) -> list[dict]:
    return [{"id": hsds_id("schedule", service_id, str(n)), "service_id": hsds_id("service", service_id),
             "freq": "WEEKLY", "byday": WEEKDAYS[slot["weekday"]], "opens_at": slot["start"],
             "closes_at": slot["end"]} for n, slot in enumerate(slots)]


def _terms(service: dict) -> list[dict]:
    terms = [{"term": service["domain"], "taxonomy": "shegong:domain"}]
    terms += [{"term": t, "taxonomy": "shegong:need_type"} for t in service["need_types"]]
    return terms


def hsds_directory(resources: list[dict], exported_at: datetime) -> dict:
    organizations, services, locations, at_locations = [], [], [], []
    for resource in resources:
        organisation_id = hsds_id("organization", resource["_id"])
        location_id = hsds_id("location", resource["_id"])
        location = resource["location"]
        organizations.append({
            "id": organisation_id,
            "name": resource["name"],
            "description": resource.get("description") or RESOURCE_KINDS[resource["kind"]],
            "tax_id": resource.get("credit_code"),
            "legal_status": RESOURCE_KINDS[resource["kind"]],
            "email": resource["contact"].get("email"),
            "phones": [{"id": hsds_id("phone", resource["_id"]), "number": resource["contact"]["phone"]}],
            "contacts": [{"id": hsds_id("contact", resource["_id"]), "name": resource["contact"]["name"]}],
            "identifiers": [{"id": hsds_id("identifier", resource["_id"]), "identifier_scheme": "shegong",
                             "identifier_type": resource["kind"], "identifier": resource["_id"]}],
        })
        locations.append({
            "id": location_id,
            "organization_id": organisation_id,
            "location_type": "physical",
            "name": resource["name"],
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
            "addresses": [{"id": hsds_id("address", resource["_id"]), "location_id": location_id,
                           "address_type": "physical", "address_1": location["address"],
                           "city": resource["county_code"][:4] + "00", "region": resource["township_code"],
                           "state_province": resource["county_code"][:2] + "0000", "postal_code": None,
                           "country": "CN"}],
        })
        for service in resource["services"]:
            service_uuid = hsds_id("service", service["service_id"])
            eligibility = service["eligibility"]
            services.append({
                "id": service_uuid,
                "organization_id": organisation_id,
                "name": service["name"],
                "description": service.get("description"),
                "status": "active",
                "eligibility_description": eligibility.get("notes") or (
                    "、".join(eligibility["beneficiary_groups"]) if eligibility["beneficiary_groups"] else None),
                "minimum_age": eligibility.get("min_age"),
                "maximum_age": eligibility.get("max_age"),
                "capacity": service["capacity"],
                "schedules": _schedules(service["service_id"], service["opening_hours"]),
                "attributes": _terms(service),
                "service_areas": [{"id": hsds_id("area", service["service_id"]),
                                   "name": resource.get("community_code") or resource["township_code"],
                                   "extent_type": "division_code"}],
            })
            at_locations.append({"id": hsds_id("service_at_location", service["service_id"]),
                                 "service_id": service_uuid, "location_id": location_id})
    return {
        "hsds_version": HSDS_VERSION,
        "exported_at": exported_at.isoformat(),
        "organizations": organizations,
        "services": services,
        "locations": locations,
        "service_at_locations": at_locations,
    }
