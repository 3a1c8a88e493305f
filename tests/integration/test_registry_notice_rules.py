"""The notice's registry rules through the service over real RPC: the professional-staff minimum in
large towns, and compliance of a past date reading the values in force that day."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.registry.service import RegistryService
from shegong.services import migrate
from tests.support.containers import rpc_client, running
from tests.support.registry_fixtures import staff_input, station_input

COUNTY = Viewer("county-official", "county", "321181").to_dict()


@pytest.fixture
def registry(isolated_settings):
    migrate()
    with running(RegistryService, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client.registry


def professional_rule(registry, station_id, as_of=None):
    return registry.compliance_for_stations(COUNTY, [station_id], as_of)[station_id]["rules"]["professional_staff"]


def test_a_large_town_without_professional_staff_fails_and_the_larger_town_minimum_is_policy(registry):
    station = registry.register_station(COUNTY, station_input(population={"residents": 80_000, "year": 2025}))
    rule = professional_rule(registry, station["id"])
    assert rule["status"] == "not_met" and rule["evidence"]["minimum"] == 3
    for sequence in range(1, 4):
        station = registry.add_staff(COUNTY, station["id"], staff_input(sequence))
    assert professional_rule(registry, station["id"])["status"] == "met"

    registry.set_policy(COUNTY, {"region_code": "321181", "effective_from": "2021-01-01", "source": "丹阳市 2021",
                                 "min_professional_staff_large_town": 5})
    rule = professional_rule(registry, station["id"])
    assert (rule["status"], rule["evidence"]["minimum"]) == ("not_met", 5)
    with pytest.raises(ValidationFailed) as refused:
        registry.set_policy(COUNTY, {"region_code": "321181", "effective_from": "2022-01-01", "source": "x 2022",
                                     "min_professional_staff_large_town": 2})
    assert "min_professional_staff_large_town" in refused.value.details


def test_compliance_as_of_a_date_before_a_venue_change_gives_the_old_result(registry):
    station = registry.register_station(COUNTY, station_input())  # 45 m²
    changed_on = clock.today() - timedelta(days=10)
    station = registry.update_station(COUNTY, station["id"], {
        "expected_version": station["version"], "venue": {"office_area_m2": 30.0, "signboard_hung": True},
        "effective_on": changed_on.isoformat()})
    assert station["venue"]["office_area_m2"] == 30.0

    def venue(as_of):
        rule = registry.compliance_for_stations(COUNTY, [station["id"]], as_of)[station["id"]]["rules"]["venue_area"]
        return rule["status"], rule["evidence"]["office_area_m2"]

    assert venue((changed_on - timedelta(days=1)).isoformat()) == ("met", 45.0)
    assert venue(changed_on.isoformat()) == ("not_met", 30.0)
    assert venue(None) == ("not_met", 30.0)
    before = registry.region_rollup(COUNTY, "321181", (changed_on - timedelta(days=1)).isoformat())
    assert before["by_rule"]["venue_area"] == {"met": 1}

    with pytest.raises(ValidationFailed) as refused:
        registry.update_station(COUNTY, station["id"], {
            "expected_version": station["version"], "venue": {"office_area_m2": 50.0},
            "effective_on": (changed_on - timedelta(days=2)).isoformat()})
    assert "effective_on" in refused.value.details


def test_pay_history_keeps_the_salary_rule_of_past_dates(registry):
    station = registry.register_station(COUNTY, station_input())
    station = registry.add_staff(COUNTY, station["id"], staff_input(1))
    staff_id = registry.staff_for_stations(COUNTY, [station["id"]])[station["id"]][0]["id"]
    cut_on = clock.today() - timedelta(days=5)
    registry.update_staff(COUNTY, station["id"], staff_id, {
        "expected_version": station["version"], "monthly_salary_fen": 100_000, "effective_on": cut_on.isoformat()})

    def salary(as_of):
        return registry.compliance_for_stations(COUNTY, [station["id"]], as_of)[station["id"]]["rules"]["salary"]

    assert salary(cut_on.isoformat())["status"] == "not_met"
    earlier = salary((cut_on - timedelta(days=1)).isoformat())
    assert earlier["status"] != "not_met" and earlier["evidence"]["below"] == []
