"""Webhook subscriptions name an existing, active agency client of the identity service with a scope for their
event types, and stop with its revocation (services/webhooks/usecases/clients.py); the delivery log forgets
delivered entries after 90 days and unreplayed dead letters after 365 (usecases/retention.py), on a frozen clock."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common.auth import SYSTEM, Viewer
from services.common.clock import FrozenClock
from services.common.config import WebhookSettings
from services.common.errors import PermissionDenied, RuleViolation, ValidationFailed
from services.common.protection import FieldCipher
from services.webhooks.storage import DEAD, DELIVERED, INDEXES, PENDING
from services.webhooks.usecases import Webhooks, clients, deliveries, retention, subscriptions
from tests.support.memory_store import memory_database
from tests.unit.test_webhooks_usecases import START, Receiver, case_opened, client_created, send_all

POLICY = WebhookSettings(max_attempts=1, retry_base_seconds=10, delivered_retention_days=90,
                         dead_retention_days=365)


@pytest.fixture
def webhooks():
    return Webhooks.over(memory_database("webhooks", INDEXES), POLICY, FieldCipher())


def subscribe(webhooks, client_id="agc-1", event_types=("case.opened",)):
    return subscriptions.create_subscription(webhooks, SYSTEM, {
        "agency_client_id": client_id, "url": "https://agency.example/hook", "event_types": list(event_types),
        "regions": ["321181"]})["subscription"]


def revoked(client_id="agc-1") -> dict:
    return {"client_id": client_id, "agency_id": "ag-1", "region_code": "321181"}


# --- the agency client a subscription names --------------------------------------------------------------
def test_a_subscription_names_a_known_active_client_with_a_scope_for_each_event_type(webhooks):
    with pytest.raises(ValidationFailed) as unknown:
        subscribe(webhooks)
    assert "agency_client_id" in unknown.value.details
    clients.record_client_created(webhooks, client_created("agc-1", event_types=("case.opened",)))
    assert subscribe(webhooks)["agency_client_id"] == "agc-1"
    with pytest.raises(ValidationFailed) as unscoped:
        subscribe(webhooks, event_types=("case.opened", "case.closed"))
    assert unscoped.value.details == {"event_types": ["event:case.closed not granted"]}
    clients.record_client_revoked(webhooks, revoked())
    with pytest.raises(ValidationFailed, match="revoked"):
        subscribe(webhooks)


def test_a_subscription_stays_within_the_clients_regions(webhooks):
    clients.record_client_created(webhooks, client_created("agc-1"))  # region scope 321181
    inside = subscriptions.create_subscription(webhooks, SYSTEM, {
        "agency_client_id": "agc-1", "url": "https://agency.example/hook", "event_types": ["case.opened"],
        "regions": ["321181", "321181100"]})["subscription"]
    assert inside["regions"] == ["321181", "321181100"]
    with pytest.raises(ValidationFailed) as wider:
        subscriptions.create_subscription(webhooks, SYSTEM, {
            "agency_client_id": "agc-1", "url": "https://agency.example/hook", "event_types": ["case.opened"],
            "regions": ["3211", "321181"]})
    assert wider.value.details == {"regions": ["region:3211 not granted"]}


def test_a_client_without_region_scopes_hears_of_its_agencys_region_only(webhooks):
    created = client_created("agc-1")
    created["scopes"]["regions"] = []
    clients.record_client_created(webhooks, created)  # agency of 321181
    with pytest.raises(ValidationFailed, match="regions"):
        subscriptions.create_subscription(webhooks, SYSTEM, {
            "agency_client_id": "agc-1", "url": "https://agency.example/hook", "event_types": ["case.opened"],
            "regions": ["321182"]})


def test_personal_fields_only_for_a_client_allowed_to_identify_people(webhooks):
    anonymous = client_created("agc-1")
    anonymous["scopes"]["fields_allowed"] = ["age", "sex"]
    clients.record_client_created(webhooks, anonymous)
    clients.record_client_created(webhooks, client_created("agc-2"))  # field:name
    request = {"url": "https://agency.example/hook", "event_types": ["case.opened"], "regions": ["321181"],
               "personal_fields": ["person_id", "notes"]}
    with pytest.raises(ValidationFailed) as refused:
        subscriptions.create_subscription(webhooks, SYSTEM, {"agency_client_id": "agc-1", **request})
    assert refused.value.details == {"personal_fields": ["notes needs field:name", "person_id needs field:name"]}
    assert subscriptions.create_subscription(webhooks, SYSTEM, {**request, "agency_client_id": "agc-1",
                                                                "personal_fields": []})["subscription"]
    allowed = subscriptions.create_subscription(webhooks, SYSTEM, {"agency_client_id": "agc-2", **request})
    assert allowed["subscription"]["personal_fields"] == ["notes", "person_id"]


def test_a_revoked_clients_subscriptions_stop_delivering_and_cannot_be_resumed(webhooks):
    clients.record_client_created(webhooks, client_created("agc-1"))
    clients.record_client_created(webhooks, client_created("agc-2"))
    ours, theirs = subscribe(webhooks), subscribe(webhooks, client_id="agc-2")
    assert deliveries.fan_out(webhooks, case_opened()) == 2  # queued before the revocation
    assert clients.record_client_revoked(webhooks, revoked()) == 1
    assert clients.record_client_revoked(webhooks, revoked()) == 0  # a redelivered event changes nothing
    receiver = Receiver()
    assert sorted(send_all(webhooks, receiver)) == [DEAD, DELIVERED]  # the queued one is not sent
    assert [url for url, _, _ in receiver.requests] == ["https://agency.example/hook"]
    assert deliveries.fan_out(webhooks, case_opened(person="P2")) == 1  # only the other client's
    stored = webhooks.subscriptions.get(ours["id"])
    assert stored["status"] == "revoked" and stored["secrets"] == []
    assert webhooks.subscriptions.get(theirs["id"])["status"] == "active"
    with pytest.raises(RuleViolation):
        subscriptions.resume_subscription(webhooks, SYSTEM, ours["id"])
    listed = subscriptions.list_subscriptions(webhooks, SYSTEM, {"agency_client_id": "agc-1"})["items"]
    assert [s["status"] for s in listed] == ["revoked"]


def test_a_revocation_read_before_the_creation_is_not_undone_by_it(webhooks):
    clients.record_client_revoked(webhooks, revoked())
    clients.record_client_created(webhooks, client_created("agc-1"))
    with pytest.raises(ValidationFailed, match="revoked"):
        subscribe(webhooks)


# --- retention of the delivery log -----------------------------------------------------------------------
def test_delivered_entries_go_after_90_days_dead_letters_after_365_unless_replayed(webhooks):
    clients.record_client_created(webhooks, client_created("agc-1"))
    subscribe(webhooks)
    with FrozenClock(START) as frozen:
        deliveries.fan_out(webhooks, case_opened(person="P1"))
        deliveries.fan_out(webhooks, case_opened(person="P2"))
        deliveries.fan_out(webhooks, case_opened(person="P3"))
        states = send_all(webhooks, Receiver(200, 500, 500))  # one delivered, two dead (one attempt each)
        assert sorted(states) == [DEAD, DEAD, DELIVERED]
        dead = [d for d in webhooks.deliveries.collection.find({"state": DEAD})]
        frozen.advance(days=89)
        assert retention.purge_delivery_log(webhooks, SYSTEM) == {DELIVERED: 0, DEAD: 0}
        frozen.advance(days=2)
        assert retention.purge_delivery_log(webhooks, SYSTEM) == {DELIVERED: 1, DEAD: 0}
        assert webhooks.deliveries.collection.count_documents({}) == 2
        assert webhooks.attempts.collection.count_documents({}) == 2  # the delivered one's attempt went with it
        # a dead letter replayed and delivered (day 300) counts as delivered from its delivery on
        frozen.advance(days=300 - 91)
        deliveries.replay_delivery(webhooks, SYSTEM, dead[0]["_id"])
        assert send_all(webhooks, Receiver(200)) == [DELIVERED]
        frozen.advance(days=366 - 300)
        assert retention.purge_delivery_log(webhooks, SYSTEM) == {DELIVERED: 0, DEAD: 1}
        (left,) = list(webhooks.deliveries.collection.find({}))
        assert left["_id"] == dead[0]["_id"] and left["state"] == DELIVERED
        frozen.advance(days=300 + 91 - 366)
        assert retention.purge_delivery_log(webhooks, SYSTEM) == {DELIVERED: 1, DEAD: 0}
        assert webhooks.deliveries.collection.count_documents({}) == 0


def test_pending_deliveries_are_never_purged_and_only_the_service_purges(webhooks):
    clients.record_client_created(webhooks, client_created("agc-1"))
    subscribe(webhooks)
    with FrozenClock(START) as frozen:
        deliveries.fan_out(webhooks, case_opened())
        frozen.advance(days=1000)
        assert retention.purge_delivery_log(webhooks, SYSTEM) == {DELIVERED: 0, DEAD: 0}
        assert webhooks.deliveries.collection.find_one({})["state"] == PENDING
    with pytest.raises(PermissionDenied):
        retention.purge_delivery_log(webhooks, Viewer(user_id="c1", role="county", region="321181"))


def test_the_retention_periods_come_from_the_settings():
    from services.common.config import Settings
    assert (Settings().webhooks.delivered_retention_days, Settings().webhooks.dead_retention_days) == (90, 365)
    configured = Settings.from_env({"SHEGONG_WEBHOOK_DELIVERED_RETENTION_DAYS": "30",
                                    "SHEGONG_WEBHOOK_DEAD_RETENTION_DAYS": "400"}).webhooks
    assert (configured.delivered_retention_days, configured.dead_retention_days) == (30, 400)
    assert timedelta(days=configured.delivered_retention_days) < timedelta(days=configured.dead_retention_days)
