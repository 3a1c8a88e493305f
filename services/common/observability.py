"""Logs, metrics and the correlation id that ties a request's work together across services.

The correlation id travels as nameko context data (`nameko.correlation_id` AMQP header), so RPC
calls and events started while handling a request carry it without extra arguments. Every log
line is one JSON object with that id.
"""
from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Histogram

from .errors import Conflict, DomainError, NotFound, PermissionDenied, RuleViolation, Unauthenticated, ValidationFailed

CORRELATION_KEY = "correlation_id"
_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
_service_name: str = "shegong"

RPC_REQUESTS = Counter("shegong_requests_total", "Entrypoint calls", ["service", "entrypoint"])
RPC_ERRORS = Counter("shegong_errors_total", "Entrypoint calls that raised", ["service", "entrypoint", "error"])
RPC_LATENCY = Histogram("shegong_request_seconds", "Entrypoint latency", ["service", "entrypoint"],
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter("shegong_events_published_total", "Events published by the outbox relay", ["event_type"])
EVENTS_CONSUMED = Counter("shegong_events_consumed_total", "Events handled", ["event_type", "handler", "outcome"])
EVENTS_DEAD_LETTERED = Counter("shegong_events_dead_lettered_total", "Messages dead-lettered", ["queue", "reason"])
EVENTS_RETRIED = Counter("shegong_events_retried_total", "Messages scheduled for a retry", ["queue"])


def current_correlation_id() -> str:
    value = _correlation_id.get()
    if value is None:
        value = str(uuid.uuid4())
        _correlation_id.set(value)
    return value


def bind_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": _service_name,
            "logger": record.name,
            "correlation_id": _correlation_id.get(),
            "message": record.getMessage(),
        }
        for key in ("event_id", "event_type", "queue", "entrypoint", "duration_ms", "error"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


# Refusals the caller caused and was told about: a traceback would only bury the real errors.
# Refusals of access stay at WARNING, where someone probing the platform shows.
_REFUSAL_LEVELS = ((PermissionDenied, logging.WARNING), (Unauthenticated, logging.WARNING),
                   (ValidationFailed, logging.INFO), (NotFound, logging.INFO), (Conflict, logging.INFO),
                   (RuleViolation, logging.INFO))


class ExpectedRefusals(logging.Filter):
    """nameko logs every exception a worker raises at ERROR with its traceback; for an expected
    refusal the line becomes one INFO/WARNING line with the error's code and message."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        level = next((lvl for kind, lvl in _REFUSAL_LEVELS if isinstance(exc, kind)), None)
        if level is not None and isinstance(exc, DomainError):
            record.levelno, record.levelname = level, logging.getLevelName(level)
            first = record.args[0] if isinstance(record.args, tuple) and record.args else "-"
            record.msg, record.args = "refused %s: %s %s", (first, exc.code, exc)
            record.exc_info = record.exc_text = None
            record.error = type(exc).__name__
        return True


logging.getLogger("nameko.containers").addFilter(ExpectedRefusals())


def configure_logging(service: str, level: str = "INFO") -> None:
    global _service_name
    _service_name = service
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kombu", "amqp", "pymongo", "nameko", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class Observability(DependencyProvider):
    """Binds the correlation id for each worker and records its metrics and duration."""

    def worker_setup(self, worker_ctx):
        correlation_id = worker_ctx.context_data.get(CORRELATION_KEY) or str(uuid.uuid4())
        # Stored back in the context so downstream RPC calls and events carry it.
        worker_ctx.context_data[CORRELATION_KEY] = correlation_id
        bind_correlation_id(correlation_id)
        self._started[worker_ctx.call_id] = time.perf_counter()

    def setup(self):
        self._started = {}

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        service = self.container.service_name
        entrypoint = worker_ctx.entrypoint.method_name
        started = self._started.pop(worker_ctx.call_id, None)
        RPC_REQUESTS.labels(service, entrypoint).inc()
        if started is not None:
            RPC_LATENCY.labels(service, entrypoint).observe(time.perf_counter() - started)
        if exc_info is not None:
            error = type(exc_info[1]).__name__
            RPC_ERRORS.labels(service, entrypoint, error).inc()

    def worker_teardown(self, worker_ctx):
        self._started.pop(worker_ctx.call_id, None)
        bind_correlation_id(None)
