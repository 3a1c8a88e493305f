"""Each service's repositories answer their intention-named queries alike on both stores.

The same records go into the in-memory fake and into the real store (tests/contract/conftest.py); a handful
of each service's queries (scoped pages, array fields, prefix ranges, escaped name searches, counts) must
select exactly the same records on both, so a use-case unit test on the fake means what it says.

Found by this suite: nx-27017 matches nothing on equality with one element of an INDEXED array field
(`{"groups": "elderly_living_alone"}`), where MongoDB and mongomock match; `$in` works on all three, so
repositories ask for array elements with `$in` (casework's household groups did not).
"""
from __future__ import annotations

from datetime import date

import pytest

from services.casework.storage import INDEXES as CASEWORK_INDEXES
from services.casework.storage import CaseworkRepository
from services.casework.storage.households import HouseholdCriteria
from services.common import storage
from services.common.scope import Scope
from services.funding.storage import INDEXES as FUNDING_INDEXES
from services.funding.storage import FundingRepository
from services.registry.storage import INDEXES as REGISTRY_INDEXES
from services.registry.storage import RegistryRepository
from services.supervision.storage import INDEXES as SUPERVISION_INDEXES
from services.supervision.storage import SupervisionRepository
from services.volunteers.storage import INDEXES as VOLUNTEERS_INDEXES
from services.volunteers.storage import VolunteersRepository

DANYANG, JINGKOU = "321181", "321102"
YUNYANG, SILI, ZHENGDONG = "321181001", "321181002", "321102001"  # two 丹阳 townships, one 京口
COUNTY = Scope(region_prefix=DANYANG)
ONE_STATION = Scope(station_ids=(f"ST{SILI}",))


def seeded(store: storage.AggregateStore, docs: list[dict]) -> None:
    assert store.insert_many([storage.aggregate_document(doc) for doc in docs]) == set()


def ids(docs) -> list[str]:
    return [d["_id"] for d in docs]


# --- registry ------------------------------------------------------------------------------------------
@pytest.fixture
def registry(store_database) -> RegistryRepository:
    storage.ensure_indexes(store_database, REGISTRY_INDEXES)
    repo = RegistryRepository(store_database)
    rules = {"venue_area": {"status": "met"}, "professional_staff": {"status": "not_met"}}
    seeded(repo.stations, [
        {"_id": f"ST{YUNYANG}", "name": "丹阳市云阳街道社工站", "region_code": YUNYANG, "status": "operating",
         "compliance": {"status": "not_met", "rules": rules}},
        {"_id": f"ST{SILI}", "name": "丹阳市司徒镇社工站 (试点)", "region_code": SILI, "status": "suspended",
         "compliance": {"status": "met", "rules": {"venue_area": {"status": "at_risk"}}}},
        {"_id": f"ST{ZHENGDONG}", "name": "京口区正东路街道社工站", "region_code": ZHENGDONG, "status": "operating",
         "compliance": {"status": "met", "rules": {}}}])
    return repo


def test_registry_station_pages_narrow_by_scope_status_rule_and_name(registry):
    assert ids(registry.station_page(COUNTY).docs) == [f"ST{YUNYANG}", f"ST{SILI}"]
    assert ids(registry.station_page(Scope.everything(), status="operating").docs) == [f"ST{ZHENGDONG}",
                                                                                      f"ST{YUNYANG}"]
    assert ids(registry.station_page(COUNTY, failing_rule="venue_area").docs) == [f"ST{SILI}"]
    assert ids(registry.station_page(COUNTY, compliance="not_met").docs) == [f"ST{YUNYANG}"]
    assert ids(registry.station_page(Scope.everything(), name_contains="(试点)").docs) == [f"ST{SILI}"]
    assert registry.station_page(Scope.everything(), name_contains=".*").docs == []  # text, never a pattern


def test_registry_stations_by_scope_and_id(registry):
    assert ids(registry.stations_in(ONE_STATION)) == [f"ST{SILI}"]
    assert ids(registry.stations_in(Scope.nothing())) == []
    assert sorted(ids(registry.stations_by_id([f"ST{ZHENGDONG}", "ST000000000"]))) == [f"ST{ZHENGDONG}"]


