"""Webhooks with the real broker and store, against receivers started by the test: events consumed from the
broker go out signed per Standard Webhooks, failed attempts are retried with growing delays, a receiver that
deduplicates by webhook-id sees each event once (the event published twice included), a withdrawn consent
stops that person's personal data, and a receiver that hangs does not hold the others. A subscription names an
agency client the service learnt from identity's events, with a scope for its event types, and a revoked client's
subscription stops delivering."""
from __future__ import annotations

import dataclasses

import pytest

from services.common import config, storage
from services.common.auth import SYSTEM
from services.common.config import WebhookSettings
from services.common.errors import ValidationFailed
from services.common.events import new_event
from services.contracts.casework import CASE_OPENED, CONSENT_WITHDRAWN
from services.contracts.identity import AGENCY_CLIENT_CREATED, AGENCY_CLIENT_REVOKED
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


def known_client(settings, client_id: str, event_types=("case.opened",)) -> None:
    """identity's agency.client_created, consumed by the webhooks service."""
    publish(settings, new_event(AGENCY_CLIENT_CREATED, {
        "client_id": client_id, "agency_id": "ag-1", "region_code": "321181", "scopes": {
            "event_types": list(event_types), "regions": ["321181"], "domains": [], "fields_allowed": ["name"],
            "mutations": [], "roster_sources": []}}, correlation_id="webhooks-test").to_dict())
    clients = storage.database("webhooks").agency_clients
    wait_for(lambda: clients.find_one({"_id": client_id, "status": "active"}), timeout=15)


def subscribe(rpc, receiver: Receiver, agency: str) -> dict:
    known_client(config.settings(), agency)
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


def test_a_subscription_names_a_known_client_with_its_event_types_and_stops_when_it_is_revoked(webhook_settings):
    with Receiver() as revoked_receiver, Receiver() as other_receiver, \
            running(WebhooksService, settings=webhook_settings), rpc_client(webhook_settings) as rpc:
        with pytest.raises(ValidationFailed):
            rpc.webhooks.create_subscription(SYSTEM.to_dict(), {
                "agency_client_id": "agency-unknown", "url": revoked_receiver.url, "event_types": ["case.opened"],
                "regions": ["321181"]})
        subscription = subscribe(rpc, revoked_receiver, "agency-to-revoke")
        subscribe(rpc, other_receiver, "agency-staying")
        with pytest.raises(ValidationFailed):  # its client may receive case.opened only
            rpc.webhooks.create_subscription(SYSTEM.to_dict(), {
                "agency_client_id": "agency-to-revoke", "url": revoked_receiver.url, "event_types": ["case.closed"],
                "regions": ["321181"]})
        publish(webhook_settings, case_opened("C1", "P1", "H1"))
        wait_for(lambda: len(revoked_receiver.accepted) == 1 and len(other_receiver.accepted) == 1, timeout=15)

        publish(webhook_settings, new_event(AGENCY_CLIENT_REVOKED, {
            "client_id": "agency-to-revoke", "agency_id": "ag-1", "region_code": "321181"},
            correlation_id="webhooks-test").to_dict())
        subscriptions = storage.database("webhooks").subscriptions
        wait_for(lambda: subscriptions.find_one({"_id": subscription["id"]})["status"] == "revoked", timeout=15)
        publish(webhook_settings, case_opened("C2", "P2", "H2"))
        wait_for(lambda: len(other_receiver.accepted) == 2, timeout=15)  # the event was fanned out by now
        assert len(revoked_receiver.accepted) == 1
        listed = rpc.webhooks.list_subscriptions(SYSTEM.to_dict(), {"agency_client_id": "agency-to-revoke"})
        assert [s["status"] for s in listed["items"]] == ["revoked"]
