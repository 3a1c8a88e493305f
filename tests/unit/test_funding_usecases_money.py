"""Funding sources, budget lines and reservations, on the in-memory store."""
from __future__ import annotations

import pytest

from services.common import clock
from services.common.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.funding import domain
from services.funding.usecases import budgets, reservations, sources
from tests.support import funding_fixtures as fx
from tests.unit import funding_usecase_fixtures as support
from tests.unit.funding_usecase_fixtures import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    PUBLIC,
    STATION_WORKER,
    memory_funding,
    outbox_types,
)

frozen, funding = support.frozen, support.funding  # the fixtures of these tests


def test_a_source_is_registered_with_its_event_and_read_in_scope(funding):
    source = sources.create_source(funding, COUNTY, fx.source_input())
    assert source["unallocated_fen"] == 100_000_000
    assert outbox_types(funding.repo.sources, source["id"]) == ["funding_source.registered"]
    assert sources.list_sources(funding, COUNTY, {})["total"] == 1
    assert sources.list_sources(funding, OTHER_COUNTY, {})["total"] == 0
    assert sources.list_sources(funding, PUBLIC)["total"] == 0
    assert sources.list_sources(funding, COUNTY, {"year": 2025, "kind": "fiscal"})["total"] == 0
    assert sources.get_sources(funding, OTHER_COUNTY, [source["id"]]) == [None]


def test_stations_and_other_counties_do_not_manage_sources(funding):
    with pytest.raises(PermissionDenied):
        sources.create_source(funding, STATION_WORKER, fx.source_input())
    with pytest.raises(PermissionDenied):
        sources.create_source(funding, OTHER_COUNTY, fx.source_input())
    source = sources.create_source(funding, COUNTY, fx.source_input())
    with pytest.raises(NotFound):
        sources.update_source(funding, OTHER_COUNTY, source["id"], {"expected_version": 1, "name": "改名后的资金"})


def test_updating_a_source_checks_what_it_already_allocated(funding):
    source = sources.create_source(funding, COUNTY, fx.source_input())
    with pytest.raises(ValidationFailed):
        sources.update_source(funding, COUNTY, source["id"], {"name": "没有说明读到的版本"})
    budgets.allocate_budget(funding, COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 60_000_000})
    version = sources.get_sources(funding, COUNTY, [source["id"]])[0]["version"]
    with pytest.raises(RuleViolation):
        sources.update_source(funding, COUNTY, source["id"], {"expected_version": version, "amount_fen": 1})
    updated = sources.update_source(funding, COUNTY, source["id"], {"expected_version": version,
                                                                    "amount_fen": 70_000_000})
    assert updated["unallocated_fen"] == 10_000_000


def test_allocating_reserves_on_the_source_and_writes_the_line_with_its_event(funding):
    source = sources.create_source(funding, COUNTY, fx.source_input())
    line = budgets.allocate_budget(funding, COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 60_000_000})
    assert outbox_types(funding.repo.lines, line["id"]) == ["budget.allocated"]
    after = funding.repo.sources.require(source["id"])
    assert after["allocated_fen"] == 60_000_000 and after["pending"] == {}
    with pytest.raises(RuleViolation):
        budgets.allocate_budget(funding, COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 50_000_000})
    with pytest.raises(ValidationFailed):
        budgets.allocate_budget(funding, COUNTY, source["id"], {"amount_fen": 1})
    assert funding.repo.sources.require(source["id"])["allocated_fen"] == 60_000_000


def test_budget_lines_are_read_in_scope_by_source_and_station(funding):
    source = sources.create_source(funding, COUNTY, fx.source_input())
    line = budgets.allocate_budget(funding, COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 1_000})
    assert budgets.list_budget_lines(funding, COUNTY, {"station_id": fx.STATION})["total"] == 1
    assert budgets.list_budget_lines(funding, OTHER_COUNTY)["total"] == 0
    assert budgets.list_budget_lines(funding, STATION_WORKER, {})["total"] == 1
    assert budgets.get_budget_lines(funding, OTHER_COUNTY, [line["id"]]) == [None]
    assert [v["id"] for v in budgets.budget_lines_for_sources(funding, COUNTY, [source["id"]])[source["id"]]] == [
        line["id"]]
    assert budgets.budget_lines_for_stations(funding, OTHER_COUNTY, [fx.STATION]) == {fx.STATION: []}


def test_reservations_left_by_a_crash_are_settled_by_the_timer():
    with clock.FrozenClock(fx.START) as frozen:
        funding = memory_funding()
        source = sources.create_source(funding, ADMIN, fx.source_input(amount_fen=1_000))
        reservations.reserve(funding.repo.sources, source["id"], "allocated_fen", "bl_never_written", 400)
        assert reservations.settle_reservations(funding) == {"confirmed": 0, "released": 0}
        frozen.advance(seconds=domain.RESERVATION_LEASE.total_seconds() + 1)
        with pytest.raises(Exception, match="reservation took too long"):
            reservations.require_fresh(funding.repo.sources, source["id"], "bl_never_written")
        assert reservations.settle_reservations(funding) == {"confirmed": 0, "released": 1}
        assert funding.repo.sources.require(source["id"])["allocated_fen"] == 0
