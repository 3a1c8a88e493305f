"""Event flows with the real broker: the registry's staff copy, volunteers' deliveries, the 24-hour
crisis rule and its breach event, and duplicates that have no second effect."""
from __future__ import annotations

import functools
from datetime import timedelta

import pytest

from services.casework.storage import CaseworkRepository
from services.casework.usecases import Casework
from services.casework.usecases import crisis as crisis_cases
from services.common import clock, storage
from services.common.auth import SYSTEM
from services.common.clock import FrozenClock
from services.common.deadletters import list_dead_letters
from services.common.errors import PermissionDenied, RuleViolation, ValidationFailed
from services.common.events import new_event
from services.contracts.registry import STAFF_JOINED
from tests.support.casework_fixtures import (
    ADMIN,
    COLLEAGUE_VIEWER,
    COUNTY_VIEWER,
    LEAD_VIEWER,
    LEAVER,
    SUPERVISOR_VIEWER,
    WORKER,
    WORKER_VIEWER,
    casework_platform,
    elderly_household,
    family_household,
    need,
    publish,
    received,
    record_basis,
    service_delivered_event,
    staff_joined,
    staff_left_event,
    visit,
    wait_for,
)


@pytest.fixture
def platform(isolated_settings):
    with casework_platform(isolated_settings) as client:
        yield client.casework


def staff_copy(staff_id):
    return storage.database("casework").station_staff.find_one({"_id": staff_id})


def today():
    return clock.local_date(clock.utcnow())


def test_the_staff_copy_follows_the_registry_s_events_once(platform, isolated_settings):
    household = platform.register_household(WORKER_VIEWER, elderly_household(1))
    case = platform.open_case(WORKER_VIEWER, {"household_id": household["id"], "domain": "elderly",
                                              "source": "outreach", "summary": "入户探访需求",
                                              "assigned_staff_id": LEAVER})
    left = staff_left_event(LEAVER, (today() - timedelta(days=1)).isoformat())
    publish(isolated_settings, left, left)
    wait_for(lambda: (staff_copy(LEAVER) or {}).get("employment_end"))
    other = platform.register_household(WORKER_VIEWER, elderly_household(2))
    with pytest.raises(ValidationFailed) as caught:
        platform.open_case(WORKER_VIEWER, {"household_id": other["id"], "domain": "elderly", "source": "outreach",
                                           "summary": "入户探访需求", "assigned_staff_id": LEAVER})
    assert "assigned_staff_id" in caught.value.details
    case = platform.get_cases(WORKER_VIEWER, [case["id"]])[0]
    assert case["assigned_worker_current"] is False
    with pytest.raises(RuleViolation, match="reassign"):
        platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "assessment"})
    case = platform.reassign_case(LEAD_VIEWER, case["id"], {"expected_version": case["version"], "staff_id": WORKER,
                                                            "reason": "原社工离职"})
    case = platform.change_stage(WORKER_VIEWER, case["id"], {"expected_version": case["version"], "to": "assessment"})
    assert case["stage"] == "assessment" and case["assignments"][-1]["staff_id"] == WORKER
    processed = storage.database("casework").processed_events
    wait_for(lambda: processed.count_documents({"consumer": "casework.on_staff_left", "state": "done"}) == 1)

    # Out of order (the queues are independent): leaving seen before joining still ends up not current.
    late_left = staff_left_event("stf_late", (today() - timedelta(days=3)).isoformat())
    joined = new_event(STAFF_JOINED, staff_joined("stf_late"), correlation_id="t", actor=ADMIN).to_dict()
    publish(isolated_settings, late_left)
    wait_for(lambda: staff_copy("stf_late"))
    publish(isolated_settings, joined)
    wait_for(lambda: (staff_copy("stf_late") or {}).get("role"))
    assert staff_copy("stf_late")["employment_end"] == (today() - timedelta(days=3)).isoformat()
    caseloads = platform.caseloads_for_stations(LEAD_VIEWER, [household["station_id"]])[household["station_id"]]
    by_id = {row["staff_id"]: row for row in caseloads}
    assert by_id["stf_late"]["current"] is False and by_id[WORKER]["open_cases"] == 1


