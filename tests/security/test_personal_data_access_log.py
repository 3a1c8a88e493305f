"""One access log across the services, read through the gateway in the viewer's scope (issue 14, security 3).

The four services that reveal personal data and the gateway run for real. Each service's log gets reveals in
two counties (丹阳 ST321181001, 京口 ST321102001), written with the kernel's AccessLog as the services' reveal
use cases write them, a funding bid without a station, and an entry from before entries carried a scope.
`personalDataAccessLog` fans out to all four and merges by time: each role sees exactly its scope's entries,
across all four services, and paging through the merged log returns each entry once.
"""
from __future__ import annotations

import pytest
import requests

from services.casework.service import CaseworkService
from services.common import clock, storage
from services.common.accesslog import AccessLog
from services.common.auth import Viewer, mint_token
from services.funding.service import FundingService
from services.registry.service import RegistryService
from services.volunteers.service import VolunteersService
from tests.support.platform_client import PlatformClient, gateway_platform

DANYANG, JINGKOU = ("ST321181001", "321181001"), ("ST321102001", "321102001")
SUBJECTS = {"registry": "staff", "casework": "person", "funding": "bid", "volunteers": "volunteer"}
TOKENS = {
    "admin": {"role": "admin"},
    "province": {"role": "province", "region": "320000"},
    "danyang_county": {"role": "county", "region": "321181"},
    "jingkou_county": {"role": "county", "region": "321102"},
    "other_city": {"role": "city", "region": "320100"},
    "danyang_supervisor": {"role": "supervisor", "station_ids": [DANYANG[0]]},
    "station_staff": {"role": "station_staff", "station_ids": [DANYANG[0]]},
    "evaluator": {"role": "evaluator", "region": "321181"},
}
QUERY = """query ($first: Int, $after: String, $subjectId: ID, $userId: String, $service: PersonalDataService,
    $subjectType: String, $from: DateTime, $to: DateTime) {
    personalDataAccessLog(first: $first, after: $after, subjectId: $subjectId, userId: $userId, service: $service,
                          subjectType: $subjectType, from: $from, to: $to) {
        items { id at service userId role action subjectType subjectId householdId stationId regionCode fields reason }
        nextCursor } }"""


def access_log(platform: PlatformClient, token: str, **variables) -> dict:
    return platform.gql(QUERY, variables, token)


def subjects(platform: PlatformClient, token: str, **variables) -> list[str]:
    body = access_log(platform, token, **variables)
    assert "errors" not in body, body["errors"]
    return [f"{e['service'].lower()}:{e['subjectId']}" for e in body["data"]["personalDataAccessLog"]["items"]]


def write_reveals() -> None:
    officer = Viewer("officer-1", "admin")
    for service, subject_type in SUBJECTS.items():
        log = AccessLog(storage.database(service).access_log)
        for (station_id, township), county in ((DANYANG, "danyang"), (JINGKOU, "jingkou")):
            bid = service == "funding"  # a bid belongs to a county's tender, not to a station
            log.record(officer, subject_type=subject_type, subject_id=county, fields=["id_number"],
                       reason="核实身份信息", station_id=None if bid else station_id,
                       region_code=township[:6] if bid else township,
                       **({"household_id": f"hh-{county}"} if service == "casework" else {}))
        storage.database(service).access_log.insert_one({  # before entries carried a scope
            "_id": f"legacy-{service}", "at": clock.utcnow(), "user_id": "ops", "role": "admin",
            "subject_type": subject_type, "subject_id": "legacy", "fields": ["phone"], "reason": "旧记录"})


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    with gateway_platform(mongo_server, rabbit_vhost, RegistryService, CaseworkService, FundingService,
                          VolunteersService, rpc_timeout_seconds=20,
                          before_start=lambda settings: write_reveals()) as platform:
        platform.tokens.update({name: mint_token(platform.settings.token_secret, user_id=f"{name}-1", **claims)
                                for name, claims in TOKENS.items()})
        yield platform


def everywhere(*counties: str) -> set[str]:
    return {f"{service}:{county}" for service in SUBJECTS for county in counties}


SEES = {
    "admin": everywhere("danyang", "jingkou", "legacy"),
    "province": everywhere("danyang", "jingkou"),
    "danyang_county": everywhere("danyang"),
    "jingkou_county": everywhere("jingkou"),
    "other_city": set(),
    # a bid names no station: a supervisor's scope is stations, so bids stay with the officials
    "danyang_supervisor": everywhere("danyang") - {"funding:danyang"},
}


@pytest.mark.parametrize("token", SEES)
def test_each_role_sees_exactly_its_scopes_entries_across_the_four_services(platform, token):
    seen = subjects(platform, token, first=100)
    assert len(seen) == len(set(seen)) and set(seen) == SEES[token]


@pytest.mark.parametrize("token", ["station_staff", "evaluator"])
def test_roles_that_do_not_audit_are_refused(platform, token):
    body = access_log(platform, token)
    assert body["data"] is None or body["data"].get("personalDataAccessLog") is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


def test_the_public_is_refused(platform):
    response = requests.post(platform.url, json={"query": QUERY}, timeout=60)
    assert {e["extensions"]["code"] for e in response.json()["errors"]} <= {"FORBIDDEN", "UNAUTHENTICATED"}


def test_the_merged_log_is_newest_first_and_pages_through_every_entry_once(platform):
    pages, after = [], None
    while True:
        body = access_log(platform, "admin", first=3, after=after)
        page = body["data"]["personalDataAccessLog"]
        pages.append(page["items"])
        after = page["nextCursor"]
        if after is None:
            break
    entries = [e for items in pages for e in items]
    assert all(len(items) <= 3 for items in pages) and len(pages) == 4
    assert sorted(f"{e['service'].lower()}:{e['subjectId']}" for e in entries) == sorted(SEES["admin"])
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)


def test_an_entry_says_who_what_when_why_and_where(platform):
    [entry] = access_log(platform, "jingkou_county", service="CASEWORK")["data"]["personalDataAccessLog"]["items"]
    assert entry["userId"] == "officer-1" and entry["role"] == "admin" and entry["reason"] == "核实身份信息"
    assert entry["subjectType"] == "person" and entry["fields"] == ["id_number"] and entry["at"].endswith("Z")
    assert (entry["stationId"], entry["regionCode"], entry["householdId"]) == (*JINGKOU, "hh-jingkou")
    assert entry["action"] == "reveal_person"


def test_filters_narrow_within_the_scope_and_never_widen_it(platform):
    assert subjects(platform, "danyang_county", subjectId="jingkou") == []
    assert sorted(subjects(platform, "danyang_county", subjectType="bid")) == ["funding:danyang"]
    assert sorted(subjects(platform, "admin", service="VOLUNTEERS", subjectId="danyang")) == ["volunteers:danyang"]
    assert subjects(platform, "admin", userId="nobody") == []
    assert subjects(platform, "admin", to="2000-01-01T00:00:00Z") == []
    assert set(subjects(platform, "admin", first=100, **{"from": "2000-01-01T00:00:00Z"})) == SEES["admin"]
