"""The AsyncAPI description of the events: generated from the contracts, committed, valid, and true to the code."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from services.common.events import CONTRACTS, new_event
from services.contracts import asyncapi
from services.contracts.casework import CONSENT_WITHDRAWN, VISIT_LOGGED
from services.contracts.registry import STAFF_JOINED

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "gateway" / "asyncapi.json"
SCHEMA = json.loads((ROOT / "tests/support/asyncapi/asyncapi-3.0.0.schema.json").read_text(encoding="utf-8"))


def test_the_committed_description_is_what_the_contracts_generate():
    assert COMMITTED.read_text(encoding="utf-8") == asyncapi.rendered(), (
        "gateway/asyncapi.json drifted from the contracts: run `make asyncapi` and commit it")


def test_the_description_is_valid_asyncapi_3():
    jsonschema.Draft7Validator(SCHEMA).validate(json.loads(COMMITTED.read_text(encoding="utf-8")))


def test_the_schema_check_would_catch_a_broken_description():
    broken = asyncapi.document()
    broken["operations"]["casework.publishes.visit.logged"]["action"] = "publish"  # AsyncAPI 2 wording
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)


def test_every_contract_has_a_channel_a_message_and_its_current_version():
    document = asyncapi.document()
    published = [c for c in CONTRACTS.values() if c.producer in asyncapi.PRODUCERS]
    assert len(document["channels"]) == len(published) > 40
    for contract in published:
        message = document["components"]["messages"][contract.name]
        assert message["x-shegong-version"] == contract.version
        channel = document["channels"][f"{contract.producer}.{contract.name}"]
        assert channel["address"] == contract.name
        assert channel["bindings"]["amqp"]["exchange"]["name"] == f"{contract.producer}.events"


def _message_validator(document: dict, contract) -> jsonschema.Validator:
    """A validator for one message's payload, resolving `#/components/...` inside the whole document."""
    schema = {**document["components"]["messages"][contract.name]["payload"], "components": document["components"]}
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(("contract", "payload"), [
    (VISIT_LOGGED, {"visit_id": "v1", "household_id": "h1", "case_id": None, "campaign_id": None,
                    "station_id": "ST321181001", "township_code": "321181001", "visit_type": "home_visit",
                    "visited_on": "2026-11-02", "duration_minutes": 30, "staff_ids": ["s1"], "contact_at": None}),
    (CONSENT_WITHDRAWN, {"consent_id": "c1", "household_id": "h1", "person_id": "p1", "purposes": ["archive"],
                         "withdrawn_on": "2026-11-02", "matching_need_ids": []}),
])
def test_a_real_event_matches_its_message_schema_and_a_broken_one_does_not(contract, payload):
    document = asyncapi.document()
    envelope = new_event(contract, payload, correlation_id="corr-1", actor={"user_id": "u1", "role": "admin"})
    validator = _message_validator(document, contract)
    validator.validate(envelope.to_dict())
    missing_field = {**envelope.to_dict(), "payload": {k: v for k, v in payload.items() if k != "household_id"}}
    assert not validator.is_valid(missing_field)
    wrong_version = {**envelope.to_dict(), "version": contract.version + 1}
    assert not validator.is_valid(wrong_version)


def test_allowed_values_of_a_contract_reach_the_description():
    document = asyncapi.document()
    staff = document["components"]["schemas"][f"staff.joined.v{STAFF_JOINED.version}"]
    assert staff["additionalProperties"] is False
    assert set(staff["required"]) >= {"staff_id", "station_id"}
