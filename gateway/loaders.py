"""Per-request DataLoaders, declared by the domains and built on demand.

A domain's `loaders.py` declares each batched read once, under a key:

    @batch_loader("registry", "stations")
    def stations(registry, ids): return registry.get_stations(ids)

and a resolver asks for it by that key: `loader(info, "registry.stations").load(station_id)`. The
request context knows no domain: it builds a key's DataLoader the first time a resolver asks for it
(with the viewer-bound client of the service the key names) and keeps it for the request, so a list
of N stations with their staff costs one call per loader, whatever N (gateway/dataloader.py batches).

Loaders live for one request (they cache what they read) and are replaced before each mutation.
A batch that fails (a service down, a refusal) fails only the fields that waited for its keys.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .dataloader import BatchQueue, DataLoader, gather, then

__all__ = ["BATCH_LOADERS", "RequestLoaders", "batch_loader", "by_date", "gather", "loader",
           "outcome", "then"]

BatchRead = Callable[[Any, list], Iterable[Any]]


@dataclass(frozen=True)
class BatchLoaderSpec:
    service: str
    read: BatchRead  # (the service's viewer-bound client, the distinct keys) -> one value per key


BATCH_LOADERS: dict[str, BatchLoaderSpec] = {}


def batch_loader(service: str, name: str) -> Callable[[BatchRead], BatchRead]:
    """Declares `read(client, keys)` as the loader `<service>.<name>`."""
    key = f"{service}.{name}"

    def register(read: BatchRead) -> BatchRead:
        if key in BATCH_LOADERS and BATCH_LOADERS[key].read is not read:
            raise ValueError(f"two loaders declared as {key}")
        BATCH_LOADERS[key] = BatchLoaderSpec(service, read)
        return read
    return register


class RequestLoaders:
    """The DataLoaders of one request, built the first time their key is asked for."""

    def __init__(self, client_of: Callable[[str], Any], batches: BatchQueue,
                 declared: Mapping[str, BatchLoaderSpec] = BATCH_LOADERS):
        self._client_of = client_of
        self._batches = batches
        self._declared = declared
        self._built: dict[str, DataLoader] = {}

    def __getitem__(self, key: str) -> DataLoader:
        built = self._built.get(key)
        if built is None:
            spec = self._declared.get(key)
            if spec is None:
                raise KeyError(f"no loader is declared as {key!r} (gateway/schema/<domain>/loaders.py)")
            built = self._built[key] = DataLoader(_bound(spec, self._client_of(spec.service), key), self._batches)
        return built


def _bound(spec: BatchLoaderSpec, client: Any, key: str) -> Callable[[list], Iterable[Any]]:
    def read(keys: list) -> Iterable[Any]:
        return spec.read(client, list(keys))
    read.__name__ = key
    return read


def loader(info, key: str) -> DataLoader:
    """The request's loader declared as `key` ("<service>.<name>")."""
    return info.context.loaders[key]


def outcome(reply) -> Any:
    """The value of an asynchronous reply, or the error it failed with (to fail only its keys)."""
    try:
        return reply.result()
    except Exception as exc:
        return exc


def by_date(client, method: str, keys: list[tuple[str, str | None]], date_argument: str,
            pick: Callable[[Any, list[str]], Mapping] = lambda answer, _ids: answer) -> list:
    """Keys (id, date): one call per distinct date (normally exactly one), started together.

    `pick(answer, ids)` turns one call's answer into {id: value}; a failed call fails its keys only.
    """
    ids_by_date: dict[str | None, list[str]] = {}
    for item_id, on in keys:
        ids_by_date.setdefault(on, []).append(item_id)
    replies = {on: client.call_async(method, ids, **{date_argument: on}) for on, ids in ids_by_date.items()}
    results: dict[str | None, Any] = {}
    for on, reply in replies.items():
        answer = outcome(reply)
        results[on] = answer if isinstance(answer, Exception) else pick(answer, ids_by_date[on])
    return [found if isinstance(found := results[on], Exception) else found.get(item_id) for item_id, on in keys]
