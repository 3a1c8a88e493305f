"""Casework's pure rules at their boundaries (no broker, no database)."""
from datetime import UTC, date, datetime, timedelta

import pytest

from services.casework import domain
from services.casework.domain import Actor
from services.common import clock
from services.common.clock import FrozenClock
from services.common.errors import Conflict, RuleViolation, ValidationFailed
from services.contracts.casework import NEEDS_ASSESSED
from tests.support.casework_fixtures import id_number

TODAY = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)
WORKER = Actor("stf_worker", "station_staff")
LEAD = Actor("stf_lead", "station_staff")


def member(person_id="p1", birth="1950-01-01", tags=(), relationship="head", **extra):
    return {"person_id": person_id, "name": "张三", "relationship": relationship, "birth_date": birth, "sex": "male",
            "tags": list(tags), **extra}


def household(members=None, archive=None, consents=None, registered_on="2024-01-01"):
    return {"_id": "hh1", "station_id": "ST321181001", "township_code": "321181001", "region_code": "321181001",
            "community_code": "321181001201", "registered_on": registered_on,
            "members": members if members is not None else [member()], "archive": archive or [],
            "consents": consents or []}


# --- people -------------------------------------------------------------------------------
def test_birth_date_and_sex_come_from_the_id_number():
    number = id_number(date(1988, 2, 29), 4, female=True)
    assert domain.identity_from_id_number(number) == (date(1988, 2, 29), "female")
    male = id_number(date(1990, 1, 1), 4, female=False)
    assert domain.identity_from_id_number(male)[1] == "male"
    assert domain.settle_identity({"id_number": number}, "members.0") == ("1988-02-29", "female")


def test_entered_birth_date_or_sex_that_disagrees_with_the_number_is_refused():
    number = id_number(date(1988, 2, 29), 4, female=True)
    with pytest.raises(ValidationFailed) as caught:
        domain.settle_identity({"id_number": number, "birth_date": date(1988, 3, 1)}, "members.1")
    assert "members.1.birth_date" in caught.value.details
    assert "1988-02-29" in caught.value.details["members.1.birth_date"][0]
    with pytest.raises(ValidationFailed) as caught:
        domain.settle_identity({"id_number": number, "sex": "male"}, "members.1")
    assert "members.1.sex" in caught.value.details
    assert domain.settle_identity({"id_number": number, "birth_date": date(1988, 2, 29), "sex": "female"}, "m") == \
        ("1988-02-29", "female")


def test_without_an_id_number_birth_date_and_sex_are_required():
    with pytest.raises(ValidationFailed) as caught:
        domain.settle_identity({"birth_date": date(2000, 1, 1)}, "members.2")
    assert list(caught.value.details) == ["members.2.sex"]
    assert domain.settle_identity({"birth_date": date(2000, 1, 1), "sex": "female"}, "m") == ("2000-01-01", "female")


@pytest.mark.parametrize("tags,birth,ok", [
    (["elderly_living_alone"], "1966-06-30", True),   # exactly 60 today
    (["elderly_living_alone"], "1966-07-01", False),  # 59
    (["left_behind_child"], "2008-07-01", True),      # 17
    (["left_behind_child"], "2008-06-30", False),     # 18 today
    (["extreme_poverty"], "2000-01-01", True),
])
def test_age_bound_tags(tags, birth, ok):
    if ok:
        domain.check_tags(tags, birth, False, TODAY, "m")
    else:
        with pytest.raises(ValidationFailed):
            domain.check_tags(tags, birth, False, TODAY, "m")


def test_disability_tag_and_details_go_together():
    with pytest.raises(ValidationFailed) as caught:
        domain.check_tags(["disability"], "1970-01-01", False, TODAY, "members.0")
    assert "members.0.disability" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        domain.check_tags([], "1970-01-01", True, TODAY, "members.0")
    assert "members.0.tags" in caught.value.details
    domain.check_tags(["disability"], "1970-01-01", True, TODAY, "members.0")


def test_one_head_and_no_repeated_id_numbers():
    number = id_number(date(1980, 1, 1), 1)
    with pytest.raises(ValidationFailed, match="exactly one head"):
        domain.check_members([{"relationship": "spouse"}])
    with pytest.raises(ValidationFailed, match="exactly one head"):
        domain.check_members([{"relationship": "head"}, {"relationship": "head"}])
    with pytest.raises(ValidationFailed) as caught:
        domain.check_members([{"relationship": "head", "id_number": number},
                              {"relationship": "son", "id_number": number}])
    assert "members.1.id_number" in caught.value.details


@pytest.mark.parametrize("code,problem", [
    ("321181001201", None), ("321181001001", None), ("321181001399", None),
    ("321181002201", "starts with"), ("321181001000", "001–199"), ("321181001400", "001–199"),
])
def test_community_codes_extend_the_township(code, problem):
    result = domain.community_problem(code, "321181001")
    assert (result is None) if problem is None else (problem in result)


def test_dates_are_china_dates():
    assert clock.local_date(datetime(2026, 3, 11, 16, 30, tzinfo=UTC)) == date(2026, 3, 12)
    assert clock.local_date(datetime(2026, 3, 11, 15, 59, tzinfo=UTC)) == date(2026, 3, 11)


