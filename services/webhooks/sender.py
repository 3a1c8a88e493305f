"""The sender: a long-running green thread of the service that sends due deliveries, apart from consumption.

- bounded concurrency: at most `concurrency` attempts in flight (a green pool);
- per-endpoint isolation: at most `per_endpoint` in flight to one subscription, and the due query leaves out
  subscriptions at their limit, so one slow receiver's backlog never holds the others;
- a short timeout per attempt (connect and read), no redirects followed, no retries inside an attempt (the
  schedule is the service's: usecases/sending.py), at most 1 KiB of an answer read;
- woken at once when a consumer writes deliveries, else it looks every `poll_seconds`.
Several replicas may send: a claim is a conditional write with a lease, so each attempt is made by one.
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Mapping

import eventlet
import urllib3
from eventlet.greenpool import GreenPool
from eventlet.queue import Empty, Full, LightQueue
from nameko.extensions import DependencyProvider

from services.common import storage

from .usecases import Webhooks, sending

log = logging.getLogger(__name__)
READ_AT_MOST = 1024
BUSY_WAIT_SECONDS = 0.05
CANDIDATES = 200  # due deliveries read at once
REFRESH_SECONDS = 1.0  # candidates older than this are read again (new arrivals, other replicas' claims)


class HttpPoster:
    """POST over pooled keep-alive connections (urllib3), one pool per receiver host."""

    def __init__(self, per_host: int):
        self._pools = urllib3.PoolManager(num_pools=200, maxsize=per_host, block=False, retries=False)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        response = self._pools.request("POST", url, body=body, headers=dict(headers), redirect=False,
                                       timeout=urllib3.Timeout(connect=timeout, read=timeout),
                                       preload_content=False)
        try:
            response.read(READ_AT_MOST)
            return response.status
        finally:
            response.release_conn()


class DeliverySender(DependencyProvider):
    def setup(self):
        self._running = False
        self._wakes: LightQueue = LightQueue(1)
        self._pool: GreenPool | None = None

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._run, identifier="webhooks:sender")

    def stop(self):
        self._running = False
        self.wake()
        if self._pool is not None:
            self._pool.waitall()

    def kill(self):
        self._running = False

    def get_dependency(self, worker_ctx):
        return self

    def wake(self) -> None:
        with contextlib.suppress(Full):
            self._wakes.put_nowait(True)

    def _run(self):
        webhooks = Webhooks.over(storage.database(self.container.service_name))
        policy = webhooks.policy
        post = HttpPoster(policy.per_endpoint)
        pool = self._pool = GreenPool(policy.concurrency)
        in_flight: Counter[str] = Counter()

        def send(delivery: dict) -> None:
            try:
                sending.attempt(webhooks, delivery, post)
            except Exception:  # the store failed under it: the lease runs out and the delivery is taken again
                log.exception("webhook delivery %s failed to record", delivery["_id"])
            finally:
                in_flight[delivery["subscription_id"]] -= 1

        candidates: deque[dict] = deque()  # found due in one query, claimed one by one as slots free up
        found_at = 0.0
        while self._running:
            spawned = 0
            try:
                if not candidates or time.monotonic() - found_at > REFRESH_SECONDS:
                    busy = [s for s, n in in_flight.items() if n >= policy.per_endpoint]
                    candidates = deque(sending.due(webhooks, busy, CANDIDATES))
                    found_at = time.monotonic()
                skipped: list[dict] = []
                while candidates and pool.free():
                    candidate = candidates.popleft()
                    if in_flight[candidate["subscription_id"]] >= policy.per_endpoint:
                        skipped.append(candidate)
                        continue
                    delivery = sending.claim(webhooks, candidate)
                    if delivery is None:
                        continue
                    in_flight[delivery["subscription_id"]] += 1
                    pool.spawn_n(send, delivery)
                    spawned += 1
                candidates.extendleft(reversed(skipped))
            except Exception:
                log.warning("webhook sender cannot read due deliveries", exc_info=True)
                candidates.clear()
            if spawned:
                eventlet.sleep(0)
                continue
            # the pool is full, or what is due waits for its endpoints: until a send ends, a wake, or the poll
            wait = BUSY_WAIT_SECONDS if pool.running() else policy.poll_seconds
            try:
                self._wakes.get(timeout=wait)
                candidates.clear()  # new deliveries were written: read what is due again
            except Empty:
                if not pool.running():
                    candidates.clear()
