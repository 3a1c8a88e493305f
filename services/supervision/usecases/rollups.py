"""Roll-ups: the supervision figures of any region and period, with the same figures per child region."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import NotFound
from services.common.rpc import load

from ..domain.figures import rollup as figures_of
from ..domain.figures import rollup_of_tallies
from ..domain.periods import period_of
from ..domain.regions import region_key
from ..schemas import RollupRequestSchema
from . import Supervision
from .access import figure_scope
from .hours import APPROVED_HOURS
from .tallies import TALLIES


def rollup(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    data = load(RollupRequestSchema, request)
    region = region_key(data["region"])
    scope = figure_scope(viewer, region)
    tree = supervision.regions.under(region.prefix)
    names = {r.code: r for r in tree}
    if region.code not in names:
        raise NotFound(f"unknown region {data['region']}", {"region": ["no such division in the region tree"]})
    today = clock.today()
    period = period_of(today, **(data["period"] or {}))
    children = [r for r in tree if r.parent_code == region.code] if data["children"] else []
    townships = [r.code for r in tree if r.level == "township"]
    # Region-wide scopes count every record under the region: township tallies, cached (tallies.py).
    tally_of = TALLIES.tally_function(supervision.repo, region.prefix, period, today) \
        if scope.station_ids is None else None
    if tally_of is not None:
        result = rollup_of_tallies(tally_of, region, townships, [region_key(r.code).prefix for r in children],
                                   period, today)
    else:
        result = _counted_record_by_record(supervision, region, scope, townships, children, period, today)
    for figures in (result["region"], *result["children"]):
        info = names.get(figures["region_code"])
        figures.update({"name": info.name if info else None, "level": info.level if info else None})
    if data["volunteers"]:
        _add_hours_approved(supervision, result, scope, period)
    return result


def _add_hours_approved(supervision: Supervision, result: dict, scope, period) -> None:
    regions = [region_key(f["region_code"]) for f in (result["region"], *result["children"])]
    hours = APPROVED_HOURS.by_region(supervision.repo, regions, scope, period)
    for figures, key in zip((result["region"], *result["children"]), regions, strict=True):
        figures["volunteers"] = {"hours_approved": hours[key.prefix]}


def _counted_record_by_record(supervision: Supervision, region, scope, townships, children, period, today) -> dict:
    models = supervision.repo.read_models()
    if scope.station_ids is not None:
        # Station staff and supervisors see the child regions their stations lie in, no others.
        theirs = {s["township"] for sid, s in models.stations.items() if sid in scope.station_ids}
        children = [r for r in children if any(t.startswith(region_key(r.code).prefix) for t in theirs)]
    return figures_of(models, region, townships, [region_key(r.code).prefix for r in children], period,
                      today, scope)
