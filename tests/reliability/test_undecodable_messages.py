"""Fault: a message whose body cannot be decoded (kombu acks such a body before any handler runs).
It must reach the dead-letter queue with the reason, not vanish with a log line."""
from __future__ import annotations

from kombu import Producer

from services.common.broker import connection, events_exchange
from services.common.deadletters import list_dead_letters
from tests.support.containers import running
from tests.support.kernel_services import THING_CREATED, ConsumerService
from tests.support.waiting import wait_for


def test_garbage_bodies_are_dead_lettered_with_the_reason(isolated_settings):
    with running(ConsumerService, settings=isolated_settings):
        with connection(isolated_settings.amqp_uri) as conn:
            producer = Producer(conn.channel())
            exchange = events_exchange(THING_CREATED.producer)
            producer.publish(b"{not json", exchange=exchange, routing_key=THING_CREATED.name,
                             content_type="application/json", content_encoding="utf-8", message_id="garbage-json")
            producer.publish(b"\x80\x04K\x01.", exchange=exchange, routing_key=THING_CREATED.name,
                             content_type="application/x-python-serialize", content_encoding="binary",
                             message_id="garbage-pickle")
        letters = wait_for(lambda: (lambda found: found if len(found) == 2 else None)(
            list_dead_letters(isolated_settings.amqp_uri)), timeout=30)
    by_body = {letter["body"] if isinstance(letter["body"], str) else None: letter for letter in letters}
    assert set(by_body) >= {"{not json"}
    assert {letter["reason"] for letter in letters} == {"undecodable"}
    assert {letter["queue"] for letter in letters} == {
        "evt-kernel_producer-kernel_test.thing_created--kernel_consumer.on_thing_created"}
    json_letter = by_body["{not json"]
    assert "decode" in json_letter["error"].lower() or "expecting" in json_letter["error"].lower()
    assert any("disallowed" in letter["error"].lower() or "pickle" in letter["error"].lower()
               for letter in letters if letter is not json_letter)
