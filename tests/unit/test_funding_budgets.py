"""Funding sources, earmarks, budget lines and reservations (no broker, no database)."""
from datetime import UTC, datetime, timedelta

import pytest

from services.common.auth import Viewer
from services.common.errors import PermissionDenied, RuleViolation, ValidationFailed
from services.common.rpc import load
from services.common.scope import Scope
from services.funding import domain, earmarks
from services.funding.schemas import AllocationSchema, SourceInputSchema
from services.funding.storage import scope_condition
from tests.support import funding_fixtures as fx

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def source(**overrides):
    data = load(SourceInputSchema, fx.source_input(**overrides))
    doc = domain.new_source(data, "src_1")
    return {**doc, "_version": 1}


def line_for(src, **data):
    return domain.new_budget_line(src, load(AllocationSchema, {"amount_fen": 1000, **data}), "bl_1")


def test_money_is_exact_integer_fen():
    assert domain.yuan(123_456_789) == "1,234,567.89 元"
    assert domain.yuan(5) == "0.05 元"
    assert domain.divide_half_up(5, 2) == 3 and domain.divide_half_up(4, 3) == 1 and domain.divide_half_up(1, 0) is None
    with pytest.raises(ValidationFailed) as caught:
        load(SourceInputSchema, fx.source_input(amount_fen=100.5))
    assert "amount_fen" in caught.value.details
    with pytest.raises(ValidationFailed):
        load(SourceInputSchema, fx.source_input(amount_fen=0))


@pytest.mark.parametrize("kind,domain_name,ok", [
    ("lottery", "elderly", True), ("lottery", "disability", True), ("lottery", None, False),
    ("lottery", "community_building", False), ("purchase_of_service", "children", True),
    ("purchase_of_service", "disability", False), ("fiscal", None, True), ("charity", "children", True)])
def test_source_kinds_name_the_domains_the_notice_lists(kind, domain_name, ok):
    assert (earmarks.kind_domain_problem(kind, domain_name) is None) is ok


def test_a_domain_source_is_earmarked_for_its_domain_and_its_region():
    lottery = source(kind="lottery", domain="elderly")
    assert lottery["earmark"]["domains"] == ["elderly"]
    assert "321181" in lottery["scope_codes"] and "321100" in lottery["scope_codes"]
    with pytest.raises(ValidationFailed) as caught:
        source(kind="lottery", domain="elderly", earmark={"domains": ["children"]})
    assert "earmark.domains" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        source(earmark={"region_codes": ["321102"]})
    assert "earmark.region_codes" in caught.value.details
    assert source(kind="lottery", domain="public_welfare")["earmark"]["domains"] == []


def test_budget_line_stays_inside_the_source_region_and_earmark():
    src = source(earmark={"station_ids": [fx.STATION]})
    line = line_for(src, station_id=fx.STATION)
    assert line["region_code"] == "321181001" and line["station_ids"] == [fx.STATION]
    with pytest.raises(RuleViolation, match="专款专用"):
        line_for(src, station_id=fx.SECOND_STATION)
    with pytest.raises(RuleViolation, match="outside the source's region"):
        line_for(source(), station_id=fx.OTHER_COUNTY_STATION)
    with pytest.raises(ValidationFailed):
        line_for(src, station_id=fx.STATION, project={"name": "x项目", "region_code": "321181"})
    lottery = source(kind="lottery", domain="elderly")
    with pytest.raises(RuleViolation, match="养老服务"):
        line_for(lottery, project={"name": "儿童项目", "region_code": "321181"}, domain="children")
    assert line_for(lottery, project={"name": "养老项目", "region_code": "321181"},
                    domain="elderly")["earmark"]["domains"] == ["elderly"]


def test_earmark_problems_give_each_reason():
    earmark = {"domains": ["elderly"], "region_codes": ["321181"], "station_ids": [fx.STATION]}
    assert earmarks.problems(earmark, domain="elderly", station_ids=[fx.STATION], region_codes=[],
                             source_name="S") == []
    found = earmarks.problems(earmark, domain="children", station_ids=[fx.OTHER_COUNTY_STATION], region_codes=[],
                              source_name="福彩")
    assert len(found) == 3 and all(p.startswith("专款专用: 福彩") for p in found)
    assert "this names no service domain" in earmarks.problems(earmark, domain=None, station_ids=[], region_codes=[],
                                                               source_name="S")[0]


