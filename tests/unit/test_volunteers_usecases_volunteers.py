"""usecases/volunteers.py on the in-memory store: registration, the volunteer's record, unmasked reads."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.volunteers.usecases import volunteers
from tests.support.volunteers_fixtures import NEIGHBOUR_COMMUNITY, STATION, volunteer_input
from tests.support.volunteers_unit import (
    ADMIN,
    COUNTY,
    EVALUATOR,
    OTHER_COUNTY,
    OTHER_STAFF,
    STAFF,
    event_types,
    outbox,
    use_cases,
)


def test_registering_a_volunteer_stores_it_masked_and_announces_it():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, STAFF, volunteer_input())
    assert volunteer["station_id"] == STATION and volunteer["version"] == 1
    assert "*" in volunteer["id_number"] and "*" in volunteer["phone"]
    assert event_types(ctx, "volunteers", volunteer["id"]) == ["volunteer.registered"]
    registered = outbox(ctx, "volunteers", volunteer["id"])[0]
    assert registered["actor"] == {"user_id": "worker-1", "role": "station_staff"}
    assert registered["payload"]["township_code"] == STATION[2:]


def test_the_same_person_registers_once():
    ctx = use_cases()
    data = volunteer_input()
    volunteers.register_volunteer(ctx, STAFF, data)
    with pytest.raises(Conflict):
        volunteers.register_volunteer(ctx, STAFF, {**data, "name": "又一次"})


def test_staff_of_another_station_cannot_register_here_nor_see_or_change_the_volunteer():
    ctx = use_cases()
    with pytest.raises(PermissionDenied):
        volunteers.register_volunteer(ctx, OTHER_STAFF, volunteer_input())
    volunteer = volunteers.register_volunteer(ctx, STAFF, volunteer_input())
    assert volunteers.get_volunteers(ctx, OTHER_STAFF, [volunteer["id"]]) == [None]
    with pytest.raises(NotFound):
        volunteers.update_volunteer(ctx, OTHER_STAFF, volunteer["id"],
                                    {"expected_version": 1, "status": "paused"})
    with pytest.raises(PermissionDenied):  # reads the county's volunteers, changes none
        volunteers.update_volunteer(ctx, EVALUATOR, volunteer["id"], {"expected_version": 1, "status": "paused"})


def test_an_update_changes_what_it_names_and_checks_the_community():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, STAFF, volunteer_input())
    with pytest.raises(ValidationFailed):
        volunteers.update_volunteer(ctx, STAFF, volunteer["id"], {"expected_version": 1})
    with pytest.raises(ValidationFailed):
        volunteers.update_volunteer(ctx, STAFF, volunteer["id"],
                                    {"expected_version": 1, "community_code": "321102001001"})
    updated = volunteers.update_volunteer(ctx, STAFF, volunteer["id"], {
        "expected_version": 1, "community_code": NEIGHBOUR_COMMUNITY, "skills": ["home_care", "companionship"]})
    assert updated["community_code"] == NEIGHBOUR_COMMUNITY and updated["version"] == 2
    assert updated["skills"] == ["companionship", "home_care"]
    assert event_types(ctx, "volunteers", volunteer["id"]) == ["volunteer.registered"]  # edits publish nothing


def test_training_certificates_and_background_checks_join_the_record():
    ctx = use_cases()
    today = clock.today()
    volunteer = volunteers.register_volunteer(ctx, STAFF, volunteer_input())
    with pytest.raises(ValidationFailed):
        volunteers.record_volunteer_training(ctx, STAFF, volunteer["id"], {
            "expected_version": 1, "date": (today + timedelta(days=1)).isoformat(), "topic": "通识", "hours": 2,
            "provider": "联合会"})
    trained = volunteers.record_volunteer_training(ctx, STAFF, volunteer["id"], {
        "expected_version": 1, "date": today.isoformat(), "topic": "通识", "hours": 2, "provider": "联合会"})
    assert trained["training_hours"] == 2
    with pytest.raises(ValidationFailed):
        volunteers.record_volunteer_certificate(ctx, STAFF, volunteer["id"], {
            "expected_version": 2, "name": "急救证", "issuer": "红十字会", "issued_on": today.isoformat(),
            "valid_until": (today - timedelta(days=1)).isoformat()})
    certified = volunteers.record_volunteer_certificate(ctx, STAFF, volunteer["id"], {
        "expected_version": 2, "name": "急救证", "issuer": "红十字会", "issued_on": today.isoformat()})
    assert [c["name"] for c in certified["certificates"]] == ["急救证"]
    checked = volunteers.record_background_check(ctx, STAFF, volunteer["id"], {
        "expected_version": 3, "result": "passed", "checked_on": today.isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(), "authority": "派出所"})
    assert checked["background_check"]["recorded_by"] == "worker-1"
    listed = volunteers.list_volunteers(ctx, STAFF, {"background_checked": True})
    assert [v["id"] for v in listed["items"]] == [volunteer["id"]]


def test_revealing_an_identity_is_role_checked_reasoned_and_logged():
    ctx = use_cases()
    data = volunteer_input()
    volunteer = volunteers.register_volunteer(ctx, STAFF, data)
    with pytest.raises(PermissionDenied):
        volunteers.reveal_volunteer_identity(ctx, EVALUATOR, volunteer["id"], "核对身份信息")
    with pytest.raises(ValidationFailed):
        volunteers.reveal_volunteer_identity(ctx, STAFF, volunteer["id"], "看")
    revealed = volunteers.reveal_volunteer_identity(ctx, STAFF, volunteer["id"], "核对身份信息")
    assert revealed == {"id_number": data["id_number"], "phone": data["phone"]}
    entries = volunteers.access_log(ctx, COUNTY, {"subject_id": volunteer["id"]})
    assert [(e["user_id"], e["fields"]) for e in entries] == [("worker-1", ["id_number", "phone"])]
    assert volunteers.access_log(ctx, OTHER_COUNTY, {"subject_id": volunteer["id"]}) == []


def test_lists_are_scoped_filtered_and_paged():
    ctx = use_cases()
    first = volunteers.register_volunteer(ctx, STAFF, volunteer_input())
    second = volunteers.register_volunteer(ctx, STAFF, volunteer_input(domains=["children"]))
    page = volunteers.list_volunteers(ctx, COUNTY, {"limit": 1})
    assert page["total"] == 2 and len(page["items"]) == 1 and page["next_cursor"]
    rest = volunteers.list_volunteers(ctx, COUNTY, {"limit": 1, "after": page["next_cursor"]})
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {first["id"], second["id"]}
    assert [v["id"] for v in volunteers.list_volunteers(ctx, ADMIN, {"domain": "children"})["items"]] == [second["id"]]
    assert volunteers.list_volunteers(ctx, OTHER_COUNTY, {})["total"] == 0
    assert volunteers.list_volunteers(ctx, ADMIN, {"region": "321102"})["total"] == 0