# --- supervision ---------------------------------------------------------------------------------------
@pytest.fixture
def supervision(store_database) -> SupervisionRepository:
    storage.ensure_indexes(store_database, SUPERVISION_INDEXES)
    repo = SupervisionRepository(store_database)
    seeded(repo.alerts.store, [
        {"_id": f"a{n}", "station_id": station, "region_code": township, "rule": rule, "severity": "high",
         "status": status}
        for n, (station, township, rule, status) in enumerate([
            (f"ST{YUNYANG}", YUNYANG, "need_unmet", "open"), (f"ST{SILI}", SILI, "need_unmet", "acknowledged"),
            (f"ST{SILI}", SILI, "station_not_compliant", "resolved"),
            (f"ST{ZHENGDONG}", ZHENGDONG, "need_unmet", "open")])])
    seeded(repo.supervisors.store, [
        {"_id": "sup-1", "region_code": DANYANG, "station_ids": []},
        {"_id": "sup-2", "region_code": "321100", "station_ids": [f"ST{SILI}", f"ST{ZHENGDONG}"]}])
    seeded(repo.sessions.store, [
        {"_id": "ses-1", "station_id": f"ST{YUNYANG}", "region_code": YUNYANG, "supervisor_id": "sup-1",
         "open_follow_ups": 2},
        {"_id": "ses-2", "station_id": f"ST{SILI}", "region_code": SILI, "supervisor_id": "sup-2",
         "open_follow_ups": 0}])
    return repo


def test_supervision_alert_pages_by_scope_and_status(supervision):
    assert ids(supervision.alerts.page(COUNTY, {"status": "active"}, None, 10).docs) == ["a0", "a1"]
    assert ids(supervision.alerts.page(ONE_STATION, {}, None, 10).docs) == ["a1", "a2"]
    assert supervision.alerts.page(Scope.everything(), {"rule": "need_unmet"}, None, 2).total == 3
    assert ids(supervision.alerts.active()) == ["a0", "a1", "a3"]
    assert supervision.alerts.known(["a2", "a9"]) == {"a2"}


def test_supervision_supervisors_by_region_or_assigned_station_and_sessions_with_open_follow_ups(supervision):
    assert ids(supervision.supervisors.page(ONE_STATION, None, 10).docs) == ["sup-2"]  # an array field
    assert ids(supervision.supervisors.page(COUNTY, None, 10).docs) == ["sup-1"]
    assert ids(supervision.sessions.page(Scope.everything(), {"open_follow_ups": True}, None, 10).docs) == ["ses-1"]
    assert ids(supervision.sessions.page(COUNTY, {"open_follow_ups": False}, None, 10).docs) == ["ses-2"]
    assert ids(supervision.sessions.with_open_follow_ups()) == ["ses-1"]


# --- casework ------------------------------------------------------------------------------------------
@pytest.fixture
def casework(store_database) -> CaseworkRepository:
    storage.ensure_indexes(store_database, CASEWORK_INDEXES)
    repo = CaseworkRepository(store_database)
    seeded(repo.households, [
        {"_id": f"hh{n}", "station_id": station, "region_code": township, "status": status, "groups": groups,
         "person_ids": [f"p{n}a", f"p{n}b"], "review_due_on": due, "head_name": head, "open_duplicate_flags": flags,
         "community_code": f"{township}201", "risk_level": "medium", "last_assessed_on": ""}
        for n, (station, township, status, groups, due, head, flags) in enumerate([
            (f"ST{YUNYANG}", YUNYANG, "active", ["elderly_living_alone"], "2026-01-01", "张德明", 0),
            (f"ST{SILI}", SILI, "active", ["left_behind_children"], "2027-01-01", "张三", 1),
            (f"ST{SILI}", SILI, "closed", ["elderly_living_alone"], "2026-01-01", "李四", 0),
            (f"ST{ZHENGDONG}", ZHENGDONG, "active", ["elderly_living_alone"], "2026-01-01", "王五", 0)])])
    seeded(repo.campaigns, [{"_id": "cmp-1", "region_code": DANYANG}, {"_id": "cmp-2", "region_code": JINGKOU}])
    return repo


def test_casework_household_pages_by_scope_and_criteria(casework):
    def page(scope, **criteria):
        return ids(casework.households.page_in(scope, HouseholdCriteria(**criteria), "2026-06-01", None, 10).docs)

    assert page(COUNTY) == ["hh0", "hh1"]  # closed households are not listed
    assert page(Scope.everything(), group="elderly_living_alone") == ["hh0", "hh3"]  # an element of an array
    assert page(Scope.everything(), archive_overdue=True) == ["hh0", "hh3"]
    assert page(COUNTY, head_name="张") == ["hh0", "hh1"]
    assert page(COUNTY, head_name="张德") == ["hh0"]
    assert page(Scope.everything(), duplicates_open=True) == ["hh1"]
    assert page(ONE_STATION, duplicates_open=False) == []


def test_casework_households_by_member_targets_and_campaigns_by_region(casework):
    assert ids(casework.households.holding(["p1b", "p3a"])) == ["hh1", "hh3"]
    assert ids(casework.households.targeted_by_groups(COUNTY, ["elderly_living_alone", "left_behind_children"])
               ) == ["hh0", "hh1"]
    assert ids(casework.campaigns.in_region("3211")) == ["cmp-1", "cmp-2"]
    assert ids(casework.campaigns.in_region(DANYANG)) == ["cmp-1"]


