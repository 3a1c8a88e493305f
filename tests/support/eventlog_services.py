"""A producer whose history is kept, and a consumer with a projection built from that history."""
from __future__ import annotations

import eventlet
from marshmallow import Schema, fields
from nameko.rpc import rpc

from services.common import storage
from services.common.consumers import event_handler
from services.common.eventlog import EventLogEndpoints
from services.common.events import contract, new_event
from services.common.observability import Observability, current_correlation_id
from services.common.outbox import OutboxRelay
from services.common.projections import Projection

PRODUCER = "history_producer"


class ParcelLoggedV1(Schema):
    parcel_id = fields.String(required=True)
    label = fields.String(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True)
    urgent = fields.Boolean(required=True)


PARCEL_LOGGED = contract("history_test.parcel_logged", 1, PRODUCER, ParcelLoggedV1,
                         "a parcel was logged at a station (test contract)")


class HistoryProducer(EventLogEndpoints):
    name = PRODUCER
    observability = Observability()
    relay = OutboxRelay(PRODUCER, ["parcels"])

    @rpc
    def log_parcel(self, parcel_id, station_id="ST320102001", region_code="320102001"):
        db = storage.database(self.name)
        event = new_event(PARCEL_LOGGED, {"parcel_id": parcel_id, "label": f"parcel {parcel_id}", "name": "张三丰",
                                          "phone": "13812345678", "urgent": True},
                          correlation_id=current_correlation_id(),
                          actor={"user_id": "clerk-1", "role": "station_staff"})
        storage.AggregateStore(db, "parcels", "parcel").insert(
            {"_id": parcel_id, "station_id": station_id, "region_code": region_code}, [event])
        return parcel_id


def count_parcel(state: dict, event) -> dict:
    # Slow on purpose, so a test can stop the consumer half-way through its catch-up.
    eventlet.sleep(0.03)
    seen = dict(state.get("seen") or {})
    seen[event.payload["parcel_id"]] = seen.get(event.payload["parcel_id"], 0) + 1
    return {"seen": seen, "applied": state.get("applied", 0) + 1}


class ParcelCounter:
    """Counts every parcel ever logged, including those logged before this service existed."""

    name = "history_consumer"
    observability = Observability()
    parcels = Projection("parcel_counts", [(PARCEL_LOGGED, count_parcel)], page=5)

    @event_handler(PARCEL_LOGGED)
    def on_parcel_logged(self, event):
        self.parcels.live(event)
