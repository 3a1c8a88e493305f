"""RPC boundaries: marshmallow at the edge, typed errors across, and a timeout on every call."""
from __future__ import annotations

import time

import eventlet
from marshmallow import RAISE, Schema, ValidationError
from nameko.rpc import ServiceRpc

from .config import settings
from .errors import UpstreamUnavailable, ValidationFailed


def load(schema: Schema | type[Schema], data, *, partial=False, many=False):
    """Validate `data` at a boundary; bad input becomes ValidationFailed naming each field."""
    if isinstance(schema, type):
        schema = schema(unknown=RAISE)
    if data is None:
        data = [] if many else {}
    try:
        return schema.load(data, partial=partial, many=many)
    except ValidationError as exc:
        raise ValidationFailed.from_marshmallow(exc.messages) from None


class _TimedClient:
    def __init__(self, client, service: str, timeout: float, on_call):
        self._client = client
        self._service = service
        self._timeout = timeout
        self._on_call = on_call

    def __getattr__(self, method: str):
        target = getattr(self._client, method)

        def call(*args, **kwargs):
            return self._call_async(target, method, args, kwargs).result()

        def call_async(*args, **kwargs):
            return self._call_async(target, method, args, kwargs)

        call.call_async = call_async
        return call

    def _call_async(self, target, method, args, kwargs):
        self._on_call(self._service, method)
        reply = target.call_async(*args, **kwargs)
        return _TimedReply(reply, f"{self._service}.{method}", self._timeout)


class _TimedReply:
    def __init__(self, reply, name: str, timeout: float):
        self._reply = reply
        self._name = name
        self._deadline = time.monotonic() + timeout
        self._timeout = timeout

    def result(self):
        remaining = max(0.0, self._deadline - time.monotonic())
        try:
            with eventlet.Timeout(remaining):
                return self._reply.result()
        except eventlet.Timeout:
            raise UpstreamUnavailable(f"{self._name} did not answer within {self._timeout:g}s") from None


class TimedServiceRpc(ServiceRpc):
    """ServiceRpc whose calls fail with UpstreamUnavailable after SHEGONG_RPC_TIMEOUT_SECONDS.

    nameko's service-to-service RPC waits forever by default; a stuck service must not pin the
    caller's workers. Each call is also counted on the worker (`rpc_calls`), which the gateway
    reports so batching can be checked.
    """

    def get_dependency(self, worker_ctx):
        client = super().get_dependency(worker_ctx)
        counts = worker_ctx.data.setdefault("_shegong_rpc_calls", {})

        def on_call(service, method):
            key = f"{service}.{method}"
            counts[key] = counts.get(key, 0) + 1

        return _TimedClient(client, self.target_service, settings().rpc_timeout_seconds, on_call)


def rpc_calls_made(worker_ctx) -> dict:
    return dict(worker_ctx.data.get("_shegong_rpc_calls", {}))
