"""Kernel benchmarks (issue 2, items a and b).

(a) RPC round trip against a raw kombu request/reply on the same broker, as ratios (issue 10):
    - the gateway's client: TimedServiceRpc inside a container calling a KernelRpc service;
    - the standalone client (KernelRpcClient: the CLI, projections, tests);
    - nameko's stock ServiceRpc and ClusterRpcClient against a stock `@rpc` service, as they were.
    The paths take turns in rounds, so load from other work on the machine falls on all of them.
(b) Events per second through outbox relay → broker → idempotent consumer, the event log written, in one
    run: unbatched (a confirm wait per message, three store round trips per event) against batched (one
    confirm wait per relay batch, pending documents read whole and claimed on their version, the next
    batch claimed and logged while this one is published and confirmed; consumer batches whose records are
    their own inbox records: one insert per batch, then one multiple-ack). Both windows
    open when the events become pending, with both containers already running, and close when the
    consumer has applied the last one (counted in this process, not by counting in the store); the CPU
    each process used in the window is printed per event, since the window's length depends on the load.

    python -m bench.bench_kernel [--calls 500] [--rounds 5] [--events 2000] [--events-only]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from kombu import Connection, Exchange, Producer, Queue  # noqa: E402
from marshmallow import Schema, fields  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.rpc import ServiceRpc  # noqa: E402
from nameko.rpc import rpc as stock_rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402

from bench.common import percentile, private_platform, summary_ms  # noqa: E402
from services.common import eventlog, storage  # noqa: E402
from services.common.batching import batched_event_handler  # noqa: E402
from services.common.broker import connection  # noqa: E402
from services.common.consumers import Inbox, event_handler  # noqa: E402
from services.common.events import contract, new_event  # noqa: E402
from services.common.outbox import OutboxRelay  # noqa: E402
from services.common.rpc import TimedServiceRpc, rpc  # noqa: E402
from services.common.rpc_client import KernelRpcClient  # noqa: E402
from tests.support.containers import running  # noqa: E402


class Echo:
    """A service as the platform's services are: the kernel's RPC entrypoint."""
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value


class StockEcho:
    """The same service on nameko's own entrypoint (the path before issue 10)."""
    name = "bench_echo_stock"

    @stock_rpc
    def echo(self, value):
        return value


class InContainerCaller:
    """Times calls made from inside a container, with the client the gateway uses (or nameko's)."""
    name = "bench_caller"
    kernel = TimedServiceRpc("bench_echo")
    stock = ServiceRpc("bench_echo_stock")

    @rpc
    def time_calls(self, client, calls):
        target = self.kernel if client == "kernel" else self.stock
        samples = []
        for index in range(calls):
            started = time.perf_counter()
            target.echo(index)
            samples.append(time.perf_counter() - started)
        return samples


class PingPayload(Schema):
    n = fields.Integer(required=True)


PINGED = contract("bench.pinged", 1, "bench_producer", PingPayload, "benchmark event")
PINGED_BATCHED = contract("bench.pinged_batched", 1, "bench_batched_producer", PingPayload,
                          "benchmark event, batched path")


class Producer_:
    """The relay as it was: a confirm wait after every message."""
    name = "bench_producer"
    relay = OutboxRelay("bench_producer", ["pings"], confirm_each=True, batches=1)


class Consumer_:
    """The consumer as it was: claim, effect and done mark per event."""
    name = "bench_consumer"
    db = storage.ServiceDatabase("bench_consumer", Inbox.indexes)

    @event_handler(PINGED)
    def on_ping(self, event):
        if Inbox(self.db, "bench_consumer.on_ping").process_once(
                event.id, lambda: self.db.effects.insert_one({"_id": event.id, "n": event.payload["n"]})):
            APPLIED.add(1)


# Larger batches win on nx-27017, whose cost is mostly per round trip (200/100: 1.6x, 500/250: 2.3x,
# 1000/500: 2.5x over the unbatched path, measured here under load).
RELAY_BATCH = 1000
RELAY_BATCHES = 20  # overlapping: the next batch is claimed and logged while the broker confirms this one
CONSUMER_BATCH = 500


