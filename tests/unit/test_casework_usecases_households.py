"""households: registration one by one and in bulk, address changes, masked reads in the viewer's scope."""
from __future__ import annotations

import pytest

from services.casework.usecases import households
from services.common.errors import Conflict, NotFound, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_WORKER,
    WORKER,
    casework,
    event_types,
    outbox,
    registered,
)


def test_a_registered_household_is_masked_and_its_event_waits_in_the_outbox():
    cw = casework()
    household = households.register_household(cw, WORKER, fx.elderly_household())
    head = household["members"][0]
    assert head["id_number"].startswith("321181") and "*" in head["id_number"]
    assert household["station_id"] == fx.STATION and household["version"] == 1
    [event] = outbox(cw, household["id"])
    assert event["type"] == "household.registered" and event["actor"] == {"user_id": fx.WORKER,
                                                                          "role": "station_staff"}
    assert event["payload"]["member_count"] == 1 and event["payload"]["source"] == "registration"


def test_another_station_is_unknown_to_a_worker_and_one_id_number_makes_one_record():
    cw = casework()
    with pytest.raises(NotFound):
        households.register_household(cw, OTHER_WORKER, fx.elderly_household())
    households.register_household(cw, WORKER, fx.elderly_household())
    with pytest.raises(Conflict) as caught:
        households.register_household(cw, WORKER, fx.elderly_household())
    assert "members.0.id_number" in caught.value.details


def test_a_community_outside_the_township_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        households.register_household(casework(), WORKER, fx.elderly_household(community_code="321102001201"))
    assert "community_code" in caught.value.details


def test_an_import_takes_the_good_rows_and_reports_the_others():
    cw = casework()
    result = households.import_households(cw, WORKER, [
        fx.elderly_household(1), fx.elderly_household(2, community_code="bad"), fx.elderly_household(1),
        {**fx.elderly_household(3), "station_id": fx.OTHER_STATION}])
    assert result["accepted"] == 1
    assert [(r["row"], r["field"]) for r in result["refused"]] == [
        (2, "community_code"), (3, "members.0.id_number"), (4, "station_id")]
    assert event_types(cw, result["household_ids"][0]) == ["household.registered"]
    with pytest.raises(ValidationFailed):
        households.import_households(cw, WORKER, [])


def test_an_address_changes_and_nothing_to_change_is_refused():
    cw = casework()
    household = registered(cw, basis=False)
    with pytest.raises(ValidationFailed):
        households.update_household(cw, WORKER, household["id"], {"expected_version": household["version"]})
    with pytest.raises(NotFound):
        households.update_household(cw, OTHER_WORKER, household["id"], {"expected_version": household["version"],
                                                                        "address": "三里村5组1号"})
    household = households.update_household(cw, WORKER, household["id"], {"expected_version": household["version"],
                                                                           "address": "三里村5组1号"})
    assert household["address"] == "三里村5组1号"
    assert event_types(cw, household["id"]) == ["household.registered"]  # an address change publishes nothing


def test_lists_and_batches_keep_to_the_viewers_region():
    cw = casework()
    household = registered(cw)
    head = household["members"][0]["person_id"]
    assert households.list_households(cw, COUNTY, {"head_name": "张"})["total"] == 1
    assert households.list_households(cw, COUNTY, {"head_name": "李"})["total"] == 0
    assert households.list_households(cw, OTHER_COUNTY, {})["items"] == []
    assert households.list_households(cw, COUNTY, {"region": "321102"})["total"] == 0
    assert households.get_households(cw, OTHER_COUNTY, [household["id"]]) == [None]
    assert households.get_persons(cw, OTHER_COUNTY, [head]) == [None]
    assert households.get_persons(cw, COUNTY, [head])[0]["person_id"] == head
    assert households.persons_for_households(cw, OTHER_COUNTY, [household["id"]]) == {household["id"]: []}
