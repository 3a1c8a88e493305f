"""usecases/hours.py on the in-memory store: hours logged on a task, approved or rejected."""
from __future__ import annotations

import pytest

from services.common.errors import NotFound, RuleViolation, ValidationFailed
from services.volunteers.usecases import hours, volunteers
from tests.support.volunteers_fixtures import volunteer_input
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


def a_task():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need, task = accepted_volunteer_task(ctx, volunteer["id"])
    return ctx, volunteer, need, task


def log(ctx, viewer, volunteer, need, task, started: float, ended: float):
    return hours.log_hours(ctx, viewer, volunteer["id"], {
        "need_id": need["id"], "task_id": task["task_id"], "started_at": hours_ago(started),
        "ended_at": hours_ago(ended), "activity": "上门探访"})


def test_hours_are_logged_pending_in_china_time():
    ctx, volunteer, need, task = a_task()
    entry = log(ctx, STAFF, volunteer, need, task, 3, 1)
    assert entry["status"] == "pending" and entry["hours"] == 2.0 and entry["start"].endswith("+08:00")
    assert hours.hours_for_volunteers(ctx, STAFF, [volunteer["id"], "vol_unknown"]) == {
        volunteer["id"]: [entry], "vol_unknown": []}


def test_hours_never_overlap_nor_come_before_they_happen():
    ctx, volunteer, need, task = a_task()
    log(ctx, STAFF, volunteer, need, task, 3, 1)
    with pytest.raises(RuleViolation):
        log(ctx, STAFF, volunteer, need, task, 2, 0.5)
    with pytest.raises(ValidationFailed):
        log(ctx, STAFF, volunteer, need, task, 0.5, -1)
    with pytest.raises(ValidationFailed):  # not this volunteer's task
        hours.log_hours(ctx, STAFF, volunteer["id"], {"need_id": need["id"], "task_id": "tsk_other",
                                                     "started_at": hours_ago(5), "ended_at": hours_ago(4),
                                                     "activity": "x"})


def test_another_station_cannot_log_or_see_the_hours():
    ctx, volunteer, need, task = a_task()
    with pytest.raises(NotFound):
        log(ctx, OTHER_STAFF, volunteer, need, task, 3, 1)
    assert hours.hours_for_volunteers(ctx, OTHER_STAFF, [volunteer["id"]]) == {volunteer["id"]: []}


def test_approving_publishes_the_hours_and_rejecting_needs_a_reason():
    ctx, volunteer, need, task = a_task()
    first = log(ctx, STAFF, volunteer, need, task, 5, 4)
    second = log(ctx, STAFF, volunteer, need, task, 3, 1)
    record = volunteers.get_volunteers(ctx, STAFF, [volunteer["id"]])[0]
    with pytest.raises(ValidationFailed):
        hours.reject_hours(ctx, STAFF, volunteer["id"], {"expected_version": record["version"],
                                                        "entry_ids": [second["entry_id"]]})
    approved = hours.approve_hours(ctx, STAFF, volunteer["id"], {"expected_version": record["version"],
                                                                "entry_ids": [first["entry_id"]]})
    assert approved["approved_hours"] == 1.0
    rejected = hours.reject_hours(ctx, STAFF, volunteer["id"], {
        "expected_version": approved["version"], "entry_ids": [second["entry_id"]], "reason": "时间有误"})
    assert rejected["pending_hours"] == 0
    assert event_types(ctx, "volunteers", volunteer["id"]) == ["volunteer.registered", "hours.approved"]
    assert outbox(ctx, "volunteers", volunteer["id"])[1]["payload"]["entry_ids"] == [first["entry_id"]]
