"""Thin kombu helpers: one place that knows how the platform lays out exchanges and queues."""
from __future__ import annotations

from kombu import Connection, Exchange, Queue

DEAD_LETTER_QUEUE = "shegong.dead-letters"


def connection(amqp_uri: str, heartbeat: int = 15) -> Connection:
    return Connection(amqp_uri, heartbeat=heartbeat, transport_options={"confirm_publish": True},
                      connect_timeout=5)


def events_exchange(producer: str) -> Exchange:
    # Same shape as nameko's own event exchanges, so nameko tooling still recognises them.
    return Exchange(f"{producer}.events", type="topic", durable=True, delivery_mode=2)


def retry_queue_name(queue: str, attempt: int) -> str:
    return f"{queue}.retry.{attempt}"


def retry_queues(queue: str, max_retries: int, base_delay_ms: int) -> list[Queue]:
    """Wait queues with growing TTLs; an expired message dead-letters back to the consumer's queue."""
    return [
        Queue(retry_queue_name(queue, attempt), durable=True, queue_arguments={
            "x-message-ttl": base_delay_ms * 2 ** (attempt - 1),
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue,
        })
        for attempt in range(1, max_retries + 1)
    ]


def dead_letter_queue() -> Queue:
    return Queue(DEAD_LETTER_QUEUE, durable=True)
