"""Webhook deliveries per second to a local receiver (issue 13).

(a) The sender alone: N delivery records written beforehand (as consumed events leave them), then the webhooks
    service started; deliveries/s from its start until the receiver has accepted all N (signed, each attempt
    logged, state written back). Per-endpoint allowance raised to the concurrency (one receiver here).
(b) End to end: M events published to the broker, consumed by the service (delivery records), sent; events/s
    from the first publish until the receiver has accepted all M.
Baseline in the same run: raw HTTP POSTs of the same signed bodies to the same receiver, with the same
urllib3 client and the same concurrency, nothing read or written in the store.

    python -m bench.bench_webhooks [--deliveries N] [--events M] [--concurrency C]
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import time  # noqa: E402

from eventlet.greenpool import GreenPool  # noqa: E402

from bench.common import private_platform  # noqa: E402
from services.common import clock, storage  # noqa: E402
from services.common.auth import SYSTEM  # noqa: E402
from services.common.config import WebhookSettings  # noqa: E402
from services.common.events import new_event  # noqa: E402
from services.common.outbox import EventPublisher  # noqa: E402
from services.contracts.casework import CASE_OPENED  # noqa: E402
from services.webhooks.domain import signing  # noqa: E402
from services.webhooks.sender import HttpPoster  # noqa: E402
from services.webhooks.service import WebhooksService  # noqa: E402
from services.webhooks.storage import INDEXES  # noqa: E402
from services.webhooks.usecases import Webhooks, deliveries, subscriptions  # noqa: E402
from tests.support.containers import running  # noqa: E402
from tests.support.webhook_receiver import Receiver  # noqa: E402


def event(number: int):
    return new_event(CASE_OPENED, {"case_id": f"C{number}", "household_id": f"H{number}", "person_id": f"P{number}",
                                   "station_id": "ST321181001", "township_code": "321181001", "domain": "elderly",
                                   "source": "visit", "assigned_staff_id": "S1", "opened_on": "2026-03-01"},
                     correlation_id="bench-webhooks")


def wait_until(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        eventlet.sleep(0.01)


def raw_posts(receiver: Receiver, count: int, concurrency: int, prefix: str) -> float:
    post = HttpPoster(concurrency)
    bodies = []
    for number in range(count):
        msg_id = f"{prefix}_{number}"
        body = signing.body_of("case.opened", clock.timestamp(clock.utcnow()), event(number).payload)
        bodies.append((body.encode(), signing.headers([receiver.secret or ""], msg_id, clock.utcnow(), body)))
    failed = []

    def send(body, headers):
        try:
            post(receiver.url, body, headers, 5.0)
        except Exception as exc:
            failed.append(exc)

    started = time.perf_counter()
    pool = GreenPool(concurrency)
    for body, headers in bodies:
        pool.spawn_n(send, body, headers)
    pool.waitall()
    if failed:
        raise SystemExit(f"{len(failed)} raw POSTs failed: {failed[0]!r}")
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    policy = WebhookSettings(concurrency=args.concurrency, per_endpoint=args.concurrency, poll_seconds=0.05)
    with private_platform(webhooks=policy) as settings, Receiver() as receiver:
        webhooks = Webhooks.over(storage.database("webhooks"), policy)
        storage.ensure_indexes(storage.database("webhooks"), INDEXES)
        # as identity's agency.client_created event tells it
        webhooks.clients.created("bench", "ag-bench", "321181", ["case.opened"], ["321181"], ["name"])
        created = subscriptions.create_subscription(webhooks, SYSTEM, {
            "agency_client_id": "bench", "url": receiver.url, "event_types": ["case.opened"],
            "regions": ["321181"], "personal_fields": ["person_id"]})
        receiver.secret = created["secret"]
        for number in range(args.deliveries):
            deliveries.fan_out(webhooks, event(number))
        queued = webhooks.deliveries.collection
        queued.update_many({}, {"$set": {"next_at": "9999"}})  # held back until the service has started

        baseline = raw_posts(receiver, args.deliveries, args.concurrency, "raw")
        baseline_sequential = raw_posts(receiver, min(args.deliveries, 300), 1, "sequential")
        assert receiver.duplicates == 0 and receiver.rejected_signatures == 0
        receiver.accepted.clear()

        with running(WebhooksService, settings=settings):
            eventlet.sleep(2.0)
            started = time.perf_counter()
            queued.update_many({}, {"$set": {"next_at": clock.timestamp(clock.utcnow())}})
            wait_until(lambda: len(receiver.accepted) >= args.deliveries, timeout=600)
            drained = args.deliveries / (time.perf_counter() - started)
            accepted_before = len(receiver.accepted)
            publisher = EventPublisher(settings.amqp_uri)
            envelopes = [event(args.deliveries + n).to_dict() for n in range(args.events)]
            started = time.perf_counter()
            for envelope in envelopes:
                publisher.publish(envelope)
            publisher.wait_for_confirms()
            wait_until(lambda: len(receiver.accepted) >= accepted_before + args.events, timeout=600)
            end_to_end = args.events / (time.perf_counter() - started)
            publisher.close()
        print(f"raw HTTP POSTs, concurrency {args.concurrency}: {baseline:.0f}/s; sequential: "
              f"{baseline_sequential:.0f}/s")
        print(f"webhook sender, {args.deliveries} queued deliveries: {drained:.0f} deliveries/s")
        print(f"end to end, {args.events} events published → delivered: {end_to_end:.0f} events/s")
        print(f"signature failures {receiver.rejected_signatures}, duplicates {receiver.duplicates}")


if __name__ == "__main__":
    main()
