"""The document store goes away: clients hear SERVICE_UNAVAILABLE with retry advice, and readiness
answers within 1 s whatever the store does (issue 14, faults 5)."""
from __future__ import annotations

import dataclasses
import time

import pytest
import requests

from services.common import config
from services.common.auth import SYSTEM
from services.common.errors import StoreUnavailable
from services.registry.service import RegistryService
from shegong.services import migrate
from tests.support.containers import rpc_client, running
from tests.support.infrastructure import NxServer, free_port, wait_for_port
from tests.support.registry_fixtures import staff_input, station_input

ADMIN = SYSTEM.to_dict()


@pytest.fixture
def store():
    server = NxServer().start()  # this test's own store, so stopping it harms no other test
    yield server
    server.stop()


@pytest.fixture
def registry(isolated_settings, store):
    settings = dataclasses.replace(isolated_settings, mongo_uri=store.uri, http_port=free_port())
    config.override(settings)
    migrate()
    with running(RegistryService, settings=settings), rpc_client(settings, timeout=30) as client:
        wait_for_port(settings.http_port)
        yield client.registry, settings
    config.override(isolated_settings)


def ready(settings):
    started = time.monotonic()
    response = requests.get(f"http://127.0.0.1:{settings.http_port}/health/ready", timeout=10)
    return response, time.monotonic() - started


def test_store_outage_is_service_unavailable_and_readiness_stays_quick(registry, store):
    client, settings = registry
    station = client.register_station(ADMIN, station_input())
    response, _ = ready(settings)
    assert response.status_code == 200

    store.stop()

    with pytest.raises(StoreUnavailable, match="document store is unavailable") as caught:
        client.add_staff(ADMIN, station["id"], staff_input(1))
    assert caught.value.code == "SERVICE_UNAVAILABLE"
    # Once the client has noticed the server is gone, no operation is sent: the advice says so.
    with pytest.raises(StoreUnavailable, match="nothing was changed; safe to retry"):
        client.list_stations(ADMIN, {})

    response, elapsed = ready(settings)
    assert response.status_code == 503 and elapsed < 1.0
    assert response.json()["checks"]["store"].startswith("unreachable")
