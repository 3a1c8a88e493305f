"""Funding sources: the money a funder granted a region, before it is allocated to budget lines."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import funding as events
from services.funding import domain, schemas

from .access import require_region_write, visible_by_id, writable
from .aggregates import edit, page_result
from .context import Funding


def create_source(context: Funding, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.SourceInputSchema, data)
    require_region_write(viewer, data["region_code"])
    source = domain.new_source(data, new_id("src"))
    registered = event_by(viewer, events.FUNDING_SOURCE_REGISTERED, {
        "source_id": source["_id"], "name": source["name"], "kind": source["kind"], "domain": source["domain"],
        "year": source["year"], "region_code": source["region_code"], "amount_fen": source["amount_fen"],
        "earmark_domains": source["earmark"]["domains"]})
    context.repo.sources.insert(source, [registered])
    return domain.source_view(context.repo.sources.require(source["_id"]))


def update_source(context: Funding, viewer: Viewer, source_id: str, data: dict) -> dict:
    data = load(schemas.SourceUpdateSchema, data)
    source = writable(context.repo.sources, viewer, source_id)
    expected = data.pop("expected_version")
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")
    changes = dict(data)
    if "amount_fen" in data:
        changes.update(domain.source_amount_change(source, data["amount_fen"]))
    return domain.source_view(edit(context.repo.sources, source, expected, changes))


def list_sources(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.SourceFilterSchema, filters or {})
    page = context.repo.source_page(Scope.of(viewer), region=f["region"], year=f["year"] or None,
                                    kind=f["kind"] or None, after=f["after"], limit=f["limit"])
    return page_result([domain.source_view(d) for d in page.docs], page.next_cursor, page.total)


def get_sources(context: Funding, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = visible_by_id(context.repo.by_ids(context.repo.sources, ids), viewer)
    return [domain.source_view(found[i]) if i in found else None for i in ids]