class BatchedProducer:
    name = "bench_batched_producer"
    relay = OutboxRelay("bench_batched_producer", ["pings"], batch=RELAY_BATCH, batches=RELAY_BATCHES)


class CountApplied(DependencyProvider):
    """Counts a batch's events once the kernel has written their records (after the method returned)."""

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            APPLIED.add(len(worker_ctx.args[0]) - len(result or {}))


class BatchedConsumer:
    """One record per event, which is its own inbox record (batching.EventRecords): one insert per batch."""
    name = "bench_batched_consumer"
    db = storage.ServiceDatabase("bench_batched_consumer")
    applied = CountApplied()

    @batched_event_handler(PINGED_BATCHED, batch_size=CONSUMER_BATCH, records="effects")
    def on_pings(self, events):
        return {event.id: {"n": event.payload["n"]} for event in events}


class AppliedCounter:
    """Effects applied by the bench's consumers, counted in this process: the timed loop asks it, not the
    store, whose count scans the collection on nx-27017 (0.4 s a call at 5,000 effects, competing with
    the pipeline it measures). The store is counted once, after the window, to check the result."""

    def __init__(self):
        self.count = 0

    def add(self, applied: int) -> None:
        self.count += applied


APPLIED = AppliedCounter()


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


def standalone_round_trips(client, service: str, calls: int) -> list[float]:
    samples = []
    for index in range(calls):
        started = time.perf_counter()
        client[service].echo(index)
        samples.append(time.perf_counter() - started)
    return samples


RPC_PATHS = {
    "raw": "raw kombu request/reply (the floor)",
    "gateway": "gateway's client: TimedServiceRpc → KernelRpc (in a container)",
    "standalone": "standalone KernelRpcClient → KernelRpc",
    "stock_gateway": "before: nameko ServiceRpc → nameko @rpc (in a container)",
    "stock_standalone": "before: nameko ClusterRpcClient → nameko @rpc",
}


