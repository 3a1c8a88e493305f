"""The webhooks service's rules and use cases on the in-memory store: Standard Webhooks signatures (checked
with an independent HMAC computation and with the spec's own verifier), the retry schedule, what a payload
carries, consent withdrawals, idempotent fan-out, attempts, dead letters and replays."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from services.common import clock
from services.common.auth import SYSTEM, Viewer
from services.common.clock import FrozenClock
from services.common.config import WebhookSettings
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.common.events import new_event
from services.common.protection import FieldCipher
from services.contracts.casework import CASE_OPENED, CONSENT_WITHDRAWN
from services.webhooks.domain import backoff, filtering, signing
from services.webhooks.storage import DEAD, DELIVERED, INDEXES, PENDING
from services.webhooks.usecases import Webhooks, clients, deliveries, replays, sending, subscriptions
from tests.support.memory_store import memory_database

ADMIN = SYSTEM
COUNTY = Viewer(user_id="c1", role="county", region="321181")
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLICY = WebhookSettings(max_attempts=3, retry_base_seconds=10, retry_cap_seconds=3600)


@pytest.fixture
def webhooks():
    made = Webhooks.over(memory_database("webhooks", INDEXES), POLICY, FieldCipher())
    for client, region in (("agency-1", "321181"), ("agency-2", "320100")):  # as identity's events told it
        clients.record_client_created(made, client_created(client, region=region))
    return made


def client_created(client_id: str, event_types=("case.opened", "consent.withdrawn"), region="321181") -> dict:
    return {"client_id": client_id, "agency_id": "ag-1", "region_code": region, "scopes": {
        "event_types": list(event_types), "regions": [region], "domains": [], "fields_allowed": ["name"],
        "mutations": [],
        "roster_sources": []}}


def subscribe(webhooks, **overrides):
    data = {"agency_client_id": "agency-1", "url": "https://agency.example/hook", "event_types": ["case.opened",
            "consent.withdrawn"], "regions": ["321181"], **overrides}
    return subscriptions.create_subscription(webhooks, ADMIN, data)


def case_opened(person="P1", household="H1", township="321181001"):
    return new_event(CASE_OPENED, {"case_id": "C1", "household_id": household, "person_id": person,
                                   "station_id": f"ST{township}", "township_code": township, "domain": "elderly",
                                   "source": "visit", "assigned_staff_id": "S1", "opened_on": "2026-03-01"},
                     correlation_id="t")


def withdrawn(person="P1", household="H1"):
    return new_event(CONSENT_WITHDRAWN, {"consent_id": "K1", "household_id": household, "person_id": person,
                                         "purposes": ["casework"], "withdrawn_on": "2026-03-02",
                                         "matching_need_ids": []}, correlation_id="t")


class Receiver:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[tuple[str, bytes, dict]] = []

    def __call__(self, url, body, headers, timeout):
        self.requests.append((url, body, dict(headers)))
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer


def send_all(webhooks, post):
    states = []
    for delivery in sending.claim_due(webhooks, {}, 10, 10):
        states.append(sending.attempt(webhooks, delivery, post))
    return states


# --- signing -------------------------------------------------------------------------------------------
def independent_signature(secret: str, msg_id: str, timestamp: str, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()).decode()


def test_signatures_follow_the_standard_webhooks_spec():
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    body = signing.body_of("case.opened", "2026-03-02T08:00:00Z", {"case_id": "C1", "名": "值"})
    at = clock.utcnow()
    headers = signing.headers([secret], "msg_1", at, body)
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert headers["webhook-signature"] == "v1," + independent_signature(secret, "msg_1", headers["webhook-timestamp"],
                                                                           body)
    assert Webhook(secret).verify(body.encode(), headers) == json.loads(body)
    with pytest.raises(Exception, match="signature"):
        Webhook(signing.new_secret()).verify(body.encode(), headers)


def test_two_secrets_during_a_rotation_both_verify():
    old, new = signing.new_secret(), signing.new_secret()
    body = "{}"
    headers = signing.headers([new, old], "msg_2", clock.utcnow(), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


# --- backoff -------------------------------------------------------------------------------------------
def test_delays_grow_exponentially_with_jitter_up_to_the_cap():
    low = [backoff.retry_delay(n, 5, 3600, rng=lambda: 0.0) for n in range(1, 12)]
    high = [backoff.retry_delay(n, 5, 3600, rng=lambda: 0.999999) for n in range(1, 12)]
    assert low[:4] == [3.75, 7.5, 15.0, 30.0]
    assert all(high[i] < low[i + 1] for i in range(8))  # even the worst jitter keeps every delay growing
    assert max(high) < 3600 and low[-1] == 3600 * 0.75
    assert not backoff.dead_lettered(2, 3) and backoff.dead_lettered(3, 3)
    assert backoff.succeeded(204) and not backoff.succeeded(302) and not backoff.succeeded(None)
    with pytest.raises(ValueError):
        backoff.retry_delay(0, 5, 60)


# --- filtering -----------------------------------------------------------------------------------------
def test_the_region_comes_from_the_township_or_the_station():
    assert filtering.region_of({"township_code": "321181001"}) == "321181001"
    assert filtering.region_of({"station_id": "ST321181002"}) == "321181002"
    assert filtering.region_of({"funding_source": "x"}) is None
    subscription = {"status": "active", "event_types": ["case.opened"], "regions": ["3211"]}
    assert filtering.receives(subscription, "case.opened", "321181001")
    assert not filtering.receives(subscription, "case.opened", "320100001")
    assert not filtering.receives(subscription, "case.opened", None)
    assert not filtering.receives({**subscription, "status": "paused"}, "case.opened", "321181001")


def test_personal_fields_go_out_only_when_allowed():
    payload = {"case_id": "C1", "person_id": "P1", "household_id": "H1", "description": "独居老人"}
    assert filtering.allowed_payload(payload, []) == {"case_id": "C1"}
    assert filtering.allowed_payload(payload, ["person_id"]) == {"case_id": "C1", "person_id": "P1"}
    assert filtering.person_refs(payload) == ["household:H1", "person:P1"]


# --- subscriptions -------------------------------------------------------------------------------------
def test_only_administrators_set_up_subscriptions_and_input_is_checked(webhooks):
    with pytest.raises(PermissionDenied):
        subscriptions.create_subscription(webhooks, COUNTY, {})
    with pytest.raises(ValidationFailed) as refused:
        subscribe(webhooks, url="ftp://x", event_types=["no.such"], regions=["32118"], personal_fields=["x"])
    assert {"url", "event_types.0", "regions.0", "personal_fields.0"} <= set(refused.value.details)
    with pytest.raises(ValidationFailed):
        subscribe(webhooks, url="https://user:pw@agency.example/hook")


def test_the_secret_is_shown_once_and_stored_encrypted(webhooks):
    created = subscribe(webhooks)
    stored = webhooks.subscriptions.get(created["subscription"]["id"])
    assert created["secret"] not in json.dumps(stored, default=str)
    assert "secret" not in created["subscription"] and created["subscription"]["secret_preview"].endswith(
        created["secret"][-4:])
    listed = subscriptions.list_subscriptions(webhooks, ADMIN, {})
    assert listed["total"] == 1 and created["secret"] not in json.dumps(listed)


def test_a_rotated_secret_keeps_signing_during_the_overlap(webhooks):
    created = subscribe(webhooks)
    with FrozenClock(START) as frozen:
        rotated = subscriptions.rotate_secret(webhooks, ADMIN, created["subscription"]["id"])
        doc = webhooks.subscriptions.get(created["subscription"]["id"])
        assert subscriptions.signing_secrets(webhooks, doc) == [rotated["secret"], created["secret"]]
        frozen.advance(hours=25)
        assert subscriptions.signing_secrets(webhooks, doc) == [rotated["secret"]]


def test_paused_and_deleted_subscriptions_receive_nothing_new(webhooks):
    sub = subscribe(webhooks)["subscription"]
    subscriptions.pause_subscription(webhooks, ADMIN, sub["id"])
    assert deliveries.fan_out(webhooks, case_opened()) == 0
    subscriptions.resume_subscription(webhooks, ADMIN, sub["id"])
    assert deliveries.fan_out(webhooks, case_opened()) == 1
    subscriptions.delete_subscription(webhooks, ADMIN, sub["id"])
    assert deliveries.fan_out(webhooks, case_opened()) == 0
    with pytest.raises(NotFound):
        subscriptions.pause_subscription(webhooks, ADMIN, sub["id"])
    assert send_all(webhooks, Receiver()) == [DEAD]  # the queued one is never sent


# --- deliveries ----------------------------------------------------------------------------------------
def test_an_event_is_queued_once_per_subscription_however_often_it_is_consumed(webhooks):
    subscribe(webhooks)
    subscribe(webhooks, agency_client_id="agency-2", regions=["320100"])  # another region: nothing
    event = case_opened()
    assert deliveries.fan_out(webhooks, event) == 1
    assert deliveries.fan_out(webhooks, event) == 0


def test_failed_attempts_are_retried_later_then_dead_lettered_and_logged(webhooks):
    sub = subscribe(webhooks)["subscription"]
    with FrozenClock(START) as frozen:
        deliveries.fan_out(webhooks, case_opened())
        receiver = Receiver(500, ConnectionRefusedError("refused"), 503)
        assert send_all(webhooks, receiver) == [PENDING]
        assert send_all(webhooks, receiver) == []  # not due yet
        frozen.advance(seconds=10)
        assert send_all(webhooks, receiver) == [PENDING]
        frozen.advance(seconds=15)
        assert send_all(webhooks, receiver) == []  # the second delay is longer than the first
        frozen.advance(seconds=5)
        assert send_all(webhooks, receiver) == [DEAD]
    log = deliveries.list_deliveries(webhooks, ADMIN, {"subscription_id": sub["id"]})
    [delivery] = log["items"]
    assert delivery["state"] == DEAD and delivery["attempts"] == 3
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, None, 503]
    assert "ConnectionRefusedError" in delivery["attempt_log"][1]["error"]
    assert len({r[2]["webhook-id"] for r in receiver.requests}) == 1  # one message id for every attempt
    replayed = deliveries.replay_delivery(webhooks, ADMIN, delivery["id"])
    assert replayed["state"] == PENDING
    assert send_all(webhooks, Receiver(200)) == [DELIVERED]
    with pytest.raises(PermissionDenied):
        deliveries.list_deliveries(webhooks, COUNTY, {"subscription_id": sub["id"]})


def test_after_a_withdrawal_no_personal_data_of_that_person_goes_out(webhooks):
    subscribe(webhooks, personal_fields=["person_id", "household_id"])
    deliveries.fan_out(webhooks, case_opened())  # queued before the withdrawal, sent after it
    receiver = Receiver()
    deliveries.record_withdrawal(webhooks, withdrawn())
    assert deliveries.fan_out(webhooks, withdrawn()) == 0  # it names no region: no subscription may have it
    deliveries.fan_out(webhooks, case_opened(person="P2", household="H2"))  # someone else: unaffected
    assert send_all(webhooks, receiver) == [DELIVERED] * 2
    bodies = [json.loads(body)["data"] for _, body, _ in receiver.requests]
    assert [b.get("person_id") for b in bodies] == [None, "P2"]
    assert "household_id" not in bodies[0] and bodies[1]["household_id"] == "H2"
    assert bodies[0]["case_id"] == "C1" and bodies[0]["township_code"] == "321181001"
    # a replay of an old delivery honours the withdrawal too, and so does the stored copy
    assert all("P1" not in json.dumps(d["payload"]) for d in webhooks.deliveries.collection.find())


def test_a_replay_since_a_moment_resets_the_log_and_takes_missed_events_from_the_producers(webhooks):
    sub = subscribe(webhooks)["subscription"]
    with FrozenClock(START) as frozen:
        deliveries.fan_out(webhooks, case_opened())
        send_all(webhooks, Receiver(200))
        frozen.advance(hours=1)
        missed = case_opened(person="P9", household="H9").to_dict()
        old = {**case_opened(person="P8").to_dict(), "occurred_at": "2020-01-01T00:00:00+00:00"}
        log = {"casework": [{"sequence": 1, "envelope": old}, {"sequence": 2, "envelope": missed}]}
        result = replays.replay_since(webhooks, ADMIN, {"subscription_id": sub["id"],
                                                         "since": (START - timedelta(minutes=1)).isoformat()})
        assert result["reset"] == 1

        def fetch(producer, position, limit):
            return {"items": [i for i in log.get(producer, []) if i["sequence"] > position][:limit]}

        assert replays.advance(webhooks, fetch, page=1) == 0  # the old event is before the moment asked for
        assert replays.advance(webhooks, fetch, page=1) == 1
        replays.advance(webhooks, fetch, page=1)
        assert webhooks.replays.running() == []
        assert send_all(webhooks, Receiver()) == [DELIVERED, DELIVERED]
