"""The notice's funding rules through the real registry and funding services over the broker: a
payment is checked against the staffing on its own date, and a closed contract returns its unspent
money and takes no further payments."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.errors import ConcurrentModification, Conflict, ValidationFailed
from services.funding.service import FundingService
from services.funding.storage import FundingRepository
from services.funding.usecases import Funding, closing
from services.registry.service import RegistryService
from shegong.services import migrate
from tests.support import funding_fixtures as fx
from tests.support.containers import rpc_client, running
from tests.support.registry_fixtures import staff_input, station_input
from tests.support.waiting import wait_for

ADMIN = SYSTEM.to_dict()
COUNTY = Viewer("danyang-official", "county", fx.COUNTY).to_dict()


@pytest.fixture
def platform(isolated_settings):
    migrate()
    fx.prepare_store()
    with running(RegistryService, FundingService, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client


def staffed_contract(client, frozen):
    registry, funding = client.registry, client.funding
    registry.register_station(ADMIN, station_input())
    registry.register_station(ADMIN, station_input(township_code="321181002", township_name="曲阿街道"))
    for station_id, sequences in ((fx.STATION, (1, 2, 3)), (fx.SECOND_STATION, (4, 5, 6))):
        for sequence in sequences:
            frozen.advance(seconds=1)
            registry.add_staff(ADMIN, station_id, staff_input(sequence))
    source = funding.create_source(COUNTY, fx.source_input())
    line = funding.allocate_budget(COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 60_000_000})
    contract = fx.awarded_contract(funding, COUNTY, frozen)
    funding.commit_funding(COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 60_000_000})
    wait_for(lambda: funding.contract_staffing(COUNTY, [contract["id"]])[0]["kept"])
    return contract, line


def written_as_a_client(registry, write) -> None:
    """As a client does: read the station's version and write; if the registry's own consumers changed the
    station in between (they follow funding's contract events), read it again and retry."""
    for _ in range(5):
        station = registry.get_stations(ADMIN, [fx.STATION])[0]
        try:
            write(station)
            return
        except ConcurrentModification:
            continue
    raise AssertionError("the station kept changing under the update")


def lower_pay(registry, staff_id: str, monthly_salary_fen: int) -> None:
    written_as_a_client(registry, lambda station: registry.update_staff(
        ADMIN, fx.STATION, staff_id,
        {"expected_version": station["version"], "monthly_salary_fen": monthly_salary_fen}))


def test_a_payment_is_checked_against_the_staffing_on_its_date(platform):
    registry, funding = platform.registry, platform.funding
    with clock.FrozenClock(fx.START) as frozen:
        contract, line = staffed_contract(platform, frozen)
        frozen.advance(days=20)
        breach_day = clock.today()
        member = registry.staff_for_stations(ADMIN, [fx.STATION])[fx.STATION][0]
        lower_pay(registry, member["id"], 100_000)
        wait_for(lambda: not funding.contract_staffing(COUNTY, [contract["id"]])[0]["kept"])
        assert funding.contract_staffing(COUNTY, [contract["id"]], (breach_day - timedelta(days=1)).isoformat())[0][
            "kept"]
        frozen.advance(days=30)
        report = {"milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 1_000_000,
                  "evidence": {"documents": fx.documents()}}
        before = funding.record_disbursement(COUNTY, contract["id"], {
            **report, "voucher_number": "V-before", "paid_on": (breach_day - timedelta(days=1)).isoformat()})
        assert (before["status"], before["flags"]) == ("paid", [])
        after = funding.record_disbursement(COUNTY, contract["id"], {
            **report, "voucher_number": "V-after", "paid_on": breach_day.isoformat()})
        assert after["status"] == "held"
        assert len(after["flags"]) == 1 and "pay below the local average wage" in after["flags"][0]


def test_closing_a_contract_returns_its_unspent_money_and_refuses_further_payments(platform):
    funding = platform.funding
    with clock.FrozenClock(fx.START) as frozen:
        contract, line = staffed_contract(platform, frozen)
        frozen.advance(days=30)
        report = {"milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 1_000_000,
                  "evidence": {"documents": fx.documents()}, "paid_on": clock.today().isoformat()}
        funding.record_disbursement(COUNTY, contract["id"], {**report, "voucher_number": "V-1"})
        version = funding.get_contracts(COUNTY, [contract["id"]])[0]["version"]
        with pytest.raises(ValidationFailed):
            before_the_payment = (clock.today() - timedelta(days=1)).isoformat()
            funding.close_contract(COUNTY, contract["id"], {"expected_version": version, "reason": "期满",
                                                            "closed_on": before_the_payment})
        closed = funding.close_contract(COUNTY, contract["id"], {
            "expected_version": version, "closed_on": clock.today().isoformat(), "reason": "服务期满，结余资金退回"})
        assert closed["status"] == "closed" and closed["closure"]["returned_fen"] == 59_000_000
        assert closed["committed_fen"] == 1_000_000 and closed["paid_fen"] == 1_000_000
        back = funding.get_budget_lines(COUNTY, [line["id"]])[0]
        assert (back["committed_fen"], back["uncommitted_fen"]) == (1_000_000, 59_000_000)

        with pytest.raises(Conflict, match="closed"):
            funding.record_disbursement(COUNTY, contract["id"], {**report, "voucher_number": "V-2"})
        with pytest.raises(Conflict, match="closed"):
            funding.commit_funding(COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 1})
        with pytest.raises(Conflict):
            funding.close_contract(COUNTY, contract["id"], {
                "expected_version": closed["version"], "closed_on": clock.today().isoformat(), "reason": "再次关闭"})

        # funding's own consumer of contract.closed re-applies the returns: nothing is given back twice
        processed = storage.database("funding").processed_events
        wait_for(lambda: processed.find_one({"consumer": "funding.on_contract_closed"}))
        assert funding.get_budget_lines(COUNTY, [line["id"]])[0]["committed_fen"] == 1_000_000
        supervision = funding.fund_supervision(COUNTY, {"region": fx.COUNTY, "year": 2026})
        assert supervision["total"]["disbursed_fen"] == 1_000_000


