"""Two tiny services that exercise the shared kernel the way real services use it."""
from __future__ import annotations

from marshmallow import Schema, fields
from nameko.rpc import rpc

from services.common import storage
from services.common.consumers import Inbox, event_handler
from services.common.events import contract, new_event
from services.common.health import OperationalEndpoints
from services.common.observability import Observability, current_correlation_id
from services.common.outbox import OutboxRelay


class ThingCreatedV1(Schema):
    thing_id = fields.String(required=True)
    label = fields.String(required=True)


THING_CREATED = contract("kernel_test.thing_created", 1, "kernel_producer", ThingCreatedV1,
                         "a thing was created (test contract)")


class ProducerService:
    name = "kernel_producer"
    observability = Observability()
    relay = OutboxRelay("kernel_producer", ["things"])

    @rpc
    def create(self, thing_id, label):
        db = storage.database(self.name)
        event = new_event(THING_CREATED, {"thing_id": thing_id, "label": label},
                          correlation_id=current_correlation_id())
        return storage.AggregateStore(db, "things", "thing").insert({"_id": thing_id, "label": label}, [event])


class SlowService(OperationalEndpoints):
    """Answers slowly, to show that stopping a service lets in-flight work finish."""

    name = "kernel_slow"
    observability = Observability()

    @rpc
    def slow(self, seconds):
        import eventlet
        eventlet.sleep(seconds)
        return "finished"


class ConsumerService:
    """Counts things; fails on demand (the `failures` document says how many times)."""

    name = "kernel_consumer"
    observability = Observability()
    db = storage.ServiceDatabase("kernel_consumer", Inbox.indexes)

    @event_handler(THING_CREATED)
    def on_thing_created(self, event):
        db = self.db
        plan = db.failures.find_one_and_update({"_id": event.payload["thing_id"], "remaining": {"$gt": 0}},
                                               {"$inc": {"remaining": -1}})
        if plan is not None:
            raise RuntimeError(f"planned failure for {event.payload['thing_id']}")

        def effect():
            db.seen.insert_one({"_id": f"{event.id}:{db.seen.count_documents({})}", "event_id": event.id,
                                "thing_id": event.payload["thing_id"], "correlation_id": event.correlation_id})
        Inbox(db, f"{self.name}.on_thing_created").process_once(event.id, effect)
