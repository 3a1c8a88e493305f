"""usecases/teams.py on the in-memory store: teams of one station, their training and supervision."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.volunteers.usecases import teams, volunteers
from tests.support.volunteers_fixtures import STATION, volunteer_input
from tests.support.volunteers_unit import ADMIN, COUNTY, OTHER_COUNTY, OTHER_STAFF, STAFF, event_types, use_cases


def a_team(size: int = 3):
    ctx = use_cases()
    members = [volunteers.register_volunteer(ctx, ADMIN, volunteer_input())["id"] for _ in range(size)]
    team = teams.create_team(ctx, STAFF, {"station_id": STATION, "name": "云阳助老队", "domains": ["elderly"],
                                          "leader_id": members[0], "member_ids": members[1:]})
    return ctx, team, members


def test_a_team_holds_its_leader_and_members_and_publishes_nothing():
    ctx, team, members = a_team()
    assert team["member_ids"] == sorted(members) and team["leader_id"] == members[0]
    assert teams.teams_for_volunteers(ctx, COUNTY, [members[1], "vol_none"]) == {members[1]: [team],
                                                                                "vol_none": []}
    assert event_types(ctx, "teams", team["id"]) == []


def test_members_must_be_known_volunteers_of_the_station():
    ctx = use_cases()
    here = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    there = volunteers.register_volunteer(ctx, ADMIN, volunteer_input(station_id="ST321181002",
                                                                      community_code="321181002001"))
    base = {"station_id": STATION, "name": "云阳助老队", "domains": ["elderly"], "leader_id": here["id"]}
    with pytest.raises(ValidationFailed):
        teams.create_team(ctx, ADMIN, {**base, "member_ids": ["vol_unknown"]})
    with pytest.raises(ValidationFailed):
        teams.create_team(ctx, ADMIN, {**base, "member_ids": [there["id"]]})


def test_another_station_cannot_create_read_or_change_the_team():
    ctx, team, members = a_team()
    with pytest.raises(PermissionDenied):
        teams.create_team(ctx, OTHER_STAFF, {"station_id": STATION, "name": "外站队", "domains": ["elderly"],
                                             "leader_id": members[0], "member_ids": []})
    assert teams.get_teams(ctx, OTHER_STAFF, [team["id"]]) == [None]
    assert teams.list_teams(ctx, OTHER_COUNTY, {})["total"] == 0
    with pytest.raises(NotFound):
        teams.update_team(ctx, OTHER_STAFF, team["id"], {"expected_version": 1, "name": "改名"})


def test_updates_training_and_supervision_are_versioned_edits():
    ctx, team, members = a_team()
    today = clock.today()
    with pytest.raises(ValidationFailed):
        teams.update_team(ctx, STAFF, team["id"], {"expected_version": 1})
    renamed = teams.update_team(ctx, STAFF, team["id"], {"expected_version": 1, "name": "云阳志愿服务队",
                                                         "member_ids": members[1:2]})
    assert renamed["name"] == "云阳志愿服务队" and renamed["member_ids"] == sorted(members[:2])
    with pytest.raises(ValidationFailed):  # not a member any more
        teams.record_team_training(ctx, STAFF, team["id"], {
            "expected_version": 2, "date": today.isoformat(), "topic": "联动服务", "hours": 2, "trainer": "督导中心",
            "attendee_ids": [members[2]]})
    trained = teams.record_team_training(ctx, STAFF, team["id"], {
        "expected_version": 2, "date": today.isoformat(), "topic": "联动服务", "hours": 2, "trainer": "督导中心",
        "attendee_ids": members[:2]})
    assert trained["training_hours"] == 2
    with pytest.raises(ValidationFailed):
        teams.record_supervision(ctx, STAFF, team["id"], {
            "expected_version": 3, "date": (today + timedelta(days=1)).isoformat(), "supervisor": "督导中心",
            "notes": "记录规范"})
    supervised = teams.record_supervision(ctx, STAFF, team["id"], {
        "expected_version": 3, "date": today.isoformat(), "supervisor": "督导中心", "notes": "记录规范"})
    assert supervised["supervision_records"][0]["recorded_by"] == "worker-1"
    assert [t["id"] for t in teams.list_teams(ctx, COUNTY, {"station_id": STATION})["items"]] == [team["id"]]
