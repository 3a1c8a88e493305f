"""The registry's use cases against the in-memory store: stations, staff, compliance, regions, policies, audit."""
from __future__ import annotations

import pytest

from services.common.auth import SYSTEM, Viewer
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.registry.storage import INDEXES, RegistryRepository, load_reference_data
from services.registry.usecases import Registry, audit, compliance, policies, regions, staff, stations
from tests.support.memory_store import memory_database
from tests.support.registry_fixtures import OTHER_TOWNSHIP, TOWNSHIP, staff_input, station_input

STATION = f"ST{TOWNSHIP}"
COUNTY_OFFICIAL = Viewer("county-1", "county", "321181")
OTHER_COUNTY_OFFICIAL = Viewer("county-2", "county", "321102")
STATION_WORKER = Viewer("worker-1", "station_staff", TOWNSHIP, (STATION,))


@pytest.fixture(scope="module")
def reference_db():
    db = memory_database("registry_reference", INDEXES)
    load_reference_data(db)
    return db


@pytest.fixture
def registry(reference_db) -> Registry:
    db = memory_database("registry", INDEXES)
    for name in ("regions", "average_wages"):
        rows = list(reference_db[name].find({}))
        if rows:
            db[name].insert_many(rows)
    return Registry(RegistryRepository(db))


def event_types(context: Registry, station_id: str) -> list[str]:
    doc = context.repo.stations.collection.find_one({"_id": station_id})
    entries = sorted(doc["_outbox"].values(), key=lambda e: e["order"])
    return [e["envelope"]["type"] for e in entries]


@pytest.fixture
def station(registry) -> dict:
    return stations.register_station(registry, SYSTEM, station_input())


# --- stations ---------------------------------------------------------------------------------
def test_registering_a_station_stores_it_with_its_compliance_and_events(registry, station):
    assert station["id"] == STATION and station["version"] == 1
    assert event_types(registry, STATION) == ["station.registered", "station.compliance_changed"]


def test_a_county_official_registers_only_in_their_county(registry):
    with pytest.raises(PermissionDenied):
        stations.register_station(registry, OTHER_COUNTY_OFFICIAL, station_input())


def test_an_unknown_township_is_refused(registry):
    with pytest.raises(ValidationFailed) as refused:
        stations.register_station(registry, SYSTEM, station_input(township_code="321181999"))
    assert "township_code" in refused.value.details


def test_updating_a_station_records_the_change_and_refuses_other_counties(registry, station):
    with pytest.raises(NotFound):
        stations.update_station(registry, OTHER_COUNTY_OFFICIAL, STATION,
                                {"expected_version": 1, "name": "丹阳市云阳街道社工站"})
    with pytest.raises(ValidationFailed):
        stations.update_station(registry, COUNTY_OFFICIAL, STATION, {"expected_version": 1})
    updated = stations.update_station(registry, COUNTY_OFFICIAL, STATION, {
        "expected_version": 1, "venue": {**station_input()["venue"], "office_area_m2": 60.0}})
    assert updated["version"] == 2
    assert event_types(registry, STATION)[-1] in ("station.updated", "station.compliance_changed")
    assert "station.updated" in event_types(registry, STATION)


def test_listing_stations_is_scoped_and_filtered(registry, station):
    stations.register_station(registry, SYSTEM, station_input(township_code=OTHER_TOWNSHIP, county_name="京口区",
                                                              township_name="正东路街道"))
    assert stations.list_stations(registry, SYSTEM, {})["total"] == 2
    mine = stations.list_stations(registry, COUNTY_OFFICIAL, {})
    assert [s["id"] for s in mine["items"]] == [STATION]
    assert stations.list_stations(registry, SYSTEM, {"text": "正东路"})["total"] == 1
    assert stations.list_stations(registry, SYSTEM, {"region": "321102"})["total"] == 1
    with pytest.raises(ValidationFailed):
        stations.list_stations(registry, SYSTEM, {"failing_rule": "no_such_rule"})
    assert stations.get_stations(registry, OTHER_COUNTY_OFFICIAL, [STATION]) == [None]


