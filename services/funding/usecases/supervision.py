"""Fund supervision and cost against outcome: officials' views of where a region's money went and what it did."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.rpc import load
from services.funding import contracts as contract_rules
from services.funding import domain, schemas, supervision

from .access import region_view
from .context import Funding


def fund_supervision(context: Funding, viewer: Viewer, filters: dict) -> dict:
    f = load(schemas.SupervisionFilterSchema, filters or {})
    view = region_view(viewer, f["region"])
    if view.region is None:
        return supervision.view(f["region"], {}, {}, [])
    year = f["year"] or None
    cells = supervision.merge_cells(*context.repo.money_cells(region=view.region, station_ids=view.station_ids,
                                                              year=year))
    # station roles see money spent on their stations, not the region's own sources
    own = context.repo.source_summaries_in(view.region, year) if view.station_ids is None else {}
    meta = {**own, **context.repo.source_summaries_of([source_id for source_id in cells if source_id not in own])}
    return supervision.view(view.region, cells, meta, list(own.values()))


def cost_outcome(context: Funding, viewer: Viewer, filters: dict) -> dict:
    f = load(schemas.CostFilterSchema, filters or {})
    view = region_view(viewer, f["region"])
    if view.region is None:
        return supervision.cost_outcome(f["region"], f["year"], [], [], domain.child_region(f["region"]))
    prefix = domain.region_prefix(view.region)
    rows = context.repo.disbursement_rows(region=view.contracts_code, station_ids=view.station_ids,
                                          status=contract_rules.PAID, paid_in_year=f["year"], region_prefix=prefix)
    activity = context.repo.activity_in(prefix, f["year"])
    if view.station_ids is not None:
        activity = [a for a in activity if a["station_id"] in view.station_ids]
    return supervision.cost_outcome(view.region, f["year"], [r["disbursements"] for r in rows], activity,
                                    domain.child_region(view.region))
