"""The one client of a running platform's GraphQL API, and the one way tests start a gateway in front of
real services.

`PlatformClient` is what a test holds: the gateway URL, tokens by name, the ids its seeding made.
`token` arguments name a token in `tokens`, or are a raw bearer token. `gateway_platform(...)` starts
the given services and a gateway on the test broker and store, each container on its own HTTP port
(they all serve /health/*; two listeners sharing a port would share its requests).
"""
from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import requests

from gateway.service import GatewayService
from services.common import config, storage
from services.common.auth import mint_token
from tests.support.containers import running
from tests.support.infrastructure import free_port_block, wait_for_port


@dataclasses.dataclass
class PlatformClient:
    url: str  # the gateway's /graphql
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    ids: dict[str, Any] = dataclasses.field(default_factory=dict)
    settings: config.Settings | None = None
    default_token: str | None = None  # the token of calls that name none (None: anonymous)
    timeout: float = 60

    @property
    def base_url(self) -> str:
        return self.url.rsplit("/graphql", 1)[0]

    def mint(self, key: str, role: str, user_id: str, **scope) -> str:
        """A token for `role` kept under `key`; returned as well."""
        assert self.settings is not None, "minting needs the platform's settings (its token secret)"
        self.tokens[key] = mint_token(self.settings.token_secret, role=role, user_id=user_id, **scope)
        return self.tokens[key]

    def bearer(self, token: str | None) -> dict[str, str]:
        token = token or self.default_token
        return {"Authorization": f"Bearer {self.tokens.get(token, token)}"} if token else {}

    def post(self, query: str, variables: dict | None = None, token: str | None = None, **kwargs) -> requests.Response:
        headers = {**kwargs.pop("headers", {}), **self.bearer(token)}
        return requests.post(self.url, json={"query": query, "variables": variables}, headers=headers,
                             timeout=kwargs.pop("timeout", self.timeout), **kwargs)

    def gql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        """The response body, data and errors; the HTTP status must be 200."""
        response = self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = self.gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def refused(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        """The first error of a request that must be refused (every top-level field null)."""
        body = self.gql(query, variables, token)
        assert body["data"] is not None and not any(body["data"].values()), body
        return body["errors"][0]


@contextlib.contextmanager
def gateway_platform(mongo_uri: str, amqp_uri: str, *services, reference_data: bool = False,
                     before_start: Callable[[config.Settings], None] | None = None,
                     **settings: Any) -> Iterator[PlatformClient]:
    """`services` and a gateway running on fresh databases; the client of its GraphQL API.

    `reference_data` loads the registry's regions and wages (reference data no RPC loads);
    `before_start(settings)` writes what must be in the store before the services start.
    """
    # One block of distinct ports: eventlet listens with SO_REUSEPORT, so two containers handed the same
    # "free" port would both bind it and share its requests (seen: the gateway's /graphql answered 404).
    first_port = free_port_block(len(services) + 1)
    base = config.Settings(amqp_uri=amqp_uri, mongo_uri=mongo_uri, database_prefix=f"t{uuid.uuid4().hex[:10]}",
                           **{"rpc_timeout_seconds": 10, **settings, "http_port": first_port})
    config.override(base)
    try:
        if reference_data:
            from services.registry.storage import load_reference_data
            load_reference_data(storage.database("registry"))
        if before_start is not None:
            before_start(base)
        with contextlib.ExitStack() as started:
            for offset, service in enumerate(services, start=1):
                own_port = dataclasses.replace(base, http_port=first_port + offset)
                started.enter_context(running(service, settings=own_port))
            started.enter_context(running(GatewayService, settings=base))
            wait_for_port(base.http_port)
            yield PlatformClient(f"http://127.0.0.1:{base.http_port}/graphql", settings=base)
    finally:
        config.override(None)
