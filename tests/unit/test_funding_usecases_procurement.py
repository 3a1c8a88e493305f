"""Tenders and bids, on the in-memory store."""
from __future__ import annotations

import pytest

from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.funding.usecases import bids, tenders
from tests.support import funding_fixtures as fx
from tests.unit import funding_usecase_fixtures as support
from tests.unit.funding_usecase_fixtures import (
    COUNTY,
    OTHER_COUNTY,
    PUBLIC,
    STATION_WORKER,
    outbox_types,
)

frozen, funding = support.frozen, support.funding  # the fixtures of these tests


def published(funding) -> dict:
    tender = tenders.create_tender(funding, COUNTY, fx.tender_input())
    return tenders.publish_tender(funding, COUNTY, tender["id"], {"expected_version": tender["version"]})


def test_a_tender_is_drafted_edited_and_published_with_its_event(funding):
    tender = tenders.create_tender(funding, COUNTY, fx.tender_input())
    assert tender["status"] == "draft" and tender["contract_id"] is None
    with pytest.raises(ValidationFailed):
        tenders.update_tender(funding, COUNTY, tender["id"], {"title": "没有说明读到的版本"})
    tender = tenders.update_tender(funding, COUNTY, tender["id"],
                                   {"expected_version": 1, "title": "2026年社工站运营服务"})
    tender = tenders.publish_tender(funding, COUNTY, tender["id"], {"expected_version": tender["version"]})
    assert tender["status"] == "published"
    assert outbox_types(funding.repo.tenders, tender["id"]) == ["tender.published"]


def test_tenders_of_another_county_are_out_of_reach(funding):
    tender = published(funding)
    with pytest.raises(PermissionDenied):
        tenders.create_tender(funding, OTHER_COUNTY, fx.tender_input())
    with pytest.raises(NotFound):
        tenders.cancel_tender(funding, OTHER_COUNTY, tender["id"], {"expected_version": 2, "reason": "预算调整取消"})
    assert tenders.list_tenders(funding, OTHER_COUNTY, {})["total"] == 0
    assert tenders.get_tenders(funding, OTHER_COUNTY, [tender["id"]]) == [None]
    assert tenders.list_tenders(funding, COUNTY, {"status": "published", "year": 2026})["total"] == 1


def test_a_draft_cancelled_is_never_disclosed_but_stays_listed(funding):
    tender = tenders.create_tender(funding, COUNTY, fx.tender_input())
    cancelled = tenders.cancel_tender(funding, COUNTY, tender["id"], {"expected_version": 1, "reason": "预算调整取消"})
    assert cancelled["status"] == "cancelled"
    assert tenders.list_tenders(funding, COUNTY, {"status": "cancelled"})["total"] == 1


def test_bids_are_recorded_masked_reviewed_and_awarded_with_their_events(funding, frozen):
    tender = published(funding)
    first = bids.record_bid(funding, COUNTY, tender["id"], fx.bid_input(1))
    second = bids.record_bid(funding, COUNTY, tender["id"], fx.bid_input(2, price_fen=1_000_000_00))
    assert "*" in first["contact"]["phone"]
    frozen.advance(days=40)
    for bid, score in ((first, 90), (second, 80)):
        version = tenders.get_tenders(funding, COUNTY, [tender["id"]])[0]["version"]
        reviewed = bids.review_bid(funding, COUNTY, tender["id"], bid["id"], fx.review_input(version, bid, score))
        assert reviewed["review"]["qualified"]
    version = tenders.get_tenders(funding, COUNTY, [tender["id"]])[0]["version"]
    awarded = tenders.award_tender(funding, COUNTY, tender["id"], {"expected_version": version, "bid_id": first["id"]})
    assert awarded["status"] == "awarded"
    assert outbox_types(funding.repo.tenders, tender["id"]) == [
        "tender.published", "bid.received", "bid.received", "bid.reviewed", "bid.reviewed", "tender.awarded"]
    assert [b["id"] for b in bids.bids_for_tenders(funding, COUNTY, [tender["id"]])[tender["id"]]] == [
        first["id"], second["id"]]
    assert bids.bids_for_tenders(funding, OTHER_COUNTY, [tender["id"]]) == {tender["id"]: []}


def test_a_bid_after_the_deadline_or_from_a_station_is_refused(funding, frozen):
    tender = published(funding)
    with pytest.raises(PermissionDenied):
        bids.record_bid(funding, STATION_WORKER, tender["id"], fx.bid_input(1))
    frozen.advance(days=40)
    with pytest.raises(Exception, match="deadline"):
        bids.record_bid(funding, COUNTY, tender["id"], fx.bid_input(1))


def test_revealing_a_bids_personal_data_needs_a_reason_and_is_logged(funding, frozen):
    tender = published(funding)
    bid = bids.record_bid(funding, COUNTY, tender["id"], fx.bid_input(1))
    with pytest.raises(ValidationFailed):
        bids.reveal_bid_personal_data(funding, COUNTY, tender["id"], bid["id"], " ")
    with pytest.raises(NotFound):
        bids.reveal_bid_personal_data(funding, PUBLIC, tender["id"], bid["id"], "核对投标人身份")
    revealed = bids.reveal_bid_personal_data(funding, COUNTY, tender["id"], bid["id"], "核对投标人身份")
    assert revealed["contact"]["phone"] == fx.bid_input(1)["contact"]["phone"]
    assert [e["subject_id"] for e in bids.access_log(funding, COUNTY)] == [bid["id"]]
