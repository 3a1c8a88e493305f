"""Issue 14, security item 8: three queries that failed for everyone with INTERNAL_SERVER_ERROR.

The gateway in front of the real registry, casework and volunteers services (real broker, real
wire-protocol store, real HTTP). The registry knows the station 丹阳市云阳街道 (ST321181001); the
volunteers service has one resource of that station, registered (its first review reads
`registered`) and then reviewed once; casework has an extreme-poverty elder living alone at the
station and a verification campaign of 丹阳市 targeting that group.
"""
from __future__ import annotations

from datetime import date, timedelta

import eventlet
import pytest

from services.casework.service import CaseworkService
from services.common import clock, storage
from services.common.auth import SYSTEM
from services.common.demo_identities import credit_code
from services.registry.service import RegistryService
from services.volunteers.service import VolunteersService
from services.volunteers.storage import VolunteersRepository
from services.volunteers.usecases import Volunteering
from tests.support import casework_fixtures as fx
from tests.support.platform_client import PlatformClient, gateway_platform
from tests.support.volunteers_fixtures import resource_input
from tests.support.volunteers_in_process import in_process

STATION = fx.STATION


def china_today() -> date:
    return clock.local_date(clock.utcnow())


REGISTER_STATION = """mutation ($input: RegisterStationInput!) { registerStation(input: $input) { station { id } } }"""
REGISTER_HOUSEHOLD = """mutation ($input: RegisterHouseholdInput!) { registerHousehold(input: $input) {
    household { id } } }"""
CREATE_CAMPAIGN = """mutation ($input: CreateVerificationCampaignInput!) { createVerificationCampaign(input: $input) {
    campaign { id } } }"""


def seed(platform: PlatformClient) -> None:
    platform.ok(REGISTER_STATION, {"input": {
        "townshipCode": STATION[2:], "name": "丹阳市云阳街道社工站", "legalForm": "OPERATED_BY_ORGANISATION",
        "status": "OPERATING", "statusSince": "2023-03-01", "venue": {"officeAreaM2": 60.0, "signboardHung": True},
        "operator": {"name": "阳光社会工作服务中心", "creditCode": credit_code(STATION[2:8], 801)}}}, "admin")
    # casework registers households only at stations it has learnt of from the registry's events
    casework_db = storage.database("casework")
    deadline = clock.utcnow() + timedelta(seconds=20)
    while casework_db.stations.count_documents({}) < 1:
        assert clock.utcnow() < deadline, "casework did not receive the registry's station event"
        eventlet.sleep(0.05)

    library = in_process(Volunteering(VolunteersRepository(storage.database("volunteers"))))
    resource = library.register_resource(SYSTEM, resource_input())
    reviewed = library.review_resource(SYSTEM, resource["id"], {
        "expected_version": resource["version"], "reviewed_on": china_today().isoformat(),
        "outcome": "confirmed", "notes": "年度复核"})
    platform.ids["resource"] = reviewed["id"]

    for sequence in (1, 2):
        head = fx.elderly_household(sequence)["members"][0]
        platform.ok(REGISTER_HOUSEHOLD, {"input": {
            "stationId": STATION, "communityCode": fx.COMMUNITY, "communityName": "三里村",
            "address": f"三里村4组{sequence}号", "members": [{
                "name": head["name"], "relationship": "HEAD", "idNumber": head["id_number"],
                "tags": ["ELDERLY_LIVING_ALONE", "EXTREME_POVERTY"]}]}}, "admin")
    platform.ids["campaign"] = platform.ok(CREATE_CAMPAIGN, {"input": {
        "name": "2026年丹阳市特困老人全面核查", "regionCode": "321181",
        "criteria": {"tagsAny": ["EXTREME_POVERTY"], "ageMin": 60},
        "startsOn": (china_today() - timedelta(days=5)).isoformat(),
        "endsOn": (china_today() + timedelta(days=30)).isoformat()}},
        "danyang")["createVerificationCampaign"]["campaign"]["id"]


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    with gateway_platform(mongo_server, rabbit_vhost, RegistryService, CaseworkService, VolunteersService,
                          reference_data=True) as platform:
        platform.mint("admin", "admin", "ops")
        platform.mint("danyang", "county", "danyang-official", region="321181")
        seed(platform)
        yield platform


