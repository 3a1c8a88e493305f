"""Loaders register by key and the request context builds them on demand (gateway/loaders.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.context import RequestContext
from gateway.loaders import BATCH_LOADERS, BatchLoaderSpec, RequestLoaders, batch_loader
from gateway.schema import DOMAINS
from services.common.auth import Viewer
from services.common.errors import UpstreamUnavailable

ROOT = Path(__file__).resolve().parents[2]
ASKED_FOR = re.compile(r'loader\(info, "([a-z_]+\.[a-z_]+)"\)')


class RecordingClient:
    def __init__(self):
        self.calls: list[tuple] = []

    def get_things(self, viewer, ids):
        self.calls.append(("get_things", viewer["role"], ids))
        return [f"thing {thing_id}" for thing_id in ids]


def test_every_key_a_resolver_asks_for_is_declared_by_a_domain():
    asked = {key for path in ROOT.glob("gateway/**/*.py") for key in ASKED_FOR.findall(path.read_text("utf-8"))}
    assert asked, "the scan found no loader use at all"
    assert asked <= set(BATCH_LOADERS), asked - set(BATCH_LOADERS)


def test_each_key_names_the_service_its_loader_reads():
    # importing the schema imported every domain, and with it every domain's loaders
    assert {spec.service for spec in BATCH_LOADERS.values()} >= {domain.__name__.rpartition(".")[2]
                                                                for domain in DOMAINS if hasattr(domain, "loaders")}
    for key, spec in BATCH_LOADERS.items():
        assert key.split(".")[0] == spec.service, key


def test_a_loader_is_built_once_per_request_with_its_service_bound_to_the_viewer():
    client = RecordingClient()
    declared = {"things.by_id": BatchLoaderSpec("things", lambda things, ids: things.get_things(ids))}
    context = RequestContext(Viewer(user_id="u1", role="admin"), {"things": client})
    loaders = RequestLoaders(context.service, context.batches, declared)
    assert loaders["things.by_id"] is loaders["things.by_id"]
    first, second = loaders["things.by_id"].load("a"), loaders["things.by_id"].load("b")
    assert context.batches.dispatch_next()
    assert (first.result(), second.result()) == ("thing a", "thing b")
    assert client.calls == [("get_things", "admin", ["a", "b"])]  # one call for both keys, as the viewer


def test_a_mutation_gets_fresh_loaders_and_the_same_clients():
    context = RequestContext(Viewer(user_id="u1", role="admin"), {"registry": object()})
    before, client = context.loaders["registry.stations"], context.service("registry")
    context.forget_reads()
    assert context.loaders["registry.stations"] is not before
    assert context.service("registry") is client


def test_an_unknown_key_is_a_clear_error():
    context = RequestContext(Viewer(user_id="u1", role="admin"), {})
    with pytest.raises(KeyError, match="no loader is declared as 'registry.nothing'"):
        context.loaders["registry.nothing"]


def test_a_service_not_supplied_fails_only_the_calls_that_need_it():
    context = RequestContext(Viewer(user_id="u1", role="admin"), {})
    with pytest.raises(UpstreamUnavailable):
        context.service("funding").get_contracts(["C1"])


def test_two_loaders_cannot_share_a_key():
    def read(client, keys):
        return keys

    batch_loader("test_only", "twice")(read)
    try:
        with pytest.raises(ValueError, match="two loaders declared as test_only.twice"):
            batch_loader("test_only", "twice")(lambda client, keys: keys)
    finally:
        del BATCH_LOADERS["test_only.twice"]
