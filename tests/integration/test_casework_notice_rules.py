"""The notice's casework rules through the service over real RPC and events: crisis breaches kept as
facts, registration refused at a closed station, and consent purposes enforced where data is used."""
from __future__ import annotations

import functools

import pytest

from services.casework.storage import CaseworkRepository
from services.casework.usecases import Casework
from services.casework.usecases import crisis as crisis_cases
from services.common import clock, storage
from services.common.auth import SYSTEM
from services.common.clock import FrozenClock
from services.common.errors import RuleViolation
from services.common.events import new_event
from services.contracts.registry import STATION_UPDATED
from tests.support.casework_fixtures import (
    ADMIN,
    COUNTY_VIEWER,
    LEAD_VIEWER,
    STATION,
    WORKER,
    WORKER_VIEWER,
    casework_platform,
    elderly_household,
    family_household,
    need,
    publish,
    received,
    record_basis,
    visit,
    wait_for,
)


@pytest.fixture
def platform(isolated_settings):
    with casework_platform(isolated_settings) as client:
        yield client.casework


def today():
    return clock.local_date(clock.utcnow())


def open_crisis(platform, sequence):
    family = platform.register_household(WORKER_VIEWER, family_household(sequence))
    return platform.open_case(WORKER_VIEWER, {
        "household_id": family["id"], "person_id": family["members"][1]["person_id"], "domain": "marriage_family",
        "source": "hotline", "summary": "遭受家庭暴力求助", "assigned_staff_id": WORKER,
        "crisis": {"notes": "暂住娘家"}})


def test_a_crisis_breach_stays_counted_after_the_late_contact_with_its_delay(platform):
    sweep = functools.partial(crisis_cases.sweep_crisis_contacts,
                              Casework(CaseworkRepository(storage.database("casework"))))
    with FrozenClock(clock.utcnow()) as frozen:
        swept = open_crisis(platform, 40)
        second = open_crisis(platform, 50)
        frozen.advance(hours=24, minutes=1)
        assert sorted(sweep(SYSTEM)) == sorted([swept["id"], second["id"]])
        summary = platform.case_summary(COUNTY_VIEWER, {"region": "321181"})
        assert summary["crisis_breaches"] == 2 and summary["crisis_contact_overdue"] == 2

        frozen.advance(hours=2)
        for case in (swept, second):
            current = platform.get_cases(WORKER_VIEWER, [case["id"]])[0]
            platform.log_case_visit(WORKER_VIEWER, case["id"], visit(current["version"], today().isoformat(),
                                                                     visit_type="phone_call"))
        summary = platform.case_summary(COUNTY_VIEWER, {"region": "321181"})
        assert summary["crisis_contact_overdue"] == 0  # nobody is waiting any more ...
        assert summary["crisis_breaches"] == 2  # ... but the two missed deadlines stay facts
        assert summary["stations"][0]["crisis_breaches"] == 2
        breach = platform.get_cases(LEAD_VIEWER, [swept["id"]])[0]["crisis_breaches"]
        assert len(breach) == 1 and breach[0]["delay_minutes"] == 121 and breach[0]["first_contact_at"]
        assert breach[0]["contact_in_time"] is False
    overdue_events = wait_for(lambda: (found := received("crisis.contact_overdue")) and len(found) == 2 and found)
    assert sorted(e["case_id"] for e in overdue_events) == sorted([swept["id"], second["id"]])


def test_a_late_contact_before_any_sweep_records_the_breach_and_its_event_once(platform):
    with FrozenClock(clock.utcnow()) as frozen:
        case = open_crisis(platform, 60)
        frozen.advance(hours=25)
        platform.log_case_visit(WORKER_VIEWER, case["id"], visit(1, today().isoformat(), visit_type="phone_call"))
        seen = platform.get_cases(WORKER_VIEWER, [case["id"]])[0]
        assert seen["crisis"]["state"] == "contacted"
        assert [b["delay_minutes"] for b in seen["crisis_breaches"]] == [60]
        assert platform.case_summary(COUNTY_VIEWER, {"region": "321181"})["crisis_breaches"] == 1
    events = wait_for(lambda: received("crisis.contact_overdue"))
    assert [e["case_id"] for e in events] == [case["id"]]


def station_status_event(status: str) -> dict:
    return new_event(STATION_UPDATED, {"station_id": STATION, "region_code": STATION[2:], "changed": ["status"],
                                       "status": status, "operator_credit_code": None},
                     correlation_id="test", actor=ADMIN).to_dict()


