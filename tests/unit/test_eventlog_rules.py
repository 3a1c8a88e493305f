"""The event history's pure parts: canonical JSON, the chain, scope and masking."""
from __future__ import annotations

import hashlib

from services.common import chain, eventlog, history
from services.common.auth import Viewer


def test_canonical_json_is_rfc8785_whatever_the_key_order():
    assert eventlog.canonical({"b": 1, "a": [True, None, "社工"]}) == '{"a":[true,null,"社工"],"b":1}'
    assert eventlog.canonical({"a": 1, "b": 2}) == eventlog.canonical({"b": 2, "a": 1})


def test_fast_canonical_path_equals_the_rfc8785_library():
    import rfc8785
    values = [{"z": "社工\n\t\"\\\u0001\u2028", "a": [1, -2, True, False, None, {"k": "v"}], "m": {"b": 1, "a": 2}},
              {"f": 1.0, "g": 1e21, "h": 0.1}, {"é": 1, "e": 2}, {"emoji": "😀"}]
    for value in values:
        assert eventlog.canonical(value) == rfc8785.dumps(value).decode("utf-8")


def test_each_hash_covers_the_previous_hash_and_the_content_digest():
    digest = eventlog.digest_of("{}")
    assert digest == hashlib.sha256(b"{}").hexdigest()
    first = eventlog.chain_hash(eventlog.GENESIS_HASH, digest)
    assert first == hashlib.sha256(bytes(32) + bytes.fromhex(digest)).hexdigest()
    assert eventlog.chain_hash(first, digest) != first  # same content later in the chain: another hash


def test_entry_content_holds_sequence_envelope_aggregate_and_scope():
    pending = eventlog.Pending({"id": "e1", "type": "x.y", "occurred_at": "2024-01-01T00:00:00Z", "payload": {}},
                               "households", "HH1", {"region_code": "321102001", "station_ids": ["ST321102001"]})
    entry = eventlog._entry(7, eventlog.GENESIS_HASH, pending)
    assert entry["_id"] == 7 and entry["aggregate_id"] == "HH1" and entry["station_ids"] == ["ST321102001"]
    assert chain.entry_problem(entry, eventlog.GENESIS_HASH) is None
    assert chain.entry_problem({**entry, "aggregate_id": "HH2"}, eventlog.GENESIS_HASH) == \
        "aggregate_id differs from the hashed content"
    assert "previous hash" in chain.entry_problem(entry, "1" * 64)


def test_scope_of_each_kind_of_aggregate():
    assert eventlog.scope_of("stations", {"_id": "ST1", "region_code": "321102001"}) == \
        {"region_code": "321102001", "station_ids": ["ST1"]}
    assert eventlog.scope_of("contracts", {"_id": "C1", "region_code": "321102", "station_ids": ["ST1", "ST2"]}) == \
        {"region_code": "321102", "station_ids": ["ST1", "ST2"]}
    assert eventlog.scope_of("households", {"_id": "H1", "township_code": "321102001", "station_id": "ST1"}) == \
        {"region_code": "321102001", "station_ids": ["ST1"]}


def test_history_scope_follows_the_viewers_role_and_region():
    entry = {"region_code": "321102001", "station_ids": ["ST321102001"]}
    assert history.sees_entry(Viewer("a", "admin"), entry)
    assert history.sees_entry(Viewer("c", "city", region="321100"), entry)
    assert history.sees_entry(Viewer("s", "station_staff", station_ids=("ST321102001",)), entry)
    assert not history.sees_entry(Viewer("s", "station_staff", station_ids=("ST321181001",)), entry)
    assert not history.sees_entry(Viewer("c", "county", region="321181"), entry)
    assert not history.sees_entry(Viewer("p", "public"), entry)


def test_personal_data_in_payloads_is_masked_or_withheld():
    fields = {f["path"]: f for f in history.masked_fields({
        "name": "王小明", "id_number": "320102199001011234", "phone": "13812345678", "notes": "独居，有抑郁史",
        "household_id": "HH1", "members": [{"relationship": "spouse", "contact": "13900001111"}],
        "tags": ["elderly"], "member_count": 2})}
    assert fields["name"] == {"path": "name", "value": "王*明", "masked": True}
    assert fields["id_number"]["value"] == "320102********1234"
    assert fields["phone"]["value"] == "138****5678"
    assert fields["notes"]["value"] == history.WITHHELD
    assert fields["members.0.contact"]["value"] == "139****1111"  # a phone under any key
    assert fields["household_id"] == {"path": "household_id", "value": "HH1", "masked": False}
    assert fields["tags"]["value"] == ["elderly"] and fields["member_count"]["value"] == 2
