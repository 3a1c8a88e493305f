"""The community resource library: organisations and facilities, their yearly review, the HSDS export."""
from __future__ import annotations

from collections import Counter
from datetime import date

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import RuleViolation, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import volunteers as events

from .. import directory, domain, places, schemas
from . import Volunteering, access


def register_resource(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.ResourceInputSchema, data)
    access.require_station_write(viewer, data["station_id"])
    resource = domain.new_resource(data, new_id("res"), [new_id("svc") for _ in data["services"]], clock.today())
    registered = event_by(viewer, events.RESOURCE_REGISTERED, {
        "resource_id": resource["_id"], "kind": resource["kind"], "category": resource["category"],
        "name": resource["name"], "credit_code": resource["credit_code"], "station_id": resource["station_id"],
        "township_code": resource["township_code"], "community_code": resource["community_code"],
        "domains": resource["domains"], "next_review_due": resource["next_review_due"]})
    ctx.repo.resources.insert(resource, [registered])
    ctx.index.mark_dirty()
    return domain.resource_view(ctx.repo.resources.require(resource["_id"]), clock.today())


def update_resource(ctx: Volunteering, viewer: Viewer, resource_id: str, data: dict) -> dict:
    data = load(schemas.ResourceUpdateSchema, data)
    expected = data.pop("expected_version")
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")
    resource = access.writable(ctx.repo.resources, resource_id, viewer)
    changes = dict(data)
    if "services" in data:
        # A service keeps its id when its name stays, so tasks it holds still point at it.
        ids_by_name = {s["name"]: s["service_id"] for s in resource["services"]}
        services = []
        for service in data["services"]:
            domain.check_slots(service["opening_hours"], "services.opening_hours")
            services.append({**service, "service_id": ids_by_name.get(service["name"]) or new_id("svc")})
        held = {t["service_id"] for t in resource["open_tasks"]} - {s["service_id"] for s in services}
        if held:
            raise RuleViolation("a service with open tasks cannot be removed; complete its tasks first",
                                {"services": ["a removed service still holds tasks"]})
        changes["services"] = services
        changes["domains"] = sorted({s["domain"] for s in services})
    ctx.repo.resources.update(resource_id, expected, clock.jsonable(changes))
    ctx.index.mark_dirty()
    return domain.resource_view(ctx.repo.resources.require(resource_id), clock.today())


def review_resource(ctx: Volunteering, viewer: Viewer, resource_id: str, data: dict) -> dict:
    data = load(schemas.ReviewSchema, data)
    resource = access.writable(ctx.repo.resources, resource_id, viewer)
    changes = domain.review(resource, data["reviewed_on"], data["outcome"], data.get("notes"), clock.today())
    reviewed = event_by(viewer, events.RESOURCE_REVIEWED, {
        "resource_id": resource_id, "station_id": resource["station_id"],
        "township_code": resource["township_code"], "reviewed_on": changes["reviewed_on"],
        "outcome": data["outcome"], "next_review_due": changes["next_review_due"]})
    ctx.repo.resources.update(resource_id, data["expected_version"], changes, [reviewed])
    ctx.index.mark_dirty()
    return domain.resource_view(ctx.repo.resources.require(resource_id), clock.today())


def list_resources(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.ResourceFilterSchema, filters or {})
    today = clock.today()
    scope, active_only = access.resource_readers(viewer)
    page = ctx.repo.resources.listing(scope, active_only, f, today, f["after"], f["limit"])
    return {"items": [domain.resource_view(d, today) for d in page["docs"]], "next_cursor": page["next_cursor"],
            "total": page["total"]}


def get_resources(ctx: Volunteering, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = {i: d for i, d in ctx.repo.resources.by_ids(ids).items() if access.sees_resource(viewer, d)}
    today = clock.today()
    return [domain.resource_view(found[i], today) if i in found else None for i in ids]


def overdue_reviews(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> dict:
    """Entries not reviewed for 12 months, per station and per county (the yearly update is late)."""
    f = load(schemas.RegionFilterSchema, filters or {})
    today = clock.today()
    scope, active_only = access.resource_readers(viewer)
    docs = ctx.repo.resources.overdue_for_review(scope, active_only, f, today)
    by_station: dict[str, list] = {}
    for doc in docs:
        by_station.setdefault(doc["station_id"], []).append({
            "id": doc["_id"], "name": doc["name"], "kind": doc["kind"], "reviewed_on": doc["reviewed_on"],
            "next_review_due": doc["next_review_due"],
            "days_overdue": (today - date.fromisoformat(doc["next_review_due"])).days})
    by_county = Counter(doc["county_code"] for doc in docs)
    return {"as_of": today.isoformat(), "total": len(docs),
            "by_station": [{"station_id": sid, "count": len(items), "items": items}
                           for sid, items in sorted(by_station.items())],
            "by_region": [{"region_code": code, "count": n} for code, n in sorted(by_county.items())]}


def export_directory(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> dict:
    """The resource library as an HSDS 3.0 resource directory (see directory.py)."""
    f = load(schemas.RegionFilterSchema, filters or {})
    scope, active_only = access.resource_readers(viewer)
    docs = ctx.repo.resources.active(scope, active_only, f, clock.today())
    return directory.hsds_directory(docs, clock.utcnow(), places.division_names())
