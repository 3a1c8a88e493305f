"""RPC boundaries: marshmallow at the edge, typed errors across, and a timeout on every call."""
from __future__ import annotations

import logging
import sys
import time
from functools import partial

import eventlet
from marshmallow import RAISE, Schema, ValidationError
from nameko.messaging import decode_from_headers
from nameko.rpc import Client, Rpc, ServiceRpc
from pymongo.errors import ConnectionFailure, ExecutionTimeout

from .config import settings
from .errors import StoreUnavailable, UpstreamUnavailable, ValidationFailed

log = logging.getLogger("shegong.rpc")

# Context data key: wall-clock time (epoch seconds) after which the caller no longer waits.
DEADLINE = "deadline"


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


class KernelRpc(Rpc):
    """nameko's RPC entrypoint with the kernel's promises to callers.

    - Work whose caller's deadline has passed is dropped unrun: the caller already told its client
      "service unavailable", so running it later would be a ghost write.
    - Store outages reach the caller as StoreUnavailable (SERVICE_UNAVAILABLE with retry advice),
      never as an unexpected error.
    """

    def handle_message(self, body, message):
        deadline = decode_from_headers(message.headers).get(DEADLINE)
        if deadline is not None and time.time() > float(deadline):
            log.warning("dropped %s.%s: its caller's deadline passed %.1fs ago", self.container.service_name,
                        self.method_name, time.time() - float(deadline))
            self.rpc_consumer.consumer.ack_message(message)
            return
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None and isinstance(exc_info[1], (ConnectionFailure, ExecutionTimeout)):
            try:
                raise StoreUnavailable.from_pymongo(exc_info[1]) from exc_info[1]
            except StoreUnavailable:
                exc_info = sys.exc_info()
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = KernelRpc.decorator


class _TimedClient:
    def __init__(self, client, service: str, timeout: float, on_call):
        self._client = client
        self._service = service
        self._timeout = timeout
        self._on_call = on_call

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            return self._call_async(method, args, kwargs).result()

        def call_async(*args, **kwargs):
            return self._call_async(method, args, kwargs)

        call.call_async = call_async
        return call

    def _call_async(self, method, args, kwargs):
        self._on_call(self._service, method)
        reply = self._client(method, self._timeout).call_async(*args, **kwargs)
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
        counts = worker_ctx.data.setdefault("_shegong_rpc_calls", {})

        def on_call(service, method):
            key = f"{service}.{method}"
            counts[key] = counts.get(key, 0) + 1

        def client_for(method: str, timeout: float) -> Client:
            # The request expires in the queue when the caller stops waiting, and carries the
            # deadline so the service can refuse it after a redelivery too (no ghost writes).
            context_data = {**worker_ctx.context_data, DEADLINE: time.time() + timeout}
            publish = partial(self.publisher.publish, expiration=timeout)
            return Client(publish, self.reply_listener.register_for_reply, context_data,
                          self.target_service, method)

        return _TimedClient(client_for, self.target_service, settings().rpc_timeout_seconds, on_call)


def rpc_calls_made(worker_ctx) -> dict:
    return dict(worker_ctx.data.get("_shegong_rpc_calls", {}))
