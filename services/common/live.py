"""Live events: every event of some contracts, delivered to this process only, for pushing to open
connections (the gateway's server-sent events; issue 11).

`ReliableEventHandler` (consumers.py) is for effects that must happen exactly once per consumer: one
durable queue shared by every instance of a service, an inbox, retries, dead letters. A push to live
connections is the opposite: every gateway process must see every event (each holds its own
connections), nothing is stored, and an event missed while a process was down is not worth replaying
(a client that reconnects reads the feed again over GraphQL). So `@live_event_handler(...)` declares,
per process, one queue of its own bound to the producer's exchange: not durable, deleted when the
process's consumer goes, bounded (`x-max-length`, oldest dropped first) so a stalled process cannot
make the broker hoard events. Each message is read against its contract (upcast like any consumer)
and acked on receipt; an unreadable one is logged and dropped, never retried.
"""
from __future__ import annotations

import logging
import uuid

from kombu import Queue, binding
from nameko.messaging import Consumer, decode_from_headers

from .broker import events_exchange
from .events import EventContract, UnreadableEvent, read_event

log = logging.getLogger(__name__)

MAX_QUEUED = 1000  # events a process may fall behind by before the broker drops the oldest


class LiveEventHandler(Consumer):
    def __init__(self, *contracts: EventContract, **kwargs):
        if not contracts or len({c.producer for c in contracts}) != 1:
            raise ValueError("live_event_handler takes one or more contracts of one producer")
        self.contracts = {c.name: c for c in contracts}
        self.producer = contracts[0].producer
        self.instance = uuid.uuid4().hex[:12]
        super().__init__(queue=None, **kwargs)

    @property
    def queue_name(self) -> str:
        return f"live-{self.producer}--{self.container.service_name}.{self.method_name}.{self.instance}"

    def setup(self):
        exchange = events_exchange(self.producer)
        self.queue = Queue(self.queue_name, exchange=exchange, durable=False, auto_delete=True,
                           bindings=[binding(exchange, routing_key=name) for name in sorted(self.contracts)],
                           queue_arguments={"x-max-length": MAX_QUEUED, "x-overflow": "drop-head",
                                            "x-expires": 60_000})
        super().setup()

    def handle_message(self, body, message):
        contract = self.contracts.get(str(body.get("type"))) if isinstance(body, dict) else None
        try:
            if contract is None:
                raise UnreadableEvent(f"not one of {sorted(self.contracts)}")
            envelope = read_event(body, contract)
        except UnreadableEvent as exc:
            log.warning("live event dropped: %s", exc, extra={"queue": self.queue_name})
            self.consumer.ack_message(message)
            return
        context_data = decode_from_headers(message.headers)

        def spawn_worker():
            from nameko.exceptions import ContainerBeingKilled
            try:
                self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                            handle_result=self._acked(message))
            except ContainerBeingKilled:
                self.consumer.ack_message(message)  # nothing to hand it to; live events are not kept

        self.container.spawn_managed_thread(spawn_worker, identifier=f"live:{self.queue_name}")

    def _acked(self, message):
        def handle_result(worker_ctx, result=None, exc_info=None):
            if exc_info is not None:
                log.warning("live event handler failed: %s", exc_info[1], extra={"queue": self.queue_name})
            self.consumer.ack_message(message)
            return result, exc_info
        return handle_result


live_event_handler = LiveEventHandler.decorator
