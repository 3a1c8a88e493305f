"""Cancelling a matching task and revoking a 志愿服务记录证明 through the volunteers service over
real RPC and the real broker."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock, storage
from services.common.auth import Viewer
from services.common.consumers import Inbox, event_handler
from services.common.errors import Conflict, PermissionDenied
from services.contracts import volunteers as events
from services.volunteers.service import VolunteersService
from services.volunteers.storage import VolunteersRepository
from services.volunteers.usecases import Volunteering, tasks
from tests.support.containers import rpc_client, running
from tests.support.volunteers_fixtures import STATION, need, volunteer_input
from tests.support.waiting import wait_for

STAFF = Viewer("worker-1", "station_staff", None, (STATION,)).to_dict()
EVALUATOR = Viewer("evaluator", "evaluator", "321100").to_dict()
PUBLIC = {"user_id": "anonymous", "role": "public"}


class Listener:
    name = "volunteers_rules_listener"
    db = storage.ServiceDatabase("volunteers_rules_listener", Inbox.indexes)

    def _record(self, event):
        Inbox(self.db, "listener").process_once(
            event.id, lambda: self.db.received.insert_one({"_id": event.id, "type": event.type, **event.payload}))

    @event_handler(events.TASK_CANCELLED)
    def on_cancelled(self, event):
        self._record(event)

    @event_handler(events.CERTIFICATE_REVOKED)
    def on_revoked(self, event):
        self._record(event)


def received(event_type):
    return list(storage.database("volunteers_rules_listener").received.find({"type": event_type}))


@pytest.fixture
def platform(isolated_settings):
    with running(VolunteersService, Listener, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client.volunteers


def matched_need(platform, need_id):
    volunteer = platform.register_volunteer(STAFF, volunteer_input())
    requested = platform.request_matching(STAFF, {**need(need_id), "need_id": need_id, "household_id": "hh-1",
                                                  "station_id": STATION})
    proposal = requested["proposals"][0]
    accepted = platform.accept_proposal(STAFF, need_id, proposal["proposal_id"],
                                        {"expected_version": requested["version"]})
    assert platform.get_volunteers(STAFF, [volunteer["id"]])[0]["open_tasks"] == 1
    return volunteer, accepted


def test_a_cancelled_task_frees_the_volunteer_and_returns_the_need_to_matching(platform):
    volunteer, accepted = matched_need(platform, "need-cancel")
    task = accepted["tasks"][0]
    with pytest.raises(PermissionDenied):
        platform.cancel_task(EVALUATOR, "need-cancel", task["task_id"], {"expected_version": accepted["version"],
                                                                         "reason": "志愿者临时有事"})
    cancelled = platform.cancel_task(STAFF, "need-cancel", task["task_id"], {
        "expected_version": accepted["version"], "reason": "志愿者临时有事"})
    assert cancelled["tasks"][0]["status"] == "cancelled"
    assert cancelled["tasks"][0]["cancellation_reason"] == "志愿者临时有事"
    assert cancelled["status"] in ("open", "unmet", "proposed") and cancelled["status"] != "matched"
    assert platform.get_volunteers(STAFF, [volunteer["id"]])[0]["open_tasks"] == 0
    with pytest.raises(Conflict, match="already cancelled"):
        platform.cancel_task(STAFF, "need-cancel", task["task_id"], {"expected_version": cancelled["version"],
                                                                     "reason": "再次取消"})
    with pytest.raises(Conflict, match="already cancelled"):
        platform.complete_task(STAFF, "need-cancel", task["task_id"], {
            "expected_version": cancelled["version"], "started_at": "2026-05-04T09:00:00+08:00",
            "ended_at": "2026-05-04T10:00:00+08:00"})
    event = wait_for(lambda: received("task.cancelled"))[0]
    assert (event["task_id"], event["candidate_id"], event["reason"]) == (task["task_id"], volunteer["id"],
                                                                         "志愿者临时有事")


def test_a_cancellation_whose_release_was_lost_is_completed_from_its_event(platform, monkeypatch):
    volunteer, accepted = matched_need(platform, "need-lost")
    lost = Volunteering(VolunteersRepository(storage.database("volunteers")))
    released = tasks.release

    def release_unless_lost(ctx, viewer, task):  # the lost process died right after the need was written
        if ctx is not lost:
            released(ctx, viewer, task)
    with monkeypatch.context() as died:
        died.setattr(tasks, "release", release_unless_lost)
        tasks.cancel_task(lost, Viewer.from_dict(STAFF), "need-lost", accepted["tasks"][0]["task_id"],
                          {"expected_version": accepted["version"], "reason": "家属已安排"})
    wait_for(lambda: platform.get_volunteers(STAFF, [volunteer["id"]])[0]["open_tasks"] == 0)


def test_verifying_a_revoked_certificate_says_it_is_revoked(platform):
    volunteer = platform.register_volunteer(STAFF, volunteer_input())
    start = clock.utcnow() - timedelta(days=3)
    platform.request_matching(STAFF, {**need("need-hours"), "need_id": "need-hours", "household_id": "hh-2",
                                      "station_id": STATION})
    current = platform.get_needs(STAFF, ["need-hours"])[0]
    accepted = platform.accept_proposal(STAFF, "need-hours", current["proposals"][0]["proposal_id"],
                                        {"expected_version": current["version"]})
    platform.complete_task(STAFF, "need-hours", accepted["tasks"][0]["task_id"], {
        "expected_version": accepted["version"], "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=2)).isoformat()})
    record = platform.get_volunteers(STAFF, [volunteer["id"]])[0]
    entries = [e["entry_id"] for e in platform.hours_for_volunteers(STAFF, [volunteer["id"]])[volunteer["id"]]]
    platform.approve_hours(STAFF, volunteer["id"], {"expected_version": record["version"], "entry_ids": entries})
    certificate = platform.issue_certificate(STAFF, volunteer["id"], {"from": (clock.today() - timedelta(days=30))
                                                                      .isoformat(), "to": clock.today().isoformat()})
    check = {"content": certificate["content"], "verification_code": certificate["verification_code"]}
    assert platform.verify_certificate(PUBLIC, check)["valid"] is True

    with pytest.raises(PermissionDenied):
        platform.revoke_certificate(EVALUATOR, certificate["certificate_id"], {"reason": "服务时长登记有误"})
    revoked = platform.revoke_certificate(STAFF, certificate["certificate_id"], {"reason": "服务时长登记有误"})
    assert revoked["revoked"] is True and revoked["revoked_on"] == clock.today().isoformat()
    verdict = platform.verify_certificate(PUBLIC, check)
    assert verdict["valid"] is False and verdict["revoked"] is True
    assert "revoked" in verdict["reason"] and "服务时长登记有误" in verdict["reason"]
    with pytest.raises(Conflict, match="already revoked"):
        platform.revoke_certificate(STAFF, certificate["certificate_id"], {"reason": "再次撤销"})
    event = wait_for(lambda: received("certificate.revoked"))[0]
    assert event["certificate_id"] == certificate["certificate_id"] and event["volunteer_id"] == volunteer["id"]