def test_timestamps_compare_as_strings():
    earlier = clock.timestamp(datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC))
    later = clock.timestamp(datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC))
    assert earlier < later and clock.parse_timestamp(later) == datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


# --- risk ------------------------------------------------------------------------------------
def needs_of(*severities, need_type="home_visit", person_ids=()):
    return [{"domain": "elderly", "need_type": need_type, "severity": s, "person_ids": list(person_ids)}
            for s in severities]


@pytest.mark.parametrize("severities,tags,level,score", [
    ((), (), "low", 0),
    (("low", "low", "low"), (), "low", 3),
    (("low", "low", "low", "low"), (), "medium", 4),
    (("medium",), (), "medium", 4),
    (("medium", "medium"), (), "medium", 8),
    (("medium", "medium"), ("elderly_living_alone",), "high", 10),
    (("high",), (), "high", 10),
    (("low",), ("extreme_poverty",), "low", 3),
    (("urgent",), (), "critical", 0),
])
def test_risk_level_rule(severities, tags, level, score):
    assert domain.risk_level(needs_of(*severities), [member(tags=tags)]) == (level, score)


def test_high_protection_need_is_critical_and_bonus_follows_concerned_people():
    members = [member("p1", tags=["domestic_violence_victim"]), member("p2", relationship="spouse")]
    assert domain.risk_level(needs_of("high", need_type="domestic_violence_crisis"), members)[0] == "critical"
    assert domain.risk_level(needs_of("medium", "medium", person_ids=["p2"]), members) == ("medium", 8)
    assert domain.risk_level(needs_of("medium", "medium", person_ids=["p1"]), members) == ("high", 10)


# --- the needs archive -------------------------------------------------------------------------
def assess(hh, assessed_on, needs=None, amends=None, ids=("a",)):
    data = {"assessed_on": assessed_on, "assessor_staff_id": "stf_worker", "amends": amends,
            "needs": needs if needs is not None else [{"domain": "elderly", "need_type": "home_visit",
                                                       "severity": "medium", "description": "探访"}]}
    need_ids = [f"nd_{ids[0]}{i}" for i in range(len(data["needs"]))]
    version = domain.new_archive_version(hh, data, f"as_{ids[0]}", need_ids, {"by": "x"}, NOW, TODAY)
    return {**hh, "archive": [*hh["archive"], version]}, version


def test_archive_versions_and_the_version_in_force_on_a_date():
    hh, first = assess(household(), date(2025, 3, 1), ids=("1",))
    hh, second = assess(hh, date(2026, 2, 1), ids=("2",))
    hh, amended = assess(hh, date(2026, 2, 1), amends=second["assessment_id"], ids=("3",))
    assert [v["version"] for v in hh["archive"]] == [1, 2, 3]
    assert [v["kind"] for v in hh["archive"]] == ["initial", "reassessment", "amendment"]
    assert amended["supersedes"] == second["assessment_id"] and second["supersedes"] == first["assessment_id"]
    versions = hh["archive"]
    assert domain.version_as_of(versions, date(2025, 2, 28)) is None
    assert domain.version_as_of(versions, date(2025, 3, 1))["assessment_id"] == "as_1"
    assert domain.version_as_of(versions, date(2026, 1, 31))["assessment_id"] == "as_1"
    assert domain.version_as_of(versions, date(2026, 2, 1))["assessment_id"] == "as_3"  # the amendment wins
    assert domain.review_due_on(hh) == "2027-02-01"


def test_new_versions_cannot_go_back_in_time_or_into_the_future():
    hh, current = assess(household(), date(2026, 2, 1))
    with pytest.raises(ValidationFailed) as caught:
        assess(hh, date(2026, 1, 31))
    assert "assessed_on" in caught.value.details
    with pytest.raises(ValidationFailed, match="future"):
        assess(hh, TODAY + timedelta(days=1))
    with pytest.raises(Conflict):
        assess(hh, date(2026, 3, 1), amends="as_not_current")


def test_needs_are_checked_against_the_catalogue_and_the_household():
    with pytest.raises(ValidationFailed) as caught:
        assess(household(), date(2026, 1, 1), needs=[{"domain": "elderly", "need_type": "parenting_education",
                                                      "severity": "low", "description": "x"}])
    assert "needs.0.need_type" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        assess(household(), date(2026, 1, 1), needs=[{"domain": "elderly", "need_type": "home_visit", "severity": "low",
                                                      "description": "x", "person_ids": ["stranger"]}])
    assert "needs.0.person_ids" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        assess(household(), date(2026, 1, 1), needs=[{"domain": "elderly", "need_type": "home_visit", "severity": "low",
                                                      "description": "x", "need_id": "nd_unknown"}])
    assert "needs.0.need_id" in caught.value.details


def test_continued_needs_keep_their_id():
    hh, first = assess(household(), date(2025, 6, 1))
    need_id = first["needs"][0]["need_id"]
    _, second = assess(hh, date(2026, 6, 1), needs=[{"domain": "elderly", "need_type": "home_visit", "severity": "low",
                                                     "description": "继续探访", "need_id": need_id}], ids=("b",))
    assert second["needs"][0]["need_id"] == need_id


