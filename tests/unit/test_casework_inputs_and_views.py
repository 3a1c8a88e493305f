"""Casework's boundaries: input schemas name the field and the reason; views mask by default."""
from datetime import UTC, date, datetime

import pytest

from services.casework import schemas, views
from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.rpc import load
from tests.support.casework_fixtures import elderly_household, family_household, id_number

NOW = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)


def test_household_input_errors_name_each_field():
    data = elderly_household()
    data["community_code"] = "3211810012"
    data["members"][0]["id_number"] = data["members"][0]["id_number"][:-1] + "0" \
        if data["members"][0]["id_number"][-1] != "0" else data["members"][0]["id_number"][:-1] + "1"
    data["members"][0]["tags"] = ["extreme_poverty", "rich"]
    data["members"][0]["phone"] = "12345"
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.HouseholdInputSchema, data)
    details = caught.value.details
    assert set(details) >= {"community_code", "members.0.id_number", "members.0.tags.1", "members.0.phone"}
    assert "check digit" in details["members.0.id_number"][0]


def test_unknown_fields_and_bad_disability_grades_are_refused():
    data = family_household()
    data["members"][1]["disability"] = {"category": "physical", "grade": 5}
    data["members"][1]["nickname"] = "x"
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.HouseholdInputSchema, data)
    assert "members.1.disability.grade" in caught.value.details
    assert "members.1.nickname" in caught.value.details


def test_need_descriptions_must_not_carry_identifiers():
    number = id_number(date(1950, 1, 1), 1)
    for description in (f"身份证{number}需要帮助", "联系电话13912345678"):
        with pytest.raises(ValidationFailed) as caught:
            load(schemas.NeedSchema, {"domain": "elderly", "need_type": "home_visit", "severity": "low",
                                      "description": description})
        assert "description" in caught.value.details


def test_writes_need_the_version_the_caller_read():
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.StageChangeSchema, {"to": "assessment"})
    assert "expected_version" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.StageChangeSchema, {"to": "finished", "expected_version": 1})
    assert "to" in caught.value.details


def test_campaign_dates_and_ages_are_ordered():
    campaign = {"name": "全面核查", "region_code": "321181", "criteria": {"tags_any": ["extreme_poverty"]},
                "starts_on": "2026-05-01", "ends_on": "2026-04-01"}
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.CampaignSchema, campaign)
    assert list(caught.value.details) == ["ends_on"]
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.CampaignSchema, {**campaign, "ends_on": "2026-06-01",
                                      "criteria": {"tags_any": ["extreme_poverty"], "age_min": 80, "age_max": 60}})
    assert list(caught.value.details) == ["criteria.age_min"]


def stored_member(person_id="p1", **extra):
    return {"person_id": person_id, "name": "王秀英", "relationship": "head", "sex": "female",
            "birth_date": "1987-07-08", "tags": ["domestic_violence_victim"],
            "id_number_masked": "321181********0022", "id_number_encrypted": "gAAAA-secret",
            "phone_masked": "139****0000", "phone_encrypted": "gAAAA-phone", "health_encrypted": "gAAAA-h", **extra}


def stored_household(members):
    return {"_id": "hh1", "station_id": "ST321181001", "township_code": "321181001", "region_code": "321181001",
            "community_code": "321181001201", "community_name": "三里村", "address": "三里村2组3号",
            "registered_on": "2025-01-01", "members": members, "groups": ["domestic_violence_victim"], "archive": [],
            "_version": 3}


def test_household_view_masks_personal_data_and_never_shows_ciphertext():
    view = views.household_view(stored_household([stored_member()]), date(2026, 6, 30), views.Visibility())
    person = view["members"][0]
    assert person["id_number"] == "321181********0022" and person["phone"] == "139****0000"
    assert person["health_recorded"] is True and person["age"] == 38
    assert "gAAAA" not in str(view)


def test_crisis_protected_people_and_evaluators_see_less():
    household = stored_household([stored_member(), stored_member("p2", name="李小雨", relationship="daughter",
                                                                  tags=["left_behind_child"])])
    hidden = views.household_view(household, date(2026, 6, 30), views.Visibility(hidden_persons={"p1"}))
    protected, other = hidden["members"]
    assert protected["name"] == views.PROTECTED_NAME and protected["identity_protected"]
    assert protected["id_number"] is None and protected["tags"] == [] and protected["household_id"] is None
    assert hidden["head_name"] == views.PROTECTED_NAME and other["name"] == "李小雨"
    whole = views.household_view(household, date(2026, 6, 30), views.Visibility(hidden_households={"hh1"}))
    assert whole["address"] is None and all(m["identity_protected"] for m in whole["members"])
    evaluator_sees = views.Visibility.for_viewer(Viewer(user_id="e", role="evaluator", region="321181"))
    evaluator = views.household_view(household, date(2026, 6, 30), evaluator_sees)
    assert evaluator["members"][0]["name"] == "王*英" and evaluator["address"] is None


def test_case_view_hides_a_crisis_case_s_identity_outside_the_team():
    case = {"_id": "cs1", "household_id": "hh1", "person_id": "p1", "station_id": "ST321181001",
            "township_code": "321181001", "community_code": "321181001201", "domain": "marriage_family",
            "source": "hotline", "summary": "家暴求助", "stage": "intake", "opened_on": "2026-06-30",
            "opened_at": "x", "assigned_staff_id": "stf", "assessment": None, "plans": [], "closure_requests": [],
            "closure": None, "transitions": [], "assignments": [], "visits": [], "services": [], "referrals": [],
            "crisis": {"episode": 1, "flagged_at": "2026-06-30T04:00:00.000000Z", "flagged_by": "stf",
                       "contact_due_at": "2026-07-01T04:00:00.000000Z", "first_contact_at": None,
                       "first_contact_late": None, "overdue_at": None, "resolved_at": None, "notes_encrypted": "gAAAA"},
            "crisis_history": [], "crisis_state": "awaiting_contact",
            "crisis_contact_due_at": "2026-07-01T04:00:00.000000Z",
            "follow_up_due_on": "", "queue_rank": 0, "_version": 1}
    outside = views.case_view(case, in_team=False, worker_current=True, now=NOW)
    assert outside["identity_protected"] and outside["household_id"] is None and outside["summary"] is None
    assert outside["crisis"]["state"] == "awaiting_contact" and outside["crisis"]["notes_protected"]
    team = views.case_view(case, in_team=True, worker_current=True, now=NOW)
    assert team["household_id"] == "hh1" and team["summary"] == "家暴求助"
    assert "gAAAA" not in str(team)
