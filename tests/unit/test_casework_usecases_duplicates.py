"""duplicates: likely duplicates are flagged, listed in scope, dismissed, or merged into one record."""
from __future__ import annotations

from datetime import date

import pytest

from services.casework.usecases import duplicates, households
from services.common.errors import NotFound, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import COUNTY, OTHER_COUNTY, OTHER_WORKER, WORKER, casework, event_types, registered


def _mother_recorded_twice(cw):
    """The elderly head again, without her ID number, in her son's household: one open flag."""
    first = registered(cw, basis=False)
    head = first["members"][0]
    son = households.register_household(cw, WORKER, {**fx.elderly_household(2), "members": [
        {"name": "张建军", "relationship": "head", "id_number": fx.id_number(date(1970, 1, 2), 7)},
        {"name": head["name"], "relationship": "father", "birth_date": "1944-05-06", "sex": "male"}]})
    return first, son


def test_a_likely_duplicate_is_flagged_and_listed_in_scope_only():
    cw = casework()
    _, son = _mother_recorded_twice(cw)
    assert son["open_duplicate_flags"] == 1
    listed = duplicates.list_duplicate_flags(cw, COUNTY, {})
    assert [item["household"]["id"] for item in listed["items"]] == [son["id"]]
    assert duplicates.list_duplicate_flags(cw, OTHER_COUNTY, {})["total"] == 0


def test_a_flag_is_dismissed_once():
    cw = casework()
    _, son = _mother_recorded_twice(cw)
    [flag] = duplicates.list_duplicate_flags(cw, WORKER, {})["items"][0]["flags"]
    son = duplicates.dismiss_duplicate_flag(cw, WORKER, son["id"], {
        "expected_version": son["version"], "flag_id": flag["flag_id"], "reason": "同名同生日，经核实非同一人"})
    assert son["open_duplicate_flags"] == 0
    with pytest.raises(ValidationFailed):
        duplicates.dismiss_duplicate_flag(cw, WORKER, son["id"], {
            "expected_version": son["version"], "flag_id": flag["flag_id"], "reason": "再次驳回"})


def test_a_merge_keeps_the_survivor_and_tells_with_person_merged():
    cw = casework()
    first, son = _mother_recorded_twice(cw)
    survivor = {"household_id": first["id"], "person_id": first["members"][0]["person_id"],
                "expected_version": first["version"]}
    duplicate = {"household_id": son["id"], "person_id": son["members"][1]["person_id"],
                 "expected_version": son["version"]}
    with pytest.raises(ValidationFailed):
        duplicates.merge_persons(cw, WORKER, {"survivor": survivor, "duplicate": {**survivor}, "reason": "重复登记"})
    with pytest.raises(NotFound):
        duplicates.merge_persons(cw, OTHER_WORKER, {"survivor": survivor, "duplicate": duplicate,
                                                    "reason": "重复登记"})
    merged = duplicates.merge_persons(cw, WORKER, {"survivor": survivor, "duplicate": duplicate,
                                                   "reason": "重复登记"})
    assert merged["members"][0]["merged_from"] == [duplicate["person_id"]]
    assert event_types(cw, son["id"])[-1] == "person.merged"
    assert households.get_households(cw, WORKER, [son["id"]])[0]["member_count"] == 1
