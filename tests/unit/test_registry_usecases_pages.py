"""A page of stations carries the staff fields and the compliance its reader asked for, from the same read."""
from __future__ import annotations

import pytest

from services.common.auth import SYSTEM
from services.common.errors import ValidationFailed
from services.registry.storage import INDEXES, RegistryRepository, load_reference_data
from services.registry.usecases import Registry, compliance, staff, stations
from tests.support.memory_store import memory_database
from tests.support.registry_fixtures import TOWNSHIP, staff_input, station_input

STATION = f"ST{TOWNSHIP}"


@pytest.fixture(scope="module")
def reference_db():
    db = memory_database("registry_page_reference", INDEXES)
    load_reference_data(db)
    return db


@pytest.fixture
def registry(reference_db) -> Registry:
    db = memory_database("registry_pages", INDEXES)
    for name in ("regions", "average_wages"):
        db[name].insert_many(list(reference_db[name].find({})))
    context = Registry(RegistryRepository(db))
    stations.register_station(context, SYSTEM, station_input())
    after = staff.add_staff(context, SYSTEM, STATION, staff_input(1))
    member = staff.staff_for_stations(context, SYSTEM, [STATION])[STATION][0]
    staff.record_training(context, SYSTEM, STATION, member["id"], {
        "expected_version": after["version"], "date": "2026-01-02", "hours": 4, "topic": "个案工作实务",
        "provider": "镇江市民政局"})
    return context


def test_a_plain_page_carries_neither_staff_nor_compliance(registry):
    item = stations.list_stations(registry, SYSTEM, {})["items"][0]
    assert "staff" not in item and "compliance" not in item


def test_staff_come_with_only_the_fields_asked_for(registry):
    item = stations.list_stations(registry, SYSTEM, {}, include=["staff", "staff.name"])["items"][0]
    assert item["staff"] == [{"id": item["staff"][0]["id"], "station_id": STATION, "name": "王二"}]


def test_everything_asked_for_is_what_the_batch_reads_answer(registry):
    include = ["staff", *(f"staff.{name}" for name in stations.domain.STAFF_FIELDS), "compliance",
               "compliance.evidence"]
    item = stations.list_stations(registry, SYSTEM, {}, include=include)["items"][0]
    assert item["staff"] == staff.staff_for_stations(registry, SYSTEM, [STATION])[STATION]
    assert item["staff"][0]["training"] and item["staff"][0]["id_number"].count("*") == 8
    assert item["compliance"] == compliance.compliance_for_stations(registry, SYSTEM, [STATION])[STATION]


def test_compliance_without_evidence_unless_asked(registry):
    item = stations.list_stations(registry, SYSTEM, {}, include=["compliance"])["items"][0]
    full = compliance.compliance_for_stations(registry, SYSTEM, [STATION])[STATION]
    assert item["compliance"]["status"] == full["status"]
    assert {rule: {k: v for k, v in result.items() if k != "evidence"} for rule, result in full["rules"].items()
            } == item["compliance"]["rules"]
    assert all("evidence" not in result for result in item["compliance"]["rules"].values())


def test_the_page_reads_the_stations_once(registry, monkeypatch):
    reads = []
    find = registry.repo.stations.find
    monkeypatch.setattr(registry.repo.stations, "find", lambda *a, **k: reads.append(a) or find(*a, **k))
    stations.list_stations(registry, SYSTEM, {}, include=["staff", "staff.training", "compliance"])
    assert len(reads) == 1


@pytest.mark.parametrize("include", [["staff.id_number_encrypted"], ["everything"], "staff"])
def test_an_unknown_include_is_refused(registry, include):
    with pytest.raises(ValidationFailed) as refused:
        stations.list_stations(registry, SYSTEM, {}, include=include)
    assert "include" in refused.value.details