@pytest.mark.parametrize("last_assessed,today,overdue", [
    ("2025-06-30", date(2026, 6, 30), False),  # exactly 12 months: due today, not yet overdue
    ("2025-06-30", date(2026, 7, 1), True),
    ("2024-02-29", date(2025, 2, 28), False),
    ("2024-02-29", date(2025, 3, 1), True),
])
def test_archive_overdue_after_twelve_months(last_assessed, today, overdue):
    hh, _ = assess(household(registered_on="2020-01-01"), date.fromisoformat(last_assessed))
    assert domain.archive_overdue(hh, today) is overdue


def test_a_household_never_assessed_is_due_from_registration():
    hh = household(registered_on="2026-06-30")
    assert not domain.archive_overdue(hh, date(2026, 6, 30))
    assert domain.archive_overdue(hh, date(2026, 7, 1))


def test_needs_event_carries_no_personal_data_and_fits_its_contract():
    members = [member("p1", birth="1950-01-01", tags=["elderly_living_alone"], name="张三", phone_masked="139****0001"),
               member("p2", birth="2015-01-01", relationship="grandson", tags=["left_behind_child"])]
    hh, version = assess(household(members), date(2026, 1, 1), needs=[
        {"domain": "elderly", "need_type": "home_visit", "severity": "medium", "description": "探访",
         "person_ids": ["p1"]},
        {"domain": "other", "need_type": "other", "severity": "low", "description": "学业", "person_ids": ["p2"]}])
    payload = clock.jsonable(domain.needs_event_payload(hh, version, TODAY))
    NEEDS_ASSESSED.validate(payload)
    text = str(payload)
    assert "张三" not in text and "p1" not in text and "p2" not in text
    assert payload["needs"][0]["beneficiary_groups"] == ["elderly_living_alone"]
    assert [n["child_related"] for n in payload["needs"]] == [False, True]


# --- cases ---------------------------------------------------------------------------------------
def new_case(stage="intake", **extra):
    case = domain.new_case({"domain": "elderly", "source": "outreach", "summary": "探访", "opened_on": TODAY,
                            "assigned_staff_id": "stf_worker",
                            "person_id": "p1"}, household(), "cs1", WORKER, NOW, TODAY)
    return {**case, "_version": 1, "stage": stage, **extra}


def test_the_lifecycle_moves_only_along_its_transitions():
    case = new_case()
    for to in ("plan", "in_service", "review"):
        with pytest.raises(RuleViolation):
            domain.change_stage(case, to, None, WORKER, NOW, True)
    with pytest.raises(RuleViolation, match="closure request"):
        domain.change_stage(case, "closed", None, WORKER, NOW, True)
    with pytest.raises(Conflict):
        domain.change_stage(case, "intake", None, WORKER, NOW, True)
    changes = domain.change_stage(case, "assessment", "start", WORKER, NOW, True)
    assert changes["stage"] == "assessment"
    assert changes["transitions"][-1] == {"from": "intake", "to": "assessment", "by": "stf_worker",
                                          "role": "station_staff", "at": clock.timestamp(NOW), "note": "start"}


def test_entry_requirements_of_each_stage():
    case = new_case()
    with pytest.raises(RuleViolation, match="reassign"):
        domain.change_stage(case, "assessment", None, WORKER, NOW, worker_current=False)
    case = {**case, **domain.change_stage(case, "assessment", None, WORKER, NOW, True)}
    with pytest.raises(RuleViolation, match="case assessment"):
        domain.change_stage(case, "plan", None, WORKER, NOW, True)
    case = {**case, **domain.record_case_assessment(case, {"summary": "ok"}, household(), WORKER, NOW)}
    case = {**case, **domain.change_stage(case, "plan", None, WORKER, NOW, True)}
    with pytest.raises(RuleViolation, match="approved"):
        domain.change_stage(case, "in_service", None, WORKER, NOW, True)
    plan = {"goals": ["g"], "interventions": [{"activity_type": "counselling", "frequency": "weekly"}],
            "review_on": TODAY + timedelta(days=90)}
    case = {**case, **domain.submit_plan(case, plan, "pl1", WORKER, NOW, TODAY)}
    with pytest.raises(RuleViolation, match="approved"):
        domain.change_stage(case, "in_service", None, WORKER, NOW, True)
    case = {**case, **domain.decide_plan(case, "approved", None, LEAD, NOW)}
    later = NOW + timedelta(hours=1)
    case = {**case, **domain.change_stage(case, "in_service", None, WORKER, later, True)}
    assert case["follow_up_due_on"] == (TODAY + timedelta(days=90)).isoformat()
    with pytest.raises(RuleViolation, match="visit or service"):
        domain.change_stage(case, "review", None, WORKER, later, True)
    visit = {"visit_id": "v1", "visited_on": TODAY.isoformat(), "contact_at": clock.timestamp(later),
             "recorded_at": clock.timestamp(later + timedelta(minutes=1)), "next_visit_on": None}
    case = {**case, **domain.add_case_visit(case, visit, later)}
    case = {**case, **domain.change_stage(case, "review", None, WORKER, later, True)}
    with pytest.raises(ValidationFailed, match="review concluded"):
        domain.change_stage(case, "plan", None, WORKER, later, True)
    assert domain.change_stage(case, "in_service", "continue", WORKER, later, True)["stage"] == "in_service"


