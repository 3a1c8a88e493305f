"""The volunteers service over real RPC and the real broker, with casework's events published to it
and its own events consumed by a listener standing in for casework and funding."""
from __future__ import annotations

import time
from datetime import timedelta

import eventlet
import pytest
from nameko.rpc import rpc

from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.consumers import Inbox, event_handler
from services.common.errors import (
    ConcurrentModification,
    Conflict,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationFailed,
)
from services.common.outbox import EventPublisher
from services.contracts import volunteers as events
from services.volunteers.service import VolunteersService
from tests.support.containers import rpc_client, running
from tests.support.volunteers_fixtures import (
    COMMUNITY,
    OTHER_COUNTY_TOWNSHIP,
    STATION,
    assessment_payload,
    need,
    needs_assessed_event,
    resource_input,
    volunteer_input,
)

ADMIN = SYSTEM.to_dict()
STAFF = Viewer("worker-1", "station_staff", None, (STATION,)).to_dict()
COUNTY = Viewer("county-official", "county", "321181").to_dict()
OTHER_COUNTY = Viewer("other-official", "county", "321102").to_dict()
EVALUATOR = Viewer("evaluator", "evaluator", "321100").to_dict()
PUBLIC = {"user_id": "anonymous", "role": "public"}


class Listener:
    """Records the volunteers service's events, as casework (service.delivered) and funding will."""
    name = "volunteers_listener"
    db = storage.ServiceDatabase("volunteers_listener", Inbox.indexes)

    def _record(self, event):
        Inbox(self.db, "listener").process_once(
            event.id, lambda: self.db.received.insert_one({"_id": event.id, "type": event.type, **event.payload}))

    @event_handler(events.SERVICE_DELIVERED)
    def on_delivered(self, event):
        self._record(event)

    @event_handler(events.NEED_UNMET)
    def on_unmet(self, event):
        self._record(event)

    @event_handler(events.MATCH_PROPOSED)
    def on_proposed(self, event):
        self._record(event)

    @event_handler(events.MATCH_ACCEPTED)
    def on_accepted(self, event):
        self._record(event)

    @event_handler(events.HOURS_APPROVED)
    def on_hours(self, event):
        self._record(event)

    @event_handler(events.DISTRIBUTION_MADE)
    def on_distribution(self, event):
        self._record(event)

    @event_handler(events.RESOURCE_REVIEWED)
    def on_reviewed(self, event):
        self._record(event)

    @rpc
    def ping(self):
        return "pong"


def received(event_type):
    return list(storage.database("volunteers_listener").received.find({"type": event_type}))


