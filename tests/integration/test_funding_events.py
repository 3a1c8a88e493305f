"""Cross-service flows over the real broker: the real registry and funding services, plus volunteers'
and casework's contract events published as their producers publish them."""
from __future__ import annotations

import pytest

from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.events import new_event
from services.common.outbox import EventPublisher
from services.contracts.casework import CASE_CLOSED, NEEDS_ASSESSED, VISIT_LOGGED
from services.contracts.funding import DISBURSEMENT_FLAGGED
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
    migrate()  # the registry's regions and wages
    fx.prepare_store()
    publisher = EventPublisher(isolated_settings.amqp_uri)
    with running(RegistryService, FundingService, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client, publisher
    publisher.close()


def hire(registry, frozen, station_id, sequence):
    frozen.advance(seconds=1)  # each registry event its own moment, as in real time
    station = registry.get_stations(ADMIN, [station_id])[0]
    registry.add_staff(ADMIN, station["id"], staff_input(sequence))


def test_registry_staffing_flags_payments_and_the_award_names_the_operator(platform):
    client, _ = platform
    registry, funding = client.registry, client.funding
    with clock.FrozenClock(fx.START) as frozen:
        registry.register_station(ADMIN, station_input())
        registry.register_station(ADMIN, station_input(township_code="321181002", township_name="曲阿街道"))
        for sequence in range(1, 4):
            hire(registry, frozen, fx.STATION, sequence)
        for sequence in range(4, 6):
            hire(registry, frozen, fx.SECOND_STATION, sequence)
        source = funding.create_source(COUNTY, fx.source_input())
        line = funding.allocate_budget(COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 60_000_000})
        contract = fx.awarded_contract(funding, COUNTY, frozen)
        funding.commit_funding(COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 60_000_000})

        # The station's own operator may already carry the same credit code: wait for the award itself.
        operator = wait_for(lambda: (found := registry.get_stations(ADMIN, [fx.SECOND_STATION])[0]["operator"])
                            .get("contract_id") == contract["id"] and found)
        assert operator["contract_id"] == contract["id"] and operator["name"] == fx.operator(1)["name"]

        staffing = wait_for(lambda: (check := funding.contract_staffing(COUNTY, [contract["id"]])[0])
                            ["stations"][1]["staff"] == 2 and check)
        assert staffing["problems"] == [f"{fx.SECOND_STATION}: 2 professional social workers in post; "
                                        "the contract promises 3"]
        frozen.advance(days=60)
        report = {"milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 5_000_000, "paid_on": "2026-04-01",
                  "evidence": {"documents": fx.documents()}}
        held = funding.record_disbursement(COUNTY, contract["id"], {**report, "voucher_number": "V-1"})
        assert held["status"] == "held" and held["flags"] == staffing["problems"]

        hire(registry, frozen, fx.SECOND_STATION, 6)
        wait_for(lambda: funding.contract_staffing(COUNTY, [contract["id"]])[0]["kept"])
        paid = funding.record_disbursement(COUNTY, contract["id"], {**report, "voucher_number": "V-2"})
        assert paid["status"] == "paid" and paid["flags"] == []
        version = funding.get_contracts(COUNTY, [contract["id"]])[0]["version"]
        released = funding.resolve_flag(COUNTY, contract["id"], held["id"], {
            "expected_version": version, "decision": "release", "reason": "曲阿街道第三名社工已到岗"})
        assert released["status"] == "paid" and released["resolution"]["decision"] == "release"
        view = funding.fund_supervision(COUNTY, {"region": fx.COUNTY, "year": 2026})
        assert view["total"]["disbursed_fen"] == 10_000_000 and view["total"]["flagged_fen"] == 0


