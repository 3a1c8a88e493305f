"""Trends: the roll-up's figures per month over a year, for charts, protected as the protected roll-up."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import NotFound
from services.common.rpc import load

from ..domain.alerts import policy_in_force
from ..domain.regions import region_key
from ..domain.trends import trend as trend_of
from ..outcome_storage import contract_money
from ..schemas import TrendRequestSchema
from . import Supervision
from .access import figure_scope
from .privacy import works_in_county_of


def trend(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    """{region_code, name, level, year, threshold, months: [point]}: read models read once, one pass a month."""
    data = load(TrendRequestSchema, request)
    region = region_key(data["region"])
    scope = figure_scope(viewer, region)
    tree = supervision.regions.under(region.prefix)
    info = next((r for r in tree if r.code == region.code), None)
    if info is None:
        raise NotFound(f"unknown region {data['region']}", {"region": ["no such division in the region tree"]})
    today = clock.today()
    threshold = policy_in_force(supervision.repo.alert_policies(), region.code, today).small_count_threshold
    disbursements = contract_money(supervision.repo.db)["disbursements"]
    townships = [r.code for r in tree if r.level == "township"]
    result = trend_of(supervision.repo.read_models(), disbursements, region, townships, data["year"], today, scope,
                      threshold, lambda township: works_in_county_of(viewer, township))
    return {"region_code": region.code, "name": info.name, "level": info.level, "year": data["year"], **result}
