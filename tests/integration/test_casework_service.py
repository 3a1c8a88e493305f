"""The casework service over real RPC, with its events consumed by another service."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.casework import domain
from services.common import clock, storage
from services.common.errors import (
    ConcurrentModification,
    Conflict,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationFailed,
)
from tests.support.casework_fixtures import (
    ADMIN,
    COLLEAGUE_VIEWER,
    COMMUNITY,
    COUNTY_VIEWER,
    EVALUATOR_VIEWER,
    LEAD,
    LEAD_VIEWER,
    OTHER_COUNTY_VIEWER,
    OTHER_STATION,
    STATION,
    SUPERVISOR_VIEWER,
    WORKER,
    WORKER_VIEWER,
    casework_platform,
    elderly_household,
    family_household,
    id_number,
    need,
    received,
    record_basis,
    visit,
    wait_for,
)


@pytest.fixture
def platform(isolated_settings):
    with casework_platform(isolated_settings) as client:
        yield client.casework


def today() -> date:
    return clock.local_date(clock.utcnow())


def test_one_person_one_record_with_flagged_duplicates_and_an_audited_merge(platform):
    alone = elderly_household(1)
    number = alone["members"][0]["id_number"]
    first = platform.register_household(WORKER_VIEWER, alone)
    head = first["members"][0]
    assert head["id_number"] == number[:6] + "********" + number[-4:] and head["phone"] == "139****0001"
    assert head["sex"] == "male" and head["age"] >= 80 and head["health_recorded"] is True
    stored = storage.database("casework").households.find_one({"_id": first["id"]})
    assert number not in str(stored) and "13900000001" not in str(stored) and "高血压" not in str(stored)

    again = family_household()
    again["members"][0]["id_number"] = number
    with pytest.raises(Conflict) as caught:
        platform.register_household(WORKER_VIEWER, again)
    assert "members.0.id_number" in caught.value.details
    assert platform.list_households(ADMIN, {})["total"] == 1

    # The same man recorded again, without his number, in his son's household: flagged for review.
    son = platform.register_household(WORKER_VIEWER, {
        "station_id": STATION, "community_code": COMMUNITY, "community_name": "三里村", "address": "三里村1组1号",
        "members": [{"name": "张建华", "relationship": "head", "id_number": id_number(date(1970, 3, 3), 30)},
                    {"name": "张德明", "relationship": "father", "birth_date": "1944-05-06", "sex": "male"}]})
    assert son["open_duplicate_flags"] == 1
    flagged = platform.list_duplicate_flags(WORKER_VIEWER, {})
    assert flagged["total"] == 1
    match = flagged["items"][0]["flags"][0]["matches"][0]
    assert match == {"household_id": first["id"], "person_id": head["person_id"], "reason": "same_name_and_birth_date"}

    # He lives with his son now: the son's record survives and gains the ID number.
    father = son["members"][1]
    merge = {
        "survivor": {"household_id": son["id"], "person_id": father["person_id"], "expected_version": son["version"]},
        "duplicate": {"household_id": first["id"], "person_id": head["person_id"],
                      "expected_version": first["version"]},
        "reason": "核实为同一人，已随子居住"}
    with pytest.raises(PermissionDenied):
        platform.merge_persons(EVALUATOR_VIEWER, merge)
    merged = platform.merge_persons(WORKER_VIEWER, merge)
    survivor = merged["members"][1]
    assert survivor["id_number"] == head["id_number"] and survivor["merged_from"] == [head["person_id"]]
    assert set(survivor["tags"]) == {"elderly_living_alone", "extreme_poverty"}
    assert merged["open_duplicate_flags"] == 0
    assert platform.get_households(ADMIN, [first["id"]])[0]["status"] == "closed"
    assert platform.get_persons(ADMIN, [head["person_id"], father["person_id"]])[0] is None
    assert platform.list_households(ADMIN, {})["total"] == 1
    with pytest.raises(Conflict):  # the number now belongs to the survivor
        platform.register_household(WORKER_VIEWER, alone)
    event = wait_for(lambda: received("person.merged"))[0]
    assert event["survivor_person_id"] == father["person_id"] and event["duplicate_household_id"] == first["id"]
    revealed = platform.reveal_person(WORKER_VIEWER, son["id"], father["person_id"], "核对合并结果")
    assert revealed["id_number"] == number


def test_bad_input_is_refused_with_field_and_reason_and_nothing_written(platform):
    bad = elderly_household(2)
    bad["members"][0]["id_number"] = bad["members"][0]["id_number"][:-1] + (
        "0" if bad["members"][0]["id_number"][-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as caught:
        platform.register_household(WORKER_VIEWER, bad)
    assert "members.0.id_number" in caught.value.details
    wrong_birth = elderly_household(3)
    wrong_birth["members"][0]["birth_date"] = "1944-05-07"
    with pytest.raises(ValidationFailed) as caught:
        platform.register_household(WORKER_VIEWER, wrong_birth)
    assert "1944-05-06" in caught.value.details["members.0.birth_date"][0]
    with pytest.raises(ValidationFailed) as caught:
        platform.register_household(WORKER_VIEWER, elderly_household(4, community_code="321102001201"))
    assert "community_code" in caught.value.details
    assert platform.list_households(ADMIN, {})["total"] == 0

    household = platform.register_household(WORKER_VIEWER, elderly_household(5))
    with pytest.raises(NotFound):
        platform.open_case(WORKER_VIEWER, {"household_id": "hh_unknown", "domain": "elderly", "source": "outreach",
                                           "summary": "探访需求", "assigned_staff_id": WORKER})
    with pytest.raises(ValidationFailed) as caught:
        platform.open_case(WORKER_VIEWER, {"household_id": household["id"], "domain": "elderly", "source": "outreach",
                                           "summary": "探访需求", "assigned_staff_id": "stf_other"})
    assert "assigned_staff_id" in caught.value.details
    case = platform.open_case(WORKER_VIEWER, {"household_id": household["id"], "domain": "elderly",
                                              "source": "outreach", "summary": "探访需求", "assigned_staff_id": WORKER})
    with pytest.raises(Conflict, match="already has an open elderly case"):
        platform.open_case(WORKER_VIEWER, {"household_id": household["id"], "domain": "elderly",
                                           "source": "outreach", "summary": "再次申请探访",
                                           "assigned_staff_id": WORKER})
    with pytest.raises(RuleViolation) as caught:
        platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": 1, "to": "in_service"})
    assert "to" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        platform.log_case_visit(WORKER_VIEWER, case["id"], visit(1, (today() + timedelta(days=1)).isoformat()))
    assert "visited_on" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        platform.make_referral(WORKER_VIEWER, case["id"], {
            "expected_version": 1, "target": {"kind": "organisation", "name": "县残联"},
            "service_requested": "康复评估",
            "made_on": today().isoformat(), "shares_personal_data": True})
    assert "sharing_basis" in caught.value.details
    with pytest.raises(ConcurrentModification):
        platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": 7, "to": "assessment"})
    after = platform.get_cases(WORKER_VIEWER, [case["id"]])[0]
    assert after["version"] == 1 and after["stage"] == "intake" and after["visit_count"] == 0
    assert after["referral_count"] == 0


def test_case_lifecycle_with_approvals_every_transition_recorded(platform):
    household = platform.register_household(WORKER_VIEWER, elderly_household(6))
    head = household["members"][0]
    case = platform.open_case(WORKER_VIEWER, {"household_id": household["id"], "person_id": head["person_id"],
                                              "domain": "elderly", "source": "outreach", "summary": "独居老人需探访",
                                              "assigned_staff_id": WORKER})
    case = platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "assessment"})
    with pytest.raises(RuleViolation, match="case assessment"):
        platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "plan"})
    case = platform.record_case_assessment(WORKER_VIEWER, case["id"], {"expected_version": case["version"],
                                                                        "summary": "生活基本自理，社会支持弱"})
    case = platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "plan"})
    case = platform.submit_plan(WORKER_VIEWER, case["id"], {
        "expected_version": case["version"], "goals": ["每月探访一次", "链接助餐服务"],
        "interventions": [{"activity_type": "resource_linking", "frequency": "每月"}],
        "review_on": (today() + timedelta(days=90)).isoformat()})
    with pytest.raises(PermissionDenied):  # a colleague is neither supervisor nor station lead
        platform.decide_plan(COLLEAGUE_VIEWER, case["id"],
                             {"expected_version": case["version"], "decision": "approved"})
    with pytest.raises(RuleViolation, match="approved"):
        platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "in_service"})
    case = platform.decide_plan(LEAD_VIEWER, case["id"], {"expected_version": case["version"], "decision": "approved"})
    case = platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "in_service"})
    platform.log_case_visit(WORKER_VIEWER, case["id"], visit(case["version"], today().isoformat(), notes="一切安好",
                                                             next_visit_on=(today() + timedelta(days=30)).isoformat()))
    case = platform.get_cases(WORKER_VIEWER, [case["id"]])[0]
    case = platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "review",
                                                             "note": None})
    case = platform.request_closure(WORKER_VIEWER, case["id"], {"expected_version": case["version"],
                                                                "reason": "goals_achieved", "outcome": "achieved"})
    assert case["stage"] == "review" and case["closure_request"]["status"] == "pending"
    with pytest.raises(RuleViolation):
        platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "closed"})
    case = platform.decide_closure(SUPERVISOR_VIEWER, case["id"], {"expected_version": case["version"],
                                                                   "decision": "approved", "comment": "同意结案"})
    assert case["stage"] == "closed" and case["closure"]["approved_by"] == "supervisor-1"
    assert [(t["from"], t["to"], t["by"]) for t in case["transitions"]] == [
        (None, "intake", WORKER), ("intake", "assessment", WORKER), ("assessment", "plan", WORKER),
        ("plan", "in_service", WORKER), ("in_service", "review", WORKER), ("review", "closed", "supervisor-1")]
    assert all(t["at"] for t in case["transitions"])
    case = platform.reopen_case(WORKER_VIEWER, case["id"],
                                {"expected_version": case["version"], "reason": "老人再次摔倒"})
    assert case["stage"] == "assessment"

    stages = wait_for(lambda: len(received("case.stage_changed")) == 6 and received("case.stage_changed"))
    assert {(e["from_stage"], e["to_stage"]) for e in stages} >= {("review", "closed"), ("closed", "assessment")}
    closed = wait_for(lambda: received("case.closed"))[0]
    assert closed["reason"] == "goals_achieved" and closed["approved_by"] == "supervisor-1"
    assert wait_for(lambda: received("case.opened"))[0]["assigned_staff_id"] == WORKER
    assert wait_for(lambda: received("visit.logged"))[0]["case_id"] == case["id"]
    assert platform.visits_for_cases(WORKER_VIEWER, [case["id"]])[case["id"]][0]["notes"] == "一切安好"


def test_needs_archive_versions_as_of_dates_overdue_lists_and_the_needs_event(platform):
    registered = (today() - timedelta(days=800)).isoformat()
    household = platform.register_household(WORKER_VIEWER, {**elderly_household(7), "registered_on": registered})
    household = record_basis(platform, WORKER_VIEWER, household)  # archiving needs an archive basis
    other = platform.register_household(WORKER_VIEWER, elderly_household(8))  # registered today: not overdue yet
    first_day = today() - timedelta(days=550)
    v1 = platform.assess_needs(WORKER_VIEWER, household["id"], {
        "expected_version": household["version"], "assessed_on": first_day.isoformat(), "assessor_staff_id": WORKER,
        "needs": [need(), need("social_assistance", "medical_assistance", "high", "慢病用药负担重")]})
    assert v1["risk_level"] == "high" and v1["version"] == 1
    overdue = platform.list_households(WORKER_VIEWER, {"archive_overdue": True})
    assert [h["id"] for h in overdue["items"]] == [household["id"]]
    summary = platform.archive_overdue_summary(COUNTY_VIEWER, {"region": "321181"})
    assert summary["stations"] == [{"station_id": STATION, "households": 2, "overdue": 1, "never_assessed": 1}]

    second_day = today() - timedelta(days=10)
    continued = v1["needs"][0]["need_id"]
    v2 = platform.assess_needs(WORKER_VIEWER, household["id"], {
        "expected_version": household["version"] + 1, "assessed_on": second_day.isoformat(),
        "assessor_staff_id": LEAD, "needs": [need(need_id=continued, severity="low", description="继续探访")]})
    v3 = platform.assess_needs(WORKER_VIEWER, household["id"], {
        "expected_version": household["version"] + 2, "assessed_on": second_day.isoformat(), "assessor_staff_id": LEAD,
        "amends": v2["assessment_id"], "needs": [need(need_id=continued, severity="medium", description="继续探访")]})
    assert v2["needs"][0]["need_id"] == continued
    assert v3["kind"] == "amendment" and v3["supersedes"] == v2["assessment_id"]
    assert platform.list_households(WORKER_VIEWER, {"archive_overdue": True})["total"] == 0

    def as_of(day):
        found = platform.archives_for_households(WORKER_VIEWER, [household["id"], other["id"]], day.isoformat())
        assert found[other["id"]] is None
        return found[household["id"]] and found[household["id"]]["assessment_id"]

    assert as_of(first_day - timedelta(days=1)) is None
    assert as_of(first_day) == v1["assessment_id"]
    assert as_of(second_day - timedelta(days=1)) == v1["assessment_id"]
    assert as_of(second_day) == v3["assessment_id"]
    history = platform.archive_history(WORKER_VIEWER, [household["id"]])[household["id"]]
    assert [v["version"] for v in history] == [1, 2, 3]
    assert platform.get_households(WORKER_VIEWER, [household["id"]])[0]["archive"]["review_due_on"] == \
        domain.one_year_after(second_day).isoformat()

    events = wait_for(lambda: len(received("needs.assessed")) == 3 and received("needs.assessed"))
    by_id = {e["assessment_id"]: e for e in events}
    assert by_id[v3["assessment_id"]]["supersedes"] == v2["assessment_id"]
    assert by_id[v1["assessment_id"]]["needs"][1]["need_type"] == "medical_assistance"
    assert by_id[v1["assessment_id"]]["community_code"] == COMMUNITY
    text = str(events)
    assert "张德明" not in text and household["members"][0]["person_id"] not in text


def test_scopes_hide_other_regions_and_mask_for_evaluators(platform):
    household = platform.register_household(WORKER_VIEWER, elderly_household(9))
    assert platform.get_households(OTHER_COUNTY_VIEWER, [household["id"]]) == [None]
    assert platform.list_households(OTHER_COUNTY_VIEWER, {})["total"] == 0
    with pytest.raises(NotFound):
        platform.open_case(OTHER_COUNTY_VIEWER, {"household_id": household["id"], "domain": "elderly",
                                                 "source": "outreach", "summary": "入户探访需求",
                                                 "assigned_staff_id": WORKER})
    with pytest.raises(NotFound):  # another station is unknown to station staff, as any out-of-scope record
        platform.register_household(WORKER_VIEWER, {**elderly_household(10), "station_id": OTHER_STATION,
                                                    "community_code": "321102001001"})
    seen = platform.get_households(EVALUATOR_VIEWER, [household["id"]])[0]
    assert seen["members"][0]["name"] == "张*明" and seen["address"] is None
    with pytest.raises(PermissionDenied):
        platform.update_household(EVALUATOR_VIEWER, household["id"], {"expected_version": 1, "address": "别处"})
    assert platform.list_households(COUNTY_VIEWER, {})["total"] == 1


def test_unmasking_is_reasoned_role_checked_and_logged(platform):
    data = elderly_household(11)
    household = platform.register_household(WORKER_VIEWER, data)
    person_id = household["members"][0]["person_id"]
    with pytest.raises(PermissionDenied):
        platform.reveal_person(EVALUATOR_VIEWER, household["id"], person_id, "抽样评估")
    with pytest.raises(PermissionDenied):
        platform.reveal_person(SUPERVISOR_VIEWER, household["id"], person_id, "督导检查")
    with pytest.raises(ValidationFailed) as caught:
        platform.reveal_person(COUNTY_VIEWER, household["id"], person_id, " ")
    assert "reason" in caught.value.details
    revealed = platform.reveal_person(COUNTY_VIEWER, household["id"], person_id, "核对特困供养名册")
    assert revealed["id_number"] == data["members"][0]["id_number"] and revealed["phone"] == data["members"][0]["phone"]
    assert revealed["health"] == {"conditions": ["高血压"], "notes": "每日服药"}

    log = platform.access_log(SUPERVISOR_VIEWER, {"subject_id": person_id})["items"]
    assert [(e["user_id"], e["reason"], e["action"]) for e in log] == [
        ("county-official", "核对特困供养名册", "reveal_person")]
    assert "id_number" in log[0]["fields"] and log[0]["station_id"] == STATION
    with pytest.raises(PermissionDenied):
        platform.access_log(WORKER_VIEWER, {})
    assert platform.access_log(OTHER_COUNTY_VIEWER, {})["items"] == []


def test_comprehensive_verification_progress(platform):
    poor = platform.register_household(WORKER_VIEWER, elderly_household(12))
    poor2 = platform.register_household(WORKER_VIEWER, elderly_household(13))
    family = platform.register_household(WORKER_VIEWER, family_household(20))
    starts = today() - timedelta(days=5)
    with pytest.raises(PermissionDenied):
        platform.create_campaign(WORKER_VIEWER, {"name": "特困老人核查", "region_code": "321181",
                                                 "criteria": {"tags_any": ["extreme_poverty"], "age_min": 60},
                                                 "starts_on": starts.isoformat(),
                                                 "ends_on": (starts + timedelta(days=60)).isoformat()})
    campaign = platform.create_campaign(COUNTY_VIEWER, {
        "name": "丹阳市特困老年人全面核查", "region_code": "321181",
        "criteria": {"tags_any": ["extreme_poverty"], "age_min": 60},
        "starts_on": starts.isoformat(), "ends_on": (starts + timedelta(days=60)).isoformat()})
    platform.log_household_visit(WORKER_VIEWER, poor["id"], visit(poor["version"], today().isoformat(),
                                                                   campaign_id=campaign["id"]))
    with pytest.raises(ValidationFailed) as caught:
        platform.log_household_visit(WORKER_VIEWER, family["id"], visit(family["version"], today().isoformat(),
                                                                         campaign_id=campaign["id"]))
    assert "campaign_id" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        platform.log_household_visit(WORKER_VIEWER, poor2["id"], visit(
            poor2["version"], (starts - timedelta(days=1)).isoformat(), campaign_id=campaign["id"]))
    assert "visited_on" in caught.value.details

    progress = platform.campaign_progress(WORKER_VIEWER, campaign["id"], {})
    assert (progress["targeted"], progress["visited"], progress["not_visited"]) == (2, 1, 1)
    assert progress["by_station"] == [{"station_id": STATION, "targeted": 2, "visited": 1}]
    not_visited = platform.campaign_progress(COUNTY_VIEWER, campaign["id"], {"visited": False})["items"]
    assert [i["household_id"] for i in not_visited] == [poor2["id"]]
    first_page = platform.campaign_progress(COUNTY_VIEWER, campaign["id"], {"limit": 1})
    assert first_page["next_cursor"] == first_page["items"][0]["household_id"]  # was a TypeError (issue 14)
    second_page = platform.campaign_progress(COUNTY_VIEWER, campaign["id"], {"limit": 1,
                                                                             "after": first_page["next_cursor"]})
    assert second_page["next_cursor"] is None
    assert ({first_page["items"][0]["household_id"], second_page["items"][0]["household_id"]}
            == {poor["id"], poor2["id"]})
    assert platform.get_campaigns(OTHER_COUNTY_VIEWER, [campaign["id"]]) == [None]
    city_wide = platform.create_campaign(ADMIN, {"name": "镇江市困境儿童核查", "region_code": "321100",
                                                 "criteria": {"tags_any": ["left_behind_child"]},
                                                 "starts_on": starts.isoformat(), "ends_on": starts.isoformat()})
    assert platform.get_campaigns(COUNTY_VIEWER, [city_wide["id"]])[0]["name"] == "镇江市困境儿童核查"
    assert platform.campaign_progress(WORKER_VIEWER, city_wide["id"], {})["targeted"] == 1
    visit_event = wait_for(lambda: received("visit.logged"))[0]
    assert visit_event["campaign_id"] == campaign["id"] and visit_event["case_id"] is None


def test_bulk_import_validates_row_by_row(platform):
    existing = elderly_household(14)
    platform.register_household(WORKER_VIEWER, existing)
    good = [elderly_household(15 + i) for i in range(3)]
    wrong_station = {**elderly_household(20), "station_id": OTHER_STATION, "community_code": "321102001001"}
    repeated = elderly_household(15)
    rows = [good[0], {"station_id": STATION}, existing, good[1], wrong_station, repeated, good[2]]
    report = platform.import_households(WORKER_VIEWER, rows)
    assert report["accepted"] == 3
    refused = {(r["row"], r["field"]) for r in report["refused"]}
    assert (2, "members") in refused and (3, "members.0.id_number") in refused
    assert (5, "station_id") in refused and (6, "members.0.id_number") in refused
    assert platform.list_households(ADMIN, {})["total"] == 4
    registered = wait_for(lambda: len(received("household.registered")) == 4 and received("household.registered"))
    assert sorted(e["source"] for e in registered) == ["import", "import", "import", "registration"]
    with pytest.raises(ValidationFailed):
        platform.import_households(WORKER_VIEWER, [])


def test_a_wrong_id_number_is_corrected_and_frees_the_old_one(platform):
    typo = elderly_household(21)
    household = platform.register_household(WORKER_VIEWER, typo)
    person = household["members"][0]
    taken = platform.register_household(WORKER_VIEWER, elderly_household(22))["members"][0]
    with pytest.raises(Conflict) as caught:
        platform.update_member(WORKER_VIEWER, household["id"], person["person_id"], {
            "expected_version": household["version"],
            "id_number": platform.reveal_person(ADMIN, taken["household_id"], taken["person_id"],
                                                "核对重复号码")["id_number"]})
    assert "id_number" in caught.value.details
    right = id_number(date(1944, 5, 7), 23)
    corrected = platform.update_member(WORKER_VIEWER, household["id"], person["person_id"],
                                       {"expected_version": household["version"], "id_number": right})
    assert corrected["members"][0]["id_number"] == right[:6] + "********" + right[-4:]
    assert platform.reveal_person(WORKER_VIEWER, household["id"], person["person_id"], "核对更正")["birth_date"] == \
        "1944-05-07"
    assert platform.register_household(WORKER_VIEWER, typo)["members"][0]["id_number"] == person["id_number"]
