"""History and chain heads through the gateway, in front of the real registry (real HTTP, broker, store)."""
from __future__ import annotations

import dataclasses
import uuid

import pytest

from gateway.service import GatewayService
from services.common import config, storage
from services.registry.service import RegistryService
from services.registry.storage import load_reference_data
from tests.integration.test_gateway_registry import DANYANG, JINGKOU, Platform, add_staff, register_station
from tests.support.containers import running
from tests.support.infrastructure import free_port, wait_for_port
from tests.support.waiting import wait_for

HISTORY = """query ($id: ID!, $first: Int, $after: String) {
  history(aggregateType: STATION, aggregateId: $id, first: $first, after: $after) {
    totalCount nextCursor
    items { sequence eventType occurredAt actor { userId role } fields { path value masked } } } }"""
HEAD = """query { eventLogHead(service: REGISTRY) { service sequence hash } }"""
CONSISTENT = """query ($sequence: Int!, $hash: String!) {
  eventLogConsistency(service: REGISTRY, sequence: $sequence, hash: $hash) { consistent reason head { sequence } } }"""


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    base = config.Settings(amqp_uri=rabbit_vhost, mongo_uri=mongo_server, database_prefix=f"t{uuid.uuid4().hex[:10]}",
                           rpc_timeout_seconds=10, http_port=free_port())
    config.override(base)
    load_reference_data(storage.database("registry"))
    with running(RegistryService, settings=dataclasses.replace(base, http_port=free_port())), \
            running(GatewayService, settings=base):
        wait_for_port(base.http_port)
        platform = Platform(base, f"http://127.0.0.1:{base.http_port}/graphql", {})
        admin = platform.token("admin")
        county = platform.ok("""query { region(code: "321102") { code name children { code name } } }""")["region"]
        station_id = register_station(platform, county, county["children"][0], 1, admin)
        platform.stations[JINGKOU] = [station_id]
        add_staff(platform, station_id, JINGKOU, 1, admin)
        wait_for(lambda: platform.ok(HEAD)["eventLogHead"]["sequence"] >= 2)
        yield platform
    config.override(None)


def test_station_history_shows_who_changed_what_with_personal_data_masked(platform):
    (station_id,) = platform.stations[JINGKOU]
    page = platform.ok(HISTORY, {"id": station_id}, platform.token("county", region=JINGKOU))["history"]
    types = [item["eventType"] for item in page["items"]]
    assert page["totalCount"] == len(types) and page["nextCursor"] is None
    assert types[0] == "station.registered" and "staff.joined" in types
    assert [i["sequence"] for i in page["items"]] == sorted(i["sequence"] for i in page["items"])
    joined = page["items"][types.index("staff.joined")]
    assert joined["actor"] == {"userId": "admin-user", "role": "admin"}
    shown = {f["path"]: f for f in joined["fields"]}
    assert shown["name"]["masked"] and shown["name"]["value"] != "社工1号"
    assert shown["station_id"]["value"] == station_id and not shown["station_id"]["masked"]
    raw = repr(page)
    assert "社工1号" not in raw and "13812340001" not in raw
    first = platform.ok(HISTORY, {"id": station_id, "first": 1}, platform.token("admin"))["history"]
    assert len(first["items"]) == 1 and first["nextCursor"]
    rest = platform.ok(HISTORY, {"id": station_id, "after": first["nextCursor"]}, platform.token("admin"))["history"]
    assert [i["eventType"] for i in rest["items"]] == types[1:]


@pytest.mark.parametrize("token", [lambda p: p.token("county", region=DANYANG),
                                   lambda p: p.token("station_staff", station_ids=["ST321181001"]),
                                   lambda p: None])
def test_history_outside_the_viewers_scope_looks_unknown(platform, token):
    (station_id,) = platform.stations[JINGKOU]
    body = platform.gql(HISTORY, {"id": station_id}, token(platform))
    assert body["data"]["history"] is None
    assert body["errors"][0]["extensions"]["code"] in ("NOT_FOUND", "FORBIDDEN")


def test_chain_head_is_public_and_an_earlier_head_stays_consistent(platform):
    head = platform.ok(HEAD)["eventLogHead"]  # no token
    assert head["service"] == "REGISTRY" and head["sequence"] >= 2 and len(head["hash"]) == 64
    result = platform.ok(CONSISTENT, {"sequence": head["sequence"], "hash": head["hash"]})["eventLogConsistency"]
    assert result == {"consistent": True, "reason": None, "head": {"sequence": head["sequence"]}}
    forged = platform.ok(CONSISTENT, {"sequence": head["sequence"], "hash": "0" * 64})["eventLogConsistency"]
    assert not forged["consistent"] and "rewritten" in forged["reason"]


def test_consistency_check_refuses_a_malformed_head(platform):
    body = platform.gql(CONSISTENT, {"sequence": 1, "hash": "not-a-hash"})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "details": {"hash": [
        "must be 64 lowercase hexadecimal digits (SHA-256)"]}}
