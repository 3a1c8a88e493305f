"""Every command runs once: a redelivered or retried RPC returns the first result (issue 14, faults 2)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.common.auth import SYSTEM
from services.common.errors import Conflict
from services.common.rpc_client import KernelRpcClient
from services.common.storage import IDEMPOTENCY_KEY
from services.registry.service import RegistryService
from shegong.services import migrate
from tests.support.containers import rpc_client, running
from tests.support.infrastructure import free_port, wait_for_port
from tests.support.registry_fixtures import staff_input, station_input

ADMIN = SYSTEM.to_dict()
ROOT = Path(__file__).resolve().parents[2]


def keyed_client(settings, key):
    return KernelRpcClient(uri=settings.amqp_uri, timeout=90, context_data={IDEMPOTENCY_KEY: key})


def start_registry(settings, **extra_env):
    port = free_port()
    env = {**os.environ, "AMQP_URI": settings.amqp_uri, "MONGO_URI": settings.mongo_uri,
           "SHEGONG_DATABASE_PREFIX": settings.database_prefix, "SHEGONG_HTTP_PORT": str(port),
           "SHEGONG_EVENT_RETRY_BASE_MS": str(settings.event_retry_base_ms),
           "SHEGONG_EVENT_MAX_RETRIES": str(settings.event_max_retries), **extra_env}
    process = subprocess.Popen([sys.executable, "-m", "tests.reliability.serve",
                                "services.registry.service:RegistryService"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, timeout=60)
    return process


def test_a_write_redelivered_after_a_crash_before_the_reply_runs_once(isolated_settings):
    migrate()
    with running(RegistryService, settings=isolated_settings), rpc_client(isolated_settings) as client:
        station = client.registry.register_station(ADMIN, station_input())

    crashing = start_registry(isolated_settings, SHEGONG_FAULT_EXIT_BEFORE_REPLY="registry.add_staff")
    try:
        with keyed_client(isolated_settings, "request-1") as keyed:
            pending = keyed.registry.add_staff.call_async(ADMIN, station["id"], staff_input(1))
            assert crashing.wait(60) == 17  # it committed the write, then died before replying
            restarted = start_registry(isolated_settings)
            try:
                first = pending.result()  # the broker redelivered the request to the new process
                retried = keyed.registry.add_staff(ADMIN, station["id"], staff_input(1))  # the client retries
            finally:
                restarted.terminate()
                restarted.wait(30)
    finally:
        if crashing.poll() is None:
            crashing.kill()

    assert first["version"] == station["version"] + 1
    assert retried["version"] == first["version"]
    with running(RegistryService, settings=isolated_settings), rpc_client(isolated_settings) as client:
        members = client.registry.staff_for_stations(ADMIN, [station["id"]])[station["id"]]
    assert [m["name"] for m in members] == [staff_input(1)["name"]]


@pytest.fixture
def registry(isolated_settings):
    migrate()
    with running(RegistryService, settings=isolated_settings):
        yield isolated_settings


def test_a_retried_create_returns_the_first_result_not_conflict(registry):
    with keyed_client(registry, "create-1") as keyed:
        first = keyed.registry.register_station(ADMIN, station_input())
        again = keyed.registry.register_station(ADMIN, station_input())
    assert again["id"] == first["id"] and again["version"] == first["version"]
    # A different request is a different command.
    with keyed_client(registry, "create-2") as other, pytest.raises(Conflict, match="already has a station"):
        other.registry.register_station(ADMIN, station_input())
