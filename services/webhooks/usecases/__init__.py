"""The webhooks service's use cases, by topic: subscriptions (what an agency receives, set by administrators),
deliveries (fan-out of consumed events, consent, the delivery log and replays), sending (one attempt of a due
delivery), replays (events since a moment, from the producers' histories), clients (identity's agency clients a
subscription must name), retention (the delivery log's purge). Each takes the `Webhooks`
composition object first and the calling `viewer` second (the sender and the consumers call as SYSTEM)."""
from __future__ import annotations

from dataclasses import dataclass, field

from services.common.config import WebhookSettings, settings
from services.common.protection import FieldCipher

from ..storage import AgencyClients, Attempts, Deliveries, Replays, Subscriptions, Withdrawals


@dataclass
class Webhooks:
    subscriptions: Subscriptions
    deliveries: Deliveries
    attempts: Attempts
    withdrawals: Withdrawals
    replays: Replays
    clients: AgencyClients  # identity's agency clients, from its events
    cipher: FieldCipher
    policy: WebhookSettings = field(default_factory=lambda: settings().webhooks)

    @classmethod
    def over(cls, db, policy: WebhookSettings | None = None, cipher: FieldCipher | None = None) -> Webhooks:
        return cls(Subscriptions(db), Deliveries(db), Attempts(db), Withdrawals(db), Replays(db), AgencyClients(db),
                   cipher or FieldCipher(), policy or settings().webhooks)
