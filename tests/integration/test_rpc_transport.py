"""RPC without waste (issue 10): what the kernel's RPC clients and entrypoint put on the wire.

Each test watches the real AMQP channel (py-amqp) while calls go through a real broker to a real
service container: which messages are published, with what delivery mode, expiry and confirms; which
queues are declared; which consumers are started.
"""
from __future__ import annotations

import time

import amqp.channel
import kombu.messaging
import kombu.serialization
import pytest
from kombu import Connection, Queue
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.rpc import get_rpc_exchange

from services.common.rpc import DEADLINE, TimedServiceRpc, rpc
from services.common.rpc_client import KernelRpcClient
from services.common.rpc_transport import TRANSIENT
from tests.support.containers import running


class Echo:
    name = "echo"

    @rpc
    def echo(self, value):
        return value

    @rpc
    def unserialisable(self):
        return object()


class Relay:
    """Calls on with the client the gateway uses."""
    name = "relay"
    echo_service = TimedServiceRpc("echo")

    @rpc
    def echo_via(self, value):
        return self.echo_service.echo(value)


class Wire:
    """Records what the process says to the broker, between start() and the end of the test."""

    def __init__(self, monkeypatch):
        self.published, self.declared, self.consumers = [], [], []
        self.recording = False
        original_publish = amqp.channel.Channel._basic_publish
        original_declare = amqp.channel.Channel.queue_declare
        original_consume = amqp.channel.Channel.basic_consume
        wire = self

        def publish(channel, msg, exchange="", routing_key="", mandatory=False, *args, **kwargs):
            if wire.recording:
                wire.published.append({"routing_key": routing_key, "mandatory": mandatory, "body": msg.body,
                                       "confirmed": bool(channel.connection.confirm_publish), **msg.properties})
            return original_publish(channel, msg, exchange, routing_key, mandatory, *args, **kwargs)

        def declare(channel, queue="", *args, **kwargs):
            if wire.recording:
                wire.declared.append(queue)
            return original_declare(channel, queue, *args, **kwargs)

        def consume(channel, queue="", *args, **kwargs):
            if wire.recording:
                wire.consumers.append(queue)
            return original_consume(channel, queue, *args, **kwargs)

        # A confirming channel publishes through basic_publish_confirm → _basic_publish; any other
        # channel calls the class's basic_publish, which is _basic_publish under a second name.
        monkeypatch.setattr(amqp.channel.Channel, "_basic_publish", publish)
        monkeypatch.setattr(amqp.channel.Channel, "basic_publish", publish)
        monkeypatch.setattr(amqp.channel.Channel, "queue_declare", declare)
        monkeypatch.setattr(amqp.channel.Channel, "basic_consume", consume)

    def start(self):
        self.recording = True

    def requests(self):
        return [m for m in self.published if "." in m["routing_key"]]

    def replies(self):
        return [m for m in self.published if "." not in m["routing_key"]]


@pytest.fixture
def wire(monkeypatch):
    return Wire(monkeypatch)


def test_standalone_client_keeps_one_reply_consumer_and_declares_nothing_per_call(isolated_settings, wire):
    with running(Echo, settings=isolated_settings), \
            KernelRpcClient(uri=isolated_settings.amqp_uri, timeout=10) as client:
        client.echo.echo("warm")
        wire.start()
        results = [client.echo.echo(n) for n in range(20)]
    assert results == list(range(20))
    assert wire.consumers == []  # nameko's ClusterRpcClient starts a consumer (and a connection) per call
    assert wire.declared == []  # and re-declares its reply queue before every request
    assert len(wire.requests()) == 20 and len(wire.replies()) == 20