def test_reservations_never_let_the_counter_pass_the_amount():
    holder = {"_id": "src_1", "amount_fen": 1000, "allocated_fen": 600, "pending": {}}
    changes = domain.reserve(holder, "allocated_fen", "bl_a", 400, NOW, "funding source")
    assert changes["allocated_fen"] == 1000 and changes["pending_count"] == 1
    holder = {**holder, **changes}
    with pytest.raises(RuleViolation, match="0.00 元 left"):
        domain.reserve(holder, "allocated_fen", "bl_b", 1, NOW, "funding source")
    released = domain.release(holder, "allocated_fen", "bl_a")
    assert released["allocated_fen"] == 600 and released["pending"] == {}
    confirmed = domain.confirm(holder, "bl_a")
    assert "allocated_fen" not in confirmed and confirmed["pending_count"] == 0
    assert domain.confirm({**holder, **confirmed}, "bl_a") is None  # settling twice changes nothing
    assert domain.release({**holder, **confirmed}, "allocated_fen", "bl_a") is None


def test_reservation_lease_decides_who_settles():
    holder = {"pending": {"r1": {"amount_fen": 1, "at": NOW.isoformat()}}}
    assert domain.reservation_is_fresh(holder, "r1", NOW + timedelta(minutes=4))
    assert not domain.reservation_is_fresh(holder, "r1", NOW + timedelta(minutes=5))
    assert domain.stale_reservations(holder, NOW + timedelta(minutes=9)) == []
    assert domain.stale_reservations(holder, NOW + domain.RESERVATION_LEASE) == ["r1"]


def test_source_cannot_shrink_below_its_allocations():
    with pytest.raises(RuleViolation, match="already allocated"):
        domain.source_amount_change({"allocated_fen": 500}, 499)
    assert domain.source_amount_change({"allocated_fen": 500}, 500) == {"amount_fen": 500}


def test_scope_codes_and_viewer_scopes():
    assert domain.scope_codes("321181", [fx.STATION, fx.OTHER_COUNTY_STATION]) == [
        "320000", "321100", "321102", "321102001", "321181", "321181001"]
    record = {"scope_codes": domain.scope_codes("321181", [fx.STATION]), "station_ids": [fx.STATION]}
    assert domain.sees(Viewer("c", "county", "321181"), record)
    assert domain.sees(Viewer("x", "city", "321100"), record)
    assert not domain.sees(Viewer("o", "county", "321102"), record)
    assert domain.sees(Viewer("s", "station_staff", None, (fx.STATION,)), record)
    assert not domain.sees(Viewer.from_dict({}), record)
    assert scope_condition(Scope.of(Viewer("x", "city", "321100"))) == {"scope_codes": {"$in": ["321100"]}}
    assert scope_condition(Scope.of(Viewer.from_dict({}))) == {"_id": {"$in": []}}
    with pytest.raises(PermissionDenied):
        domain.require_region_write(Viewer("s", "station_staff", None, (fx.STATION,)), "321181")
    with pytest.raises(PermissionDenied):
        domain.require_region_write(Viewer("e", "evaluator", "321181"), "321181")


def test_effective_region_is_the_overlap_of_the_view_and_the_scope():
    county = Viewer("c", "county", "321181")
    assert domain.effective_region(county, "321100") == "321181"
    assert domain.effective_region(county, "321181001") == "321181001"
    assert domain.effective_region(county, "321102") is None
    assert domain.effective_region(Viewer("a", "admin"), "320000") == "320000"
    assert domain.child_region("320000")("321181001") == "321100"
    assert domain.child_region("321100")("321181001") == "321181"
    assert domain.child_region("321181")("321181001") == "321181001"


def test_local_wage_prefers_the_most_local_latest_figure():
    wages = {("320000", 2024): {"monthly_wage_fen": 3}, ("321100", 2023): {"monthly_wage_fen": 2},
             ("321181", 2027): {"monthly_wage_fen": 9}}
    assert domain.local_wage(wages, "321181", 2026) == {"monthly_wage_fen": 2}
    assert domain.local_wage(wages, "321181", 2027) == {"monthly_wage_fen": 9}
    assert domain.local_wage(wages, "321102", 2026) == {"monthly_wage_fen": 2}
    assert domain.local_wage(wages, "320500", 2022) is None
