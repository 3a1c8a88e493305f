"""Compliance with the notice: the evaluation every station write stores, the views of it, the daily sweep."""
from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.auth import Viewer, region_prefix
from services.common.errors import ConcurrentModification, NotFound, ValidationFailed
from services.common.events import Envelope, event_by
from services.common.scope import Scope
from services.contracts import registry as events
from services.registry import compliance as rules
from services.registry import domain

from .access import visible_by_id
from .context import Registry


def evaluate(context: Registry, station: dict, on: date | None = None, previous: dict | None = None) -> dict:
    on = on or clock.today()
    policy = rules.policy_in_force(context.repo.policies(), station["region_code"], on)
    wage = domain.wage_for(context.repo.wages(), station["region_code"], on.year)
    return rules.evaluate(station, policy, on, wage, previous)


def compliance_changed_event(viewer: Viewer, station: dict, snapshot: dict, previous_status: str | None,
                             as_of: str) -> Envelope:
    return event_by(viewer, events.COMPLIANCE_CHANGED, {
        "station_id": station["_id"], "region_code": station["region_code"], "status": snapshot["status"],
        "previous_status": previous_status, "rules": snapshot["rules"], "as_of": as_of})


def recomputed(context: Registry, viewer: Viewer, before: dict, after: dict) -> tuple[dict, list[Envelope]]:
    """The stored compliance snapshot of `after`; an event when any status moved since `before`'s."""
    previous = before.get("compliance")
    evaluation = evaluate(context, after, previous=previous)
    snapshot = rules.snapshot(evaluation)
    if not rules.changed(previous, evaluation):
        return snapshot, []
    return snapshot, [compliance_changed_event(viewer, after, snapshot, (previous or {}).get("status"),
                                               evaluation["as_of"])]


def backdated(context: Registry, viewer: Viewer, before: dict, after: dict, on: date) -> list[Envelope]:
    """A change that took effect before today also changed compliance on that day: one
    station.compliance_changed as of `on`, so consumers dating the facts (funding) see it from then."""
    past_before, past_after = evaluate(context, before, on), evaluate(context, after, on)
    if not rules.changed(rules.snapshot(past_before), past_after):
        return []
    return [compliance_changed_event(viewer, after, rules.snapshot(past_after), past_before["status"],
                                     on.isoformat())]


def save_station(context: Registry, viewer: Viewer, station: dict, expected_version: int, changes: dict,
                 change_events: list[Envelope], effective_on: date | None = None) -> dict:
    """Write a station change with its events and its recomputed compliance; the station as the viewer sees it."""
    after = {**station, **changes}
    if effective_on is not None and effective_on < clock.today():
        change_events = [*change_events, *backdated(context, viewer, station, after, effective_on)]
    snapshot, compliance_events = recomputed(context, viewer, station, after)
    changes = {**changes, "compliance": snapshot}
    context.repo.stations.update(station["_id"], expected_version, changes, [*change_events, *compliance_events])
    return domain.station_view(context.repo.stations.require(station["_id"]), viewer)


def compliance_for_stations(context: Registry, viewer: Viewer, station_ids: list[str],
                            as_of: str | None = None) -> dict:
    on = parse_date(as_of, "as_of")
    found = visible_by_id(context, viewer, station_ids)
    evaluated = evaluations(context, list(found.values()), on)
    return {station_id: evaluated.get(station_id) for station_id in station_ids}


def evaluations(context: Registry, stations: list[dict], on: date,
                reference: tuple[list[rules.Policy], dict] | None = None) -> dict[str, dict]:
    """Each station's compliance on `on` with its evidence, from stations already read (policies and
    wages are read once for all of them, or given as `reference`: read alongside the stations)."""
    policies, wages = reference if reference is not None else (context.repo.policies(), context.repo.wages())
    result: dict[str, dict] = {}
    for station in stations:
        policy = rules.policy_in_force(policies, station["region_code"], on)
        wage = domain.wage_for(wages, station["region_code"], on.year)
        result[station["_id"]] = rules.evaluate(station, policy, on, wage, station.get("compliance"))
    return result


def region_rollup(context: Registry, viewer: Viewer, region_code: str, as_of: str | None = None) -> dict:
    on = parse_date(as_of, "as_of")
    region_prefix(region_code)
    if context.repo.region(region_code) is None:
        raise NotFound(f"unknown region {region_code}", {"code": ["no such division in the region tree"]})
    docs = context.repo.stations_in(Scope.of(viewer, within=region_code))
    policies, wages = context.repo.policies(), context.repo.wages()
    by_status = {s: 0 for s in ("met", "not_met", "at_risk", "unknown")}
    by_rule: dict[str, dict[str, int]] = {rule: {} for rule in rules.RULES}
    operating = 0
    for station in docs:
        operating += station["status"] == "operating"
        policy = rules.policy_in_force(policies, station["region_code"], on)
        evaluation = rules.evaluate(station, policy, on, domain.wage_for(wages, station["region_code"], on.year))
        by_status[evaluation["status"]] += 1
        for rule, result in evaluation["rules"].items():
            by_rule[rule][result["status"]] = by_rule[rule].get(result["status"], 0) + 1
    return {"region_code": region_code, "as_of": on.isoformat(), "stations": len(docs), "operating": operating,
            "by_status": by_status, "by_rule": by_rule}


def refresh_compliance(context: Registry, viewer: Viewer) -> int:
    """Daily sweep: time alone moves statuses (pro-rata training); publish what changed."""
    changed = 0
    for station in context.repo.every_station():
        snapshot, change_events = recomputed(context, viewer, station, station)
        if change_events:
            try:
                context.repo.stations.update(station["_id"], station["_version"], {"compliance": snapshot},
                                             change_events)
                changed += 1
            except ConcurrentModification:  # a concurrent write recomputed it already
                continue
    return changed


def parse_date(value: str | None, field: str) -> date:
    if value in (None, ""):
        return clock.today()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, "a date like 2026-06-30") from None
