"""The webhooks service's nameko entrypoints: declarations of its use cases (services/webhooks/usecases).

RPC (every method takes `viewer`, a Viewer as a dict, first; administrators only):
- create_subscription(viewer, data{agency_client_id, url, event_types[], regions[], personal_fields[],
  description?}) → {subscription, secret}; rotate_secret(viewer, subscription_id) → {subscription, secret}
  (the secret is shown only in these two replies)
- pause_subscription / resume_subscription / delete_subscription(viewer, subscription_id) → Subscription
- list_subscriptions(viewer, filters{agency_client_id?, after?, limit?}) → {items, next_cursor, total}
- list_deliveries(viewer, filters{subscription_id, state?, after?, limit?}) → {items: [Delivery with its
  attempt_log], next_cursor, total}
- replay_delivery(viewer, delivery_id) → Delivery; replay_since(viewer, request{subscription_id, since}) →
  {job_id, reset}

Events: every public contract of registry, casework, volunteers, funding and supervision (domain/catalogue.py),
each consumed once into delivery records; casework's consent.withdrawn is also recorded (usecases/deliveries.py);
identity's agency.client_created and agency.client_revoked keep the clients subscriptions name (usecases/clients.py).
Sending is the DeliverySender's own green thread (sender.py); replay jobs advance on a timer; another timer
purges the delivery log past its retention every hour (usecases/retention.py).
"""
from __future__ import annotations

from nameko.timer import timer

from services.common import storage
from services.common.auth import SYSTEM
from services.common.config import settings
from services.common.entrypoints import event_handler, use_case_rpc
from services.common.events import EventContract
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.retention import IdempotencyRetention
from services.common.rpc import credential_rpc
from services.common.rpc_client import KernelRpcClient
from services.contracts.casework import CONSENT_WITHDRAWN
from services.contracts.identity import AGENCY_CLIENT_CREATED, AGENCY_CLIENT_REVOKED

from .domain.catalogue import FOLLOWED
from .sender import DeliverySender
from .storage import INDEXES
from .usecases import Webhooks, clients, deliveries, replays, retention, subscriptions

SERVICE = "webhooks"
REPLAY_SECONDS = 2
RETENTION_SECONDS = 3600


def handler_name(contract: EventContract) -> str:
    return f"on_{contract.name.replace('.', '_')}"


def _consume(contract: EventContract):
    """An event handler writing `contract`'s deliveries (and, for consent.withdrawn, the withdrawal first)."""

    def handle(self, event):
        if event.type == CONSENT_WITHDRAWN.name:
            deliveries.record_withdrawal(self.use_cases, event)
        if deliveries.fan_out(self.use_cases, event):
            self.sender.wake()

    handle.__name__ = handler_name(contract)
    return event_handler(contract)(handle)


class WebhooksService(OperationalEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, INDEXES)
    sender = DeliverySender()

    @property
    def use_cases(self) -> Webhooks:
        return Webhooks.over(self.db)

    create_subscription = use_case_rpc(subscriptions.create_subscription, kind=credential_rpc)
    rotate_secret = use_case_rpc(subscriptions.rotate_secret, kind=credential_rpc)
    pause_subscription = use_case_rpc(subscriptions.pause_subscription)
    resume_subscription = use_case_rpc(subscriptions.resume_subscription)
    delete_subscription = use_case_rpc(subscriptions.delete_subscription)
    list_subscriptions = use_case_rpc(subscriptions.list_subscriptions)
    list_deliveries = use_case_rpc(deliveries.list_deliveries)
    replay_delivery = use_case_rpc(deliveries.replay_delivery)
    replay_since = use_case_rpc(replays.replay_since)

    @event_handler(AGENCY_CLIENT_CREATED)
    def on_agency_client_created(self, event):
        clients.record_client_created(self.use_cases, event.payload)

    @event_handler(AGENCY_CLIENT_REVOKED)
    def on_agency_client_revoked(self, event):
        clients.record_client_revoked(self.use_cases, event.payload)

    @timer(interval=REPLAY_SECONDS)
    def advance_replays(self):
        if not self.use_cases.replays.running():
            return
        config = settings()
        with KernelRpcClient(uri=config.amqp_uri, timeout=config.rpc_timeout_seconds) as client:
            def fetch(producer: str, position: int, limit: int) -> dict:
                return getattr(client, producer).events_since(SYSTEM.to_dict(), position, limit)

            if replays.advance(self.use_cases, fetch):
                self.sender.wake()

    @timer(interval=RETENTION_SECONDS)
    def purge_delivery_log(self):
        retention.purge_delivery_log(self.use_cases, SYSTEM)


# One handler per contract (nameko's queues are per contract and handler method).
for _contract in FOLLOWED:
    setattr(WebhooksService, handler_name(_contract), _consume(_contract))
del _contract
