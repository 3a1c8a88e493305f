"""History and chain heads through the gateway, in front of the real registry (real HTTP, broker, store)."""
from __future__ import annotations

import pytest

from services.registry.service import RegistryService
from tests.integration.test_gateway_registry import DANYANG, JINGKOU, add_staff, register_station, stations, token_for
from tests.support.platform_client import gateway_platform
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
    with gateway_platform(mongo_server, rabbit_vhost, RegistryService, reference_data=True) as platform:
        admin = token_for(platform, "admin")
        county = platform.ok("""query { region(code: "321102") { code name children { code name } } }""")["region"]
        station_id = register_station(platform, county, county["children"][0], 1, admin)
        stations(platform)[JINGKOU] = [station_id]
        add_staff(platform, station_id, JINGKOU, 1, admin)
        # the history is the event log, which the relay writes as it publishes: wait for the staff event
        wait_for(lambda: "staff.joined" in [i["eventType"] for i in platform.ok(
            HISTORY, {"id": station_id}, admin)["history"]["items"]], timeout=20)
        yield platform


def test_station_history_shows_who_changed_what_with_personal_data_masked(platform):
    (station_id,) = stations(platform)[JINGKOU]
    page = platform.ok(HISTORY, {"id": station_id}, token_for(platform, "county", region=JINGKOU))["history"]
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
    first = platform.ok(HISTORY, {"id": station_id, "first": 1}, token_for(platform, "admin"))["history"]
    assert len(first["items"]) == 1 and first["nextCursor"]
    rest = platform.ok(HISTORY, {"id": station_id, "after": first["nextCursor"]},
                       token_for(platform, "admin"))["history"]
    assert [i["eventType"] for i in rest["items"]] == types[1:]


@pytest.mark.parametrize("token", [lambda p: token_for(p, "county", region=DANYANG),
                                   lambda p: token_for(p, "station_staff", station_ids=["ST321181001"]),
                                   lambda p: None])
def test_history_outside_the_viewers_scope_looks_unknown(platform, token):
    (station_id,) = stations(platform)[JINGKOU]
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
