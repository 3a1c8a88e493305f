"""What resolvers see for one request: the viewer, the service clients, the request's loaders."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.auth import Viewer
from services.common.errors import UpstreamUnavailable

from .dataloader import BatchQueue
from .loaders import RequestLoaders


class ViewerBoundClient:
    """An RPC client that passes the viewer as the first argument of every call.

    Services scope every read and write by that viewer, so binding it here means a resolver cannot
    forget it (and cannot pass someone else's).
    """

    def __init__(self, client: Any, viewer: Viewer):
        self._client = client
        self._viewer = viewer.to_dict()

    def __getattr__(self, method: str):
        if method.startswith("_"):  # not an RPC method (copy, pickle, or a missing attribute of ours)
            raise AttributeError(method)
        target = getattr(self._client, method)
        viewer = self._viewer

        def call(*args, **kwargs):
            return target(viewer, *args, **kwargs)

        call.__name__ = method
        return call

    def call_async(self, method: str, *args, **kwargs):
        """Start a call and return a reply whose `.result()` waits for it (fan-out of many calls)."""
        target = getattr(self._client, method)
        start = getattr(target, "call_async", None)
        if start is not None:
            return start(self._viewer, *args, **kwargs)
        return _Immediate(lambda: target(self._viewer, *args, **kwargs))


class _Immediate:
    """For clients without call_async (test fakes): the call happens when the result is asked for."""

    def __init__(self, call):
        self._call = call

    def result(self):
        return self._call()


class _Unavailable:
    """Stands in for a service client the caller did not supply: every call fails with
    SERVICE_UNAVAILABLE, so only the fields that need that service fail."""

    def __init__(self, service: str):
        self._service = service

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)
        service = self._service

        def call(*_args, **_kwargs):
            raise UpstreamUnavailable(f"the {service} service is not available; try again shortly")
        return call


def _client(clients: Mapping[str, Any], service: str) -> Any:
    client = clients.get(service)
    return _Unavailable(service) if client is None else client


class RequestContext:
    """One per HTTP request: the viewer, a viewer-bound client per service, the request's loaders.

    Nothing here names a service or a loader: a client is made the first time a resolver or a loader
    asks for it (`service("funding")`), and a loader when its key is first asked for (gateway/loaders.py).
    """

    def __init__(self, viewer: Viewer, clients: Mapping[str, Any]):
        self.viewer = viewer
        self._clients = clients
        self._bound: dict[str, ViewerBoundClient] = {}
        self.client_address: str | None = None  # the peer's address, for the sign-in rate limits
        self.batches = BatchQueue()  # where the loaders wait for the executor to run their batches
        self.forget_reads()

    def service(self, name: str) -> ViewerBoundClient:
        """The service's RPC client with this viewer bound; one that was not supplied fails every call."""
        bound = self._bound.get(name)
        if bound is None:
            bound = self._bound[name] = ViewerBoundClient(_client(self._clients, name), self.viewer)
        return bound

    def forget_reads(self) -> None:
        """Fresh loaders, so nothing read before a write is served from a loader cache after it."""
        self.loaders = RequestLoaders(self.service, self.batches)
