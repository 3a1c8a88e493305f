"""usecases/certificates.py on the in-memory store: issue, verify and revoke a 志愿服务记录证明."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.volunteers.usecases import certificates, hours, volunteers
from tests.support.volunteers_fixtures import volunteer_input
from tests.support.volunteers_unit import (
    ADMIN,
    OTHER_STAFF,
    PUBLIC,
    STAFF,
    accepted_volunteer_task,
    event_types,
    hours_ago,
    use_cases,
)

PERIOD = {"from": (clock.today() - timedelta(days=30)).isoformat(), "to": clock.today().isoformat()}


def with_approved_hours():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need, task = accepted_volunteer_task(ctx, volunteer["id"])
    entry = hours.log_hours(ctx, STAFF, volunteer["id"], {"need_id": need["id"], "task_id": task["task_id"],
                                                        "started_at": hours_ago(30), "ended_at": hours_ago(28),
                                                        "activity": "陪同就医"})
    record = volunteers.get_volunteers(ctx, STAFF, [volunteer["id"]])[0]
    hours.approve_hours(ctx, STAFF, volunteer["id"], {"expected_version": record["version"],
                                                     "entry_ids": [entry["entry_id"]]})
    return ctx, volunteer


def test_a_certificate_is_issued_from_approved_hours_and_anyone_verifies_it():
    ctx, volunteer = with_approved_hours()
    issued = certificates.issue_certificate(ctx, STAFF, volunteer["id"], PERIOD)
    assert issued["content"]["total_hours"] == 2.0 and issued["verification_code"] in issued["text"]
    answer = certificates.verify_certificate(ctx, PUBLIC, {"content": issued["content"],
                                                           "verification_code": issued["verification_code"]})
    assert answer["valid"] is True and answer["certificate_id"] == issued["certificate_id"]
    forged = certificates.verify_certificate(ctx, PUBLIC, {"content": {**issued["content"], "total_hours": 99},
                                                           "verification_code": issued["verification_code"]})
    assert forged["valid"] is False


def test_no_certificate_without_approved_hours_in_the_period():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    with pytest.raises(RuleViolation):
        certificates.issue_certificate(ctx, STAFF, volunteer["id"], PERIOD)
    with pytest.raises(ValidationFailed):
        certificates.issue_certificate(ctx, STAFF, volunteer["id"], {"from": "not a date", "to": PERIOD["to"]})


def test_another_station_can_neither_issue_nor_revoke():
    ctx, volunteer = with_approved_hours()
    with pytest.raises(NotFound):
        certificates.issue_certificate(ctx, OTHER_STAFF, volunteer["id"], PERIOD)
    issued = certificates.issue_certificate(ctx, STAFF, volunteer["id"], PERIOD)
    with pytest.raises(NotFound):
        certificates.revoke_certificate(ctx, OTHER_STAFF, issued["certificate_id"], {"reason": "证明误发给他人"})


def test_a_revoked_certificate_verifies_as_revoked_once():
    ctx, volunteer = with_approved_hours()
    issued = certificates.issue_certificate(ctx, STAFF, volunteer["id"], PERIOD)
    revoked = certificates.revoke_certificate(ctx, STAFF, issued["certificate_id"], {"reason": "时数后来被驳回"})
    assert revoked["revoked"] is True and revoked["revoked_on"] == clock.today().isoformat()
    assert event_types(ctx, "certificates", issued["certificate_id"]) == ["certificate.revoked"]
    answer = certificates.verify_certificate(ctx, PUBLIC, {"content": issued["content"],
                                                           "verification_code": issued["verification_code"]})
    assert answer["valid"] is False and answer["revoked"] is True
    with pytest.raises(Conflict):
        certificates.revoke_certificate(ctx, STAFF, issued["certificate_id"], {"reason": "再次撤销"})