def test_plans_and_closures_need_someone_else_s_approval():
    case = new_case("plan", assessment={"summary": "x"})
    plan = {"goals": ["g"], "interventions": [], "review_on": TODAY + timedelta(days=30)}
    with pytest.raises(ValidationFailed, match="review date"):
        domain.submit_plan(case, {**plan, "review_on": TODAY}, "pl0", WORKER, NOW, TODAY)
    case = {**case, **domain.submit_plan(case, plan, "pl1", WORKER, NOW, TODAY)}
    with pytest.raises(RuleViolation, match="other than its author"):
        domain.decide_plan(case, "approved", None, WORKER, NOW)
    with pytest.raises(ValidationFailed, match="why"):
        domain.decide_plan(case, "rejected", None, LEAD, NOW)
    rejected = {**case, **domain.decide_plan(case, "rejected", "目标不具体", LEAD, NOW)}
    assert domain.approved_plan(rejected) is None and domain.pending_plan(rejected) is None
    case = {**rejected, **domain.submit_plan(rejected, plan, "pl2", WORKER, NOW, TODAY)}
    case = {**case, **domain.decide_plan(case, "approved", None, LEAD, NOW)}
    assert domain.approved_plan(case)["plan_id"] == "pl2"

    case = {**case, **domain.request_closure(case, {"reason": "goals_achieved", "outcome": "achieved"}, WORKER, NOW)}
    with pytest.raises(Conflict):
        domain.request_closure(case, {"reason": "other", "outcome": "not_applicable"}, WORKER, NOW)
    with pytest.raises(RuleViolation):
        domain.decide_closure(case, "approved", None, WORKER, NOW, TODAY)
    closed = {**case, **domain.decide_closure(case, "approved", None, LEAD, NOW, TODAY)}
    assert closed["stage"] == "closed" and closed["closure"]["approved_by"] == "stf_lead"
    assert closed["open_key"] == "cs1" and closed["queue_rank"] == 2
    assert closed["transitions"][-1]["to"] == "closed"
    reopened = {**closed, **domain.reopen(closed, "又出现困难", household(), WORKER, NOW, True, "stf_other")}
    assert reopened["stage"] == "assessment" and reopened["open_key"] == "hh1:p1:elderly"
    assert reopened["assigned_staff_id"] == "stf_other" and reopened["assignments"][-1]["staff_id"] == "stf_other"
    with pytest.raises(RuleViolation):
        domain.reopen(closed, "x", household(), WORKER, NOW, False, "stf_worker")


def test_follow_up_due_and_overdue():
    case = new_case("assessment")
    visit = {"visit_id": "v1", "visited_on": "2026-06-01", "contact_at": "2026-06-01T02:00:00.000000Z",
             "recorded_at": "2026-06-01T03:00:00.000000Z", "next_visit_on": "2026-06-29"}
    case = {**case, **domain.add_case_visit(case, visit, NOW)}
    assert case["follow_up_due_on"] == "2026-06-29"
    assert domain.case_overdue(case, NOW)
    newer = {**visit, "visit_id": "v2", "visited_on": "2026-06-29", "recorded_at": "2026-06-29T03:00:00.000000Z",
             "next_visit_on": "2026-07-29"}
    case = {**case, **domain.add_case_visit(case, newer, NOW)}
    assert case["follow_up_due_on"] == "2026-07-29" and not domain.case_overdue(case, NOW)


# --- crisis ---------------------------------------------------------------------------------------
def test_crisis_first_contact_within_24_hours_with_a_frozen_clock():
    with FrozenClock(datetime(2026, 6, 30, 8, 0, tzinfo=UTC)) as frozen:
        case = new_case()
        case = {**case, **domain.flag_crisis(case, "sealed", WORKER, clock.utcnow())}
        assert case["queue_rank"] == 0 and case["crisis_contact_due_at"] == "2026-07-01T08:00:00.000000Z"
        frozen.advance(hours=23, minutes=59, seconds=59)
        assert not domain.crisis_contact_overdue(case, clock.utcnow())
        frozen.advance(seconds=2)
        assert domain.crisis_contact_overdue(case, clock.utcnow())
        case = {**case, **domain.mark_contact_overdue(case, clock.utcnow())}
        assert case["crisis_state"] == "overdue" and case["crisis"]["overdue_at"] == "2026-07-01T08:00:01.000000Z"
        # reported once: the sweep will not find it again
        assert not domain.crisis_contact_overdue(case, clock.utcnow())
        with pytest.raises(Conflict):
            domain.mark_contact_overdue(case, clock.utcnow())
        frozen.advance(hours=2)
        visit = {"visit_id": "v1", "visited_on": "2026-07-01", "contact_at": clock.timestamp(clock.utcnow()),
                 "recorded_at": clock.timestamp(clock.utcnow()), "next_visit_on": None}
        case = {**case, **domain.add_case_visit(case, visit, clock.utcnow())}
        assert case["crisis_state"] == "contacted" and case["crisis"]["first_contact_late"] is True
        assert case["queue_rank"] == 0  # still an active crisis until resolved
        case = {**case, **domain.resolve_crisis(case, "已安置", WORKER, clock.utcnow())}
        assert case["queue_rank"] == 1 and domain.is_crisis_case(case)


