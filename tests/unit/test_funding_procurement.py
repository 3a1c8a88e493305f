"""Tender → bids → review → award: every rule at its boundary (no broker, no database)."""
from datetime import UTC, datetime, timedelta

import pytest

from services.common.auth import Viewer
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.common.protection import FieldCipher
from services.common.rpc import load
from services.funding import procurement
from services.funding.schemas import BidInputSchema, BidReviewSchema, TenderInputSchema
from tests.support import funding_fixtures as fx

CIPHER = FieldCipher()
PUBLISHED_AT = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 2, 10, 1, 0, tzinfo=UTC)  # 09:00 in China


def tender(**overrides):
    doc = procurement.new_tender(load(TenderInputSchema, fx.tender_input(**overrides)), "tdr_1")
    return {**doc, "_version": 1}


def published(**overrides):
    doc = tender(**overrides)
    return {**doc, **procurement.publish(doc, PUBLISHED_AT)}


def with_bids(doc, *serials_and_prices):
    for serial, price in serials_and_prices:
        bid = procurement.new_bid(doc, load(BidInputSchema, fx.bid_input(serial, price)), f"bid_{serial}",
                                  PUBLISHED_AT + timedelta(days=1), CIPHER)
        doc = {**doc, "bids": [*doc["bids"], bid]}
    return doc


def reviewed(doc, bid_id, score, fail_political=False):
    bid = procurement.find_bid(doc, bid_id)
    data = load(BidReviewSchema, fx.review_input(1, bid, score, fail_political))
    bids, _ = procurement.review(doc, bid_id, data, DEADLINE + timedelta(hours=1), "reviewer")
    return {**doc, "bids": bids}


def test_stations_must_be_in_the_buyers_region():
    with pytest.raises(ValidationFailed) as caught:
        tender(station_ids=[fx.STATION, fx.OTHER_COUNTY_STATION])
    assert "station_ids" in caught.value.details
    assert tender()["ocid"] == "ocds-sgjs21-tdr_1"


@pytest.mark.parametrize("method,days,ok", [("open", 20, True), ("open", 19, False), ("selective", 10, True),
                                            ("selective", 9, False), ("limited", 3, True), ("direct", 0, False)])
def test_publication_leaves_the_minimum_bidding_period(method, days, ok):
    deadline = (PUBLISHED_AT + timedelta(days=days)).isoformat()
    doc = tender(method=method, deadline=deadline)
    if ok:
        assert procurement.publish(doc, PUBLISHED_AT)["status"] == "published"
    else:
        with pytest.raises(RuleViolation):
            procurement.publish(doc, PUBLISHED_AT)


def test_bids_come_before_the_deadline_once_per_organisation_and_within_the_ceiling():
    doc = published()
    with pytest.raises(Conflict):  # a draft takes no bids
        procurement.new_bid(tender(), load(BidInputSchema, fx.bid_input(1)), "b", PUBLISHED_AT, CIPHER)
    doc = with_bids(doc, (1, 1_000_000_00))
    with pytest.raises(Conflict, match="already bid"):
        with_bids(doc, (1, 900_000_00))
    with pytest.raises(RuleViolation, match="ceiling price"):
        with_bids(doc, (2, 1_200_000_01))
    with pytest.raises(RuleViolation, match="deadline"):
        procurement.new_bid(doc, load(BidInputSchema, fx.bid_input(3)), "b3", DEADLINE + timedelta(seconds=1), CIPHER)
    assert procurement.new_bid(doc, load(BidInputSchema, fx.bid_input(3)), "b3", DEADLINE, CIPHER)["id"] == "b3"


def test_bid_input_refuses_invalid_credit_codes_and_id_numbers():
    bad = fx.bid_input(1)
    bad["organisation"]["credit_code"] = "52321181MJ0000001X"
    bad["leaders"][0]["id_number"] = "321181198005010000"
    with pytest.raises(ValidationFailed) as caught:
        load(BidInputSchema, bad)
    assert {"organisation.credit_code", "leaders.0.id_number"} <= set(caught.value.details)


