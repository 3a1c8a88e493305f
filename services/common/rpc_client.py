"""The kernel's standalone RPC client, for code that runs outside a nameko container: the `shegong`
command, projections catching up, benchmarks and tests.

nameko's `ClusterRpcClient` consumes replies on demand: every call opens a broker connection, declares
the reply queue, starts a consumer, and closes it all again (about 5 ms of a 6–7 ms call here). This
client keeps one reply consumer for its whole life, in its own thread, and publishes requests the
way the in-container client does (transient, confirmed for `mandatory`, reply queue not re-declared).
Every request carries its deadline (context data) and expires in the queue when the caller stops
waiting, so the service never runs work whose caller gave up.
"""
from __future__ import annotations

import threading
import time
import uuid

from kombu import Connection, Queue
from kombu.mixins import ConsumerMixin
from nameko import config as nameko_config
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    CALL_ID_STACK_CONTEXT_KEY,
    DEFAULT_AMQP_URI,
    DEFAULT_HEARTBEAT,
    HEARTBEAT_CONFIG_KEY,
    LOGIN_METHOD_CONFIG_KEY,
)
from nameko.containers import new_call_id
from nameko.exceptions import RpcTimeout
from nameko.messaging import encode_to_headers
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TTL, Client, get_rpc_exchange

from .rpc_transport import DEADLINE, RequestPublisher, call_deadline

# How long start() waits for the broker before it gives up: a client that cannot receive replies is
# better refused at once than discovered when its first call times out.
CONNECT_TIMEOUT_SECONDS = 30


class _Pending:
    __slots__ = ("arrived", "body")

    def __init__(self):
        self.arrived = threading.Event()
        self.body = None


class _ReplyConsumer(ConsumerMixin):
    """One consumer of the client's reply queue for the client's lifetime (reconnects by itself;
    kombu re-declares the queue, with its binding, on every connection)."""

    def __init__(self, connection: Connection, queue: Queue, on_reply):
        self.connection = connection
        self.queue = queue
        self.on_reply = on_reply
        self.ready = threading.Event()

    def get_consumers(self, consumer_cls, channel):
        # no_ack: a reply is useful once, to the call waiting for it; there is nothing to redeliver.
        return [consumer_cls(queues=[self.queue], callbacks=[self.on_reply], no_ack=True, accept=["json"])]

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self.ready.set()


class KernelRpcClient:
    """Standalone RPC client to the cluster: `with KernelRpcClient(uri=..., timeout=15) as client:
    client.registry.register_station(...)`, `client["registry"].method.call_async(...)`.

    `timeout` bounds each call from the moment it is sent (RpcTimeout after it) and is the request's
    deadline and message expiry; None waits for ever and sends no deadline. `context_data` travels
    as nameko headers with every call and may be changed between calls (`client.context_data`); a
    DEADLINE in it is kept when it is earlier than the call's own.
    """

    def __init__(self, uri: str | None = None, timeout: float | None = None, context_data: dict | None = None,
                 ssl=None, login_method=None):
        self.amqp_uri = uri or nameko_config.get(AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI)
        self.timeout = timeout
        self.context_data = context_data if context_data is not None else {}
        self.uuid = str(uuid.uuid4())
        ssl = ssl if ssl is not None else nameko_config.get(AMQP_SSL_CONFIG_KEY)
        login_method = login_method or nameko_config.get(LOGIN_METHOD_CONFIG_KEY)
        exchange = get_rpc_exchange()
        self.reply_queue = Queue(RPC_REPLY_QUEUE_TEMPLATE.format("standalone_rpc_client", self.uuid),
                                 exchange=exchange, routing_key=self.uuid,
                                 queue_arguments={"x-expires": RPC_REPLY_QUEUE_TTL})
        self._publisher = RequestPublisher(self.amqp_uri, ssl=ssl, login_method=login_method, exchange=exchange,
                                           serializer="json", reply_to=self.uuid)
        self._pending: dict[str, _Pending] = {}
        self._consumer = _ReplyConsumer(
            Connection(self.amqp_uri, ssl=ssl, login_method=login_method,
                       heartbeat=nameko_config.get(HEARTBEAT_CONFIG_KEY, DEFAULT_HEARTBEAT)),
            self.reply_queue, self._on_reply)
        self._thread: threading.Thread | None = None
        self.client = Client(self._publish, self._register_for_reply, self.context_data)

    # --- lifetime ---------------------------------------------------------------------------------
    def start(self) -> Client:
        self._thread = threading.Thread(target=self._consumer.run, name=f"rpc-replies-{self.uuid[:8]}", daemon=True)
        self._thread.start()
        if not self._consumer.ready.wait(CONNECT_TIMEOUT_SECONDS):
            self.stop()
            raise ConnectionError(f"no reply consumer on {self._publisher.amqp_uri} within "
                                  f"{CONNECT_TIMEOUT_SECONDS}s")
        return self.client

    def stop(self) -> None:
        # The consumer leaves within a second (its drain timeout); waiting for it would only slow
        # every caller down. Calls still waiting fail at their own deadline.
        self._consumer.should_stop = True

    def __enter__(self) -> Client:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- what nameko's Client calls ----------------------------------------------------------------
    def _register_for_reply(self, correlation_id: str):
        pending = self._pending[correlation_id] = _Pending()
        # Registered just before the request is sent: the timeout counts from here.
        deadline = time.monotonic() + self.timeout if self.timeout is not None else None

        def get_response():
            if self._consumer.should_stop:
                raise RuntimeError("this RPC client is stopped")
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not pending.arrived.wait(remaining):
                self._pending.pop(correlation_id, None)
                raise RpcTimeout(f"no reply within {self.timeout:g}s")
            return pending.body

        return get_response

    def _publish(self, payload, extra_headers, **kwargs):
        context = {**self.context_data,
                   CALL_ID_STACK_CONTEXT_KEY: [f"standalone_rpc_client.{self.uuid}.{new_call_id()}"]}
        deadline = call_deadline(self.context_data, self.timeout)
        if deadline is not None:
            context[DEADLINE] = deadline
        extra_headers.update(encode_to_headers(context))
        self._publisher.publish(payload, extra_headers=extra_headers, expiration=self.timeout, **kwargs)

    def _on_reply(self, body, message):
        pending = self._pending.pop(message.properties.get("correlation_id"), None)
        if pending is not None:  # None: the call timed out already
            pending.body = body
            pending.arrived.set()