def test_requests_and_replies_are_transient_and_unconfirmed_once_the_service_was_reached(isolated_settings, wire):
    with running(Echo, Relay, settings=isolated_settings), \
            KernelRpcClient(uri=isolated_settings.amqp_uri, timeout=10) as client:
        wire.start()
        assert client.relay.echo_via("first") == "first"
        assert client.relay.echo_via("second") == "second"
    requests, replies = wire.requests(), wire.replies()
    # standalone client → relay, then relay's TimedServiceRpc (the gateway's client) → echo; twice
    assert [m["routing_key"] for m in requests] == ["relay.echo_via", "echo.echo"] * 2
    assert len(replies) == 4
    assert all(m["delivery_mode"] == TRANSIENT for m in requests + replies)
    # The first request to each service is confirmed with `mandatory` (UnknownService if nobody serves
    # it); after that the reply is the acknowledgement. Replies are never confirmed.
    assert [m["confirmed"] for m in requests] == [True, True, False, False]
    assert [m["mandatory"] for m in requests] == [True, True, False, False]
    assert not any(m["confirmed"] for m in replies)
    assert wire.declared == [] and wire.consumers == []


def test_requests_carry_the_callers_deadline_as_header_and_expiry(isolated_settings, wire):
    with running(Echo, Relay, settings=isolated_settings), \
            KernelRpcClient(uri=isolated_settings.amqp_uri, timeout=7) as client:
        client.relay.echo_via("warm")
        wire.start()
        sent = time.time()
        client.relay.echo_via("x")
    outer, inner = wire.requests()
    assert outer["expiration"] == "7000"
    assert sent < float(outer["application_headers"][f"nameko.{DEADLINE}"]) <= time.time() + 7
    # The relay's own call keeps within its caller's deadline (and its own timeout).
    assert float(inner["application_headers"][f"nameko.{DEADLINE}"]) <= float(
        outer["application_headers"][f"nameko.{DEADLINE}"])
    assert inner["expiration"] == str(isolated_settings.rpc_timeout_seconds * 1000)


def test_each_reply_is_serialised_once(isolated_settings, monkeypatch):
    marker = "serialised-once-marker"
    calls = []
    original = kombu.serialization.dumps

    def counting_dumps(data, *args, **kwargs):
        if data == marker or (isinstance(data, dict) and data.get("result") == marker):
            calls.append(data)
        return original(data, *args, **kwargs)

    monkeypatch.setattr(kombu.serialization, "dumps", counting_dumps)
    monkeypatch.setattr(kombu.messaging, "dumps", counting_dumps)
    with running(Echo, settings=isolated_settings), \
            KernelRpcClient(uri=isolated_settings.amqp_uri, timeout=10) as client:
        assert client.echo.echo(marker) == marker
    # the request's arguments are serialised once, and so is the reply (nameko's Responder makes a
    # trial dumps of the result, then kombu serialises the whole reply again)
    assert calls == [{"result": marker, "error": None}]


def test_an_unserialisable_result_still_answers_the_caller(isolated_settings):
    with running(Echo, settings=isolated_settings), \
            KernelRpcClient(uri=isolated_settings.amqp_uri, timeout=10) as client:
        with pytest.raises(RemoteError, match="UnserializableValueError"):
            client.echo.unserialisable()
        assert client.echo.echo("still serving") == "still serving"


def test_standalone_client_reports_an_unknown_service_and_times_out_on_a_silent_one(isolated_settings):
    silent = Queue("rpc-silent", exchange=get_rpc_exchange(), routing_key="silent.*")
    with Connection(isolated_settings.amqp_uri) as connection:
        silent(connection.default_channel).declare()
    with running(Echo, settings=isolated_settings), \
            KernelRpcClient(uri=isolated_settings.amqp_uri, timeout=1) as client:
        started = time.monotonic()
        with pytest.raises(UnknownService):
            client.nobody.anything()
        assert time.monotonic() - started < 0.9  # at once, not at the deadline
        started = time.monotonic()
        with pytest.raises(RpcTimeout):
            client.silent.anything()
        assert 0.9 <= time.monotonic() - started < 3
        assert client.echo.echo("after a timeout") == "after a timeout"
