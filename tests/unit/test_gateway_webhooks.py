"""The webhooks part of the schema through a fake webhooks service (the service's own use cases in memory):
administrators only, the secret shown once, the delivery log with its attempts, replays, typed refusals."""
from __future__ import annotations

import json

from gateway.execution import GraphQLEndpoint
from gateway.http import HttpRequest
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.auth import Viewer, mint_token
from services.common.config import WebhookSettings
from services.common.events import new_event
from services.common.protection import FieldCipher
from services.contracts.casework import CASE_OPENED
from services.webhooks.storage import INDEXES
from services.webhooks.usecases import Webhooks, clients, deliveries, replays, sending, subscriptions
from tests.support.memory_store import memory_database
from tests.unit.test_webhooks_usecases import client_created

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings()
TOKENS = {"admin": mint_token(SETTINGS.token_secret, user_id="admin-1", role="admin"),
          "county": mint_token(SETTINGS.token_secret, user_id="county-1", role="county", region="321181")}


class FakeWebhooks:
    """The webhooks service's RPC surface as the gateway calls it, over its use cases in memory."""

    def __init__(self):
        self.use_cases = Webhooks.over(memory_database("webhooks", INDEXES), WebhookSettings(), FieldCipher())
        self.calls: list[str] = []
        clients.record_client_created(self.use_cases, client_created("agency-1"))  # identity's event

    def _call(self, name, use_case, viewer, *args):
        self.calls.append(name)
        return json.loads(json.dumps(use_case(self.use_cases, Viewer.from_dict(viewer), *args), default=str))

    def create_subscription(self, viewer, data):
        return self._call("create_subscription", subscriptions.create_subscription, viewer, data)

    def rotate_secret(self, viewer, subscription_id):
        return self._call("rotate_secret", subscriptions.rotate_secret, viewer, subscription_id)

    def pause_subscription(self, viewer, subscription_id):
        return self._call("pause_subscription", subscriptions.pause_subscription, viewer, subscription_id)

    def resume_subscription(self, viewer, subscription_id):
        return self._call("resume_subscription", subscriptions.resume_subscription, viewer, subscription_id)

    def delete_subscription(self, viewer, subscription_id):
        return self._call("delete_subscription", subscriptions.delete_subscription, viewer, subscription_id)

    def list_subscriptions(self, viewer, filters=None):
        return self._call("list_subscriptions", subscriptions.list_subscriptions, viewer, filters)

    def list_deliveries(self, viewer, filters):
        return self._call("list_deliveries", deliveries.list_deliveries, viewer, filters)

    def replay_delivery(self, viewer, delivery_id):
        return self._call("replay_delivery", deliveries.replay_delivery, viewer, delivery_id)

    def replay_since(self, viewer, request):
        return self._call("replay_since", replays.replay_since, viewer, request)


def run(fake, query, variables=None, token="admin"):
    body = {"query": query, "variables": variables or {}}
    request = HttpRequest.build("POST", {"Content-Type": "application/json",
                                         "Authorization": f"Bearer {TOKENS[token]}"}, {}, json.dumps(body))
    return ENDPOINT.handle(request, clients={"webhooks": fake}, settings=SETTINGS, correlation_id="corr-webhooks-1",
                           rpc_calls=lambda: len(fake.calls)).json()


def ok(fake, query, variables=None, token="admin"):
    body = run(fake, query, variables, token)
    assert "errors" not in body, body["errors"]
    return body["data"]


CREATE = """mutation ($input: WebhookSubscriptionInput!) { createWebhookSubscription(input: $input) {
  secret subscription { id agencyClientId url eventTypes regions personalFields status secretPreview } } }"""
INPUT = {"agencyClientId": "agency-1", "url": "https://agency.example/hook", "eventTypes": ["case.opened"],
         "regions": ["321181"], "personalFields": ["person_id"]}
LOG = """query ($id: ID!) { webhookDeliveries(subscriptionId: $id, first: 10) { totalCount nextCursor
  items { id eventType state attempts lastStatusCode attemptLog { attempt statusCode outcome durationMs } } } }"""


def test_an_administrator_subscribes_operates_and_reads_the_delivery_log():
    fake = FakeWebhooks()
    created = ok(fake, CREATE, {"input": INPUT})["createWebhookSubscription"]
    assert created["secret"].startswith("whsec_") and created["subscription"]["status"] == "active"
    subscription_id = created["subscription"]["id"]
    listed = ok(fake, "{ webhookSubscriptions { totalCount items { id secretPreview } } }")["webhookSubscriptions"]
    assert listed["totalCount"] == 1 and created["secret"] not in json.dumps(listed)

    event = new_event(CASE_OPENED, {"case_id": "C1", "household_id": "H1", "person_id": "P1",
                                    "station_id": "ST321181001", "township_code": "321181001", "domain": "elderly",
                                    "source": "visit", "assigned_staff_id": "S1", "opened_on": "2026-03-01"},
                      correlation_id="t")
    deliveries.fan_out(fake.use_cases, event)
    [claimed] = sending.claim_due(fake.use_cases, {}, 2, 10)
    sending.attempt(fake.use_cases, claimed, lambda url, body, headers, timeout: 503)
    log = ok(fake, LOG, {"id": subscription_id})["webhookDeliveries"]
    assert log["totalCount"] == 1
    [delivery] = log["items"]
    assert delivery["state"] == "pending" and delivery["attemptLog"][0]["statusCode"] == 503

    replayed = ok(fake, "mutation ($id: ID!) { replayWebhookDelivery(id: $id) { id state } }", {"id": delivery["id"]})
    assert replayed["replayWebhookDelivery"]["state"] == "pending"
    since = ok(fake, """mutation ($id: ID!) { replayWebhookDeliveries(subscriptionId: $id,
                 since: "2026-01-01T00:00:00Z") { jobId reset } }""", {"id": subscription_id})
    assert since["replayWebhookDeliveries"]["jobId"]
    for mutation, status in [("pauseWebhookSubscription", "paused"), ("resumeWebhookSubscription", "active")]:
        changed = ok(fake, f"mutation ($id: ID!) {{ {mutation}(id: $id) {{ status }} }}", {"id": subscription_id})
        assert changed[mutation]["status"] == status
    rotated = ok(fake, "mutation ($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", {"id": subscription_id})
    assert rotated["rotateWebhookSecret"]["secret"] != created["secret"]
    ok(fake, "mutation ($id: ID!) { deleteWebhookSubscription(id: $id) { status } }", {"id": subscription_id})
    assert ok(fake, "{ webhookSubscriptions { totalCount } }")["webhookSubscriptions"]["totalCount"] == 0


def test_officials_are_refused_and_bad_input_names_its_fields():
    fake = FakeWebhooks()
    body = run(fake, CREATE, {"input": INPUT}, token="county")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = run(fake, "{ webhookSubscriptions { totalCount } }", token="county")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = run(fake, CREATE, {"input": {**INPUT, "url": "file:///etc/passwd", "regions": ["x"]}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = run(fake, LOG, {"id": "whs_unknown"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
