"""Kernel benchmarks (issue 2, items a and b).

(a) RPC round trip: nameko RPC against a raw kombu request/reply on the same broker, as a ratio.
(b) Events per second through outbox relay → broker → idempotent consumer.

    python -m bench.bench_kernel [--calls 500] [--events 2000]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from kombu import Connection, Exchange, Producer, Queue  # noqa: E402
from marshmallow import Schema, fields  # noqa: E402
from nameko.rpc import rpc  # noqa: E402

from bench.common import private_platform, summary_ms  # noqa: E402
from services.common import storage  # noqa: E402
from services.common.consumers import Inbox, event_handler  # noqa: E402
from services.common.events import contract, new_event  # noqa: E402
from services.common.outbox import OutboxRelay  # noqa: E402
from tests.support.containers import rpc_client, running  # noqa: E402


class Echo:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value


class PingPayload(Schema):
    n = fields.Integer(required=True)


PINGED = contract("bench.pinged", 1, "bench_producer", PingPayload, "benchmark event")


class Producer_:
    name = "bench_producer"
    relay = OutboxRelay("bench_producer", ["pings"])


class Consumer_:
    name = "bench_consumer"
    db = storage.ServiceDatabase("bench_consumer", Inbox.indexes)

    @event_handler(PINGED)
    def on_ping(self, event):
        Inbox(self.db, "bench_consumer.on_ping").process_once(
            event.id, lambda: self.db.effects.insert_one({"_id": event.id, "n": event.payload["n"]}))


def raw_kombu_round_trips(amqp_uri: str, calls: int) -> list[float]:
    """The floor: a request queue, a server green thread that replies, a client that waits."""
    request_queue = Queue(f"bench-raw-{uuid.uuid4().hex[:6]}", Exchange("", type="direct"), auto_delete=True)
    with Connection(amqp_uri) as server_conn, Connection(amqp_uri) as client_conn:
        server_producer = Producer(server_conn.channel())

        def on_request(body, message):
            server_producer.publish(body, routing_key=message.properties["reply_to"],
                                    correlation_id=message.properties["correlation_id"], serializer="json")
            message.ack()

        server_consumer = server_conn.Consumer([request_queue], callbacks=[on_request], accept=["json"])
        server_consumer.consume()
        stop = False

        def serve():
            while not stop:
                try:
                    server_conn.drain_events(timeout=0.2)
                except TimeoutError:
                    pass
                except OSError:
                    pass

        server = eventlet.spawn(serve)
        reply_queue = Queue(f"bench-reply-{uuid.uuid4().hex[:6]}", exclusive=True, auto_delete=True)
        replies = {}
        client_consumer = client_conn.Consumer([reply_queue], accept=["json"],
                                               callbacks=[lambda body, m: (
                                                  replies.__setitem__(m.properties["correlation_id"], body), m.ack())])
        client_consumer.consume()
        client_producer = Producer(client_conn.channel())
        samples = []
        for index in range(calls):
            correlation_id = str(index)
            started = time.perf_counter()
            client_producer.publish({"value": index}, routing_key=request_queue.name, reply_to=reply_queue.name,
                                     correlation_id=correlation_id, serializer="json")
            while correlation_id not in replies:
                client_conn.drain_events(timeout=5)
            samples.append(time.perf_counter() - started)
        stop = True
        server.wait()
    return samples


def nameko_round_trips(settings, calls: int) -> list[float]:
    samples = []
    with running(Echo, settings=settings), rpc_client(settings) as client:
        client.bench_echo.echo(0)  # warm up the reply queue
        for index in range(calls):
            started = time.perf_counter()
            client.bench_echo.echo(index)
            samples.append(time.perf_counter() - started)
    return samples


def events_through_outbox(settings, count: int) -> dict:
    db = storage.database("bench_producer")
    storage.ensure_indexes(db, storage.outbox_indexes("pings"))
    store = storage.AggregateStore(db, "pings", "ping")
    for index in range(count):
        store.insert({"_id": f"p{index}"}, [new_event(PINGED, {"n": index}, correlation_id=f"c{index}")])
    effects = storage.database("bench_consumer").effects
    with running(Consumer_, settings=settings):
        started = time.perf_counter()
        with running(Producer_, settings=settings):
            while effects.count_documents({}) < count:
                eventlet.sleep(0.05)
            elapsed = time.perf_counter() - started
    return {"events": count, "seconds": elapsed, "per_second": count / elapsed,
            "distinct_effects": len(set(d["n"] for d in effects.find({}, {"n": 1})))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    with private_platform() as settings:
        raw = raw_kombu_round_trips(settings.amqp_uri, args.calls)
        nameko = nameko_round_trips(settings, args.calls)
        print(f"(a) raw kombu request/reply: {summary_ms(raw)}")
        print(f"(a) nameko RPC round trip:   {summary_ms(nameko)}")
        print(f"(a) ratio nameko/raw (p50):  {sorted(nameko)[len(nameko)//2] / sorted(raw)[len(raw)//2]:.1f}x")
        result = events_through_outbox(settings, args.events)
        print(f"(b) outbox → broker → idempotent consumer: {result['events']} events in {result['seconds']:.2f} s "
              f"= {result['per_second']:.0f} events/s ({result['distinct_effects']} distinct effects)")


if __name__ == "__main__":
    main()
