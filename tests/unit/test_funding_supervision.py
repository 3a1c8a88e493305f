"""Fund supervision figures and cost per outcome (pure arithmetic), and the OCDS-shaped release."""
import json

import jsonschema
import pytest

from services.funding import disclosure, supervision
from tests.support import funding_fixtures as fx
from tests.support.funding_fixtures import awarded_tender, funded, line, pay, signed


def test_store_sums_and_raw_disbursements_give_the_same_cells():
    first, second = line("bl_1", fx.STATION, 60_000_000), line("bl_2", fx.SECOND_STATION, 40_000_000)
    contract = funded(signed(), (first, 50_000_000), (second, 40_000_000))
    contract = pay(contract, amount_fen=1_000_001, voucher_number="V1")
    contract = pay(contract, amount_fen=2_000_000, voucher_number="V2", budget_line_id="bl_2")
    contract = pay(contract, flags=["staffing"], amount_fen=333, voucher_number="V3")
    naive = supervision.naive_cells("321181", [first, second], [contract])
    line_totals = [{"_id": "src_1", "allocated_fen": 100_000_000, "contracted_fen": 90_000_000}]
    funding_totals = [{"_id": "src_1", "paid_fen": sum(f["paid_fen"] for f in contract["funding"]),
                       "held_fen": sum(f["held_fen"] for f in contract["funding"])}]
    assert naive == supervision.merge_cells(line_totals, funding_totals) == {"src_1": {
        "allocated_fen": 100_000_000, "contracted_fen": 90_000_000, "disbursed_fen": 3_000_001, "flagged_fen": 333}}
    assert supervision.naive_cells("321181001", [first, second], [contract])["src_1"]["disbursed_fen"] == 1_000_001
    assert supervision.naive_cells("321102", [first, second], [contract]) == {}


def test_view_rows_subtotals_and_unallocated():
    meta = {"s1": {"name": "财政", "kind": "fiscal", "domain": None, "year": 2026, "region_code": "321181"},
            "s2": {"name": "福彩", "kind": "lottery", "domain": "elderly", "year": 2025, "region_code": "320000"}}
    cells = {"s1": {"allocated_fen": 100, "contracted_fen": 80, "disbursed_fen": 50, "flagged_fen": 10},
             "s2": {"allocated_fen": 30, "contracted_fen": 30, "disbursed_fen": 30, "flagged_fen": 0}}
    own = [{"_id": "s1", "amount_fen": 150, "allocated_fen": 100}]
    view = supervision.view("321181", cells, meta, own)
    assert [r["source_id"] for r in view["rows"]] == ["s1", "s2"]  # newest year first
    assert view["rows"][0]["remaining_fen"] == 40 and view["rows"][0]["unallocated_fen"] == 50
    assert view["rows"][1]["unallocated_fen"] is None  # a province source: not this region's to allocate
    assert view["total"] == {"allocated_fen": 130, "contracted_fen": 110, "disbursed_fen": 80, "flagged_fen": 10,
                             "remaining_fen": 40, "unallocated_fen": 50}
    assert [y["year"] for y in view["by_year"]] == [2026, 2025]
    assert {k["source_kind"] for k in view["by_kind"]} == {"fiscal", "lottery"}


def test_cost_per_household_visit_and_volunteer_hour():
    spending = [{"source_id": "s1", "source_name": "财政", "source_kind": "fiscal", "region_code": "321181001",
                 "amount_fen": 1_000_000},
                {"source_id": "s2", "source_name": "福彩", "source_kind": "lottery", "region_code": "321181002",
                 "amount_fen": 500_001}]
    activity = [
        {"kind": "service_delivered", "household_id": "h1", "township_code": "321181001", "hours_tenths": 25,
         "volunteer": True},
        {"kind": "service_delivered", "household_id": "h2", "township_code": "321181001", "hours_tenths": 15,
         "volunteer": True},
        {"kind": "service_delivered", "household_id": "h2", "township_code": "321181002", "hours_tenths": 30,
         "volunteer": False},
        {"kind": "needs_assessed", "household_id": "h3", "township_code": "321181002"},
        {"kind": "visit_logged", "household_id": "h1", "township_code": "321181001"},
    ]
    result = supervision.cost_outcome("321181", 2026, spending, activity, lambda code: code)
    assert result["outcomes"] == {"households_served": 3, "households_assessed": 1, "services_delivered": 3,
                                  "volunteer_hours": 4.0, "visits": 1, "cases_closed": 0}
    assert result["total"] == {"disbursed_fen": 1_500_001, "cost_per_household_fen": 500_000,
                               "cost_per_visit_fen": 1_500_001, "cost_per_volunteer_hour_fen": 375_000}
    assert [r["cost_per_household_fen"] for r in result["by_source"]] == [333_333, 166_667]
    by_region = {r["region_code"]: r for r in result["by_region"]}
    assert by_region["321181002"]["volunteer_hours"] == 0
    assert by_region["321181002"]["cost_per_volunteer_hour_fen"] is None
    assert by_region["321181001"]["cost_per_household_fen"] == 500_000


def released(contract=None, tender=None):
    tender = tender or {**awarded_tender(), "_version": 7}
    return disclosure.release(tender, contract)


def test_release_validates_against_the_schema_and_withholds_personal_data():
    contract = pay(funded(signed(), (line(), 30_000_000)), amount_fen=1_234_567)
    contract = pay(contract, flags=["staffing"], amount_fen=1, voucher_number="V-held")
    release = released({**contract, "_version": 3})
    jsonschema.validate(release, fx.ocds_schema())
    assert release["id"] == "ocds-sgjs21-tdr_1-payment-dsb_V-held"  # the latest release: the held payment
    assert release["tag"] == ["implementationUpdate"]
    transactions = release["contracts"][0]["implementation"]["transactions"]
    assert [t["value"]["amount"] for t in transactions] == [12345.67]  # the held payment is not published
    fields = {w["field"] for w in release["withheldInformation"]}
    assert fields == {"parties/contactPoint", "bids/details/leaders", "contracts/implementation/transactions"}
    text = json.dumps(release, ensure_ascii=False)
    bid = fx.bid_input(1)
    for personal in (bid["contact"]["name"], bid["contact"]["phone"], bid["leaders"][0]["name"],
                     bid["leaders"][0]["id_number"], bid["leaders"][1]["name"]):
        assert personal not in text


def test_a_release_before_the_contract_and_after_a_cancellation():
    release = released()
    jsonschema.validate(release, fx.ocds_schema())
    assert release["tag"] == ["award"] and "contracts" not in release
    cancelled = {**awarded_tender(), "status": "cancelled", "award": None,
                 "cancellation": {"at": "2026-02-01T00:00:00+00:00", "reason": "预算调整"}, "_version": 3}
    release = released(tender=cancelled)
    jsonschema.validate(release, fx.ocds_schema())
    assert release["tag"] == ["tenderCancellation"] and release["tender"]["status"] == "cancelled"
    with pytest.raises(ValueError):
        disclosure.release({**awarded_tender(), "status": "draft", "_version": 1}, None)


def test_the_schema_refuses_what_must_not_be_published():
    release = released()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**release, "parties": [{**release["parties"][0], "contactPoint": {"telephone": "x"}}]},
                            fx.ocds_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**release, "tag": ["paid"]}, fx.ocds_schema())