def rpc_round_trips(settings, calls: int, rounds: int) -> dict[str, list[float]]:
    samples = {path: [] for path in RPC_PATHS}
    per_round = max(1, calls // rounds)
    with running(Echo, StockEcho, InContainerCaller, settings=settings), \
            KernelRpcClient(uri=settings.amqp_uri, timeout=600) as kernel_client, \
            ClusterRpcClient(uri=settings.amqp_uri, timeout=600) as stock_client:
        # warm up every path (connections, pools, reply queues) before anything is timed
        raw_kombu_round_trips(settings.amqp_uri, 20)
        kernel_client.bench_caller.time_calls("kernel", 20)
        kernel_client.bench_caller.time_calls("stock", 20)
        standalone_round_trips(kernel_client, "bench_echo", 20)
        standalone_round_trips(stock_client, "bench_echo_stock", 20)
        for _ in range(rounds):
            samples["raw"] += raw_kombu_round_trips(settings.amqp_uri, per_round)
            samples["gateway"] += kernel_client.bench_caller.time_calls("kernel", per_round)
            samples["standalone"] += standalone_round_trips(kernel_client, "bench_echo", per_round)
            samples["stock_gateway"] += kernel_client.bench_caller.time_calls("stock", per_round)
            samples["stock_standalone"] += standalone_round_trips(stock_client, "bench_echo_stock", per_round)
    return samples


PIPELINES = {
    "unbatched": (Producer_, Consumer_, PINGED),
    "batched": (BatchedProducer, BatchedConsumer, PINGED_BATCHED),
}


def events_through_outbox(settings, count: int, pipeline: str) -> dict:
    producer, consumer, pinged = PIPELINES[pipeline]
    db = storage.database(producer.name)
    storage.ensure_indexes(db, storage.outbox_indexes("pings"))
    store = storage.AggregateStore(db, "pings", "ping")
    for index in range(count):
        store.insert({"_id": f"p{index}"}, [new_event(pinged, {"n": index}, correlation_id=f"c{index}")])
    # Held back until both containers run, so neither pipeline's window includes their start-up
    # (queue declarations, indexes, the first connections): it opens when the events become pending
    # and closes when the consumer has applied the last one.
    db.pings.update_many({storage.OUTBOX_PENDING: True}, {"$set": {storage.OUTBOX_PENDING: False}})
    effects = storage.database(consumer.name).effects
    APPLIED.count = 0
    with running(consumer, settings=settings), running(producer, settings=settings):
        eventlet.sleep(0.5)
        # one command, which the relay cannot see half done: the window starts when it returns
        db.pings.update_many({"_id": {"$in": [f"p{index}" for index in range(count)]}},
                             {"$set": {storage.OUTBOX_PENDING: True}})
        started, cpu_before = time.perf_counter(), cpu_seconds()
        while APPLIED.count < count:
            eventlet.sleep(0.01)
        elapsed = time.perf_counter() - started
        cpu_used = {part: used - cpu_before[part] for part, used in cpu_seconds().items()}
    with connection(settings.amqp_uri) as conn:  # the other pipeline's events must not pile up here
        conn.default_channel.queue_delete(f"evt-{producer.name}-{pinged.name}--{consumer.name}.{_handler(consumer)}")
    return {"events": count, "seconds": elapsed, "per_second": count / elapsed, "cpu": cpu_used,
            "distinct_effects": len(set(d["n"] for d in effects.find({}, {"n": 1}))),
            "logged": storage.database(producer.name)[eventlog.LOG].count_documents({})}


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by this process (relay, consumer, driver) and by the store's (nx-27017).

    On a shared machine the window's length says more about the others' load than about the pipeline;
    CPU per event does not, and it bounds what a quiet machine can do."""
    def used(pid: int) -> float:
        fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")

    store = [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat")
             if _parent(stat) == os.getpid() and b"nx-27017" in (stat.parent / "cmdline").read_bytes()]
    return {"bench": used(os.getpid()), "store": sum(used(pid) for pid in store)}


def _parent(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):  # a process that ended while the list was read
        return -1


def _handler(consumer) -> str:
    return "on_pings" if consumer is BatchedConsumer else "on_ping"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500, help="timed calls per path")
    parser.add_argument("--rounds", type=int, default=5, help="turns the paths take")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rpc-only", action="store_true")
    parser.add_argument("--events-only", action="store_true")
    args = parser.parse_args()
    with private_platform() as settings:
        if not args.events_only:
            rpc_paths(settings, args)
        if args.rpc_only:
            return
        results = {pipeline: events_through_outbox(settings, args.events, pipeline) for pipeline in PIPELINES}
        for pipeline, result in results.items():
            print(f"(b) outbox → broker → idempotent consumer, {pipeline:<9}: {result['events']} events in "
                  f"{result['seconds']:.2f} s = {result['per_second']:.0f} events/s "
                  f"({result['distinct_effects']} distinct effects, {result['logged']} in the event log); "
                  f"CPU per event: bench process {result['cpu']['bench'] / result['events'] * 1000:.2f} ms, "
                  f"nx-27017 {result['cpu']['store'] / result['events'] * 1000:.2f} ms")
        ratio = results["batched"]["per_second"] / results["unbatched"]["per_second"]
        print(f"(b) batched / unbatched: {ratio:.1f}x")


def rpc_paths(settings, args) -> None:
    samples = rpc_round_trips(settings, args.calls, args.rounds)
    raw_p50 = percentile(samples["raw"], 0.5)
    for path, label in RPC_PATHS.items():
        ratio = percentile(samples[path], 0.5) / raw_p50
        print(f"(a) {label:<66} {summary_ms(samples[path])}  p50 ratio to raw {ratio:.2f}x")


if __name__ == "__main__":
    main()
