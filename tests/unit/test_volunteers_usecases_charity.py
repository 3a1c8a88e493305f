"""usecases/charity.py on the in-memory store: donations into stock lines, distributions, their limits."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.volunteers.usecases import charity
from tests.support.volunteers_fixtures import COMMUNITY, STATION
from tests.support.volunteers_unit import COUNTY, OTHER_COUNTY, OTHER_STAFF, STAFF, event_types, outbox, use_cases

TODAY = clock.today().isoformat()


def rice(quantity: int = 10, **overrides) -> dict:
    return {"station_id": STATION, "kind": "goods",
            "goods": {"name": "大米", "category": "food", "unit": "袋", "quantity": quantity},
            "donor": {"kind": "organisation", "name": "爱心企业", "phone": "13912340000"}, "received_on": TODAY,
            **overrides}


def to_household(stock_id: str, quantity: int, **overrides) -> dict:
    return {"stock_id": stock_id, "household_id": "hh-1", "domain": "elderly", "region_code": COMMUNITY,
            "quantity": quantity, "distributed_on": TODAY, **overrides}


def test_donations_of_one_item_join_one_stock_line_and_are_announced():
    ctx = use_cases()
    first = charity.receive_donation(ctx, STAFF, rice(10))
    second = charity.receive_donation(ctx, STAFF, rice(5))
    stock_id = first["stock"]["id"]
    assert second["stock"]["id"] == stock_id and second["stock"]["on_hand"] == 15
    assert event_types(ctx, "stock", stock_id) == ["donation.received", "donation.received"]
    lots = charity.donations_for_stock(ctx, COUNTY, [stock_id])[stock_id]
    assert [lot["quantity"] for lot in lots] == [10, 5] and "*" in lots[0]["donor"]["phone"]


def test_a_donation_cannot_be_dated_ahead_nor_received_by_another_station():
    ctx = use_cases()
    with pytest.raises(ValidationFailed):
        charity.receive_donation(ctx, STAFF, rice(received_on=(clock.today() + timedelta(days=1)).isoformat()))
    with pytest.raises(PermissionDenied):
        charity.receive_donation(ctx, OTHER_STAFF, rice())


def test_a_distribution_takes_stock_once_and_never_below_zero():
    ctx = use_cases()
    stock_id = charity.receive_donation(ctx, STAFF, rice(10))["stock"]["id"]
    given = charity.distribute(ctx, STAFF, to_household(stock_id, 4, distribution_id="dst-demo-1"))
    assert given["stock"]["on_hand"] == 6
    again = charity.distribute(ctx, STAFF, to_household(stock_id, 4, distribution_id="dst-demo-1"))
    assert again["stock"]["on_hand"] == 6 and again["distribution"] == given["distribution"]
    with pytest.raises(RuleViolation):
        charity.distribute(ctx, STAFF, to_household(stock_id, 7))
    made = outbox(ctx, "stock", stock_id)[-1]
    assert made["type"] == "distribution.made" and made["payload"]["on_hand_after"] == 6
    received = charity.distributions_for_households(ctx, COUNTY, ["hh-1", "hh-2"])
    assert [d["quantity"] for d in received["hh-1"]] == [4] and received["hh-2"] == []


def test_another_county_neither_distributes_nor_sees_the_stock():
    ctx = use_cases()
    stock_id = charity.receive_donation(ctx, STAFF, rice(10))["stock"]["id"]
    with pytest.raises(NotFound):
        charity.distribute(ctx, OTHER_STAFF, to_household(stock_id, 1))
    assert charity.get_stock(ctx, OTHER_COUNTY, [stock_id]) == [None]
    assert charity.list_stock(ctx, OTHER_COUNTY, {})["total"] == 0
    assert charity.list_stock(ctx, COUNTY, {"category": "food"})["total"] == 1


def test_a_returned_distribution_goes_back_to_its_lots():
    ctx = use_cases()
    stock_id = charity.receive_donation(ctx, STAFF, rice(10))["stock"]["id"]
    charity.distribute(ctx, STAFF, to_household(stock_id, 3, distribution_id="dst-returned"))
    charity.return_distribution(ctx, STAFF, stock_id, "dst-returned")
    charity.return_distribution(ctx, STAFF, stock_id, "dst-returned")  # once only
    assert charity.get_stock(ctx, STAFF, [stock_id])[0]["on_hand"] == 10
    assert charity.distributions_for_households(ctx, STAFF, ["hh-1"]) == {"hh-1": []}