def test_contact_in_time_is_not_late_and_the_flag_is_refused_twice():
    case = new_case()
    case = {**case, **domain.flag_crisis(case, None, WORKER, NOW)}
    with pytest.raises(Conflict):
        domain.flag_crisis(case, None, WORKER, NOW)
    with pytest.raises(RuleViolation, match="after the first contact"):
        domain.resolve_crisis(case, "x", WORKER, NOW)
    soon = NOW + timedelta(hours=3)
    visit = {"visit_id": "v1", "visited_on": "2026-06-30", "contact_at": clock.timestamp(soon),
             "recorded_at": clock.timestamp(soon), "next_visit_on": None}
    case = {**case, **domain.add_case_visit(case, visit, soon)}
    assert case["crisis"]["first_contact_late"] is False
    assert not domain.crisis_contact_overdue(case, NOW + timedelta(days=3))


def _contact(at: datetime, visited_on: str = "2026-07-01") -> dict:
    return {"visit_id": f"v{at.timestamp()}", "visited_on": visited_on, "contact_at": clock.timestamp(at),
            "recorded_at": clock.timestamp(at), "next_visit_on": None}


FLAGGED_AT = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)


def flagged_case():
    case = new_case()
    return {**case, **domain.flag_crisis(case, None, WORKER, FLAGGED_AT)}


def test_a_breach_recorded_by_the_sweep_stays_counted_after_the_late_contact_with_its_delay():
    case = flagged_case()
    swept_at = FLAGGED_AT + timedelta(hours=24, minutes=5)
    case = {**case, **domain.mark_contact_overdue(case, swept_at)}
    assert case["crisis_breach_count"] == 1
    assert case["crisis_breaches"][0]["recorded_at"] == clock.timestamp(swept_at)
    late = FLAGGED_AT + timedelta(hours=26, seconds=30)
    case = {**case, **domain.add_case_visit(case, _contact(late), late)}
    assert case["crisis_state"] == "contacted"
    assert case["crisis_breach_count"] == 1
    breach = case["crisis_breaches"][0]
    assert breach["first_contact_at"] == clock.timestamp(late) and breach["delay_minutes"] == 121
    assert breach["contact_in_time"] is False
    case = {**case, **domain.resolve_crisis(case, "已安置", WORKER, late)}
    assert case["crisis_breach_count"] == 1  # resolving does not erase the fact


def test_a_late_contact_before_the_sweep_records_the_breach_itself_once():
    case = flagged_case()
    late = FLAGGED_AT + timedelta(hours=24, seconds=1)
    changes = domain.add_case_visit(case, _contact(late), late)
    assert domain.is_new_breach(case, changes)
    case = {**case, **changes}
    assert case["crisis_breach_count"] == 1 and case["crisis_breaches"][0]["delay_minutes"] == 1
    assert not domain.crisis_contact_overdue(case, late + timedelta(hours=1))  # the sweep will not add another


def test_the_deadline_boundary_and_a_contact_made_in_time_but_logged_late():
    case = flagged_case()
    on_the_dot = FLAGGED_AT + timedelta(hours=24)
    in_time = {**case, **domain.add_case_visit(case, _contact(on_the_dot), on_the_dot)}
    assert in_time["crisis_breach_count"] == 0 and in_time["crisis_breaches"] == []
    swept = {**case, **domain.mark_contact_overdue(case, on_the_dot + timedelta(minutes=1))}
    made_earlier = FLAGGED_AT + timedelta(hours=20)
    logged = on_the_dot + timedelta(hours=3)
    cleared = {**swept, **domain.add_case_visit(swept, _contact(made_earlier, "2026-07-01"), logged)}
    assert cleared["crisis_breach_count"] == 0
    assert cleared["crisis_breaches"][0]["contact_in_time"] is True
    assert cleared["crisis_breaches"][0]["delay_minutes"] == 0


def test_every_episode_keeps_its_own_breach_and_closing_without_contact_records_one():
    case = flagged_case()
    case = {**case, **domain.mark_contact_overdue(case, FLAGGED_AT + timedelta(days=2))}
    later = FLAGGED_AT + timedelta(days=3)
    case = {**case, **domain.add_case_visit(case, _contact(later, "2026-07-03"), later)}
    case = {**case, **domain.resolve_crisis(case, "已安置", WORKER, later)}
    second = FLAGGED_AT + timedelta(days=10)
    case = {**case, **domain.flag_crisis(case, None, WORKER, second)}
    case = {**case, "closure_requests": [{"status": "pending", "requested_by": "stf_worker", "reason": "moved",
                                          "outcome": "referred", "note": None}]}
    closed = domain.decide_closure(case, "approved", None, LEAD, second + timedelta(days=2), date(2026, 7, 12))
    assert domain.is_new_breach(case, closed)
    assert [b["episode"] for b in closed["crisis_breaches"]] == [1, 2] and closed["crisis_breach_count"] == 2


