"""Limits under concurrency, and the two-document reservation's compensation and crash recovery."""
from __future__ import annotations

import pytest

from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.errors import Conflict, RuleViolation
from services.funding import domain
from services.funding.service import FundingService
from services.funding.storage import FundingRepository
from services.funding.usecases import Funding, reservations
from tests.support import funding_fixtures as fx
from tests.support.containers import rpc_client, running

COUNTY = Viewer("danyang-official", "county", fx.COUNTY).to_dict()


@pytest.fixture
def funding(isolated_settings):
    fx.prepare_store()
    with running(FundingService, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client.funding


def outcomes(replies):
    results, refusals = [], []
    for reply in replies:
        try:
            results.append(reply.result())
        except RuleViolation as exc:
            refusals.append(exc)
    return results, refusals


def use_cases() -> Funding:
    return Funding(FundingRepository(storage.database("funding")))


def test_concurrent_allocations_never_exceed_the_source(funding):
    source = funding.create_source(COUNTY, fx.source_input(amount_fen=1_000_000))
    replies = [funding.allocate_budget.call_async(COUNTY, source["id"],
                                                  {"station_id": fx.STATION, "amount_fen": 100_000})
               for _ in range(12)]
    allocated, refused = outcomes(replies)
    assert len(allocated) == 10 and len(refused) == 2
    after = use_cases().repo.sources.require(source["id"])
    assert after["allocated_fen"] == 1_000_000 == sum(line["amount_fen"] for line in allocated)
    assert after["pending"] == {} and after["pending_count"] == 0


def test_concurrent_disbursements_and_commitments_respect_every_limit(funding):
    with clock.FrozenClock(fx.START) as frozen:
        source = funding.create_source(COUNTY, fx.source_input())
        line = funding.allocate_budget(COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 60_000_000})
        contract = fx.awarded_contract(funding, COUNTY, frozen)
        replies = [funding.commit_funding.call_async(COUNTY, contract["id"], {"budget_line_id": line["id"],
                                                                              "amount_fen": 12_000_000})
                   for _ in range(6)]
        committed, refused = outcomes(replies)
        assert len(committed) == 5 and len(refused) == 1
        assert use_cases().repo.lines.require(line["id"])["committed_fen"] == 60_000_000
        assert funding.get_contracts(COUNTY, [contract["id"]])[0]["committed_fen"] == 60_000_000
        frozen.advance(days=60)
        replies = [funding.record_disbursement.call_async(COUNTY, contract["id"], {
            "milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 5_000_000, "paid_on": "2026-04-01",
            "voucher_number": f"V-{n}", "evidence": {"documents": fx.documents()}}) for n in range(8)]
        recorded, refused = outcomes(replies)
    assert len(recorded) == 5 and len(refused) == 3
    assert all("exceeds milestone M4" in exc.message for exc in refused)
    after = funding.get_contracts(COUNTY, [contract["id"]])[0]
    milestone = next(m for m in after["milestones"] if m["id"] == "M4")
    assert milestone["paid_fen"] + milestone["held_fen"] == 25_000_000
    assert len(funding.disbursements_for_contracts(COUNTY, [contract["id"]])[contract["id"]]) == 5


def test_a_failed_dependent_write_releases_the_reservation(isolated_settings, monkeypatch):
    fx.prepare_store()
    funding = use_cases()
    source = funding.create_source(SYSTEM, fx.source_input(amount_fen=1_000))
    existing = funding.allocate_budget(SYSTEM, source["id"], {"station_id": fx.STATION, "amount_fen": 100})
    monkeypatch.setattr("services.funding.usecases.budgets.new_id", lambda prefix: existing["id"])
    with pytest.raises(Conflict):  # the line insert fails after the source was reserved
        funding.allocate_budget(SYSTEM, source["id"], {"station_id": fx.STATION, "amount_fen": 300})
    after = funding.repo.sources.require(source["id"])
    assert after["allocated_fen"] == 100 and after["pending"] == {}


def test_reservations_left_by_a_crash_are_settled_from_the_dependent_document(isolated_settings):
    fx.prepare_store()
    funding = use_cases()
    with clock.FrozenClock(fx.START) as frozen:
        source = funding.create_source(SYSTEM, fx.source_input(amount_fen=1_000))
        # A crash after the reservation, before the budget line was written: nothing to confirm.
        reservations.reserve(funding.repo.sources, source["id"], "allocated_fen", "bl_never_written", 400)
        # A crash after the budget line was written, before the confirmation.
        line = funding.allocate_budget(SYSTEM, source["id"], {"station_id": fx.STATION, "amount_fen": 250})
        reservations.reserve(funding.repo.sources, source["id"], "allocated_fen", "bl_written", 50)
        written = {**funding.repo.lines.require(line["id"]), "_id": "bl_written", "amount_fen": 50}
        funding.repo.lines.insert({k: v for k, v in written.items() if not k.startswith("_") or k == "_id"})
        assert funding.repo.sources.require(source["id"])["allocated_fen"] == 700
        assert funding.settle_reservations() == {"confirmed": 0, "released": 0}  # still inside the lease
        frozen.advance(seconds=domain.RESERVATION_LEASE.total_seconds() / 2)
        with pytest.raises(Conflict, match="took too long"):  # a late writer gives up before the sweeper acts
            reservations.require_fresh(funding.repo.sources, source["id"], "bl_never_written")
        assert funding.settle_reservations() == {"confirmed": 0, "released": 0}
        frozen.advance(seconds=domain.RESERVATION_LEASE.total_seconds() / 2)
        assert funding.settle_reservations() == {"confirmed": 1, "released": 1}
        after = funding.repo.sources.require(source["id"])
        assert after["allocated_fen"] == 300 and after["pending"] == {}
        assert funding.settle_reservations() == {"confirmed": 0, "released": 0}


def test_a_commitment_left_by_a_crash_is_released(isolated_settings):
    fx.prepare_store()
    funding = use_cases()
    with clock.FrozenClock(fx.START) as frozen:
        source = funding.create_source(SYSTEM, fx.source_input())
        line = funding.allocate_budget(SYSTEM, source["id"], {"station_id": fx.STATION, "amount_fen": 1_000})
        reservations.reserve(funding.repo.lines, line["id"], "committed_fen", "cmt_lost", 600,
                             {"contract_id": "ctr_gone"})
        assert funding.repo.lines.require(line["id"])["committed_fen"] == 600
        frozen.advance(seconds=domain.RESERVATION_LEASE.total_seconds() + 1)
        assert funding.settle_reservations() == {"confirmed": 0, "released": 1}
        assert funding.repo.lines.require(line["id"])["committed_fen"] == 0
        frozen.advance(days=1)
        assert funding.settle_reservations() == {"confirmed": 0, "released": 0}
