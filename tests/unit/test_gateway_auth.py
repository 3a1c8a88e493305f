"""Bearer tokens: none → the public; bad or expired → 401; good → that viewer, passed to every call."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from gateway.auth import viewer_from_authorization
from gateway.execution import GraphQLEndpoint
from gateway.http import GRAPHQL_RESPONSE_JSON
from gateway.schema import COST_MODEL, schema
from services.common import clock, config
from services.common.auth import ANONYMOUS, mint_token
from services.common.errors import Unauthenticated
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SECRET = config.Settings().token_secret
QUERY = "{ viewer { userId role region stationIds } stations { totalCount } }"


def test_no_header_is_the_public():
    assert viewer_from_authorization(None, SECRET) is ANONYMOUS
    assert viewer_from_authorization("  ", SECRET) is ANONYMOUS


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "token abc", "Bearer not-a-jwt",
                                    "Bearer " + mint_token("another-secret-of-sufficient-length!!", role="admin",
                                                           user_id="x")])
def test_unusable_headers_are_refused(header):
    with pytest.raises(Unauthenticated):
        viewer_from_authorization(header, SECRET)


def test_a_valid_token_gives_its_viewer():
    viewer = viewer_from_authorization("bearer " + token_for("county", "u9", region="321102"), SECRET)
    assert (viewer.user_id, viewer.role, viewer.region) == ("u9", "county", "321102")


def test_public_requests_run_as_anonymous():
    registry = FakeRegistry(stations=2)
    body = gateway_request(ENDPOINT, registry, QUERY).json()
    assert body["data"]["viewer"] == {"userId": "anonymous", "role": "PUBLIC", "region": None, "stationIds": []}
    assert body["data"]["stations"]["totalCount"] == 0  # the fake, like the registry, shows the public no stations
    assert registry.viewers() == [ANONYMOUS.to_dict()]


@pytest.mark.parametrize("accept", [None, GRAPHQL_RESPONSE_JSON])
def test_bad_token_is_401_unauthenticated_and_calls_nothing(accept):
    registry = FakeRegistry()
    response = gateway_request(ENDPOINT, registry, QUERY, token="garbage", accept=accept)
    assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert registry.calls == []


def test_expired_token_is_401():
    with clock.FrozenClock(datetime.now(UTC) - timedelta(days=2)):
        old = token_for("admin")
    response = gateway_request(ENDPOINT, FakeRegistry(), QUERY, token=old)
    assert response.status == 401 and "expired" in response.json()["errors"][0]["message"]


def test_token_with_unknown_role_is_401():
    forged = jwt.encode({"sub": "x", "role": "superuser", "aud": "shegong",
                         "exp": datetime.now(UTC) + timedelta(hours=1)}, SECRET, algorithm="HS256")
    assert gateway_request(ENDPOINT, FakeRegistry(), QUERY, token=forged).status == 401


def test_the_viewer_goes_first_in_every_registry_call():
    registry = FakeRegistry(stations=2)
    token = token_for("station_staff", "u5", station_ids=["ST321102001"])
    body = gateway_request(ENDPOINT, registry, """{ viewer { role stationIds }
        stations { totalCount items { id staff { name } compliance { status } region { name } } }
        station(id: "ST321102002") { id } regions { name } }""", token=token).json()
    assert body["data"]["viewer"] == {"role": "STATION_STAFF", "stationIds": ["ST321102001"]}
    assert [s["id"] for s in body["data"]["stations"]["items"]] == ["ST321102001"]
    assert body["data"]["station"] is None  # out of scope looks like unknown
    expected = {"user_id": "u5", "role": "station_staff", "region": None, "station_ids": ["ST321102001"]}
    # list_stations (with its staff and compliance), get_stations, get_regions, regions
    assert len(registry.calls) >= 4 and registry.viewers() == [expected] * len(registry.calls)