def test_visits_cannot_be_in_the_future():
    data = {"visited_on": date(2026, 6, 30), "visited_at": None, "next_visit_on": None}
    domain.check_visit(data, NOW)
    with pytest.raises(ValidationFailed) as caught:
        domain.check_visit({**data, "visited_on": date(2026, 7, 1)}, NOW)
    assert "visited_on" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        domain.check_visit({**data, "visited_at": NOW + timedelta(hours=1)}, NOW)
    assert "visited_at" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        domain.check_visit({**data, "next_visit_on": date(2026, 6, 30)}, NOW)
    assert "next_visit_on" in caught.value.details


# --- consent and referrals ------------------------------------------------------------------------
FAMILY = [member("mum", birth="1987-01-01", relationship="head"),
          member("kid", birth="2015-01-01", relationship="daughter"),
          member("teen", birth="2010-01-01", relationship="son"),
          member("dad", birth="1985-01-01", relationship="spouse")]


def consent(person_id, **extra):
    data = {"person_id": person_id, "legal_basis": "consent", "purposes": ["casework", "referral_sharing"],
            "given_by": {"person_id": person_id}, "given_on": date(2026, 1, 1), **extra}
    return domain.new_consent(household(FAMILY), data, f"cn_{person_id}", {"by": "x"}, TODAY)


def test_consent_rules_for_adults_minors_and_legal_bases():
    assert consent("mum")["given_by"] == {"person_id": "mum"}
    with pytest.raises(ValidationFailed, match="guardian"):
        consent("kid")
    with pytest.raises(ValidationFailed) as caught:
        consent("kid", given_by={"person_id": "mum", "relationship_to_subject": "other"})
    assert "given_by.relationship_to_subject" in caught.value.details
    assert consent("kid", given_by={"person_id": "mum", "relationship_to_subject": "mother"})["person_id"] == "kid"
    with pytest.raises(ValidationFailed, match="minor cannot give consent"):
        consent("kid", given_by={"person_id": "teen", "relationship_to_subject": "brother"})
    assert consent("kid", given_by={"name": "外婆", "relationship_to_subject": "grandmother"})
    with pytest.raises(ValidationFailed, match="themself"):
        consent("mum", given_by={"person_id": "dad"})
    with pytest.raises(ValidationFailed) as caught:
        consent("mum", legal_basis="statutory_duty", given_by=None)
    assert "basis_note" in caught.value.details
    statutory = consent("mum", legal_basis="statutory_duty", given_by=None, basis_note="社会救助暂行办法第十一条")
    with pytest.raises(RuleViolation):
        domain.withdraw_consent(statutory, TODAY, "x", TODAY)


def test_withdrawn_consent_is_no_longer_in_force():
    given = consent("mum")
    assert domain.consent_in_force(given, "mum", "referral_sharing", TODAY)
    assert not domain.consent_in_force(given, "mum", "volunteer_matching", TODAY)
    assert not domain.consent_in_force(given, "kid", "referral_sharing", TODAY)
    withdrawn = domain.withdraw_consent(given, date(2026, 5, 1), "不再同意", TODAY)
    assert domain.consent_in_force(withdrawn, "mum", "referral_sharing", date(2026, 4, 30))
    assert not domain.consent_in_force(withdrawn, "mum", "referral_sharing", date(2026, 5, 1))
    with pytest.raises(Conflict):
        domain.withdraw_consent(withdrawn, TODAY, "again", TODAY)


def test_sharing_personal_data_in_a_referral_needs_consent_or_a_legal_basis():
    hh = household(FAMILY, consents=[consent("mum"), consent("kid", given_by={"person_id": "mum",
                                                                               "relationship_to_subject": "mother"})])
    case = {**new_case(), "person_id": "mum"}
    no_data = {"shares_personal_data": False, "sharing_basis": None}
    assert domain.check_sharing_basis(no_data, case, hh, TODAY) is None
    with pytest.raises(ValidationFailed) as caught:
        domain.check_sharing_basis({"shares_personal_data": True, "sharing_basis": None}, case, hh, TODAY)
    assert "sharing_basis" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:  # the child's consent does not cover the mother
        domain.check_sharing_basis({"shares_personal_data": True,
                                    "sharing_basis": {"kind": "consent", "consent_id": "cn_kid"}}, case, hh, TODAY)
    assert "sharing_basis.consent_id" in caught.value.details
    assert domain.check_sharing_basis({"shares_personal_data": True,
                                       "sharing_basis": {"kind": "consent", "consent_id": "cn_mum"}}, case, hh, TODAY) \
        == {"kind": "consent", "consent_id": "cn_mum", "legal_basis": "consent"}
    with pytest.raises(ValidationFailed) as caught:
        domain.check_sharing_basis({"shares_personal_data": True, "sharing_basis": {
            "kind": "legal_basis", "legal_basis": "vital_interest", "reason": ""}}, case, hh, TODAY)
    assert "sharing_basis.reason" in caught.value.details
    withdrawn_hh = {**hh, "consents": [domain.withdraw_consent(consent("mum"), TODAY, "x", TODAY)]}
    with pytest.raises(ValidationFailed):
        domain.check_sharing_basis({"shares_personal_data": True,
                                    "sharing_basis": {"kind": "consent",
                                                      "consent_id": "cn_mum"}}, case, withdrawn_hh, TODAY)