def test_volunteer_and_casework_events_become_platform_figures_and_costs(platform):
    client, publisher = platform
    funding = client.funding
    with clock.FrozenClock(fx.START) as frozen:
        source = funding.create_source(COUNTY, fx.lottery_source_input())
        line = funding.allocate_budget(COUNTY, source["id"], {"project": {"name": "丹阳市养老社工服务",
                                                                          "region_code": fx.COUNTY},
                                                              "amount_fen": 20_000_000})
        contract = fx.awarded_contract(funding, COUNTY, frozen)
        funding.commit_funding(COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 20_000_000})
        first = fx.service_delivered(fx.STATION, "hh-1", "2026-03-05", hours=2.5).to_dict()
        publisher.publish(first)
        publisher.publish(first)  # redelivered: counted once
        publisher.publish(fx.service_delivered(fx.SECOND_STATION, "hh-2", "2026-03-06", hours=1.5).to_dict())
        publisher.publish(fx.service_delivered(fx.SECOND_STATION, "hh-2", "2026-03-07", hours=3,
                                               kind="charity").to_dict())
        publisher.publish(new_event(NEEDS_ASSESSED, {
            "assessment_id": "as-1", "household_id": "hh-3", "station_id": fx.STATION, "township_code": fx.STATION[2:],
            "community_code": None, "assessed_on": "2026-03-08", "risk_level": "medium", "supersedes": None,
            "needs": []}, correlation_id="casework-test").to_dict())
        publisher.publish(new_event(VISIT_LOGGED, {
            "visit_id": "vis-1", "household_id": "hh-4", "case_id": "case-1", "campaign_id": None,
            "station_id": fx.STATION, "township_code": fx.STATION[2:], "visit_type": "home", "visited_on": "2026-03-09",
            "duration_minutes": 45, "staff_ids": ["s1"],
            "contact_at": "2026-03-09T02:00:00Z"}, correlation_id="casework-test").to_dict())
        publisher.publish(new_event(CASE_CLOSED, {
            "case_id": "case-1", "station_id": fx.STATION, "township_code": fx.STATION[2:], "domain": "elderly",
            "reason": "goals_met", "outcome": "improved", "opened_on": "2026-01-10", "closed_on": "2026-03-20",
            "approved_by": "lead"}, correlation_id="casework-test").to_dict())
        frozen.advance(days=60)
        for station in (fx.STATION, fx.SECOND_STATION):
            for event in fx.staffed_station_events(station):
                publisher.publish(event.to_dict())
        year_2026 = {"region": fx.COUNTY, "year": 2026}
        wait_for(lambda: funding.cost_outcome(COUNTY, year_2026)["outcomes"]["cases_closed"] == 1
                 and funding.cost_outcome(COUNTY, year_2026)["outcomes"]["households_served"] == 4)
        wait_for(lambda: funding.contract_staffing(COUNTY, [contract["id"]])[0]["kept"])
        paid = funding.record_disbursement(COUNTY, contract["id"], {
            "milestone_id": "M2", "budget_line_id": line["id"], "amount_fen": 6_000_000, "paid_on": "2026-04-01",
            "voucher_number": "V-elderly", "evidence": {"documents": fx.documents()}})
        assert paid["status"] == "paid"
        assert paid["evidence"]["platform_figures"] == {
            "metric": "services_delivered", "value": 3, "target": 2,
            "window": {"start": "2026-03-01", "end": "2026-04-01"}}
        report = funding.cost_outcome(COUNTY, {"region": fx.COUNTY, "year": 2026})
    assert report["outcomes"] == {"households_served": 4, "households_assessed": 1, "services_delivered": 3,
                                  "volunteer_hours": 4.0, "visits": 1, "cases_closed": 1}
    assert report["by_source"] == [{"source_id": source["id"], "source_name": source["name"], "source_kind": "lottery",
                                    "disbursed_fen": 6_000_000, "cost_per_household_fen": 1_500_000,
                                    "cost_per_visit_fen": 6_000_000, "cost_per_volunteer_hour_fen": 1_500_000}]
    by_region = {r["region_code"]: r for r in report["by_region"]}
    assert by_region["321181002"]["households_served"] == 1 and by_region["321181002"]["volunteer_hours"] == 1.5
    stored = storage.database("funding").service_activity.count_documents({})
    assert stored == 6


def test_lost_funding_positions_are_rebuilt_from_the_contracts_own_events(platform):
    client, publisher = platform
    funding = client.funding
    with clock.FrozenClock(fx.START) as frozen:
        source = funding.create_source(COUNTY, fx.source_input())
        line = funding.allocate_budget(COUNTY, source["id"], {"station_id": fx.STATION, "amount_fen": 60_000_000})
        contract = fx.awarded_contract(funding, COUNTY, frozen)
        funding.commit_funding(COUNTY, contract["id"], {"budget_line_id": line["id"], "amount_fen": 60_000_000})
        frozen.advance(days=60)
        funding.record_disbursement(COUNTY, contract["id"], {
            "milestone_id": "M4", "budget_line_id": line["id"], "amount_fen": 3_000_000, "paid_on": "2026-04-01",
            "voucher_number": "V-1", "evidence": {"documents": fx.documents()}})
    processed = storage.database("funding").processed_events
    wait_for(lambda: processed.count_documents({"consumer": {"$in": ["funding.on_funding_committed",
                                                                     "funding.on_disbursement_flagged"]},
                                                "state": "done"}) == 2)
    positions = storage.database("funding").funding_positions
    # The process "died" after the contract's write, before the positions were saved.
    positions.delete_many({"contract_id": contract["id"]})
    assert funding.fund_supervision(COUNTY, {"region": fx.COUNTY})["total"]["flagged_fen"] == 0
    stored = storage.database("funding").contracts.find_one({"_id": contract["id"]})
    held = stored["disbursements"][0]
    publisher.publish(new_event(DISBURSEMENT_FLAGGED, {
        "disbursement_id": held["id"], "contract_id": contract["id"], "milestone_id": "M4",
        "budget_line_id": line["id"],
        "source_id": source["id"], "source_kind": "fiscal", "operator_credit_code": fx.operator(1)["credit_code"],
        "station_ids": contract["station_ids"], "region_code": line["region_code"], "amount_fen": 3_000_000,
        "paid_on": "2026-04-01", "voucher_number": "V-1", "reasons": held["flags"]},
        correlation_id="relay-after-restart").to_dict())
    total = wait_for(lambda: (view := funding.fund_supervision(COUNTY, {"region": fx.COUNTY})["total"])["flagged_fen"]
                     and view)
    assert total["flagged_fen"] == 3_000_000 and total["contracted_fen"] == 60_000_000