def test_a_contract_award_names_the_operator_once(registry, station):
    award = {"contract_id": "ctr_1", "station_ids": [STATION, "ST321181999"], "operator_name": "丹阳市同心社工中心",
             "operator_credit_code": "52321181MJ0000001X", "period_start": "2026-01-01", "period_end": "2026-12-31"}
    assert stations.record_contract_award(registry, SYSTEM, award) == [STATION]
    assert stations.record_contract_award(registry, SYSTEM, award) == []
    assert registry.repo.stations.require(STATION)["operator"]["contract_id"] == "ctr_1"


# --- staff -------------------------------------------------------------------------------------
def test_staff_join_leave_and_train_with_their_events(registry, station):
    after = staff.add_staff(registry, COUNTY_OFFICIAL, STATION, staff_input(1))
    member = staff.staff_for_stations(registry, COUNTY_OFFICIAL, [STATION])[STATION][0]
    assert "staff.joined" in event_types(registry, STATION)
    assert "staff.qualification_recorded" in event_types(registry, STATION)
    after = staff.record_training(registry, STATION_WORKER, STATION, member["id"], {
        "expected_version": after["version"], "date": "2026-01-02", "hours": 4, "topic": "个案工作实务",
        "provider": "镇江市民政局"})
    assert "staff.training_recorded" in event_types(registry, STATION)
    after = staff.update_staff(registry, COUNTY_OFFICIAL, STATION, member["id"],
                               {"expected_version": after["version"], "phone": "13900000000"})
    staff.record_staff_left(registry, COUNTY_OFFICIAL, STATION, member["id"],
                            {"expected_version": after["version"], "employment_end": "2026-01-03"})
    assert "staff.left" in event_types(registry, STATION)


def test_staff_of_another_county_are_out_of_reach(registry, station):
    with pytest.raises(NotFound):
        staff.add_staff(registry, OTHER_COUNTY_OFFICIAL, STATION, staff_input(1))
    assert staff.staff_for_stations(registry, OTHER_COUNTY_OFFICIAL, [STATION]) == {STATION: []}


def test_a_qualification_needs_the_version_read(registry, station):
    staff.add_staff(registry, SYSTEM, STATION, staff_input(2, professional=False))
    member = staff.staff_for_stations(registry, SYSTEM, [STATION])[STATION][0]
    with pytest.raises(ValidationFailed):
        staff.record_qualification(registry, SYSTEM, STATION, member["id"], {"kind": "certificate"})


def test_revealing_an_identity_needs_a_reason_and_is_logged(registry, station):
    staff.add_staff(registry, SYSTEM, STATION, staff_input(3))
    member = staff.staff_for_stations(registry, SYSTEM, [STATION])[STATION][0]
    with pytest.raises(ValidationFailed):
        staff.reveal_staff_identity(registry, COUNTY_OFFICIAL, STATION, member["id"], "")
    with pytest.raises(PermissionDenied):
        staff.reveal_staff_identity(registry, Viewer("e", "evaluator", "321181"), STATION, member["id"], "审计抽查")
    revealed = staff.reveal_staff_identity(registry, COUNTY_OFFICIAL, STATION, member["id"], "核对社保")
    assert revealed["phone"] == staff_input(3)["phone"]
    assert audit.access_log(registry, COUNTY_OFFICIAL, {})[0]["subject_id"] == member["id"]


# --- compliance ----------------------------------------------------------------------------------
def test_compliance_views_are_scoped(registry, station):
    assert compliance.compliance_for_stations(registry, SYSTEM, [STATION])[STATION]["status"] in (
        "met", "not_met", "at_risk", "unknown")
    assert compliance.compliance_for_stations(registry, OTHER_COUNTY_OFFICIAL, [STATION]) == {STATION: None}
    rollup = compliance.region_rollup(registry, COUNTY_OFFICIAL, "321181")
    assert rollup["stations"] == 1 and rollup["operating"] == 1
    assert compliance.region_rollup(registry, OTHER_COUNTY_OFFICIAL, "321181")["stations"] == 0
    with pytest.raises(NotFound):
        compliance.region_rollup(registry, SYSTEM, "329999")
    with pytest.raises(ValidationFailed):
        compliance.region_rollup(registry, SYSTEM, "321181", as_of="yesterday")