def test_referral_answers_follow_their_order():
    referral = {"referral_id": "rf1", "status": "sent", "made_on": "2026-06-01", "history": []}
    answer = {"status": "completed", "answered_on": TODAY, "note": None}
    with pytest.raises(RuleViolation):
        domain.answer_referral(referral, answer, WORKER, NOW, TODAY)
    with pytest.raises(ValidationFailed, match="why"):
        domain.answer_referral(referral, {**answer, "status": "declined"}, WORKER, NOW, TODAY)
    with pytest.raises(ValidationFailed):
        domain.answer_referral(referral, {**answer, "status": "accepted", "answered_on": date(2026, 5, 31)},
                               WORKER, NOW, TODAY)
    accepted = domain.answer_referral(referral, {**answer, "status": "accepted"}, WORKER, NOW, TODAY)
    done = domain.answer_referral(accepted, answer, WORKER, NOW, TODAY)
    assert done["status"] == "completed" and [h["status"] for h in done["history"]] == ["accepted", "completed"]


# --- deliveries and campaigns ---------------------------------------------------------------------
def test_a_delivery_goes_to_the_open_case_of_its_domain_and_person():
    hh = household([member("p1"), member("p2", relationship="spouse")],
                   archive=[{"needs": [{"need_id": "nd1", "person_ids": ["p2"]}]}])
    cases = [{"_id": "c_house", "stage": "in_service", "domain": "elderly", "person_id": None, "opened_at": "1"},
             {"_id": "c_p1", "stage": "in_service", "domain": "elderly", "person_id": "p1", "opened_at": "0"},
             {"_id": "c_p2", "stage": "plan", "domain": "elderly", "person_id": "p2", "opened_at": "2"},
             {"_id": "c_closed", "stage": "closed", "domain": "children", "person_id": None, "opened_at": "0"}]
    assert domain.case_for_delivery(cases, {"domain": "elderly", "need_id": "nd1"}, hh)["_id"] == "c_p2"
    assert domain.case_for_delivery(cases, {"domain": "elderly", "need_id": "other"}, hh)["_id"] == "c_house"
    assert domain.case_for_delivery(cases, {"domain": "children", "need_id": "nd1"}, hh) is None


def test_campaign_targets_by_tag_and_age():
    criteria = {"tags_any": ["extreme_poverty"], "age_min": 60, "age_max": None}
    hh = household([member("old", birth="1950-01-01", tags=["extreme_poverty"]),
                    member("young", birth="1990-01-01", tags=["extreme_poverty"], relationship="son"),
                    member("other", birth="1940-01-01", tags=["minimum_living_guarantee"], relationship="father")])
    assert [m["person_id"] for m in domain.targeted_members(hh, criteria, TODAY)] == ["old"]


def test_duplicate_flags_resolve_for_either_side():
    flags = [domain.duplicate_flag("df1", "p_new",
                                   [{"household_id": "h0", "person_id": "p_old", "reason": "x"}], TODAY),
             domain.duplicate_flag("df2", "p_third",
                                   [{"household_id": "h0", "person_id": "p_z", "reason": "x"}], TODAY)]
    resolved = domain.resolve_flags(flags, {"p_old"}, "merged", {"by": "x"})
    assert [f["status"] for f in resolved] == ["merged", "open"] and domain.open_flag_count(resolved) == 1


# --- casework's copy of the registry's stations ---------------------------------------------------
REGISTERED = {"station_id": "ST321181001", "name": "丹阳市云阳街道社工站", "township_code": "321181001",
              "county_code": "321181", "city_code": "321100", "status": "operating"}


def test_station_updated_carries_the_status_and_a_closed_station_refuses_households():
    copy = domain.station_registered(None, REGISTERED, "2026-07-01T00:00:00Z")
    domain.require_station_open(copy)
    closed = domain.station_updated(copy, {"station_id": "ST321181001", "region_code": "321181001",
                                           "status": "closed", "changed": ["status"]}, "2026-07-02T00:00:00Z")
    assert closed["status"] == "closed" and closed["name"] == REGISTERED["name"]
    with pytest.raises(RuleViolation) as refused:
        domain.require_station_open(closed)
    assert "station_id" in refused.value.details
    for still_open in ("planned", "suspended", "operating"):
        domain.require_station_open({**closed, "status": still_open})


def test_station_events_out_of_order_keep_the_newest_status():
    update = {"station_id": "ST321181001", "region_code": "321181001", "status": "closed", "changed": ["status"]}
    closed_first = domain.station_updated(None, update, "2026-07-02T00:00:00.000001Z")
    late_registration = domain.station_registered(closed_first, REGISTERED, "2026-07-01T00:00:00Z")
    assert late_registration["status"] == "closed" and late_registration["name"] == REGISTERED["name"]
    older_update = domain.station_updated(late_registration, {**update, "status": "operating"}, "2026-07-02T00:00:00Z")
    assert older_update["status"] == "closed"
    reopened = domain.station_updated(late_registration, {**update, "status": "operating"}, "2026-07-03T00:00:00Z")
    assert reopened["status"] == "operating"


