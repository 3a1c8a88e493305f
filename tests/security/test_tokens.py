"""Validly signed tokens whose claims have the wrong shape are unusable (401), never an internal error."""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.auth import TOKEN_AUDIENCE
from tests.support.gateway_fakes import FakeRegistry, gateway_request

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SECRET = config.Settings().token_secret
QUERY = "{ viewer { userId role region stationIds } stations { totalCount } }"

GOOD = {"sub": "u1", "role": "county", "region": "321181"}

WRONG_SHAPES = {
    "sub is a number": {"sub": 42},
    "sub is a list": {"sub": ["u1"]},
    "sub is an object": {"sub": {"id": "u1"}},
    "sub is empty": {"sub": ""},
    "sub is null": {"sub": None},
    "role is a number": {"role": 1},
    "role is a list": {"role": ["admin"]},
    "role is unknown": {"role": "root"},
    "role is public": {"role": "public"},
    "role is null": {"role": None},
    "region is a number": {"region": 321181},
    "region is a list": {"region": ["321181"]},
    "region is an object": {"region": {"$regex": ".*"}},
    "region is a regex alternation": {"region": "321181|"},
    "region is a wildcard": {"region": ".*"},
    "region is an anchor": {"region": "^"},
    "region is a bare prefix": {"region": "3"},
    "region is missing for a county role": {"region": None},
    "region has full-width digits": {"region": "３２１１８１"},
    "stations is a string": {"role": "station_staff", "region": None, "stations": "ST1"},
    "stations has numbers": {"role": "station_staff", "region": None, "stations": [1, 2]},
    "stations has objects": {"role": "supervisor", "region": None, "stations": [{"$ne": None}]},
    "stations is empty for station staff": {"role": "station_staff", "region": None, "stations": []},
    "stations is an object": {"role": "station_staff", "region": None, "stations": {"a": 1}},
}


def signed(claims: dict) -> str:
    now = datetime.now(UTC)
    payload = {**GOOD, "aud": TOKEN_AUDIENCE, "iat": now, "exp": now + timedelta(hours=1), **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None or k in claims}, SECRET, algorithm="HS256")


def test_the_well_formed_token_works():
    registry = FakeRegistry(stations=1)
    response = gateway_request(ENDPOINT, registry, QUERY, token=signed({}))
    assert response.status == 200
    assert response.json()["data"]["viewer"]["region"] == "321181"


@pytest.mark.parametrize("claims", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_a_claim_of_the_wrong_shape_is_401_and_calls_nothing(claims):
    registry = FakeRegistry(stations=1)
    response = gateway_request(ENDPOINT, registry, QUERY, token=signed(claims))
    body = response.json()
    assert response.status == 401, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert registry.calls == []


@pytest.mark.parametrize("claim", ["exp", "iat", "aud"])
@pytest.mark.parametrize("value", ["tomorrow", ["x"], {"a": 1}])
def test_registered_claims_of_the_wrong_type_are_401(claim, value):
    registry = FakeRegistry(stations=1)
    response = gateway_request(ENDPOINT, registry, QUERY, token=signed({claim: value}))
    assert response.status == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_payload_that_is_not_an_object_is_401():
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    payload = jwt.utils.base64url_encode(b'["sub","role"]')
    signing_input = header + b"." + payload
    signature = jwt.utils.base64url_encode(hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest())
    token = (signing_input + b"." + signature).decode()
    response = gateway_request(ENDPOINT, FakeRegistry(), QUERY, token=token)
    assert response.status == 401
