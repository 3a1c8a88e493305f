"""The notice's funding rules through the real registry and funding services over the broker: a
payment is checked against the staffing on its own date, and a closed contract returns its unspent
money and takes no further payments."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.auth import SYSTEM, Viewer
from services.funding.service import FundingService
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


def test_a_payment_is_checked_against_the_staffing_on_its_date(platform):
    registry, funding = platform.registry, platform.funding
    with clock.FrozenClock(fx.START) as frozen:
        contract, line = staffed_contract(platform, frozen)
        frozen.advance(days=20)
        breach_day = clock.today()
        station = registry.get_stations(ADMIN, [fx.STATION])[0]
        member = registry.staff_for_stations(ADMIN, [fx.STATION])[fx.STATION][0]
        registry.update_staff(ADMIN, fx.STATION, member["id"], {"expected_version": station["version"],
                                                                "monthly_salary_fen": 100_000})
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