# --- consent purposes enforced where the data is used ----------------------------------------------
def archive_need(need_id, person_ids=()):
    return {"need_id": need_id, "domain": "children", "need_type": "study_support", "severity": "medium",
            "description": "课业辅导", "person_ids": list(person_ids), "needed_by": None}


def test_a_needs_archive_needs_an_archive_basis_for_the_head_and_every_person_named():
    kid_need = [archive_need("n1", ["kid"])]
    with pytest.raises(RuleViolation) as refused:
        domain.require_archive_basis(household(FAMILY), kid_need, TODAY)
    assert refused.value.details["consents"] == ["mum: no archive consent or legal basis in force",
                                                 "kid: no archive consent or legal basis in force"]
    head_only = household(FAMILY, consents=[consent("mum", purposes=["archive"])])
    domain.require_archive_basis(head_only, [archive_need("n2")], TODAY)  # a household need: the head's basis
    with pytest.raises(RuleViolation, match="archive"):
        domain.require_archive_basis(head_only, kid_need, TODAY)
    duty = consent("kid", legal_basis="statutory_duty", given_by=None, basis_note="《未成年人保护法》第九十二条",
                   purposes=["archive"])
    domain.require_archive_basis(household(FAMILY, consents=[consent("mum", purposes=["archive"]), duty]),
                                 kid_need, TODAY)
    casework_only = household(FAMILY, consents=[consent("mum")])  # casework and referral_sharing: not archive
    with pytest.raises(RuleViolation):
        domain.require_archive_basis(casework_only, [archive_need("n2")], TODAY)


def test_a_withdrawn_archive_consent_no_longer_allows_archiving():
    withdrawn = domain.withdraw_consent(consent("mum", purposes=["archive"]), date(2026, 3, 1), "不再同意", TODAY)
    with pytest.raises(RuleViolation):
        domain.require_archive_basis(household(FAMILY, consents=[withdrawn]), [archive_need("n1")], TODAY)
    domain.require_archive_basis(household(FAMILY, consents=[withdrawn]), [archive_need("n1")], date(2026, 2, 28))


def test_needs_without_a_volunteer_matching_basis_are_left_out_of_the_matching_event():
    consents = [consent("mum", purposes=["archive", "volunteer_matching"]),
                consent("dad", purposes=["archive"])]
    hh = household(FAMILY, consents=consents)
    needs = [archive_need("household"), archive_need("for_mum", ["mum"]), archive_need("for_dad", ["dad"]),
             archive_need("for_both", ["mum", "dad"])]
    assert domain.withheld_from_matching(hh, needs, TODAY) == ["for_dad", "for_both"]
    version = {"assessment_id": "as1", "assessed_on": "2026-06-01", "risk_level": "medium", "supersedes": None,
               "needs": needs, "withheld_from_matching": ["for_dad", "for_both"]}
    payload = domain.needs_event_payload(hh, version, TODAY)
    assert [n["need_id"] for n in payload["needs"]] == ["household", "for_mum"]
    assert payload["household_id"] == "hh1"  # the assessment itself is still reported (funding counts it)


def test_withdrawing_volunteer_matching_names_the_sent_needs_of_that_person_only():
    matching = consent("dad", purposes=["archive", "volunteer_matching"])
    mum = consent("mum", purposes=["archive", "volunteer_matching"])
    needs = [archive_need("household"), archive_need("for_dad", ["dad"]), archive_need("for_mum", ["mum"]),
             archive_need("kept_back", ["dad"])]
    version = {"assessment_id": "as1", "needs": needs, "withheld_from_matching": ["kept_back"]}
    after = household(FAMILY, archive=[version],
                      consents=[mum, domain.withdraw_consent(matching, TODAY, "不想被打扰", TODAY)])
    assert domain.matching_needs_to_drop(after, "dad", TODAY) == ["for_dad"]
    assert domain.matching_needs_to_drop(after, "mum", TODAY) == []  # still covered
    duty = consent("dad", legal_basis="statutory_duty", given_by=None, basis_note="法定职责",
                   purposes=["volunteer_matching"])
    still_covered = {**after, "consents": [*after["consents"], duty]}
    assert domain.matching_needs_to_drop(still_covered, "dad", TODAY) == []


def test_a_consent_withdrawn_v1_event_reads_as_v2_with_nothing_to_drop():
    from services.common.events import new_event, read_event
    from services.contracts.casework import CONSENT_WITHDRAWN
    v1 = {"consent_id": "cn1", "household_id": "hh1", "person_id": "p1", "purposes": ["volunteer_matching"],
          "withdrawn_on": "2026-06-01"}
    envelope = {**new_event(CONSENT_WITHDRAWN, {**v1, "matching_need_ids": []}, correlation_id="c").to_dict(),
                "version": 1, "payload": v1}
    assert read_event(envelope, CONSENT_WITHDRAWN).payload["matching_need_ids"] == []
