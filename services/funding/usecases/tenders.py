"""Tenders for the purchase of services: drafting, publishing, cancelling, awarding and reading them."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import funding as events
from services.funding import contracts, procurement, schemas

from .access import require_region_write, visible_by_id, writable
from .aggregates import edit, page_result
from .context import Funding


def tender_views(context: Funding, tenders: list[dict]) -> list[dict]:
    """Each tender as read, with the id of the contract signed from it (None before signing)."""
    signed = context.repo.existing_contract_ids([contracts.contract_id_for(t["_id"]) for t in tenders])
    views = []
    for tender in tenders:
        view = procurement.tender_view(tender)
        contract_id = contracts.contract_id_for(tender["_id"])
        view["contract_id"] = contract_id if contract_id in signed else None
        views.append(view)
    return views


def _tender_view(context: Funding, tender: dict) -> dict:
    return tender_views(context, [tender])[0]


def create_tender(context: Funding, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.TenderInputSchema, data)
    require_region_write(viewer, data["region_code"])
    tender = procurement.new_tender(data, new_id("tdr"))
    context.repo.tenders.insert(tender)
    return _tender_view(context, context.repo.tenders.require(tender["_id"]))


def update_tender(context: Funding, viewer: Viewer, tender_id: str, data: dict) -> dict:
    data = load(schemas.TenderUpdateSchema, data)
    tender = writable(context.repo.tenders, viewer, tender_id)
    expected = data.pop("expected_version")
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")
    changes = procurement.draft_changes(tender, data)
    return _tender_view(context, edit(context.repo.tenders, tender, expected, changes))


def publish_tender(context: Funding, viewer: Viewer, tender_id: str, data: dict) -> dict:
    data = load(schemas.ExpectedVersion, data)
    tender = writable(context.repo.tenders, viewer, tender_id)
    changes = procurement.publish(tender, clock.utcnow())
    published = event_by(viewer, events.TENDER_PUBLISHED, {
        "tender_id": tender_id, "ocid": tender["ocid"], "title": tender["title"], "region_code": tender["region_code"],
        "station_ids": tender["station_ids"], "service_domains": tender["service_domains"],
        "method": tender["method"], "budget_fen": tender["budget_fen"], "deadline": tender["deadline"],
        "published_at": changes["published_at"]})
    return _tender_view(context, edit(context.repo.tenders, tender, data["expected_version"], changes, [published]))


def cancel_tender(context: Funding, viewer: Viewer, tender_id: str, data: dict) -> dict:
    data = load(schemas.CancelSchema, data)
    tender = writable(context.repo.tenders, viewer, tender_id)
    changes = procurement.cancel(tender, data["reason"], clock.utcnow())
    return _tender_view(context, edit(context.repo.tenders, tender, data["expected_version"], changes))


def award_tender(context: Funding, viewer: Viewer, tender_id: str, data: dict) -> dict:
    data = load(schemas.AwardSchema, data)
    tender = writable(context.repo.tenders, viewer, tender_id)
    changes = procurement.award(tender, data["bid_id"], data["reason"], clock.utcnow())
    award = changes["award"]
    awarded = event_by(viewer, events.TENDER_AWARDED, {
        "tender_id": tender_id, "bid_id": award["bid_id"], "operator_name": award["operator"]["name"],
        "operator_credit_code": award["operator"]["credit_code"], "amount_fen": award["amount_fen"],
        "region_code": tender["region_code"]})
    return _tender_view(context, edit(context.repo.tenders, tender, data["expected_version"], changes, [awarded]))


def list_tenders(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.TenderFilterSchema, filters or {})
    page = context.repo.tender_page(Scope.of(viewer), region=f["region"], year=f["year"] or None,
                                    status=f["status"] or None, after=f["after"], limit=f["limit"])
    return page_result(tender_views(context, page.docs), page.next_cursor, page.total)


def get_tenders(context: Funding, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = visible_by_id(context.repo.by_ids(context.repo.tenders, ids), viewer)
    views = {v["id"]: v for v in tender_views(context, list(found.values()))} if found else {}
    return [views.get(i) for i in ids]
