"""County yearly plans: recorded and revised by the county, read and set against the actual figures by
whoever sees the county's roll-ups (domain/plans.py defines the indicators and how actuals are read)."""
from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, NotFound
from services.common.events import event_by
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import supervision as events

from ..domain import activity
from ..domain import plans as rules
from ..domain.access import FigureScope
from ..domain.figures import rollup as figures_of
from ..domain.periods import Period, period_of
from ..domain.regions import region_key
from ..plan_storage import plan_id
from ..schemas import PlanRequestSchema, PlanSchema
from . import Supervision
from .access import figure_scope, require_plan_writer


def plan_view(plan: dict, viewer_scope: FigureScope) -> dict:
    """The plan with the targets the viewer's figures cover (station staff: their stations' targets only)."""
    def visible(target: dict) -> bool:
        return viewer_scope.station_ids is None or target.get("station_id") in viewer_scope.station_ids

    return {"id": plan["_id"], "region_code": plan["region_code"], "year": plan["year"],
            "versions": [{**v, "targets": [t for t in v["targets"] if visible(t)]} for v in plan["versions"]],
            "version": plan["_version"]}


def record_plan(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    """The first version of a county's plan for a year, or a revision replacing its targets from a day on."""
    data = load(PlanSchema, data)
    county, year = data["region_code"], data["year"]
    require_plan_writer(viewer, county)
    targets = [{"station_id": t["station_id"], "indicator": t["indicator"], "domain": t["domain"],
                "value": t["value"]} for t in data["targets"]]
    rules.check_targets(targets, county)
    existing = supervision.repo.plans.of(county, year)
    versions = existing["versions"] if existing else []
    rules.check_revision(versions, data["effective_from"], year)
    version = {"version": len(versions) + 1, "effective_from": data["effective_from"].isoformat(),
               "targets": targets, "note": data["note"], "recorded_by": viewer.user_id,
               "recorded_at": clock.timestamp(clock.utcnow())}
    recorded = [event_by(viewer, events.PLAN_RECORDED, {
        "plan_id": plan_id(county, year), "region_code": county, "year": year, "version": version["version"],
        "effective_from": version["effective_from"], "targets": len(targets)})]
    if existing is None:
        supervision.repo.plans.add({"_id": plan_id(county, year), "region_code": county, "year": year,
                                    "versions": [version]}, recorded)
    else:
        if data["expected_version"] is None:
            raise ConcurrentModification(f"plan {existing['_id']} exists: revise it with its expected_version")
        supervision.repo.plans.revise(county, year, data["expected_version"], [*versions, version], recorded)
    return supervision_plan(supervision, viewer, county, year)


def supervision_plan(supervision: Supervision, viewer: Viewer, region: str, year: int) -> dict:
    request = load(PlanRequestSchema, {"region": region, "year": year})
    scope = figure_scope(viewer, region_key(request["region"]))
    plan = supervision.repo.plans.of(request["region"], request["year"])
    if plan is None:
        raise NotFound(f"no plan of {region} for {year}", {"region": ["no plan recorded for this year"]})
    return plan_view(plan, scope)


def plan_versus_actual(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    """Each target of the plan, per month of the year (or the month asked for): the month's actual, the
    cumulative actual and the share of the target in force reached, from the same figures as the roll-up."""
    data = load(PlanRequestSchema, request)
    plan = supervision_plan(supervision, viewer, data["region"], data["year"])
    viewer_scope = figure_scope(viewer, region_key(data["region"]))
    year, today = data["year"], clock.today()
    last_month = data["month"] or (today.month if today.year == year else 12)
    wanted = [data["month"]] if data["month"] else list(range(1, last_month + 1))
    targets = {rules.target_key(t): t for v in plan["versions"] for t in v["targets"]}
    region = region_key(data["region"])
    townships = [r.code for r in supervision.regions.under(region.prefix) if r.level == "township"]
    models = supervision.repo.read_models()
    by_station: dict[str | None, list] = {}
    for station_id in {key[0] for key in targets}:
        scope = viewer_scope if station_id is None else FigureScope(station_ids=frozenset([station_id]))
        by_station[station_id] = [_month_figures(supervision, models, region, townships, year, month, scope,
                                                 station_id, today) for month in wanted]

    def in_force(month: int) -> dict | None:
        return rules.version_in_force(plan["versions"], period_of(today, year=year, month=month).end)

    rows = [{"station_id": t["station_id"], "indicator": t["indicator"], "domain": t["domain"],
             "months": rules.month_rows(t, by_station[t["station_id"]], in_force)}
            for t in targets.values()]
    return {"region_code": plan["region_code"], "year": year, "month": data["month"], "versions": plan["versions"],
            "rows": sorted(rows, key=lambda r: (r["station_id"] or "", r["indicator"], r["domain"] or ""))}


def _month_figures(supervision: Supervision, models, region, townships: list[str], year: int, month: int,
                   scope: FigureScope, station_id: str | None, today: date) -> tuple:
    monthly = period_of(today, year=year, month=month)
    to_date = Period(date(year, 1, 1), monthly.end)
    sessions = Scope(region_prefix=region.prefix, station_ids=(station_id,) if station_id else None)

    def figures(period: Period) -> dict:
        return {**figures_of(models, region, townships, [], period, today, scope)["region"],
                "volunteer_hours": activity.volunteer_hours(models.hours, region, scope, period),
                "stations_evaluated": activity.stations_evaluated(models.evaluations, region, scope, period)}

    def held(period: Period) -> int:
        return supervision.repo.sessions.held(sessions, period.start.isoformat(), period.end.isoformat())

    return month, figures(monthly), figures(to_date), held(monthly), held(to_date)
