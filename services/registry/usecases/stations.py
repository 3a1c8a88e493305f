"""Stations: registering one, changing it, reading them, and the operator a purchase contract names."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import ValidationFailed
from services.common.events import event_by
from services.common.rpc import load
from services.common.scope import Scope
from services.common.together import together
from services.contracts import registry as events
from services.registry import compliance as rules
from services.registry import domain, schemas

from .access import visible_by_id, writable_station
from .compliance import evaluate, evaluations, save_station
from .context import Registry


def register_station(context: Registry, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.StationInputSchema, data)
    township_code = data["township_code"]
    viewer.require_write(region_code=township_code)
    regions = context.repo.regions_by_code([township_code, township_code[:6]])
    station = domain.new_station(data, regions.get(township_code), regions.get(township_code[:6]), clock.today())
    evaluation = evaluate(context, station)
    station["compliance"] = rules.snapshot(evaluation)
    registered = event_by(viewer, events.STATION_REGISTERED, {
        "station_id": station["_id"], "name": station["name"], "township_code": township_code,
        "county_code": station["county_code"], "city_code": station["city_code"], "status": station["status"],
        "legal_form": station["legal_form"],
        "operator_credit_code": (station.get("operator") or {}).get("credit_code")})
    changed = event_by(viewer, events.COMPLIANCE_CHANGED, {
        "station_id": station["_id"], "region_code": township_code, "status": station["compliance"]["status"],
        "previous_status": None, "rules": station["compliance"]["rules"], "as_of": evaluation["as_of"]})
    context.repo.stations.insert(station, [registered, changed],
                                 duplicate_message=f"township {township_code} already has a station")
    return domain.station_view(context.repo.stations.require(station["_id"]), viewer)


def update_station(context: Registry, viewer: Viewer, station_id: str, data: dict) -> dict:
    data = load(schemas.StationUpdateSchema, data)
    station = writable_station(context, viewer, station_id)
    expected = data.pop("expected_version")
    effective_on = domain.effective_date(data.pop("effective_on", None), clock.today())
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")
    changes = jsonable({k: v for k, v in data.items() if k != "status"})
    history = domain.dated_history(station, changes, rules.DATED_STATION_FIELDS, effective_on)
    if history is not None:
        changes["history"] = history
    if "name" in data:
        _check_name(context, station, data["name"])
    if ("legal_form" in data or "operator" in data) and data.get("operator", station.get("operator")) is None:
        legal_form = data.get("legal_form", station["legal_form"])
        raise ValidationFailed.field("operator", f"a station with legal form {legal_form} names its operator")
    if "status" in data:
        changes.update(domain.change_status(station, data["status"]["status"], data["status"]["on"]))
    updated = {**station, **changes}
    event = event_by(viewer, events.STATION_UPDATED, {
        "station_id": station_id, "region_code": station["region_code"], "changed": sorted(data.keys()),
        "status": updated["status"], "operator_credit_code": (updated.get("operator") or {}).get("credit_code")})
    return save_station(context, viewer, station, expected, changes, [event], effective_on)


def _check_name(context: Registry, station: dict, name: str) -> None:
    regions = context.repo.regions_by_code([station["township_code"], station["county_code"]])
    problem = domain.check_station_name(name, regions[station["county_code"]], regions[station["township_code"]])
    if problem:
        raise ValidationFailed.field("name", problem)


def list_stations(context: Registry, viewer: Viewer, filters: dict | None,
                  include: list[str] | None = None) -> dict:
    """One page of stations. `include` names what else each item carries, read from the same documents
    (so a page with its staff and compliance reads each station once, in one call): "staff" with the
    member fields "staff.<name>" (domain.STAFF_FIELDS), "compliance" (today's evaluation) and
    "compliance.evidence"."""
    f = load(schemas.StationFilterSchema, filters or {})
    wanted = schemas.load_station_include(include)
    if f["failing_rule"] and f["failing_rule"] not in rules.RULES:
        raise ValidationFailed.field("failing_rule", f"one of {', '.join(rules.RULES)}")
    def read_page():
        return context.repo.station_page(Scope.of(viewer, within=f["region"]), status=f["status"],
                                         compliance=f["compliance"], failing_rule=f["failing_rule"],
                                         name_contains=f["text"], after=f["after"], limit=f["limit"])
    reference = None
    if "compliance" in wanted:  # the policies and wages it is evaluated with, read while the page is
        page, policies, wages = together(read_page, context.repo.policies, context.repo.wages)
        reference = (policies, wages)
    else:
        page = read_page()
    items = [domain.station_view(d, viewer) for d in page.docs]
    if "staff" in wanted:
        today = clock.today()
        member_fields = frozenset(name.removeprefix("staff.") for name in wanted if name.startswith("staff."))
        for item, doc in zip(items, page.docs, strict=True):
            item["staff"] = [domain.staff_view(m, doc["_id"], today, member_fields) for m in doc.get("staff", [])]
    if "compliance" in wanted:
        evaluated = evaluations(context, page.docs, clock.today(), reference)
        for item in items:
            item["compliance"] = evaluated[item["id"]] if "compliance.evidence" in wanted else \
                rules.without_evidence(evaluated[item["id"]])
    return {"items": items, "next_cursor": page.next_cursor, "total": page.total}


def get_stations(context: Registry, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = visible_by_id(context, viewer, ids)
    return [domain.station_view(found[i], viewer) if i in found else None for i in ids]


def record_contract_award(context: Registry, viewer: Viewer, award: dict) -> list[str]:
    """A purchase-of-service contract names the operator of its stations.

    Idempotent: a station that already records this contract is left alone, so a redelivered
    award (or a retry after a partial failure) changes nothing twice.
    """
    changed = []
    for station_id in award["station_ids"]:
        station = context.repo.stations.get(station_id)
        if station is None or (station.get("operator") or {}).get("contract_id") == award["contract_id"]:
            continue
        operator = {"name": award["operator_name"], "credit_code": award["operator_credit_code"],
                    "contact_phone": (station.get("operator") or {}).get("contact_phone"),
                    "contract_id": award["contract_id"],
                    "contract_period": [award["period_start"], award["period_end"]]}
        event = event_by(viewer, events.STATION_UPDATED, {
            "station_id": station_id, "region_code": station["region_code"], "changed": ["operator"],
            "status": station["status"], "operator_credit_code": operator["credit_code"]})
        save_station(context, viewer, station, station["_version"],
                     {"operator": operator, "legal_form": "operated_by_organisation"}, [event])
        changed.append(station_id)
    return changed