def test_a_closing_that_died_before_the_returns_is_completed_from_its_event(platform, monkeypatch):
    funding = platform.funding
    with clock.FrozenClock(fx.START) as frozen:
        contract, line = staffed_contract(platform, frozen)
        frozen.advance(days=30)
        repository = FundingRepository(storage.database("funding"))
        lost = Funding(repository)
        complete = closing.complete_closing
        # the process died after the contract write: only the running service's consumer completes the returns
        monkeypatch.setattr(closing, "complete_closing",
                            lambda context, contract_id: None if context is lost else complete(context, contract_id))
        version = funding.get_contracts(COUNTY, [contract["id"]])[0]["version"]
        lost.close_contract(Viewer.from_dict(COUNTY), contract["id"], {
            "expected_version": version, "closed_on": clock.today().isoformat(), "reason": "服务期满，结余资金退回"})
        wait_for(lambda: funding.get_budget_lines(COUNTY, [line["id"]])[0]["committed_fen"] == 0)


def test_a_pay_cut_recorded_late_but_effective_earlier_flags_payments_from_its_effective_date(platform):
    registry, funding = platform.registry, platform.funding
    with clock.FrozenClock(fx.START) as frozen:
        contract, line = staffed_contract(platform, frozen)
        cut_on = clock.today() + timedelta(days=8)  # after the signing (2026-02-20)
        frozen.advance(days=10)
        # the registry evaluates the station again after the (not yet recorded) pay cut: signboard taken down
        written_as_a_client(registry, lambda station: registry.update_station(ADMIN, fx.STATION, {
            "expected_version": station["version"], "venue": {**station["venue"], "signboard_hung": False}}))
        signboard_day = clock.today()
        frozen.advance(days=20)
        member = registry.staff_for_stations(ADMIN, [fx.STATION])[fx.STATION][0]
        written_as_a_client(registry, lambda station: registry.update_staff(ADMIN, fx.STATION, member["id"], {
            "expected_version": station["version"], "monthly_salary_fen": 100_000, "effective_on": cut_on.isoformat()}))
        after_signboard = (signboard_day + timedelta(days=2)).isoformat()
        wait_for(lambda: not funding.contract_staffing(COUNTY, [contract["id"]], after_signboard)[0]["kept"])
        report = {"milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 1_000_000,
                  "evidence": {"documents": fx.documents()}}
        between = funding.record_disbursement(COUNTY, contract["id"], {
            **report, "voucher_number": "V-between", "paid_on": after_signboard})
        assert between["status"] == "held" and "pay below" in between["flags"][0]
        before = funding.record_disbursement(COUNTY, contract["id"], {
            **report, "voucher_number": "V-before", "paid_on": (cut_on - timedelta(days=1)).isoformat()})
        assert before["status"] == "paid"
