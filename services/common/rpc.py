"""RPC boundaries: marshmallow at the edge, typed errors across, and a timeout on every call."""
from __future__ import annotations

import inspect
import logging
import os
import sys
import time
from functools import partial

import eventlet
from marshmallow import RAISE, Schema, ValidationError
from nameko import config as nameko_config
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.exceptions import ContainerBeingKilled, IncorrectSignature, MalformedRequest
from nameko.messaging import decode_from_headers
from nameko.rpc import Client, Rpc, ServiceRpc
from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError

from . import storage
from .config import settings
from .errors import DomainError, StoreUnavailable, UpstreamUnavailable, ValidationFailed
from .rpc_transport import DEADLINE, KernelReplyListener, ReplySender, RequestPublisher, call_deadline
from .storage import IDEMPOTENCY_KEY

__all__ = ["DEADLINE", "KernelRpc", "TimedServiceRpc", "load", "rpc", "rpc_calls_made"]

log = logging.getLogger("shegong.rpc")


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
    - The request's idempotency key (context data) goes with every write it makes (storage.py), so a
      redelivered or retried command finds its first effect instead of applying it again.
    """

    carries_idempotency_keys = True

    def setup(self):
        super().setup()
        self.replies = ReplySender(self.rpc_consumer.amqp_uri, ssl=nameko_config.get(AMQP_SSL_CONFIG_KEY),
                                   login_method=nameko_config.get(LOGIN_METHOD_CONFIG_KEY))

    def handle_message(self, body, message):
        deadline = decode_from_headers(message.headers).get(DEADLINE)
        if deadline is not None and time.time() > float(deadline):
            log.warning("dropped %s.%s: its caller's deadline passed %.1fs ago", self.container.service_name,
                        self.method_name, time.time() - float(deadline))
            self.rpc_consumer.consumer.ack_message(message)
            return
        if self.container._worker_pool.free() > 0:
            self._start_worker(body, message)
        else:
            # nameko's way: a waiter thread, so a full worker pool never blocks the consumer (and its
            # heartbeats). With a free worker it is one green thread and one switch per call too many.
            super().handle_message(body, message)

    def check_signature(self, args, kwargs):
        # nameko's check builds the method's signature afresh (inspect.getcallargs) on every request.
        signature = self.__dict__.get("_signature")
        if signature is None:
            signature = self._signature = inspect.signature(getattr(self.container.service_cls, self.method_name))
        try:
            signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc)) from None

    def _start_worker(self, body, message):
        try:
            args, kwargs = body["args"], body["kwargs"]
        except KeyError:
            raise MalformedRequest("Message missing `args` or `kwargs`") from None
        self.check_signature(args, kwargs)
        try:
            self.container.spawn_worker(self, args, kwargs, context_data=decode_from_headers(message.headers),
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self.rpc_consumer.consumer.requeue_message(message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None and isinstance(exc_info[1], (ConnectionFailure, ExecutionTimeout)):
            try:
                raise StoreUnavailable.from_pymongo(exc_info[1]) from exc_info[1]
            except StoreUnavailable:
                exc_info = sys.exc_info()
        result, exc_info = self._first_answer(worker_ctx, result, exc_info)
        fault = os.environ.get(_EXIT_BEFORE_REPLY)
        if fault and exc_info is None and fault == f"{self.container.service_name}.{self.method_name}":
            os._exit(17)  # fault injection (tests only): the write committed, the reply and ack never leave
        # Replied here rather than through nameko's shared RpcConsumer, so plain nameko entrypoints
        # that share this service's request queue keep working; the request is acked after the reply,
        # as nameko does, so a crash before it means a redelivery (and the idempotency key above).
        result, exc_info = self.replies.send(message, result, exc_info)
        self.rpc_consumer.consumer.ack_message(message)
        return result, exc_info

    def _first_answer(self, worker_ctx, result, exc_info):
        """A keyed command that wrote remembers its reply; its rerun, refused by a rule because the
        first run's effect is there (e.g. "already current staff"), gives the first reply instead."""
        key = worker_ctx.context_data.get(IDEMPOTENCY_KEY)
        if not key:
            return result, exc_info
        service = self.container.service_name
        if exc_info is None:
            if storage.writes_made():
                try:
                    storage.remember_result(service, key, result)
                except PyMongoError as exc:  # the effect is stored; its caller still deserves the reply
                    log.warning("reply of %s.%s not remembered: %s", service, self.method_name, exc)
        elif isinstance(exc_info[1], DomainError) and not isinstance(exc_info[1], UpstreamUnavailable):
            found, first = storage.first_result(service, key)
            if found:
                return first, None
        return result, exc_info