def wait_for(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        eventlet.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def platform(isolated_settings):
    with running(VolunteersService, Listener, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client.volunteers


def publish(settings, *envelopes):
    publisher = EventPublisher(settings.amqp_uri)
    try:
        for envelope in envelopes:
            publisher.publish(envelope.to_dict())
    finally:
        publisher.close()


def stored_need(platform, need_id, predicate=lambda n: True):
    return wait_for(lambda: next((n for n in platform.get_needs(ADMIN, [need_id]) if n and predicate(n)), None))


def checked(platform, volunteer):
    return platform.record_background_check(STAFF, volunteer["id"], {
        "expected_version": volunteer["version"], "result": "passed", "checked_on": clock.today().isoformat(),
        "valid_until": (clock.today() + timedelta(days=365)).isoformat(), "authority": "丹阳市公安局云阳派出所"})


def test_needs_assessed_to_service_delivered_over_the_broker(platform, isolated_settings):
    home = platform.register_volunteer(STAFF, volunteer_input())
    platform.register_volunteer(STAFF, volunteer_input(community_code=COMMUNITY[:9] + "002", skills=["companionship"]))
    tutor = platform.register_volunteer(STAFF, volunteer_input(skills=["tutoring"], domains=["children"]))
    platform.register_resource(STAFF, resource_input())
    elderly, child = need("need-elderly"), need("need-child", domain="children", need_type="study_support",
                                                 child_related=True, beneficiary_groups=["left_behind_child"])
    first = needs_assessed_event(assessment_payload([elderly, child], assessment_id="asm-1"))
    # The same need id again in a re-assessment, and the first event delivered twice.
    again = needs_assessed_event(assessment_payload([{**elderly, "severity": "high"}], assessment_id="asm-2",
                                                    supersedes="asm-1"))
    publish(isolated_settings, first, first)
    matched = stored_need(platform, "need-elderly")
    assert [p["candidate_id"] for p in matched["proposals"]][0] == home["id"]
    assert matched["proposals"][0]["breakdown"] == {"domain": 25.0, "skills": 25.0, "distance": 20.0,
                                                     "availability": 15.0, "load": 15.0}
    unmet = stored_need(platform, "need-child")
    assert unmet["status"] == "unmet" and "no valid background check" in unmet["unmet"]["reason"]
    wait_for(lambda: received("need.unmet"))

    publish(isolated_settings, again)
    reassessed = stored_need(platform, "need-elderly", lambda n: n["severity"] == "high")
    assert sorted(p["proposal_id"] for p in reassessed["proposals"]) == sorted(
        p["proposal_id"] for p in matched["proposals"])
    assert stored_need(platform, "need-child", lambda n: n["status"] == "withdrawn")
    eventlet.sleep(0.5)
    assert len(received("match.proposed")) == 1 and len(received("need.unmet")) == 1

    # Once the tutor has a background check, an explicit re-match finds them.
    checked(platform, tutor)
    with pytest.raises(Conflict):
        platform.rematch_need(STAFF, "need-child", {"expected_version": unmet["version"] + 1})
    request = platform.request_matching(STAFF, {**child, "need_id": "need-child-2", "household_id": "hh-1",
                                                "station_id": STATION, "community_code": COMMUNITY})
    assert [p["candidate_id"] for p in request["proposals"]] == [tutor["id"]]

    proposal = reassessed["proposals"][0]
    accepted = platform.accept_proposal(STAFF, "need-elderly", proposal["proposal_id"],
                                        {"expected_version": reassessed["version"]})
    task = accepted["tasks"][0]
    assert accepted["status"] == "matched" and task["candidate_id"] == home["id"]
    assert platform.get_volunteers(STAFF, [home["id"]])[0]["open_tasks"] == 1
    with pytest.raises(Conflict, match="already accepted"):
        platform.accept_proposal(STAFF, "need-elderly", proposal["proposal_id"],
                                 {"expected_version": accepted["version"]})
    done = platform.complete_task(STAFF, "need-elderly", task["task_id"], {
        "expected_version": accepted["version"], "started_at": "2026-05-04T09:00:00+08:00",
        "ended_at": "2026-05-04T11:30:00+08:00", "notes": "陪同就医"})
    assert done["status"] == "delivered" and done["tasks"][0]["hours"] == 2.5

    delivered = wait_for(lambda: received("service.delivered"))[0]
    assert delivered["household_id"] == "hh-1" and delivered["assessment_id"] == "asm-2"
    assert delivered["hours"] == 2.5 and delivered["delivered_by"]["id"] == home["id"]
    assert delivered["match_id"] == proposal["proposal_id"] and delivered["delivered_on"] == "2026-05-04"
    assert wait_for(lambda: received("match.accepted"))[0]["task_id"] == task["task_id"]

    volunteer = platform.get_volunteers(STAFF, [home["id"]])[0]
    assert volunteer["open_tasks"] == 0 and volunteer["pending_hours"] == 2.5
    with pytest.raises(RuleViolation, match="overlapping hours"):
        platform.log_hours(STAFF, home["id"], {"need_id": "need-elderly", "task_id": task["task_id"],
                                               "started_at": "2026-05-04T11:00:00+08:00",
                                               "ended_at": "2026-05-04T12:00:00+08:00", "activity": "回访"})
    entry = platform.log_hours(STAFF, home["id"], {"need_id": "need-elderly", "task_id": task["task_id"],
                                                   "started_at": "2026-05-04T11:30:00+08:00",
                                                   "ended_at": "2026-05-04T12:00:00+08:00", "activity": "回访"})
    volunteer = platform.get_volunteers(STAFF, [home["id"]])[0]
    entries = [e["entry_id"] for e in platform.hours_for_volunteers(STAFF, [home["id"]])[home["id"]]]
    volunteer = platform.approve_hours(STAFF, home["id"],
                                       {"expected_version": volunteer["version"], "entry_ids": entries})
    assert volunteer["approved_hours"] == 3.0 and entry["hours"] == 0.5
    assert wait_for(lambda: received("hours.approved"))[0]["total_approved_hours"] == 3.0

    certificate = platform.issue_certificate(STAFF, home["id"], {"from": "2026-01-01", "to": "2026-12-31"})
    assert certificate["content"]["total_hours"] == 3.0 and "志愿服务记录证明" in certificate["text"]
    verdict = platform.verify_certificate(PUBLIC, {"content": certificate["content"],
                                                   "verification_code": certificate["verification_code"]})
    assert verdict["valid"] and verdict["total_hours"] == 3.0 and "*" in verdict["volunteer_name"]
    forged = {**certificate["content"], "total_hours": 30.0}
    assert not platform.verify_certificate(PUBLIC, {"content": forged,
                                                    "verification_code": certificate["verification_code"]})["valid"]


def test_refusals_name_the_reason_and_change_nothing(platform):
    data = volunteer_input(skills=["tutoring"], domains=["children"])
    volunteer = checked(platform, platform.register_volunteer(STAFF, data))
    with pytest.raises(Conflict, match="already registered"):
        platform.register_volunteer(STAFF, volunteer_input(id_number=data["id_number"]))
    child = platform.request_matching(STAFF, {**need(domain="children", need_type="study_support", child_related=True),
                                              "household_id": "hh-2", "station_id": STATION,
                                              "community_code": COMMUNITY})
    proposal = child["proposals"][0]
    # The check is withdrawn after the proposal was made: acceptance re-checks and refuses.
    platform.record_background_check(STAFF, volunteer["id"], {
        "expected_version": volunteer["version"], "result": "failed", "checked_on": clock.today().isoformat(),
        "authority": "派出所"})
    with pytest.raises(RuleViolation, match="no valid background check"):
        platform.accept_proposal(STAFF, child["id"], proposal["proposal_id"], {"expected_version": child["version"]})
    assert platform.get_needs(STAFF, [child["id"]])[0]["version"] == child["version"]
    assert platform.get_volunteers(STAFF, [volunteer["id"]])[0]["open_tasks"] == 0
    with pytest.raises(ConcurrentModification):
        platform.accept_proposal(STAFF, child["id"], proposal["proposal_id"], {"expected_version": 99})

    with pytest.raises(ValidationFailed) as caught:
        platform.register_volunteer(STAFF, volunteer_input(phone="12345", availability=[{"weekday": 8}]))
    assert {"phone", "availability.0.weekday", "availability.0.start"} <= set(caught.value.details)
    with pytest.raises(ValidationFailed) as caught:
        platform.register_volunteer(STAFF, volunteer_input(availability=[{"weekday": 1, "start": "12:00",
                                                                          "end": "09:00"}]))
    assert "availability.0.end" in caught.value.details

    donation = platform.receive_donation(STAFF, {
        "station_id": STATION, "kind": "goods", "goods": {"name": "书包", "category": "school_supplies", "unit": "个",
                                                          "quantity": 5},
        "donor": {"kind": "organisation", "name": "丹阳市某企业", "phone": "13912345678"}, "received_on": "2026-05-01",
        "restrictions": {"domains": ["children"], "beneficiary_groups": ["left_behind_child"]}})
    stock_id = donation["stock"]["id"]
    assert donation["stock"]["lots"][0]["donor"] == {"kind": "organisation", "name": "丹阳市某企业",
                                                     "credit_code": None, "phone": "139****5678"}
    request = {"stock_id": stock_id, "household_id": "hh-3", "domain": "children", "region_code": COMMUNITY,
               "beneficiary_groups": ["left_behind_child"], "quantity": 6, "distributed_on": "2026-05-02"}
    with pytest.raises(RuleViolation, match="only 5 个 of 书包 on hand; 6 requested"):
        platform.distribute(STAFF, request)
    with pytest.raises(RuleViolation, match="earmark: only 0 of 5 个 on hand may go to this household"):
        platform.distribute(STAFF, {**request, "quantity": 1, "domain": "elderly"})
    with pytest.raises(RuleViolation, match="earmarked for left_behind_child"):
        platform.distribute(STAFF, {**request, "quantity": 1, "beneficiary_groups": ["orphans"]})
    assert platform.get_stock(STAFF, [stock_id])[0]["on_hand"] == 5
    made = platform.distribute(STAFF, {**request, "quantity": 2, "distribution_id": "dist-hh3-1"})
    assert made["stock"]["on_hand"] == 3
    distributed = platform.distribute(STAFF, {**request, "quantity": 2, "distribution_id": "dist-hh3-1"})
    assert distributed["stock"]["on_hand"] == 3
    assert [d["quantity"] for d in platform.distributions_for_households(STAFF, ["hh-3"])["hh-3"]] == [2]


def test_concurrent_distributions_never_take_stock_below_zero(platform):
    donation = platform.receive_donation(STAFF, {
        "station_id": STATION, "kind": "money", "amount_fen": 2000, "donor": {"kind": "anonymous"},
        "received_on": "2026-05-01"})
    stock_id = donation["stock"]["id"]
    replies = [platform.distribute.call_async(STAFF, {
        "stock_id": stock_id, "household_id": f"hh-{n}", "domain": "social_assistance", "region_code": COMMUNITY,
        "quantity": 300, "distributed_on": "2026-05-02"}) for n in range(10)]
    outcomes = []
    for reply in replies:
        try:
            reply.result()
            outcomes.append("ok")
        except RuleViolation as refused:
            assert "on hand" in str(refused)
            outcomes.append("refused")
    assert outcomes.count("ok") == 6 and outcomes.count("refused") == 4
    stock = platform.get_stock(STAFF, [stock_id])[0]
    assert stock["on_hand"] == 200 and stock["lots"][0]["remaining"] == 200
    def of_this_stock():  # an earlier test of the module distributed from another stock
        return [e for e in received("distribution.made") if e["stock_id"] == stock_id]

    assert len(wait_for(lambda: len(of_this_stock()) == 6 and of_this_stock())) == 6


def test_scopes_masking_and_the_access_log(platform):
    volunteer = platform.register_volunteer(STAFF, volunteer_input())
    assert "*" in volunteer["id_number"] and "*" in volunteer["phone"]
    raw = storage.database("volunteers").volunteers.find_one({"_id": volunteer["id"]})
    assert volunteer["id_number"][-4:] in raw["id_number_masked"] and "id_number" not in raw
    assert platform.get_volunteers(OTHER_COUNTY, [volunteer["id"]]) == [None]
    assert platform.list_volunteers(OTHER_COUNTY, {})["total"] == 0
    assert platform.list_volunteers(COUNTY, {})["total"] == 1
    assert platform.list_volunteers(COUNTY, {"background_checked": False})["total"] == 1
    checked(platform, volunteer)
    assert platform.list_volunteers(COUNTY, {"background_checked": True})["total"] == 1
    assert platform.list_volunteers(COUNTY, {"background_checked": False})["total"] == 0
    volunteer = platform.get_volunteers(COUNTY, [volunteer["id"]])[0]
    assert "*" in platform.get_volunteers(EVALUATOR, [volunteer["id"]])[0]["name"]
    with pytest.raises(NotFound):
        platform.update_volunteer(OTHER_COUNTY, volunteer["id"], {"expected_version": 1, "max_open_tasks": 5})
    with pytest.raises(PermissionDenied):
        platform.update_volunteer(EVALUATOR, volunteer["id"], {"expected_version": 1, "max_open_tasks": 5})
    with pytest.raises(PermissionDenied):
        platform.register_volunteer(Viewer("w2", "station_staff", None, ("ST321181002",)).to_dict(), volunteer_input())
    with pytest.raises(PermissionDenied):
        platform.reveal_volunteer_identity(EVALUATOR, volunteer["id"], "sampling")
    revealed = platform.reveal_volunteer_identity(COUNTY, volunteer["id"], "核实实名登记")
    assert len(revealed["id_number"]) == 18 and revealed["id_number"] not in str(raw)
    log = platform.access_log(ADMIN, {"subject_id": volunteer["id"]})
    assert [(e["user_id"], e["reason"]) for e in log] == [("county-official", "核实实名登记")]

    resource = platform.register_resource(STAFF, resource_input())
    assert platform.list_resources(PUBLIC, {})["total"] == 1
    assert platform.list_volunteers(PUBLIC, {})["total"] == 0
    assert platform.get_resources(OTHER_COUNTY, [resource["id"]]) == [None]
    export = platform.export_directory(PUBLIC, {})
    assert [o["name"] for o in export["organizations"]] == [resource["name"]]

    team = platform.create_team(STAFF, {"station_id": STATION, "name": "云阳为老服务队", "domains": ["elderly"],
                                        "leader_id": volunteer["id"], "member_ids": []})
    team = platform.record_team_training(STAFF, team["id"], {
        "expected_version": team["version"], "date": "2026-05-01", "topic": "入户探访礼仪", "hours": 2,
        "trainer": "李督导", "attendee_ids": [volunteer["id"]]})
    team = platform.record_supervision(STAFF, team["id"], {
        "expected_version": team["version"], "date": "2026-05-10", "supervisor": "李督导",
        "notes": "探访记录需补充照片", "follow_ups": ["下月复查"]})
    assert team["training_hours"] == 2.0 and len(team["supervision_records"]) == 1
    assert [t["id"] for t in platform.teams_for_volunteers(STAFF, [volunteer["id"]])[volunteer["id"]]] == [team["id"]]
    with pytest.raises(ValidationFailed, match="not members"):
        platform.record_team_training(STAFF, team["id"], {
            "expected_version": team["version"], "date": "2026-05-01", "topic": "x培训", "hours": 1,
            "trainer": "李督导", "attendee_ids": ["vol_unknown"]})
    with pytest.raises(ValidationFailed, match="unknown volunteer"):
        platform.create_team(STAFF, {"station_id": STATION, "name": "空队", "leader_id": "vol_nobody"})


def test_yearly_reviews_declines_and_the_unmet_rollup(platform):
    year_ago = (clock.today() - timedelta(days=400)).isoformat()
    old = platform.register_resource(STAFF, resource_input(reviewed_on=year_ago))
    platform.register_resource(STAFF, resource_input())
    overdue = platform.overdue_reviews(COUNTY, {})
    assert overdue["total"] == 1 and overdue["by_station"][0]["station_id"] == STATION
    assert overdue["by_station"][0]["items"][0]["id"] == old["id"] and overdue["by_region"] == [
        {"region_code": "321181", "count": 1}]
    assert platform.list_resources(STAFF, {"review_overdue": True})["items"][0]["id"] == old["id"]
    assert old["id"] not in [r["id"] for r in platform.list_resources(STAFF, {"review_overdue": False})["items"]]
    platform.review_resource(STAFF, old["id"], {"expected_version": old["version"],
                                                "reviewed_on": clock.today().isoformat(), "outcome": "confirmed"})
    assert platform.overdue_reviews(COUNTY, {})["total"] == 0
    assert wait_for(lambda: received("resource.reviewed"))[0]["outcome"] == "confirmed"

    needed = platform.request_matching(STAFF, {**need(need_type="daily_care"), "household_id": "hh-9",
                                               "station_id": STATION, "community_code": COMMUNITY})
    assert {p["kind"] for p in needed["proposals"]} == {"resource"}
    for proposal in needed["proposals"]:
        needed = platform.decline_proposal(STAFF, needed["id"], proposal["proposal_id"],
                                           {"expected_version": needed["version"], "reason": "家属拒绝机构照料"})
    assert needed["status"] == "unmet" and "家属拒绝机构照料" in needed["unmet"]["reason"]
    platform.request_matching(STAFF,
                              {**need(domain="disability", need_type="mental_health_rehabilitation"),
                               "household_id": "hh-8",
                                      "station_id": STATION, "community_code": COMMUNITY})
    rollup = platform.unmet_rollup(COUNTY, {"region": "321181"})
    assert rollup["total"] == 2 and rollup["by_domain"] == {"disability": 1, "elderly": 1}
    assert rollup["by_region"] == [{"region_code": "321181001", "domain": "disability", "count": 1},
                                   {"region_code": "321181001", "domain": "elderly", "count": 1}]
    assert platform.unmet_rollup(OTHER_COUNTY, {"region": "321100"})["total"] == 0
    with pytest.raises(ValidationFailed):
        platform.request_matching(STAFF, {**need(), "household_id": "hh-7", "station_id": STATION,
                                          "community_code": OTHER_COUNTY_TOWNSHIP + "001"})
    assert wait_for(lambda: len(received("need.unmet")) == 2)
    assert needed["unmet"]["since"] == clock.today().isoformat()
