"""usecases/inbox.py on the in-memory store: staff behind the pro-rata path to 30 training hours a year, in the
inbox of the member, their station lead and their county."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.auth import SYSTEM, Viewer
from services.common.clock import FrozenClock
from services.registry.storage import INDEXES, RegistryRepository, load_reference_data
from services.registry.usecases import Registry, inbox, staff, stations
from tests.support.memory_store import memory_database
from tests.support.registry_fixtures import TOWNSHIP, staff_input, station_input

STATION = f"ST{TOWNSHIP}"
COUNTY = Viewer("county-1", "county", "321181")
OTHER_COUNTY = Viewer("county-2", "county", "321102")
MIDSUMMER = datetime(2026, 7, 2, 4, 0, tzinfo=UTC)  # half the year gone: 15 of 30 hours expected by now


@pytest.fixture
def registry():
    with FrozenClock(MIDSUMMER):
        reference = memory_database("registry_reference", INDEXES)
        load_reference_data(reference)
        db = memory_database("registry", INDEXES)
        for name in ("regions", "average_wages"):
            rows = list(reference[name].find({}))
            if rows:
                db[name].insert_many(rows)
        context = Registry(RegistryRepository(db))
        station = stations.register_station(context, SYSTEM, station_input())
        after = staff.add_staff(context, COUNTY, STATION, staff_input(1, role="station_lead"))
        after = staff.add_staff(context, COUNTY, STATION, staff_input(2))
        after = staff.add_staff(context, COUNTY, STATION, staff_input(3))
        members = {m["name"]: m["id"] for m in staff.staff_for_stations(context, COUNTY, [STATION])[STATION]}
        # 王四 trained 20 hours already (on track); 王二 (the lead) and 王三 none (behind).
        staff.record_training(context, COUNTY, STATION, members["王四"], {
            "expected_version": after["version"], "date": "2026-03-02", "hours": 20, "topic": "个案工作实务",
            "provider": "镇江市民政局"})
        assert station["id"] == STATION
        yield context, members


def behind(context, viewer) -> set[str]:
    with FrozenClock(MIDSUMMER):
        return {i["id"] for i in inbox.inbox_items(context, viewer)["items"]}


def test_staff_behind_the_pro_rata_path_are_listed_for_themselves_their_lead_and_their_county(registry):
    context, members = registry
    lead, worker, trained = members["王二"], members["王三"], members["王四"]
    with FrozenClock(MIDSUMMER):
        items = inbox.inbox_items(context, COUNTY)["items"]
    assert {i["id"] for i in items} == {lead, worker}
    item = next(i for i in items if i["id"] == worker)
    assert (item["kind"], item["status"], item["due_on"], item["source"]) == ("training_behind", "due", "2026-12-31",
                                                                              "registry")
    assert item["owner_id"] == worker and item["link"] == {"type": "StaffMember", "id": worker}
    assert "0 of 15 hours expected by now" in item["title"]

    assert behind(context, Viewer(lead, "station_staff", None, (STATION,))) == {lead, worker}
    assert behind(context, Viewer(worker, "station_staff", None, (STATION,))) == {worker}
    assert behind(context, Viewer(trained, "station_staff", None, (STATION,))) == set()
    assert behind(context, OTHER_COUNTY) == set()
    assert behind(context, Viewer("sup-1", "supervisor", None, (STATION,))) == set()
