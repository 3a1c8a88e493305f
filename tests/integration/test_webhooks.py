"""Webhooks with the real broker and store, against receivers started by the test: events consumed from the
broker go out signed per Standard Webhooks, failed attempts are retried with growing delays, a receiver that
deduplicates by webhook-id sees each event once (the event published twice included), a withdrawn consent
stops that person's personal data, and a receiver that hangs does not hold the others."""
from __future__ import annotations

import dataclasses

import pytest

from services.common import config, storage
from services.common.auth import SYSTEM
from services.common.config import WebhookSettings
from services.common.events import new_event
from services.contracts.casework import CASE_OPENED, CONSENT_WITHDRAWN
from services.webhooks.service import WebhooksService
from tests.support.casework_fixtures import publish
from tests.support.containers import rpc_client, running
from tests.support.waiting import wait_for
from tests.support.webhook_receiver import Receiver

FAST = WebhookSettings(timeout_seconds=1.0, max_attempts=5, retry_base_seconds=0.3, retry_cap_seconds=5,
                       poll_seconds=0.05, per_endpoint=2, concurrency=10)


@pytest.fixture
def webhook_settings(isolated_settings):
    settings = dataclasses.replace(isolated_settings, webhooks=FAST)
    config.override(settings)
    yield settings
    config.override(isolated_settings)


def case_opened(case_id: str, person: str, household: str) -> dict:
    return new_event(CASE_OPENED, {"case_id": case_id, "household_id": household, "person_id": person,
                                   "station_id": "ST321181001", "township_code": "321181001", "domain": "elderly",
                                   "source": "visit", "assigned_staff_id": "S1", "opened_on": "2026-03-01"},
                     correlation_id="webhooks-test").to_dict()


def subscribe(rpc, receiver: Receiver, agency: str) -> dict:
    created = rpc.webhooks.create_subscription(SYSTEM.to_dict(), {
        "agency_client_id": agency, "url": receiver.url, "event_types": ["case.opened"], "regions": ["321181"],
        "personal_fields": ["person_id", "household_id"]})
    receiver.secret = created["secret"]
    return created["subscription"]


def test_signed_retried_once_per_id_consent_respected_and_a_hanging_receiver_holds_nobody(webhook_settings):
    with Receiver(fail_first=2) as flaky, Receiver(delay_seconds=3.0) as hanging, \
            running(WebhooksService, settings=webhook_settings), rpc_client(webhook_settings) as rpc:
        subscription = subscribe(rpc, flaky, "agency-flaky")
        subscribe(rpc, hanging, "agency-hanging")
        first, second = case_opened("C1", "P1", "H1"), case_opened("C2", "P2", "H2")
        publish(webhook_settings, first, second, first)  # the first one twice: a redelivery

        wait_for(lambda: len(flaky.accepted) == 2, timeout=15)
        assert flaky.rejected_signatures == 0 and flaky.duplicates == 0
        for msg_id, arrivals in flaky.arrivals.items():
            assert len(arrivals) == 3, msg_id
            gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
            assert 0.2 < gaps[0] < gaps[1], gaps  # 0.3 s then 0.6 s, less up to a quarter of jitter
        assert {body["data"]["person_id"] for body in flaky.accepted.values()} == {"P1", "P2"}
        # the hanging receiver timed out (1 s) on every attempt meanwhile, and held none of the flaky one's

        publish(webhook_settings, new_event(CONSENT_WITHDRAWN, {
            "consent_id": "K1", "household_id": "H1", "person_id": "P1", "purposes": ["casework"],
            "withdrawn_on": "2026-03-02", "matching_need_ids": []}, correlation_id="webhooks-test").to_dict())
        withdrawals = storage.database("webhooks").withdrawals
        wait_for(lambda: withdrawals.find_one({"_id": "person:P1"}), timeout=10)
        publish(webhook_settings, case_opened("C3", "P1", "H1"))
        wait_for(lambda: len(flaky.accepted) == 3, timeout=15)
        [after] = [b["data"] for b in flaky.accepted.values() if b["data"]["case_id"] == "C3"]
        assert "person_id" not in after and "household_id" not in after and after["township_code"] == "321181001"

        log = rpc.webhooks.list_deliveries(SYSTEM.to_dict(), {"subscription_id": subscription["id"]})
        assert log["total"] == 3
        assert all(d["state"] == "delivered" for d in log["items"])
        for delivery in log["items"]:
            assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 500, 204]
            assert all(a["duration_ms"] >= 0 for a in delivery["attempt_log"])
        hanging_errors = [d["last_error"] for d in storage.database("webhooks").deliveries.find(
            {"subscription_id": {"$ne": subscription["id"]}}) if d.get("last_error")]
        assert hanging_errors and all("Timeout" in e or "timed out" in e for e in hanging_errors), hanging_errors
