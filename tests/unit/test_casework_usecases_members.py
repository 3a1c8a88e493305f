"""members: members are added with their identity claimed, corrected, and recorded as having left."""
from __future__ import annotations

import pytest

from services.casework.usecases import members
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import OTHER_WORKER, WORKER, casework, event_types, opened, registered


def test_members_are_added_corrected_and_removed_but_the_head_stays():
    cw = casework()
    household = registered(cw, basis=False)
    with pytest.raises(ValidationFailed):
        members.add_member(cw, WORKER, household["id"], {"expected_version": household["version"],
                                                            "name": "张二", "relationship": "head"})
    household = members.add_member(cw, WORKER, household["id"], {
        "expected_version": household["version"], "name": "张小明", "relationship": "grandson",
        "birth_date": "2012-04-01", "sex": "male"})
    grandson = household["members"][1]["person_id"]
    household = members.update_member(cw, WORKER, household["id"], grandson, {
        "expected_version": household["version"], "name": "张晓明"})
    assert household["members"][1]["name"] == "张晓明"
    with pytest.raises(RuleViolation):
        members.remove_member(cw, WORKER, household["id"], household["members"][0]["person_id"], {
            "expected_version": household["version"], "reason": "moved_out", "removed_on": "2025-01-01"})
    household = members.remove_member(cw, WORKER, household["id"], grandson, {
        "expected_version": household["version"], "reason": "moved_out", "removed_on": "2025-01-01"})
    assert household["member_count"] == 1


def test_a_member_change_is_refused_out_of_scope_and_for_a_number_already_registered():
    cw = casework()
    household = registered(cw, basis=False)
    other = registered(cw, fx.elderly_household(2), basis=False)
    taken = fx.elderly_household(2)["members"][0]["id_number"]
    grandson = {"expected_version": household["version"], "name": "张小明", "relationship": "grandson",
                "id_number": taken}
    with pytest.raises(NotFound):
        members.add_member(cw, OTHER_WORKER, household["id"], grandson)
    with pytest.raises(Conflict):
        members.add_member(cw, WORKER, household["id"], grandson)
    assert event_types(cw, other["id"]) == ["household.registered"]


def test_a_person_with_an_open_case_stays_until_it_closes():
    cw = casework()
    household = registered(cw)
    household = members.add_member(cw, WORKER, household["id"], {
        "expected_version": household["version"], "name": "张小明", "relationship": "grandson",
        "birth_date": "2012-04-01", "sex": "male"})
    grandson = household["members"][1]["person_id"]
    opened(cw, household, person_id=grandson, domain="children")
    with pytest.raises(RuleViolation) as caught:
        members.remove_member(cw, WORKER, household["id"], grandson, {
            "expected_version": household["version"], "reason": "moved_out", "removed_on": "2025-01-01"})
    assert "person_id" in caught.value.details
