"""How the kernel's RPC puts requests and replies on the broker (issue 10, "RPC without waste").

Measured against a raw kombu request/reply on the same broker, nameko's own path spent most of a call
on work a request/reply does not need: re-declaring the reply queue before every request, persistent
messages, a publisher confirm for every request and reply, a broker connection description and a
pooled producer set up per message, each reply serialised twice, each reply acknowledged. The pieces
here keep what the kernel promises (deadlines, redelivery of unanswered requests, UnknownService for a
service nobody serves) and drop the rest. Used by KernelRpc and TimedServiceRpc (rpc.py) and by the
standalone KernelRpcClient (rpc_client.py).
"""
from __future__ import annotations

import sys
import threading
import time

import kombu.serialization
from kombu import Connection, Producer
from kombu.exceptions import ChannelError
from nameko.amqp.publish import UndeliverableMessage
from nameko.constants import DEFAULT_RETRY_POLICY, DEFAULT_TRANSPORT_OPTIONS
from nameko.exceptions import UnserializableValueError, serialize
from nameko.rpc import ReplyListener, get_rpc_exchange

# Context data key: wall-clock time (epoch seconds) after which the caller no longer waits.
DEADLINE = "deadline"
# AMQP delivery mode 1: RPC messages live in memory only. A request or reply is worthless after its
# caller's deadline, so surviving a broker restart buys nothing and costs a disk write per message.
TRANSIENT = 1


def call_deadline(context_data: dict, timeout: float | None) -> float | None:
    """The deadline a call carries: its own timeout, never later than the deadline of the request
    that makes it (context data travels on, so a service calling on keeps its caller's promise)."""
    inherited = context_data.get(DEADLINE)
    own = time.time() + timeout if timeout is not None else None
    candidates = [float(d) for d in (inherited, own) if d is not None]
    return min(candidates) if candidates else None


class _Channel:
    """One producer on one connection for a publisher's life, shared by its green threads.

    kombu's producer pool prepares a producer (binding a copy of the exchange) on every acquire, and
    nameko's Publisher describes a new connection per message. A lock keeps two green threads from
    interleaving frames on the socket; kombu's retry reconnects and revives the producer.
    """

    def __init__(self, amqp_uri: str, confirm: bool, ssl=None, login_method=None):
        self.connection = Connection(amqp_uri, ssl=ssl, login_method=login_method,
                                     transport_options={**DEFAULT_TRANSPORT_OPTIONS, "confirm_publish": confirm})
        self.producer = Producer(self.connection)
        self.lock = threading.Lock()

    def publish(self, body, **options):
        with self.lock:
            self.producer.publish(body, retry=True, retry_policy=DEFAULT_RETRY_POLICY, delivery_mode=TRANSIENT,
                                  **options)


class RequestPublisher:
    """Publishes RPC requests: transient, without re-declaring the reply queue, and confirmed only
    until the target service has been seen routable.

    nameko's clients declare their reply queue before every request; kombu never caches the
    declaration of a queue with `x-expires`, so each call paid three blocking broker commands. The
    reply listener's consumer declares the queue (and the exchange) whenever it (re)connects, which
    is all a reply needs.

    A confirm with `mandatory` is how nameko tells an unknown service (no queue bound: UnknownService
    at once) from a slow one. Once a service's request was routed, its queue exists (RPC queues are
    durable) and the awaited reply is the only acknowledgement the caller needs: a request lost in
    between ends at the caller's deadline, as a lost reply does, with the same SERVICE_UNAVAILABLE
    the gateway gives for an unknown service. So later requests skip the confirm round trip.
    Takes the arguments nameko's ClusterRpc gives its `publisher_cls`.
    """

    confirm_every_request = False

    def __init__(self, amqp_uri, ssl=None, login_method=None, exchange=None, serializer="json", declare=None,
                 reply_to=None, **publish_options):
        self.amqp_uri = amqp_uri
        self.confirmed = _Channel(amqp_uri, True, ssl, login_method)
        self.unconfirmed = _Channel(amqp_uri, False, ssl, login_method)
        self.exchange = (exchange or get_rpc_exchange()).name
        self.serializer = serializer
        self.reply_to = reply_to
        self.publish_options = publish_options
        self.routable: set[str] = set()

    def publish(self, payload, routing_key, correlation_id, extra_headers=None, expiration=None, **options):
        service = routing_key.split(".", 1)[0]
        confirm = self.confirm_every_request or service not in self.routable
        options.pop("mandatory", None)
        try:
            (self.confirmed if confirm else self.unconfirmed).publish(
                payload, exchange=self.exchange, routing_key=routing_key, mandatory=confirm, reply_to=self.reply_to,
                correlation_id=correlation_id, headers=dict(extra_headers or {}), expiration=expiration,
                serializer=self.serializer, **{**self.publish_options, **options})
        except ChannelError as exc:
            if "NO_ROUTE" in str(exc):  # no queue is bound for the service: nobody ever served it
                raise UndeliverableMessage() from exc
            raise
        if confirm:
            self.routable.add(service)


class ReplySender:
    """Sends RPC replies: serialised once, transient, without publisher confirms.

    nameko's Responder serialises every reply twice (a trial `dumps`, then kombu's own) and waits for
    a confirm of each reply; a reply that is lost is a call that times out, which the caller must
    handle anyway, so the confirm round trip only adds latency.
    """

    def __init__(self, amqp_uri: str, ssl=None, login_method=None):
        self.channel = _Channel(amqp_uri, False, ssl, login_method)
        self.exchange = get_rpc_exchange().name

    def send(self, request, result, exc_info):
        """Reply to `request`; returns (result, exc_info) as nameko's worker expects them."""
        error = serialize(exc_info[1]) if exc_info is not None else None
        serializer = kombu.serialization.registry.type_to_name[request.properties["content_type"]]
        try:
            content_type, encoding, body = kombu.serialization.dumps({"result": result, "error": error}, serializer)
        except Exception:
            # The worker must not die on an unserialisable result: the caller gets a serialisable error.
            exc_info = sys.exc_info()
            error = serialize(UnserializableValueError(result))
            result = None
            content_type, encoding, body = kombu.serialization.dumps({"result": None, "error": error}, serializer)
        self.channel.publish(body, content_type=content_type, content_encoding=encoding, exchange=self.exchange,
                             routing_key=request.properties["reply_to"],
                             correlation_id=request.properties.get("correlation_id"))
        return result, exc_info


class KernelReplyListener(ReplyListener):
    """The container's one reply consumer, taking replies without acknowledging each: a reply is
    for the call waiting on it, once; an ack per reply is a socket write on every call for nothing.
    (Its own class, so it is not shared with a stock nameko ServiceRpc in the same container.)"""

    class ReplyConsumer(ReplyListener.ReplyConsumer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, no_ack=True, **kwargs)

    consumer_cls = ReplyConsumer