RESOURCE = """query ($id: ID!) { communityResource(id: $id) { id name
    reviews { reviewedOn outcome notes } station { id name } } }"""
RESOURCES = """{ communityResources(region: "321181") { totalCount items { id
    reviews { outcome } station { id name } } } }"""


@pytest.mark.parametrize("token", [None, "danyang", "admin"])
def test_a_resource_s_reviews_show_every_stored_outcome_and_its_station_in_the_same_request(platform, token):
    resource = platform.ok(RESOURCE, {"id": platform.ids["resource"]}, token)["communityResource"]
    assert [review["outcome"] for review in resource["reviews"]] == ["REGISTERED", "CONFIRMED"]
    assert resource["reviews"][1]["notes"] == "年度复核"
    station = None if token is None else {"id": STATION, "name": "丹阳市云阳街道社工站"}  # stations are not public
    assert resource["station"] == station
    listed = platform.ok(RESOURCES, token=token)["communityResources"]
    [item] = [i for i in listed["items"] if i["id"] == platform.ids["resource"]]
    assert item == {"id": platform.ids["resource"], "reviews": [{"outcome": "REGISTERED"}, {"outcome": "CONFIRMED"}],
                    "station": station}


CAMPAIGNS = """query ($after: String) { verificationCampaigns(first: 5) { totalCount items { id name
    progress(first: 1, after: $after) { targeted visited notVisited personsTargeted
               byStation { stationId targeted station { name } }
               items { householdId visitedOn persons { idNumber } } nextCursor } } } }"""


def test_verification_campaigns_with_their_progress_page_by_page(platform):
    pages = []
    after = None
    for _ in range(3):
        listed = platform.ok(CAMPAIGNS, {"after": after}, "danyang")["verificationCampaigns"]
        [campaign] = [c for c in listed["items"] if c["id"] == platform.ids["campaign"]]
        progress = campaign["progress"]
        pages.append(progress)
        after = progress["nextCursor"]
        if after is None:
            break
    assert len(pages) == 2  # two targeted households, one per page: the first page has a cursor
    for progress in pages:
        assert (progress["targeted"], progress["visited"], progress["notVisited"], progress["personsTargeted"]) == \
            (2, 0, 2, 2)
        assert progress["byStation"] == [{"stationId": STATION, "targeted": 2,
                                          "station": {"name": "丹阳市云阳街道社工站"}}]
        [item] = progress["items"]
        assert item["visitedOn"] is None and "*" in item["persons"][0]["idNumber"]
    assert pages[0]["nextCursor"] == pages[0]["items"][0]["householdId"]
    assert pages[0]["items"][0]["householdId"] != pages[1]["items"][0]["householdId"]


def test_a_field_that_fails_leaves_the_resource_and_its_station_in_the_same_request(platform):
    body = platform.gql("""query ($id: ID!) { communityResource(id: $id) { id station { id name }
        reviews { outcome } } missing: campaignProgress(id: "vc_does_not_exist") { targeted } }""",
                        {"id": platform.ids["resource"]}, "danyang")
    assert body["data"]["communityResource"]["station"] == {"id": STATION, "name": "丹阳市云阳街道社工站"}
    assert [r["outcome"] for r in body["data"]["communityResource"]["reviews"]] == ["REGISTERED", "CONFIRMED"]
    assert body["data"]["missing"] is None
    [error] = body["errors"]
    assert error["path"] == ["missing"] and error["extensions"]["code"] == "NOT_FOUND"
