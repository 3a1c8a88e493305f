"""No ghost writes: an RPC request whose caller stopped waiting never runs later (issue 14, faults 3)."""
from __future__ import annotations

import dataclasses
import time

import pytest
from nameko.exceptions import RpcTimeout

from services.common import config, storage
from services.common.errors import UpstreamUnavailable
from services.common.rpc import DEADLINE, TimedServiceRpc, rpc
from services.common.rpc_client import KernelRpcClient
from tests.support.containers import rpc_client, running


class Recorder:
    """Stands for any service's write: each call leaves one document."""
    name = "recorder"
    db = storage.ServiceDatabase("recorder")

    @rpc
    def record(self, key):
        self.db.calls.insert_one({"_id": key})
        return key


class Caller:
    """Stands for the gateway: calls through the kernel's timed client."""
    name = "caller"
    recorder = TimedServiceRpc("recorder")

    @rpc
    def record_via(self, key):
        return self.recorder.record(key)


@pytest.fixture
def settings(isolated_settings):
    short = dataclasses.replace(isolated_settings, rpc_timeout_seconds=1)
    config.override(short)
    yield short
    config.override(isolated_settings)


def recorded():
    return sorted(doc["_id"] for doc in storage.database("recorder").calls.find())


def test_a_request_the_caller_gave_up_on_does_not_run_when_the_service_comes_back(settings):
    with running(Recorder, settings=settings):
        pass  # its durable request queue now exists, and nobody consumes it
    with running(Caller, settings=settings), rpc_client(settings) as client:
        with pytest.raises(UpstreamUnavailable, match="did not answer within 1s"):
            client.caller.record_via("while-down")
        time.sleep(1.5)  # the service comes back after the caller's deadline, as after an outage
        with running(Recorder, settings=settings):
            assert client.caller.record_via("after-restart") == "after-restart"
    assert recorded() == ["after-restart"]


def test_the_service_drops_work_whose_deadline_passed_even_if_the_broker_delivers_it(settings):
    # Message expiry is the broker's half; this is the service's: a request that arrives (a
    # redelivery, a broker without expiry) after its deadline is acknowledged and not run.
    with running(Recorder, settings=settings):
        with KernelRpcClient(uri=settings.amqp_uri, timeout=2,
                              context_data={DEADLINE: time.time() - 1}) as late, pytest.raises(RpcTimeout):
            late.recorder.record("expired")
        with rpc_client(settings) as client:
            assert client.recorder.record("in-time") == "in-time"
    assert recorded() == ["in-time"]