def test_a_station_closed_in_the_registry_takes_no_new_households(platform, isolated_settings):
    kept = platform.register_household(WORKER_VIEWER, elderly_household(70))
    publish(isolated_settings, station_status_event("closed"))
    copy = storage.database("casework").stations
    wait_for(lambda: copy.find_one({"_id": STATION})["status"] == "closed")
    with pytest.raises(RuleViolation) as refused:
        platform.register_household(WORKER_VIEWER, elderly_household(71))
    assert "station_id" in refused.value.details
    imported = platform.import_households(WORKER_VIEWER, [elderly_household(72)])
    assert imported["accepted"] == 0 and imported["refused"][0]["field"] == "station_id"
    assert platform.get_households(WORKER_VIEWER, [kept["id"]])[0]["id"] == kept["id"]  # existing records stay

    publish(isolated_settings, station_status_event("operating"))
    wait_for(lambda: copy.find_one({"_id": STATION})["status"] == "operating")
    assert platform.register_household(WORKER_VIEWER, elderly_household(73))["station_id"] == STATION


def test_consent_purposes_are_enforced_where_the_archive_is_kept_and_sent_to_matching(platform):
    household = platform.register_household(WORKER_VIEWER, elderly_household(80))
    head = household["members"][0]["person_id"]
    assessment = {"assessed_on": today().isoformat(), "assessor_staff_id": WORKER,
                  "needs": [need(person_ids=[head])]}
    with pytest.raises(RuleViolation) as refused:
        platform.assess_needs(WORKER_VIEWER, household["id"], {"expected_version": household["version"], **assessment})
    assert refused.value.details["consents"] == [f"{head}: no archive consent or legal basis in force"]
    assert platform.archive_history(WORKER_VIEWER, [household["id"]])[household["id"]] == []

    household = record_basis(platform, WORKER_VIEWER, household, purposes=("archive",))
    archived = platform.assess_needs(WORKER_VIEWER, household["id"], {"expected_version": household["version"],
                                                                      **assessment})
    withheld = archived["needs"][0]["need_id"]
    assert archived["withheld_from_matching"] == [withheld]
    event = wait_for(lambda: next((e for e in received("needs.assessed")
                                   if e["assessment_id"] == archived["assessment_id"]), None))
    assert event["needs"] == []  # kept in the archive, not sent to volunteer matching

    household = platform.get_households(WORKER_VIEWER, [household["id"]])[0]
    household = record_basis(platform, WORKER_VIEWER, household, purposes=("volunteer_matching",))
    matched = platform.assess_needs(WORKER_VIEWER, household["id"], {
        "expected_version": household["version"], **assessment,
        "needs": [need(need_id=withheld, person_ids=[head])]})
    assert matched["withheld_from_matching"] == []
    event = wait_for(lambda: next((e for e in received("needs.assessed")
                                   if e["assessment_id"] == matched["assessment_id"]), None))
    assert [n["need_id"] for n in event["needs"]] == [withheld]


def test_withdrawing_volunteer_matching_consent_takes_the_person_s_needs_out_of_matching(isolated_settings):
    from services.casework.service import CaseworkService
    from services.volunteers.service import VolunteersService
    from tests.support.casework_fixtures import CaseworkListener, registry_events
    from tests.support.containers import rpc_client, running

    with running(CaseworkService, VolunteersService, CaseworkListener, settings=isolated_settings), \
            rpc_client(isolated_settings) as client:
        publish(isolated_settings, *registry_events())
        wait_for(lambda: storage.database("casework").station_staff.count_documents({}) == 5)
        casework, volunteers = client.casework, client.volunteers
        household = casework.register_household(WORKER_VIEWER, elderly_household(90))
        head = household["members"][0]["person_id"]
        consent = casework.record_consent(WORKER_VIEWER, household["id"], {
            "expected_version": household["version"], "person_id": head, "legal_basis": "consent",
            "purposes": ["archive", "volunteer_matching"], "given_by": {"person_id": head},
            "given_on": today().isoformat()})
        household = casework.get_households(WORKER_VIEWER, [household["id"]])[0]
        archived = casework.assess_needs(WORKER_VIEWER, household["id"], {
            "expected_version": household["version"], "assessed_on": today().isoformat(),
            "assessor_staff_id": WORKER, "needs": [need(person_ids=[head])]})
        need_id = archived["needs"][0]["need_id"]
        wait_for(lambda: volunteers.get_needs(WORKER_VIEWER, [need_id])[0])
        assert volunteers.get_needs(WORKER_VIEWER, [need_id])[0]["status"] != "withdrawn"

        household = casework.get_households(WORKER_VIEWER, [household["id"]])[0]
        casework.withdraw_consent(WORKER_VIEWER, household["id"], {
            "expected_version": household["version"], "consent_id": consent["consent_id"],
            "withdrawn_on": today().isoformat(),
            "reason": "不再希望志愿者上门"})
        withdrawn = wait_for(lambda: received("consent.withdrawn"))[0]
        assert withdrawn["matching_need_ids"] == [need_id]
        assert wait_for(lambda: volunteers.get_needs(WORKER_VIEWER, [need_id])[0]["status"] == "withdrawn")