def test_the_sweep_changes_nothing_when_nothing_moved(registry, station):
    assert compliance.refresh_compliance(registry, SYSTEM) == 0


# --- regions and wages ------------------------------------------------------------------------------
def test_the_region_tree_is_read_by_anyone(registry):
    public = Viewer.from_dict({})
    assert [r["code"] for r in regions.regions(registry, public)] == ["320000"]
    assert regions.get_regions(registry, public, ["321181", "999999"])[1] is None
    assert all(r["code"].startswith("321181") for r in regions.regions_under(registry, public, "321181"))


def test_importing_regions_and_wages_is_for_senior_roles(registry):
    with pytest.raises(PermissionDenied):
        regions.import_regions(registry, COUNTY_OFFICIAL, "")
    with pytest.raises(ValidationFailed):
        regions.import_regions(registry, SYSTEM, "not,a,region,file")
    with pytest.raises(PermissionDenied):
        regions.import_average_wages(registry, COUNTY_OFFICIAL, [])
    city = Viewer("city-1", "city", "321100")
    result = regions.import_average_wages(registry, city, [
        {"region_code": "321100", "year": 2026, "monthly_wage_fen": 1_200_000, "source": "统计公报"},
        {"region_code": "320100", "year": 2026, "monthly_wage_fen": 1_300_000, "source": "统计公报"},
        {"region_code": "321100", "year": "x"}])
    assert result["accepted"] == 1
    assert {r["row"] for r in result["refused"]} == {2, 3}


# --- policies --------------------------------------------------------------------------------------
POLICY = {"region_code": "321181", "effective_from": "2026-01-01", "min_venue_m2": 50, "min_professional_staff": 2,
          "population_threshold": 50_000, "min_training_hours": 30, "min_salary_ratio_percent": 100,
          "source": "丹民发〔2026〕1号"}


def test_a_county_sets_its_own_policy_only(registry):
    assert policies.set_policy(registry, COUNTY_OFFICIAL, POLICY)["region_code"] == "321181"
    assert registry.repo.policies()[0].min_venue_m2 == 50
    with pytest.raises(PermissionDenied):
        policies.set_policy(registry, OTHER_COUNTY_OFFICIAL, POLICY)
    with pytest.raises(ValidationFailed):
        policies.set_policy(registry, COUNTY_OFFICIAL, {**POLICY, "min_venue_m2": -1})


# --- audit -----------------------------------------------------------------------------------------
EXPORT = {"table": "stations", "columns": ["name"], "format": "csv", "rows": 3}


def test_exports_are_logged_within_the_viewers_scope(registry, station):
    assert audit.record_export(registry, COUNTY_OFFICIAL, {**EXPORT, "station_id": STATION})["region_code"] == TOWNSHIP
    with pytest.raises(PermissionDenied):
        audit.record_export(registry, COUNTY_OFFICIAL, {**EXPORT, "region_code": "321102"})
    with pytest.raises(PermissionDenied):
        audit.record_export(registry, Viewer.from_dict({}), {**EXPORT, "region_code": "321181"})
    with pytest.raises(ValidationFailed):
        audit.record_export(registry, COUNTY_OFFICIAL, {"table": "stations", "region_code": "321181"})
    assert [e["subject_type"] for e in audit.access_log(registry, SYSTEM, {})] == ["export"]


def test_the_context_calls_a_use_case_by_name(registry, station):
    assert registry.get_stations(SYSTEM, [STATION])[0]["id"] == STATION
    with pytest.raises(AttributeError):
        registry.no_such_use_case  # noqa: B018
