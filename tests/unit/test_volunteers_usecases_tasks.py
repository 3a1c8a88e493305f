"""usecases/tasks.py on the in-memory store: accepting reserves the candidate, declining, completing, cancelling."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.errors import ConcurrentModification, Conflict, NotFound, RuleViolation, ValidationFailed
from services.contracts.vocabulary import MATCH_PROPOSAL_STATES
from services.volunteers.usecases import charity, needs, resources, tasks, volunteers
from tests.support.volunteers_fixtures import STATION, resource_input, volunteer_input
from tests.support.volunteers_unit import (
    ADMIN,
    OTHER_STAFF,
    STAFF,
    accepted_volunteer_task,
    event_types,
    hours_ago,
    outbox,
    use_cases,
)


def proposed(ctx, household_id: str = "hh-1", **overrides) -> dict:
    return needs.request_matching(ctx, STAFF, {
        "household_id": household_id, "station_id": STATION, "domain": "elderly", "need_type": "home_visit",
        "severity": "medium", "description": "独居老人需要定期探访", "beneficiary_groups": ["elderly_living_alone"],
        **overrides})


def open_tasks(ctx, volunteer_id: str) -> int:
    return volunteers.get_volunteers(ctx, ADMIN, [volunteer_id])[0]["open_tasks"]


def test_accepting_a_proposal_reserves_the_volunteer_and_announces_the_match():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need = proposed(ctx)
    accepted = tasks.accept_proposal(ctx, STAFF, need["id"], need["proposals"][0]["proposal_id"],
                                     {"expected_version": need["version"]})
    assert accepted["status"] == "matched" and accepted["tasks"][0]["candidate_id"] == volunteer["id"]
    assert open_tasks(ctx, volunteer["id"]) == 1
    assert event_types(ctx, "needs", need["id"])[-1] == "match.accepted"


def test_a_stale_or_foreign_acceptance_reserves_nothing():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need = proposed(ctx)
    proposal_id = need["proposals"][0]["proposal_id"]
    with pytest.raises(ConcurrentModification):
        tasks.accept_proposal(ctx, STAFF, need["id"], proposal_id, {"expected_version": need["version"] - 1})
    with pytest.raises(NotFound):
        tasks.accept_proposal(ctx, OTHER_STAFF, need["id"], proposal_id, {"expected_version": need["version"]})
    with pytest.raises(ValidationFailed):
        tasks.accept_proposal(ctx, STAFF, need["id"], proposal_id, {
            "expected_version": need["version"], "scheduled_start": hours_ago(-2)})
    assert open_tasks(ctx, volunteer["id"]) == 0


def test_a_volunteer_filled_since_the_proposal_cannot_be_reserved_again():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input(max_open_tasks=1))
    first, second = proposed(ctx, household_id="hh-1"), proposed(ctx, household_id="hh-2")
    for need in (first, second):
        assert need["proposals"][0]["candidate_id"] == volunteer["id"]
    tasks.accept_proposal(ctx, STAFF, first["id"], first["proposals"][0]["proposal_id"],
                          {"expected_version": first["version"]})
    with pytest.raises(RuleViolation):  # the rule is checked again on the volunteer's current record
        tasks.accept_proposal(ctx, STAFF, second["id"], second["proposals"][0]["proposal_id"],
                              {"expected_version": second["version"]})
    assert needs.get_needs(ctx, STAFF, [second["id"]])[0]["status"] == "proposed"


def test_declining_every_proposal_leaves_the_need_unmet_for_that_reason():
    ctx = use_cases()
    volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need = proposed(ctx)
    with pytest.raises(ValidationFailed):
        tasks.decline_proposal(ctx, STAFF, need["id"], need["proposals"][0]["proposal_id"],
                               {"expected_version": need["version"]})
    declined = tasks.decline_proposal(ctx, STAFF, need["id"], need["proposals"][0]["proposal_id"], {
        "expected_version": need["version"], "reason": "服务对象暂不需要"})
    assert declined["status"] == "unmet" and declined["unmet"]["refusals"] == {"declined": 1}
    assert event_types(ctx, "needs", need["id"])[-2:] == ["match.declined", "need.unmet"]


def test_completing_a_volunteer_task_logs_its_hours_and_publishes_the_service():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need, task = accepted_volunteer_task(ctx, volunteer["id"])
    with pytest.raises(ValidationFailed):  # a volunteer's task says when it happened
        tasks.complete_task(ctx, STAFF, need["id"], task["task_id"], {"expected_version": need["version"]})
    done = tasks.complete_task(ctx, STAFF, need["id"], task["task_id"], {
        "expected_version": need["version"], "started_at": hours_ago(3), "ended_at": hours_ago(1),
        "notes": "陪同就医"})
    assert done["status"] == "delivered" and done["tasks"][0]["hours"] == 2.0
    assert open_tasks(ctx, volunteer["id"]) == 0
    delivered = outbox(ctx, "needs", need["id"])[-1]
    assert delivered["type"] == "service.delivered" and delivered["payload"]["hours"] == 2.0
    assert volunteers.get_volunteers(ctx, ADMIN, [volunteer["id"]])[0]["pending_hours"] == 2.0
    with pytest.raises(Conflict):
        tasks.complete_task(ctx, STAFF, need["id"], task["task_id"], {
            "expected_version": done["version"], "started_at": hours_ago(3), "ended_at": hours_ago(1)})


def test_cancelling_a_task_frees_the_candidate_and_the_event_finishes_a_lost_release():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need, task = accepted_volunteer_task(ctx, volunteer["id"])
    with pytest.raises(NotFound):
        tasks.cancel_task(ctx, OTHER_STAFF, need["id"], task["task_id"], {"expected_version": need["version"],
                                                                          "reason": "志愿者临时有事"})
    cancelled = tasks.cancel_task(ctx, STAFF, need["id"], task["task_id"], {"expected_version": need["version"],
                                                                            "reason": "志愿者临时有事"})
    assert cancelled["tasks"][0]["status"] == "cancelled" and open_tasks(ctx, volunteer["id"]) == 0
    # The gateway serialises every proposal's state through its enum: a cancelled one must be a known state.
    assert {p["state"] for p in cancelled["proposals"]} <= set(MATCH_PROPOSAL_STATES)
    assert "cancelled" in {p["state"] for p in cancelled["proposals"]}
    assert outbox(ctx, "needs", need["id"])[-1]["payload"]["reason"] == "志愿者临时有事"
    held = ctx.repo.volunteers.require(volunteer["id"])  # as if the release had been lost to a crash
    ctx.repo.volunteers.update(volunteer["id"], held["_version"], {"open_tasks": [{
        "task_id": task["task_id"], "need_id": need["id"], "start": None, "end": None}]})
    tasks.release_cancelled_task(ctx, ADMIN, {"need_id": need["id"], "task_id": task["task_id"]})
    tasks.release_cancelled_task(ctx, ADMIN, {"need_id": need["id"], "task_id": task["task_id"]})
    assert open_tasks(ctx, volunteer["id"]) == 0


def test_a_charity_match_takes_stock_and_a_resource_match_holds_a_place():
    ctx = use_cases()
    charity.receive_donation(ctx, STAFF, {
        "station_id": STATION, "kind": "goods", "goods": {"name": "大米", "category": "food", "unit": "袋",
                                                          "quantity": 5},
        "donor": {"kind": "anonymous"}, "received_on": clock.today().isoformat()})
    need = proposed(ctx, domain="social_assistance", need_type="basic_living", beneficiary_groups=[])
    offer = next(p for p in need["proposals"] if p["kind"] == "charity")
    with pytest.raises(ValidationFailed):
        tasks.accept_proposal(ctx, STAFF, need["id"], offer["proposal_id"], {"expected_version": need["version"]})
    accepted = tasks.accept_proposal(ctx, STAFF, need["id"], offer["proposal_id"],
                                     {"expected_version": need["version"], "quantity": 2})
    assert charity.list_stock(ctx, STAFF, {})["items"][0]["on_hand"] == 3
    tasks.cancel_task(ctx, STAFF, need["id"], accepted["tasks"][0]["task_id"],
                      {"expected_version": accepted["version"], "reason": "家属已安排"})
    assert charity.list_stock(ctx, STAFF, {})["items"][0]["on_hand"] == 5

    resource = resources.register_resource(ctx, STAFF, resource_input())
    care = proposed(ctx, household_id="hh-care", need_type="daily_care")
    place = next(p for p in care["proposals"] if p["kind"] == "resource")
    assert place["candidate_id"] == resource["id"]
    taken = tasks.accept_proposal(ctx, STAFF, care["id"], place["proposal_id"], {"expected_version": care["version"]})
    held = resources.get_resources(ctx, STAFF, [resource["id"]])[0]["services"][0]["places_taken"]
    assert held == 1
    tasks.complete_task(ctx, STAFF, care["id"], taken["tasks"][0]["task_id"], {
        "expected_version": taken["version"], "delivered_on": (clock.today() - timedelta(days=1)).isoformat()})
    assert resources.get_resources(ctx, STAFF, [resource["id"]])[0]["services"][0]["places_taken"] == 0
