"""Liveness, readiness and Prometheus metrics over HTTP, for every service.

Readiness fails when the broker or the document store cannot be reached, so Kubernetes stops
routing to a pod that cannot do its work.
"""
from __future__ import annotations

import json
import threading

import pymongo
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .broker import connection
from .config import settings

# Each check is bounded so that /health/ready answers within 1 s whatever the store or broker does
# (the probes in deploy/ time out after 1 s). The services' own client waits 5 s for a server.
PROBE_TIMEOUT_SECONDS = 0.4

_probe_clients: dict[str, pymongo.MongoClient] = {}
_probe_lock = threading.Lock()


def _probe_client(uri: str) -> pymongo.MongoClient:
    with _probe_lock:
        client = _probe_clients.get(uri)
        if client is None:
            timeout_ms = int(PROBE_TIMEOUT_SECONDS * 1000)
            client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms,
                                         socketTimeoutMS=timeout_ms, timeoutMS=timeout_ms)
            _probe_clients[uri] = client
        return client


def check_dependencies(needs: tuple[str, ...] = ("store", "broker")) -> dict[str, str]:
    checks = {}
    if "store" in needs:
        try:
            _probe_client(settings().mongo_uri).admin.command("ping")
            checks["store"] = "ok"
        except Exception as exc:  # readiness reports any failure, it does not crash
            checks["store"] = f"unreachable: {type(exc).__name__}"
    if "broker" not in needs:
        return checks
    try:
        with connection(settings().amqp_uri) as conn:
            conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"unreachable: {type(exc).__name__}"
    return checks


class OperationalEndpoints:
    """Mix into a nameko service class to serve /health/live, /health/ready and /metrics.

    `ready_needs` names what the service cannot work without; the gateway owns no data, so it
    sets ("broker",) and stays ready when only the store is down.
    """

    ready_needs: tuple[str, ...] = ("store", "broker")
    name: str  # the nameko service's own

    @http("GET", "/health/live")
    def health_live(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"status": "alive", "service": self.name})

    @http("GET", "/health/ready")
    def health_ready(self, request):
        checks = check_dependencies(self.ready_needs)
        ready = all(v == "ok" for v in checks.values())
        body = json.dumps({"status": "ready" if ready else "not ready", "service": self.name, "checks": checks})
        return (200 if ready else 503), {"Content-Type": "application/json"}, body

    @http("GET", "/metrics")
    def metrics(self, request):
        return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest().decode()
