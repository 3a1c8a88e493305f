"""List and replay dead-lettered messages (`shegong dead-letters list|replay`).

Listing reads every message without acknowledging it; closing the channel returns them all to
the queue, in order. Replaying re-publishes the chosen ones to the queue they failed in, with
the attempt counter reset, and only then acknowledges them.
"""
from __future__ import annotations

from kombu import Producer
from kombu.message import Message

from .broker import DEAD_LETTER_QUEUE, connection, dead_letter_queue
from .consumers import ATTEMPTS_HEADER


def _drain(channel):
    queue = dead_letter_queue()(channel)
    queue.declare()
    messages: list[Message] = []
    while True:
        message = queue.get(no_ack=False, accept=["json"])
        if message is None:
            return messages
        messages.append(message)


def _describe(message) -> dict:
    headers = message.headers or {}
    try:
        body = message.decode() if message.body else None
    except Exception:  # an undecodable message is listed as the text it came as
        raw = message.body
        body = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return {
        "id": message.properties.get("message_id"),
        "queue": headers.get("x-original-queue"),
        "reason": headers.get("x-dead-letter-reason"),
        "error": headers.get("x-error"),
        "attempts": headers.get("x-attempts"),
        "dead_lettered_at": headers.get("x-dead-lettered-at"),
        "event_id": body.get("id") if isinstance(body, dict) else None,
        "event_type": body.get("type") if isinstance(body, dict) else None,
        "body": body,
    }


def list_dead_letters(amqp_uri: str) -> list[dict]:
    with connection(amqp_uri) as conn:
        channel = conn.channel()
        described = [_describe(m) for m in _drain(channel)]
        channel.close()  # unacknowledged messages go back to the queue
    return described


def replay_dead_letters(amqp_uri: str, ids: list[str] | None = None, queue: str | None = None) -> list[dict]:
    """Re-publish the selected dead letters (all when no filter) to their original queues."""
    replayed = []
    with connection(amqp_uri) as conn:
        channel = conn.channel()
        producer = Producer(conn.channel())
        for message in _drain(channel):
            info = _describe(message)
            chosen = (not ids or info["id"] in ids) and (queue is None or info["queue"] == queue)
            if not chosen or not info["queue"]:
                continue
            headers = {k: v for k, v in (message.headers or {}).items()
                       if not k.startswith("x-") or k == "x-shegong-replayed"}
            headers["x-shegong-replayed"] = int(headers.get("x-shegong-replayed", 0)) + 1
            headers[ATTEMPTS_HEADER] = 0
            producer.publish(message.body, exchange="", routing_key=info["queue"], headers=headers,
                             content_type=message.content_type, content_encoding=message.content_encoding,
                             delivery_mode=2, message_id=info["event_id"] or info["id"])
            message.ack()
            replayed.append(info)
        channel.close()
    return replayed


__all__ = ["list_dead_letters", "replay_dead_letters", "DEAD_LETTER_QUEUE"]
