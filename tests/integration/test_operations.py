"""Operations: health and readiness, metrics, JSON logs with correlation ids, graceful shutdown."""
from __future__ import annotations

import dataclasses

import eventlet
import requests

from services.common import config
from tests.support.containers import rpc_client, running
from tests.support.infrastructure import free_port
from tests.support.kernel_services import SlowService


def with_http(settings, **changes):
    updated = dataclasses.replace(settings, http_port=free_port(), **changes)
    config.override(updated)
    return updated


def test_health_readiness_and_metrics(isolated_settings):
    settings = with_http(isolated_settings)
    base = f"http://127.0.0.1:{settings.http_port}"
    with running(SlowService, settings=settings):
        with rpc_client(settings) as client:
            client.kernel_slow.slow(0)
        live = requests.get(f"{base}/health/live", timeout=5)
        ready = requests.get(f"{base}/health/ready", timeout=5)
        metrics = requests.get(f"{base}/metrics", timeout=5)
    assert live.status_code == 200 and live.json()["status"] == "alive"
    assert ready.status_code == 200 and ready.json()["checks"] == {"store": "ok", "broker": "ok"}
    assert 'shegong_requests_total{entrypoint="slow",service="kernel_slow"}' in metrics.text
    assert "shegong_request_seconds_bucket" in metrics.text


def test_readiness_fails_when_the_store_is_unreachable(isolated_settings):
    from services.common import storage
    dead_port = free_port()
    settings = with_http(isolated_settings, mongo_uri=f"mongodb://127.0.0.1:{dead_port}/?serverSelectionTimeoutMS=300")
    storage.close_clients()
    try:
        with running(SlowService, settings=settings):
            ready = requests.get(f"http://127.0.0.1:{settings.http_port}/health/ready", timeout=10)
    finally:
        storage.close_clients()
    assert ready.status_code == 503
    assert ready.json()["checks"]["store"].startswith("unreachable")
    assert ready.json()["checks"]["broker"] == "ok"


def test_stopping_a_service_lets_in_flight_calls_finish(isolated_settings):
    with running(SlowService, settings=isolated_settings) as (container,), rpc_client(isolated_settings) as client:
        reply = client.kernel_slow.slow.call_async(1.0)
        eventlet.sleep(0.3)
        stopper = eventlet.spawn(container.stop)
        assert reply.result() == "finished"
        stopper.wait()