# --- volunteers ----------------------------------------------------------------------------------------
@pytest.fixture
def volunteers(store_database) -> VolunteersRepository:
    storage.ensure_indexes(store_database, VOLUNTEERS_INDEXES)
    repo = VolunteersRepository(store_database)
    seeded(repo.volunteers, [
        {"_id": f"vol{n}", "id_index": f"idx-{n}", "station_id": station, "region_code": township,
         "community_code": f"{township}201", "status": "active", "skills": skills, "domains": ["elderly"],
         "background_valid_until": valid}
        for n, (station, township, skills, valid) in enumerate([
            (f"ST{YUNYANG}", YUNYANG, ["companionship", "home_care"], "2027-01-01"),
            (f"ST{SILI}", SILI, ["tutoring"], "2025-01-01"),
            (f"ST{ZHENGDONG}", ZHENGDONG, ["companionship"], "2027-01-01")])])
    seeded(repo.needs, [
        {"_id": f"need{n}", "station_id": station, "region_code": township, "community_code": f"{township}201",
         "household_id": household, "status": status, "domain": "elderly", "task_assignees": assignees}
        for n, (station, township, household, status, assignees) in enumerate([
            (f"ST{YUNYANG}", YUNYANG, "hh0", "unmet", []), (f"ST{SILI}", SILI, "hh1", "matched", ["vol1"]),
            (f"ST{ZHENGDONG}", ZHENGDONG, "hh3", "unmet", ["vol2"])])])
    return repo


def test_volunteers_listing_by_scope_skill_region_and_background_check(volunteers):
    def listed(scope, **filters):
        return ids(volunteers.volunteers.listing(scope, filters, date(2026, 6, 1), None, 10)["docs"])

    assert listed(COUNTY) == ["vol0", "vol1"]
    assert listed(Scope.everything(), skill="companionship") == ["vol0", "vol2"]
    assert listed(Scope.everything(), region=f"{YUNYANG}201") == ["vol0"]  # a community, exactly
    assert listed(Scope.everything(), background_checked=False) == ["vol1"]
    assert volunteers.volunteers.listing(Scope.everything(), {}, date(2026, 6, 1), None, 2)["total"] == 3


def test_volunteers_needs_by_household_assignee_and_unmet_in_a_region(volunteers):
    assert ids(volunteers.needs.of_households(COUNTY, ["hh1", "hh3"])) == ["need1"]
    assert ids(volunteers.needs.assigned_to(Scope.everything(), ["vol1", "vol2"])) == ["need1", "need2"]
    assert ids(volunteers.needs.unmet(Scope.everything(), "3211", None)) == ["need0", "need2"]
    assert ids(volunteers.needs.unmet(Scope.everything(), f"{ZHENGDONG}201", "elderly")) == ["need2"]


# --- funding -------------------------------------------------------------------------------------------
@pytest.fixture
def funding(store_database) -> FundingRepository:
    storage.ensure_indexes(store_database, FUNDING_INDEXES)
    repo = FundingRepository(store_database)
    seeded(repo.contracts, [
        {"_id": "con-1", "scope_codes": ["320000", "321100", DANYANG], "station_ids": [f"ST{YUNYANG}", f"ST{SILI}"],
         "open_flags": 1},
        {"_id": "con-2", "scope_codes": ["320000", "321100", JINGKOU], "station_ids": [f"ST{ZHENGDONG}"],
         "open_flags": 0}])
    seeded(repo.lines, [
        {"_id": f"line{n}", "scope_codes": ["320000", "321100", county], "source_id": source,
         "station_id": station, "year": 2026}
        for n, (county, source, station) in enumerate([(DANYANG, "src-1", f"ST{YUNYANG}"),
                                                       (DANYANG, "src-2", f"ST{SILI}"),
                                                       (JINGKOU, "src-1", f"ST{ZHENGDONG}")])])
    return repo


def test_funding_contract_pages_by_region_codes_stations_and_flags(funding):
    def page(scope, **narrowed):
        wanted = {"region": None, "station_id": None, "flagged": None, **narrowed}
        return ids(funding.contract_page(scope, after=None, limit=10, **wanted).docs)

    assert page(COUNTY) == ["con-1"]
    assert page(Scope(region_prefix="3211")) == ["con-1", "con-2"]
    assert page(ONE_STATION) == ["con-1"]
    assert page(Scope.everything(), flagged=False) == ["con-2"]
    assert page(Scope.everything(), station_id=f"ST{ZHENGDONG}") == ["con-2"]
    assert ids(funding.contracts_of_stations([f"ST{SILI}", f"ST{ZHENGDONG}"])) == ["con-1", "con-2"]


def test_funding_budget_lines_by_source_and_in_a_county(funding):
    assert ids(funding.lines_by("source_id", ["src-1"])) == ["line0", "line2"]
    assert ids(funding.line_page(COUNTY, region=None, year=2026, source_id=None, station_id=None, after=None,
                                 limit=10).docs) == ["line0", "line1"]
