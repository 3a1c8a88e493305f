"""Roll-ups: the supervision figures of any region and period, with the same figures per child region."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import NotFound
from services.common.rpc import load

from ..domain.figures import rollup as figures_of
from ..domain.periods import period_of
from ..domain.regions import region_key
from ..schemas import RollupRequestSchema
from . import Supervision
from .access import figure_scope


def rollup(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    data = load(RollupRequestSchema, request)
    region = region_key(data["region"])
    scope = figure_scope(viewer, region)
    tree = supervision.regions.under(region.prefix)
    names = {r.code: r for r in tree}
    if region.code not in names:
        raise NotFound(f"unknown region {data['region']}", {"region": ["no such division in the region tree"]})
    period = period_of(clock.today(), **(data["period"] or {}))
    models = supervision.repo.read_models()
    children = [r for r in tree if r.parent_code == region.code] if data["children"] else []
    if scope.station_ids is not None:
        # Station staff and supervisors see the child regions their stations lie in, no others.
        townships = {s["township"] for sid, s in models.stations.items() if sid in scope.station_ids}
        children = [r for r in children if any(t.startswith(region_key(r.code).prefix) for t in townships)]
    result = figures_of(models, region, [r.code for r in tree if r.level == "township"],
                        [region_key(r.code).prefix for r in children], period, clock.today(), scope)
    for figures in (result["region"], *result["children"]):
        info = names.get(figures["region_code"])
        figures.update({"name": info.name if info else None, "level": info.level if info else None})
    return result
