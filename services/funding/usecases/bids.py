"""Bids on a tender: registered as they arrive, reviewed against the checklist, and their personal data."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import funding as events
from services.funding import procurement, schemas

from .access import require_reveal, visible, visible_by_id, writable
from .aggregates import append, edit
from .context import Funding


def record_bid(context: Funding, viewer: Viewer, tender_id: str, data: dict) -> dict:
    """Bids are registered by the buyer's procurement staff as they arrive (operators hold no account)."""
    data = load(schemas.BidInputSchema, data)
    writable(context.repo.tenders, viewer, tender_id)
    bid_id = new_id("bid")

    def build(current: dict) -> tuple[dict, list]:
        bid = procurement.new_bid(current, data, bid_id, clock.utcnow(), context.cipher)
        received = event_by(viewer, events.BID_RECEIVED, {
            "tender_id": tender_id, "bid_id": bid_id, "operator_name": bid["organisation"]["name"],
            "operator_credit_code": bid["organisation"]["credit_code"], "price_fen": bid["price_fen"],
            "received_at": bid["received_at"]})
        return {"bids": [*current["bids"], bid]}, [received]

    updated = append(context.repo.tenders, tender_id, build)
    return procurement.bid_view(tender_id, procurement.find_bid(updated, bid_id), viewer)


def review_bid(context: Funding, viewer: Viewer, tender_id: str, bid_id: str, data: dict) -> dict:
    data = load(schemas.BidReviewSchema, data)
    tender = writable(context.repo.tenders, viewer, tender_id)
    bids, review = procurement.review(tender, bid_id, data, clock.utcnow(), viewer.user_id)
    bid = procurement.find_bid(tender, bid_id)
    reviewed = event_by(viewer, events.BID_REVIEWED, {
        "tender_id": tender_id, "bid_id": bid_id, "operator_credit_code": bid["organisation"]["credit_code"],
        "qualified": review["qualified"], "total_score": review["total_score"],
        "failed_items": review["failed_items"]})
    updated = edit(context.repo.tenders, tender, data["expected_version"], {"bids": bids}, [reviewed])
    return procurement.bid_view(tender_id, procurement.find_bid(updated, bid_id), viewer)


def bids_for_tenders(context: Funding, viewer: Viewer, tender_ids: list[str]) -> dict[str, list[dict]]:
    found = visible_by_id(context.repo.by_ids(context.repo.tenders, tender_ids), viewer)
    return {tid: [procurement.bid_view(tid, b, viewer) for b in found[tid]["bids"]] if tid in found else []
            for tid in tender_ids}


def reveal_bid_personal_data(context: Funding, viewer: Viewer, tender_id: str, bid_id: str, reason: str) -> dict:
    tender = visible(context.repo.tenders, viewer, tender_id)
    stated = require_reveal(viewer, tender["region_code"], reason)
    bid = procurement.find_bid(tender, bid_id)
    context.repo.access_log.record(viewer, subject_type="bid", subject_id=bid_id,
                                   fields=["contact.phone", "leaders.id_number"], reason=stated,
                                   station_id=None, region_code=tender["region_code"])
    decrypt = context.cipher.decrypt
    return {"contact": {"name": bid["contact"]["name"], "phone": decrypt(bid["contact"]["phone_encrypted"])},
            "leaders": [{"id": leader["id"], "name": leader["name"], "role": leader["role"],
                         "id_number": decrypt(leader["id_number_encrypted"])} for leader in bid["leaders"]]}


def access_log(context: Funding, viewer: Viewer, filters: dict | None = None) -> list[dict]:
    """The first page of the kernel's access log as a list (filters: services/common/accesslog.py)."""
    return context.repo.access_log.page(viewer, filters or {})["items"]
