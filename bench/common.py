"""Shared set-up for benchmarks: a private document store and broker vhost, and statistics."""
from __future__ import annotations

import contextlib
import statistics
import subprocess
import uuid

from services.common import config
from tests.support.infrastructure import NxServer


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (f"n={len(ms)} mean={statistics.fmean(ms):.2f} ms p50={percentile(ms, 0.5):.2f} ms "
            f"p95={percentile(ms, 0.95):.2f} ms")


@contextlib.contextmanager
def private_platform(**settings_overrides):
    """Settings pointing at a fresh nx-27017 and a fresh RabbitMQ vhost, removed afterwards."""
    server = NxServer().start()
    vhost = f"shegong-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True)
    settings = config.Settings(amqp_uri=f"amqp://guest:guest@127.0.0.1:5672/{vhost}", mongo_uri=server.uri,
                               database_prefix=f"b{uuid.uuid4().hex[:8]}", **settings_overrides)
    config.override(settings)
    try:
        yield settings
    finally:
        config.override(None)
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)
        server.stop()