_EXIT_BEFORE_REPLY = "SHEGONG_FAULT_EXIT_BEFORE_REPLY"


rpc = KernelRpc.decorator


class CredentialRpc(KernelRpc):
    """An RPC whose reply holds credentials (tokens): never remembered for a retry, where it would sit in the
    store and answer whoever presents the same idempotency key. Such calls are safe to repeat as they are."""

    carries_idempotency_keys = False

    def _first_answer(self, worker_ctx, result, exc_info):
        return result, exc_info


credential_rpc = CredentialRpc.decorator


class _TimedClient:
    def __init__(self, client, service: str, timeout: float, on_call, forget):
        self._client = client
        self._service = service
        self._timeout = timeout
        self._on_call = on_call
        self._forget = forget

    def __getattr__(self, method: str) -> _TimedMethod:
        return _TimedMethod(self, method)

    def _call_async(self, method, args, kwargs):
        self._on_call(self._service, method)
        reply = self._client(method, self._timeout).call_async(*args, **kwargs)
        return _TimedReply(reply, f"{self._service}.{method}", self._timeout, self._forget)


class _TimedMethod:
    """nameko's client shape: `client.method(...)` waits for the reply, `client.method.call_async(...)`
    returns it to wait on later."""

    def __init__(self, client: _TimedClient, method: str):
        self._client = client
        self._method = method

    def __call__(self, *args, **kwargs):
        return self.call_async(*args, **kwargs).result()

    def call_async(self, *args, **kwargs) -> _TimedReply:
        return self._client._call_async(self._method, args, kwargs)


class _TimedReply:
    def __init__(self, reply, name: str, timeout: float, forget):
        self._reply = reply
        self._name = name
        self._deadline = time.monotonic() + timeout
        self._timeout = timeout
        self._forget = forget

    def result(self):
        remaining = max(0.0, self._deadline - time.monotonic())
        try:
            with eventlet.Timeout(remaining):
                return self._reply.result()
        except eventlet.Timeout:
            self._forget(self._reply.correlation_id)  # a late reply finds nobody waiting, as it should
            raise UpstreamUnavailable(f"{self._name} did not answer within {self._timeout:g}s") from None


class TimedServiceRpc(ServiceRpc):
    """ServiceRpc whose calls fail with UpstreamUnavailable after SHEGONG_RPC_TIMEOUT_SECONDS.

    nameko's service-to-service RPC waits forever by default; a stuck service must not pin the
    caller's workers. Each call is also counted on the worker (`rpc_calls`), which the gateway
    reports so batching can be checked. Requests are transient and reuse the container's reply
    queue without re-declaring it (RequestPublisher); replies come back through KernelRpc's ReplySender.
    """

    publisher_cls = RequestPublisher
    reply_listener = KernelReplyListener()

    def get_dependency(self, worker_ctx):
        counts = worker_ctx.data.setdefault("_shegong_rpc_calls", {})

        def key_of(method):
            return f"{self.target_service}.{method}"

        def on_call(service, method):
            key = f"{service}.{method}"
            counts[key] = counts.get(key, 0) + 1

        def client_for(method: str, timeout: float) -> Client:
            # The request expires in the queue when the caller stops waiting, and carries the
            # deadline so the service can refuse it after a redelivery too (no ghost writes).
            context_data = {**worker_ctx.context_data, DEADLINE: call_deadline(worker_ctx.context_data, timeout)}
            base_key = worker_ctx.context_data.get(IDEMPOTENCY_KEY)
            if base_key:
                # One key per call, the same when the caller's request is run again with its key.
                context_data[IDEMPOTENCY_KEY] = f"{base_key}/{self.target_service}.{method}.{counts[key_of(method)]}"
            publish = partial(self.publisher.publish, expiration=timeout)
            return Client(publish, self.reply_listener.register_for_reply, context_data,
                          self.target_service, method)

        def forget(correlation_id):
            self.reply_listener.pending.pop(correlation_id, None)

        return _TimedClient(client_for, self.target_service, settings().rpc_timeout_seconds, on_call, forget)


def rpc_calls_made(worker_ctx) -> dict:
    return dict(worker_ctx.data.get("_shegong_rpc_calls", {}))
