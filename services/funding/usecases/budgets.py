"""Budget lines: part of a source allocated to a station or a project, reserved on the source first."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import funding as events
from services.funding import domain, schemas

from .access import visible_by_id, writable
from .aggregates import page_result
from .context import Funding
from .reservations import require_fresh, reserve, settle


def allocate_budget(context: Funding, viewer: Viewer, source_id: str, data: dict) -> dict:
    data = load(schemas.AllocationSchema, data)
    sources, lines = context.repo.sources, context.repo.lines
    source = writable(sources, viewer, source_id)
    line = domain.new_budget_line(source, data, new_id("bl"))
    reserve(sources, source_id, "allocated_fen", line["_id"], line["amount_fen"])
    try:
        require_fresh(sources, source_id, line["_id"])
        allocated = event_by(viewer, events.BUDGET_ALLOCATED, {
            "budget_line_id": line["_id"], "source_id": source_id, "source_kind": line["source_kind"],
            "source_domain": line["source_domain"], "year": line["year"], "region_code": line["region_code"],
            "station_id": line["station_id"], "project_name": (line["project"] or {}).get("name"),
            "amount_fen": line["amount_fen"]})
        lines.insert(line, [allocated])
    except BaseException:
        settle(sources, source_id, line["_id"], "allocated_fen")
        raise
    settle(sources, source_id, line["_id"], None)
    return domain.budget_line_view(lines.require(line["_id"]))


def list_budget_lines(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.BudgetLineFilterSchema, filters or {})
    page = context.repo.line_page(Scope.of(viewer), region=f["region"], year=f["year"] or None,
                                  source_id=f["source_id"] or None, station_id=f["station_id"] or None,
                                  after=f["after"], limit=f["limit"])
    return page_result([domain.budget_line_view(d) for d in page.docs], page.next_cursor, page.total)


def get_budget_lines(context: Funding, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = visible_by_id(context.repo.by_ids(context.repo.lines, ids), viewer)
    return [domain.budget_line_view(found[i]) if i in found else None for i in ids]


def _lines_by(context: Funding, viewer: Viewer, field: str, parent_ids: list[str]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {pid: [] for pid in parent_ids}
    for line in context.repo.lines_by(field, parent_ids):
        if domain.sees(viewer, line):
            grouped[line[field]].append(domain.budget_line_view(line))
    return grouped


def budget_lines_for_sources(context: Funding, viewer: Viewer, source_ids: list[str]) -> dict[str, list[dict]]:
    return _lines_by(context, viewer, "source_id", source_ids)


def budget_lines_for_stations(context: Funding, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
    return _lines_by(context, viewer, "station_id", station_ids)
