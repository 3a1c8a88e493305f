"""The gateway when the registry is not there: clients get SERVICE_UNAVAILABLE quickly, with
whatever else could be answered, instead of a hung request or an internal error."""
from __future__ import annotations

import dataclasses
import time
import uuid

import pytest

from gateway.service import GatewayService
from services.common import config
from services.common.auth import mint_token
from services.registry.service import RegistryService
from tests.support.containers import running
from tests.support.infrastructure import free_port, wait_for_port
from tests.support.platform_client import PlatformClient

QUERY = "{ viewer { role } stations { totalCount } }"


@pytest.fixture(scope="module")
def gateway_alone(mongo_server, rabbit_vhost):
    settings = config.Settings(amqp_uri=rabbit_vhost, mongo_uri=mongo_server, http_port=free_port(),
                               database_prefix=f"t{uuid.uuid4().hex[:10]}", rpc_timeout_seconds=1)
    config.override(settings)
    with running(GatewayService, settings=settings):
        wait_for_port(settings.http_port)
        yield settings
    config.override(None)


def ask(settings):
    token = mint_token(settings.token_secret, role="admin", user_id="ops")
    started = time.monotonic()
    response = PlatformClient(f"http://127.0.0.1:{settings.http_port}/graphql").post(QUERY, token=token, timeout=15)
    return response, time.monotonic() - started


def test_registry_never_started_is_service_unavailable_at_once(gateway_alone):
    response, elapsed = ask(gateway_alone)
    body = response.json()
    assert response.status_code == 200 and elapsed < 1.0
    assert body["data"] == {"viewer": {"role": "ADMIN"}, "stations": None}  # what needs no RPC still arrives
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


def test_registry_that_stopped_answering_times_out_as_service_unavailable(gateway_alone):
    # Its queue outlives it (durable), so the request is accepted by the broker and nobody answers.
    with running(RegistryService, settings=dataclasses.replace(gateway_alone, http_port=free_port())):
        pass
    response, elapsed = ask(gateway_alone)
    body = response.json()
    assert 1.0 <= elapsed < 5.0
    assert body["data"]["stations"] is None
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "did not answer within 1s" in body["errors"][0]["message"]