def test_volunteer_deliveries_land_on_the_open_case_of_their_domain_once(platform, isolated_settings):
    household = record_basis(platform, WORKER_VIEWER, platform.register_household(WORKER_VIEWER, elderly_household(3)))
    head = household["members"][0]["person_id"]
    archive = platform.assess_needs(WORKER_VIEWER, household["id"], {
        "expected_version": household["version"], "assessed_on": today().isoformat(), "assessor_staff_id": WORKER,
        "needs": [need(person_ids=[head]), need("children", "study_support", "low", "孙辈课业辅导")]})
    elderly_need, other_need = (n["need_id"] for n in archive["needs"])
    case = platform.open_case(WORKER_VIEWER, {"household_id": household["id"], "person_id": head, "domain": "elderly",
                                              "source": "needs_assessment", "summary": "独居老人探访",
                                              "assigned_staff_id": WORKER})
    delivered = service_delivered_event(household["id"], elderly_need)
    publish(isolated_settings, delivered, delivered)
    services = wait_for(lambda: platform.services_for_cases(WORKER_VIEWER, [case["id"]])[case["id"]])
    assert len(services) == 1
    assert services[0]["source"] == "volunteers" and services[0]["hours"] == 2.5 and services[0]["notes"] == "陪同就医"
    assert services[0]["delivered_by"]["name"] == "志愿者甲"

    # No open case in that domain: the household's own service record.
    publish(isolated_settings, service_delivered_event(household["id"], other_need, "children", "task-2"))
    wait_for(lambda: platform.get_households(WORKER_VIEWER, [household["id"]])[0]["service_count"] == 1)
    assert len(platform.services_for_cases(WORKER_VIEWER, [case["id"]])[case["id"]]) == 1

    unknown = service_delivered_event("hh_nobody", "nd_x", task_id="task-3")
    publish(isolated_settings, unknown)
    letter = wait_for(lambda: next((d for d in list_dead_letters(isolated_settings.amqp_uri)
                                    if d["event_id"] == unknown["id"]), None))
    assert letter["reason"] == "handler-failed" and "hh_nobody" in letter["error"]


def test_crisis_jumps_the_queue_hides_identity_and_a_missed_24_hours_is_reported_once(platform):
    sweep = functools.partial(crisis_cases.sweep_crisis_contacts,
                              Casework(CaseworkRepository(storage.database("casework"))))
    with FrozenClock(clock.utcnow()) as frozen:
        elderly = platform.register_household(WORKER_VIEWER, elderly_household(4))
        routine = platform.open_case(WORKER_VIEWER, {"household_id": elderly["id"], "domain": "elderly",
                                                     "source": "outreach", "summary": "入户探访需求",
                                                     "assigned_staff_id": WORKER})
        frozen.advance(minutes=5)
        family = platform.register_household(WORKER_VIEWER, family_household(30))
        victim = family["members"][1]
        crisis = platform.open_case(WORKER_VIEWER, {
            "household_id": family["id"], "person_id": victim["person_id"], "domain": "marriage_family",
            "source": "hotline", "summary": "遭受家庭暴力求助", "assigned_staff_id": WORKER,
            "crisis": {"notes": "丈夫酒后殴打，已报警，暂住娘家"}})
        queue = platform.list_cases(LEAD_VIEWER, {"stage": "open"})["items"]
        assert [c["id"] for c in queue] == [crisis["id"], routine["id"]]
        assert queue[0]["crisis"]["state"] == "awaiting_contact" and queue[0]["crisis"]["notes_protected"]

        # Outside the case team the person cannot be identified; the team sees who it is.
        for outsider in (COLLEAGUE_VIEWER, COUNTY_VIEWER):
            seen = platform.get_cases(outsider, [crisis["id"]])[0]
            assert seen["identity_protected"] and seen["person_id"] is None and seen["household_id"] is None
            member = platform.get_households(outsider, [family["id"]])[0]["members"][1]
            assert member["identity_protected"] and member["id_number"] is None and member["name"] != victim["name"]
        with pytest.raises(PermissionDenied):
            platform.reveal_person(COLLEAGUE_VIEWER, family["id"], victim["person_id"], "想了解情况")
        with pytest.raises(PermissionDenied):
            platform.log_case_visit(COLLEAGUE_VIEWER, crisis["id"], visit(1, today().isoformat()))
        for member_of_team in (WORKER_VIEWER, LEAD_VIEWER, SUPERVISOR_VIEWER):
            assert platform.get_cases(member_of_team, [crisis["id"]])[0]["person_id"] == victim["person_id"]

        frozen.advance(hours=23, minutes=59)
        assert sweep(SYSTEM) == []
        frozen.advance(minutes=2)
        assert platform.list_cases(LEAD_VIEWER, {"overdue": True})["total"] == 1
        assert sweep(SYSTEM) == [crisis["id"]]
        assert sweep(SYSTEM) == []
        breach = wait_for(lambda: received("crisis.contact_overdue"))
        assert len(breach) == 1 and breach[0]["case_id"] == crisis["id"] and breach[0]["assigned_staff_id"] == WORKER
        summary = platform.case_summary(COUNTY_VIEWER, {"region": "321181"})
        assert summary["crisis_active"] == 1 and summary["crisis_contact_overdue"] == 1

        frozen.advance(hours=1)
        current = platform.get_cases(WORKER_VIEWER, [crisis["id"]])[0]
        platform.log_case_visit(WORKER_VIEWER, crisis["id"], visit(current["version"], today().isoformat(),
                                                                   visit_type="phone_call", notes="确认安全，约定面谈"))
        contacted = platform.get_cases(WORKER_VIEWER, [crisis["id"]])[0]
        assert contacted["crisis"]["state"] == "contacted" and contacted["crisis"]["first_contact_late"] is True
        assert platform.visits_for_cases(WORKER_VIEWER, [crisis["id"]])[crisis["id"]][0]["notes"] is None
        with pytest.raises(PermissionDenied):
            platform.reveal_case_notes(COLLEAGUE_VIEWER, crisis["id"], "想了解情况")
        notes = platform.reveal_case_notes(SUPERVISOR_VIEWER, crisis["id"], "督导个案")
        assert notes["crisis_notes"][0]["notes"] == "丈夫酒后殴打，已报警，暂住娘家"
        assert notes["visits"][0]["notes"] == "确认安全，约定面谈"
        assert platform.access_log(SUPERVISOR_VIEWER, {"subject_id": crisis["id"]})["items"][0]["reason"] == "督导个案"
    flagged = wait_for(lambda: received("crisis.flagged"))
    assert flagged[0]["case_id"] == crisis["id"] and "person_id" not in flagged[0]
    stored = storage.database("casework").cases.find_one({"_id": crisis["id"]})
    assert "丈夫酒后殴打" not in str(stored) and "确认安全" not in str(stored)


