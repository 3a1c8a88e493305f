"""A resource of the library (organisation or facility) with its services, their places and yearly review."""
from __future__ import annotations

from datetime import date

from services.common.clock import jsonable
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.contracts.vocabulary import (
    RESOURCE_KINDS,
    REVIEW_OUTCOMES,
)

from .. import matching
from .common import REVIEW_INTERVAL_MONTHS, add_months, category_of, check_slots, station_township, weekdays_of


def new_resource(data: dict, resource_id: str, service_ids: list[str], today: date) -> dict:
    township = station_township(data["station_id"])
    if data["township_code"][:6] != township[:6]:
        raise ValidationFailed.field("township_code", "a station records resources of its own county")
    community = data.get("community_code")
    if community and community[:9] != data["township_code"]:
        raise ValidationFailed.field("community_code", "must lie in the given township")
    if data["reviewed_on"] > today:
        raise ValidationFailed.field("reviewed_on", "cannot be in the future")
    services = []
    for service_id, service in zip(service_ids, data["services"], strict=False):
        check_slots(service["opening_hours"], "services.opening_hours")
        services.append({**service, "service_id": service_id})
    return jsonable({
        "_id": resource_id,
        "kind": data["kind"],
        "category": category_of(data["kind"]),
        "name": data["name"],
        "credit_code": data.get("credit_code"),
        "description": data.get("description"),
        "station_id": data["station_id"],
        "region_code": township,
        "township_code": data["township_code"],
        "county_code": data["township_code"][:6],
        "community_code": community,
        "services": services,
        "domains": sorted({s["domain"] for s in services}),
        "contact": data["contact"],
        "location": data["location"],
        "status": "active",
        "reviewed_on": data["reviewed_on"],
        "next_review_due": add_months(data["reviewed_on"], REVIEW_INTERVAL_MONTHS),
        "reviews": [{"reviewed_on": data["reviewed_on"], "outcome": REVIEW_OUTCOMES[0], "notes": None}],
        "open_tasks": [],
    })


def review(resource: dict, reviewed_on: date, outcome: str, notes: str | None, today: date) -> dict:
    if reviewed_on > today:
        raise ValidationFailed.field("reviewed_on", "cannot be in the future")
    if reviewed_on.isoformat() < resource["reviewed_on"]:
        raise ValidationFailed.field("reviewed_on", f"is before the last review ({resource['reviewed_on']})")
    if resource["status"] == "closed":
        raise Conflict("this resource is closed; register it again if it reopened")
    closed = outcome == "closed"
    return jsonable({
        "reviewed_on": reviewed_on,
        "next_review_due": None if closed else add_months(reviewed_on, REVIEW_INTERVAL_MONTHS),
        "status": "closed" if closed else "active",
        "reviews": [*resource["reviews"], {"reviewed_on": reviewed_on, "outcome": outcome, "notes": notes}],
    })


def review_overdue(resource: dict, today: date) -> bool:
    """Not reviewed for 12 months: the yearly update of the resource library is late."""
    return resource["status"] == "active" and resource["next_review_due"] < today.isoformat()


def find_service(resource: dict, service_id: str) -> dict:
    for service in resource["services"]:
        if service["service_id"] == service_id:
            return service
    raise NotFound(f"resource {resource['_id']} has no service {service_id}")


def reserve_service(resource: dict, service_id: str, task_id: str, need_id: str) -> list[dict]:
    if any(t["task_id"] == task_id for t in resource["open_tasks"]):
        return resource["open_tasks"]
    if resource["status"] != "active":
        raise RuleViolation(f"resource {resource['name']} is {resource['status']}")
    service = find_service(resource, service_id)
    taken = sum(1 for t in resource["open_tasks"] if t["service_id"] == service_id)
    if taken >= service["capacity"]:
        raise RuleViolation(f"{service['name']} is full ({taken} of {service['capacity']} places taken)",
                            {"candidate": ["at capacity"]})
    return [*resource["open_tasks"], {"task_id": task_id, "need_id": need_id, "service_id": service_id}]


def resource_view(resource: dict, today: date) -> dict:
    load: dict[str, int] = {}
    for task in resource["open_tasks"]:
        load[task["service_id"]] = load.get(task["service_id"], 0) + 1
    return {
        "id": resource["_id"],
        "kind": resource["kind"],
        "kind_label": RESOURCE_KINDS[resource["kind"]],
        "category": resource["category"],
        "name": resource["name"],
        "credit_code": resource.get("credit_code"),
        "description": resource.get("description"),
        "station_id": resource["station_id"],
        "township_code": resource["township_code"],
        "community_code": resource.get("community_code"),
        "services": [{**s, "places_taken": load.get(s["service_id"], 0)} for s in resource["services"]],
        "domains": resource["domains"],
        "contact": resource["contact"],
        "location": resource["location"],
        "status": resource["status"],
        "reviewed_on": resource["reviewed_on"],
        "next_review_due": resource.get("next_review_due"),
        "review_overdue": review_overdue(resource, today),
        "reviews": resource["reviews"],
        "version": resource["_version"],
    }


def resource_candidate(doc: dict) -> matching.ResourceCandidate:
    load: dict[str, int] = {}
    for task in doc["open_tasks"]:
        load[task["service_id"]] = load.get(task["service_id"], 0) + 1
    return matching.ResourceCandidate(
        id=doc["_id"], name=doc["name"], kind=doc["kind"], township_code=doc["township_code"],
        community_code=doc.get("community_code"),
        services=tuple(matching.ServiceOffer(
            service_id=s["service_id"], name=s["name"], domain=s["domain"], need_types=frozenset(s["need_types"]),
            capacity=s["capacity"], eligible_groups=frozenset(s["eligibility"]["beneficiary_groups"]),
            weekdays=weekdays_of(s["opening_hours"]), load=load.get(s["service_id"], 0)) for s in doc["services"]))