def test_personal_data_of_a_bid_is_encrypted_and_masked():
    doc = with_bids(published(), (1, 1_000_000_00))
    bid = doc["bids"][0]
    data = fx.bid_input(1)
    assert data["leaders"][0]["id_number"] not in str(bid) and data["contact"]["phone"] not in str(bid)
    assert CIPHER.decrypt(bid["leaders"][0]["id_number_encrypted"]) == data["leaders"][0]["id_number"]
    official = procurement.bid_view("tdr_1", bid, Viewer(user_id="c", role="county", region="321181"))
    evaluator = procurement.bid_view("tdr_1", bid, Viewer(user_id="e", role="evaluator", region="321181"))
    assert official["leaders"][0]["name"] == "张负责" and "*" in official["leaders"][0]["id_number"]
    assert evaluator["leaders"][0]["name"] == "张*责"
    assert "*" in evaluator["contact"]["name"] and "*" in evaluator["contact"]["phone"]
    no_lead = fx.bid_input(2)
    no_lead["leaders"] = [{**no_lead["leaders"][1]}]
    with pytest.raises(ValidationFailed, match="responsible person"):
        procurement.new_bid(published(), load(BidInputSchema, no_lead), "b", PUBLISHED_AT, CIPHER)


def test_review_waits_for_the_deadline_and_covers_every_item_and_leader():
    doc = with_bids(published(), (1, 1_000_000_00))
    bid = doc["bids"][0]
    data = load(BidReviewSchema, fx.review_input(1, bid, 80))
    with pytest.raises(RuleViolation, match="after the deadline"):
        procurement.review(doc, bid["id"], data, DEADLINE, "r")
    partial = {**data, "checklist": {k: v for k, v in data["checklist"].items() if k != "credit_record"}}
    with pytest.raises(ValidationFailed, match="checklist"):
        procurement.review(doc, bid["id"], partial, DEADLINE + timedelta(hours=1), "r")
    with pytest.raises(ValidationFailed, match="every leader"):
        procurement.review(doc, bid["id"], {**data, "leaders": data["leaders"][:1]}, DEADLINE + timedelta(hours=1), "r")
    over = {**data, "scores": [{"criterion": "总分", "score": 50, "max_score": 90}]}
    with pytest.raises(ValidationFailed, match="add up to 100"):
        procurement.review(doc, bid["id"], over, DEADLINE + timedelta(hours=1), "r")
    with pytest.raises(NotFound):
        procurement.review(doc, "bid_nope", data, DEADLINE + timedelta(hours=1), "r")


def test_one_politically_unqualified_leader_disqualifies_the_bid():
    doc = reviewed(with_bids(published(), (1, 1_000_000_00)), "bid_1", 95, fail_political=True)
    review = doc["bids"][0]["review"]
    assert review["qualified"] is False and review["failed_items"] == ["leader L1: political_quality"]
    data = fx.review_input(1, doc["bids"][0], 95)
    data["checklist"]["charity_recognition"] = {"passed": False}  # encouraged, not required
    bids, review = procurement.review(doc, "bid_1", load(BidReviewSchema, data), DEADLINE + timedelta(hours=2), "r")
    assert review["qualified"] is True and review["total_score"] == 95


def test_award_goes_to_a_reviewed_qualified_bid_and_explains_any_other_choice():
    doc = with_bids(published(), (1, 1_100_000_00), (2, 1_000_000_00), (3, 900_000_00))
    doc = reviewed(doc, "bid_1", 90)
    doc = reviewed(doc, "bid_2", 80)
    after = DEADLINE + timedelta(days=1)
    with pytest.raises(RuleViolation, match="not reviewed"):
        procurement.award(doc, "bid_1", None, after)
    doc = reviewed(doc, "bid_3", 99, fail_political=True)
    with pytest.raises(RuleViolation, match="failed the review"):
        procurement.award(doc, "bid_3", "cheapest", after)
    with pytest.raises(RuleViolation, match="needs a reason"):
        procurement.award(doc, "bid_2", None, after)
    assert procurement.award(doc, "bid_2", "较低价格且评分接近", after)["award"]["amount_fen"] == 1_000_000_00
    awarded = procurement.award(doc, "bid_1", None, after)
    assert awarded["status"] == "awarded"
    assert awarded["award"]["operator"]["credit_code"] == fx.operator(1)["credit_code"]
    with pytest.raises(NotFound):
        procurement.award(doc, "bid_unknown", "x" * 5, after)


def test_only_drafts_are_edited_and_finished_tenders_not_cancelled():
    doc = published()
    with pytest.raises(Conflict):
        procurement.draft_changes(doc, {"title": "新的标题名称"})
    changes = procurement.draft_changes(tender(), {"station_ids": [fx.STATION]})
    assert changes["station_ids"] == [fx.STATION] and "321181002" not in changes["scope_codes"]
    assert procurement.cancel(doc, "预算调整", PUBLISHED_AT)["status"] == "cancelled"
    with pytest.raises(Conflict):
        procurement.cancel({**doc, "status": "awarded"}, "预算调整", PUBLISHED_AT)