def test_consent_withdrawal_is_published_and_stops_sharing(platform):
    family = platform.register_household(WORKER_VIEWER, family_household(40))
    mother = family["members"][1]
    consent = platform.record_consent(WORKER_VIEWER, family["id"], {
        "expected_version": family["version"], "person_id": mother["person_id"], "legal_basis": "consent",
        "purposes": ["casework", "referral_sharing"], "given_by": {"person_id": mother["person_id"]},
        "given_on": today().isoformat()})
    case = platform.open_case(WORKER_VIEWER, {"household_id": family["id"], "person_id": mother["person_id"],
                                              "domain": "marriage_family", "source": "self_referral",
                                              "summary": "婚姻家庭辅导", "assigned_staff_id": WORKER})
    referral = {"target": {"kind": "organisation", "name": "市妇联婚姻家庭服务中心"}, "service_requested": "心理咨询",
                "made_on": today().isoformat(), "shares_personal_data": True,
                "sharing_basis": {"kind": "consent", "consent_id": consent["consent_id"]}}
    made = platform.make_referral(WORKER_VIEWER, case["id"], {"expected_version": case["version"], **referral})
    assert made["status"] == "sent" and made["sharing_basis"]["consent_id"] == consent["consent_id"]
    answered = platform.answer_referral(WORKER_VIEWER, case["id"], {
        "expected_version": case["version"] + 1, "referral_id": made["id"], "status": "accepted",
        "answered_on": today().isoformat()})
    assert answered["status"] == "accepted"
    household = platform.get_households(WORKER_VIEWER, [family["id"]])[0]
    platform.withdraw_consent(WORKER_VIEWER, family["id"], {"expected_version": household["version"],
                                                            "consent_id": consent["consent_id"],
                                                            "withdrawn_on": today().isoformat(), "reason": "本人撤回"})
    with pytest.raises(ValidationFailed) as caught:
        platform.make_referral(WORKER_VIEWER, case["id"], {"expected_version": case["version"] + 2, **referral})
    assert "sharing_basis.consent_id" in caught.value.details
    withdrawn = wait_for(lambda: received("consent.withdrawn"))[0]
    assert withdrawn["person_id"] == mother["person_id"] and withdrawn["purposes"] == ["casework", "referral_sharing"]
    assert wait_for(lambda: received("referral.answered"))[0]["status"] == "accepted"
    assert wait_for(lambda: received("referral.made"))[0]["sharing_basis"] == "consent"
