"""The gateway in front of the real registry: real broker, real wire-protocol store, real HTTP.

One platform per module (starting containers and seeding take a few seconds): regions from the
registry's reference data, then five stations in two counties of 镇江, registered, staffed and
trained through the gateway's own mutations. Tests that write use their own records, so the
order of tests does not matter.
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import requests
from stdnum.cn import ric, uscc

from services.common import clock, config
from services.common.auth import mint_token
from services.registry.service import RegistryService
from tests.support.platform_client import PlatformClient, gateway_platform

JINGKOU, DANYANG = "321102", "321181"
PROFESSIONAL = {"kind": "CERTIFICATE", "level": "SOCIAL_WORKER", "certificateNumber": "JS20210001",
                "obtainedOn": "2021-06-01"}


def token_for(platform: PlatformClient, role: str, **scope) -> str:
    """A token for `role` in `scope` (user id `<role>-user`)."""
    return platform.mint(f"{role}:{sorted(scope.items())}", role, f"{role}-user", **scope)


def stations(platform: PlatformClient) -> dict[str, list[str]]:
    """County code → the ids of the stations seeded there."""
    return platform.ids.setdefault("stations", {})


def all_stations(platform: PlatformClient) -> list[str]:
    return sorted(s for ids in stations(platform).values() for s in ids)


def id_number(county: str, sequence: int) -> str:
    body = f"{county}19880412{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(county: str, serial: int) -> str:
    body = f"52{county}MJ{serial:07d}"[:17]
    return body + uscc.calc_check_digit(body)


REGISTER = """mutation ($input: RegisterStationInput!) { registerStation(input: $input) { station { id version } } }"""
ADD_STAFF = """mutation ($station: ID!, $input: AddStaffInput!) { addStaff(stationId: $station, input: $input) {
    station { version } staffMember { id name idNumber professional } } }"""
TRAINING = """mutation ($station: ID!, $staff: ID!, $input: TrainingInput!) {
    recordTraining(stationId: $station, staffId: $staff, input: $input) {
      station { version } staffMember { trainingHoursThisYear } } }"""


def register_station(platform: PlatformClient, county: dict, township: dict, serial: int, token: str) -> str:
    data = platform.ok(REGISTER, {"input": {
        "townshipCode": township["code"], "name": f"{county['name']}{township['name']}社工站",
        "legalForm": "OPERATED_BY_ORGANISATION", "status": "OPERATING", "statusSince": "2023-03-01",
        "venue": {"officeAreaM2": 35.0 if serial == 1 else 60.0, "activityRooms": 2, "equipment": ["电脑"],
                  "signboardHung": True},
        "population": {"residents": 30_000, "year": 2024},
        "operator": {"name": f"{county['name']}阳光社会工作服务中心",
                     "creditCode": credit_code(county["code"], serial)},
    }}, token)
    return data["registerStation"]["station"]["id"]


def add_staff(platform: PlatformClient, station_id: str, county: str, sequence: int, token: str, **extra) -> dict:
    data = platform.ok(ADD_STAFF, {"station": station_id, "input": {
        "name": f"社工{sequence}号", "idNumber": id_number(county, sequence), "phone": f"1381234{sequence:04d}",
        "role": "SOCIAL_WORKER", "employmentStart": "2023-01-01", "monthlySalaryFen": 1_100_000,
        "socialInsurance": True, "qualification": PROFESSIONAL, **extra}}, token)
    return data["addStaff"]


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    with gateway_platform(mongo_server, rabbit_vhost, RegistryService, reference_data=True) as platform:
        seed(platform)
        yield platform


def seed(platform: PlatformClient) -> None:
    admin = token_for(platform, "admin")
    sequence = 0
    for county_code, count in ((JINGKOU, 3), (DANYANG, 2)):
        data = platform.ok("""query ($code: String!) { region(code: $code) { code name children { code name } } }""",
                           {"code": county_code})
        county = data["region"]
        for serial, township in enumerate(county["children"][:count], start=1):
            station_id = register_station(platform, county, township, serial, admin)
            stations(platform).setdefault(county_code, []).append(station_id)
            for _ in range(2):
                sequence += 1
                added = add_staff(platform, station_id, county_code, sequence, admin)
            platform.ok(TRAINING, {"station": station_id, "staff": added["staffMember"]["id"], "input": {
                "expectedVersion": added["station"]["version"], "date": clock.today().isoformat(),
                "hours": 6, "topic": "社会工作伦理", "provider": "镇江市民政局"}}, admin)


DASHBOARD = """query ($region: String, $first: Int) { stations(region: $region, first: $first) {
    totalCount items { id name region { name parent { name } } county { name }
      staff { name idNumber phone professional trainingHoursThisYear } trainingTotals { hoursThisYear }
      compliance { status rules { rule status evidence since } } } } }"""


# --- reading ------------------------------------------------------------------------------
def test_seeded_stations_read_back_with_staff_compliance_and_regions(platform):
    data = platform.ok(DASHBOARD, {"region": DANYANG, "first": 10}, token_for(platform, "admin"))
    page = data["stations"]
    assert page["totalCount"] == 2 and len(page["items"]) == 2
    station = page["items"][0]
    assert station["county"]["name"] == "丹阳市" and station["region"]["parent"]["name"] == "丹阳市"
    assert len(station["staff"]) == 2
    assert all(m["idNumber"].startswith(DANYANG) and "*" in m["idNumber"] and "*" in m["phone"]
               for m in station["staff"])
    assert sorted(t["hoursThisYear"] for t in station["trainingTotals"]) == [0.0, 6.0]
    rules = {r["rule"]: r for r in station["compliance"]["rules"]}
    assert set(rules) == {"VENUE_AREA", "SIGNBOARD", "PROFESSIONAL_STAFF", "TRAINING_HOURS", "SALARY",
                          "SOCIAL_INSURANCE"}
    assert rules["VENUE_AREA"]["status"] == "NOT_MET" and rules["VENUE_AREA"]["evidence"]["office_area_m2"] == 35.0
    assert rules["PROFESSIONAL_STAFF"]["evidence"]["professional_staff"] == 2


def test_rpc_calls_do_not_grow_with_the_number_of_stations(platform):
    admin = token_for(platform, "admin")
    one = platform.gql(DASHBOARD, {"region": JINGKOU, "first": 1}, admin)
    three = platform.gql(DASHBOARD, {"region": JINGKOU, "first": 3}, admin)
    five = platform.gql(DASHBOARD, {"region": "3211", "first": 5}, admin)
    assert [len(b["data"]["stations"]["items"]) for b in (one, three, five)] == [1, 3, 5]
    calls = [b["extensions"]["rpcCalls"] for b in (one, three, five)]
    # list_stations (carrying the page's staff and today's compliance: each station read once) and
    # get_regions (townships + counties); staff_for_stations and compliance_for_stations are not needed
    assert calls == [2, 2, 2]
    assert five["extensions"]["cost"] > one["extensions"]["cost"]


def test_regions_and_rollups(platform):
    data = platform.ok("""{ regions { code name } region(code: "321100") { name children { code name }
        rollup { stations operating byStatus { met notMet atRisk unknown } byRule { rule met notMet } } } }""",
                       token=token_for(platform, "admin"))
    assert data["regions"] == [{"code": "320000", "name": "江苏省"}]
    assert {c["code"] for c in data["region"]["children"]} >= {JINGKOU, DANYANG}
    rollup = data["region"]["rollup"]
    assert rollup["stations"] == rollup["operating"] == 5
    assert sum(rollup["byStatus"].values()) == 5
    venue = next(r for r in rollup["byRule"] if r["rule"] == "VENUE_AREA")
    assert venue["met"] + venue["notMet"] == 5


# --- scope: each role sees its own and nothing else -------------------------------------------
ROLE_SCOPES = [
    ("admin", {}, None),
    ("province", {"region": "320000"}, None),
    ("city", {"region": "321100"}, None),
    ("county", {"region": JINGKOU}, [JINGKOU]),
    ("county", {"region": DANYANG}, [DANYANG]),
    ("evaluator", {"region": DANYANG}, [DANYANG]),
    ("station_staff", {"station_ids": "first-jingkou"}, "first-jingkou"),
    ("supervisor", {"station_ids": "one-of-each"}, "one-of-each"),
    ("public", None, "nothing"),
]
SCOPE_QUERY = """query ($other: ID!) { stations(first: 100) { totalCount items { id staff { id } } }
    other: station(id: $other) { id staff { id } compliance { status } }
    rollup: regionRollup(code: "321100") { stations } }"""


def _expected(platform: PlatformClient, expectation) -> list[str]:
    if expectation is None:
        return all_stations(platform)
    if expectation == "nothing":
        return []
    if expectation == "first-jingkou":
        return [stations(platform)[JINGKOU][0]]
    if expectation == "one-of-each":
        return sorted([stations(platform)[JINGKOU][1], stations(platform)[DANYANG][0]])
    return sorted(s for county in expectation for s in stations(platform)[county])


@pytest.mark.parametrize("role, scope, expectation", ROLE_SCOPES,
                         ids=[f"{role}-{(scope or {}).get('region', '')}" for role, scope, _ in ROLE_SCOPES])
def test_each_role_sees_only_its_scope(platform, role, scope, expectation):
    visible = _expected(platform, expectation)
    token = None
    if scope is not None:
        scope = dict(scope)
        if "station_ids" in scope:
            scope["station_ids"] = visible
        token = token_for(platform, role, **scope)
    outside = next((s for s in all_stations(platform) if s not in visible), None)
    body = platform.gql(SCOPE_QUERY, {"other": outside or "ST000000000"}, token)
    data = body["data"]
    assert sorted(s["id"] for s in data["stations"]["items"]) == visible
    assert data["stations"]["totalCount"] == len(visible)
    assert all(len(s["staff"]) >= 2 for s in data["stations"]["items"])
    assert data["other"] is None  # out of scope looks exactly like unknown
    assert data["rollup"]["stations"] == len(visible)


def test_staff_of_stations_out_of_scope_stay_hidden_even_when_asked_by_id(platform):
    jingkou = stations(platform)[JINGKOU][0]
    token = token_for(platform, "county", region=DANYANG)
    query = """query ($id: ID!) { station(id: $id) { id } s: stations(text: "京口") { totalCount } }"""
    assert platform.ok(query, {"id": jingkou}, token) == {"station": None, "s": {"totalCount": 0}}


# --- writing ------------------------------------------------------------------------------
UPDATE = """mutation ($id: ID!, $input: UpdateStationInput!) { updateStation(id: $id, input: $input) {
    station { id version venue { officeAreaM2 } compliance { status rules { rule status } } } } }"""


def _version(platform: PlatformClient, station_id: str) -> int:
    return platform.ok("query ($id: ID!) { station(id: $id) { version } }", {"id": station_id},
                       token_for(platform, "admin"))["station"]["version"]


def test_writes_outside_scope_or_by_read_only_roles_are_refused(platform):
    jingkou, danyang = stations(platform)[JINGKOU][2], stations(platform)[DANYANG][1]
    change = {"expectedVersion": _version(platform, jingkou), "venue": {"officeAreaM2": 80.0}}
    other_county = platform.gql(UPDATE, {"id": jingkou, "input": change}, token_for(platform, "county", region=DANYANG))
    assert other_county["data"]["updateStation"] is None
    assert other_county["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    evaluator = platform.gql(UPDATE, {"id": danyang, "input": {**change, "expectedVersion": 1}},
                             token_for(platform, "evaluator", region=DANYANG))
    assert evaluator["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    public = platform.gql(UPDATE, {"id": danyang, "input": change})
    assert public["errors"][0]["extensions"]["code"] in ("NOT_FOUND", "FORBIDDEN")
    assert _version(platform, jingkou) == change["expectedVersion"]


def test_station_staff_change_their_station_and_compliance_follows(platform):
    station_id = stations(platform)[JINGKOU][2]
    token = token_for(platform, "station_staff", station_ids=[station_id])
    version = _version(platform, station_id)
    data = platform.ok(UPDATE, {"id": station_id, "input": {
        "expectedVersion": version, "venue": {"officeAreaM2": 95.5, "signboardHung": True}}}, token)
    station = data["updateStation"]["station"]
    assert station["version"] == version + 1 and station["venue"]["officeAreaM2"] == 95.5
    assert {r["rule"]: r["status"] for r in station["compliance"]["rules"]}["VENUE_AREA"] == "MET"
    stale = platform.gql(UPDATE, {"id": station_id, "input": {"expectedVersion": version,
                                                               "venue": {"officeAreaM2": 20.0}}}, token)
    assert stale["errors"][0]["extensions"]["code"] == "CONCURRENT_MODIFICATION"


def test_invalid_input_comes_back_field_by_field_in_camel_case(platform):
    body = platform.gql(REGISTER, {"input": {
        "townshipCode": "321102006", "name": "京口区谏壁街道社工站", "legalForm": "OPERATED_BY_ORGANISATION",
        "venue": {"officeAreaM2": -5.0},
        "operator": {"name": "某机构", "creditCode": "not-a-credit-code"}}}, token_for(platform, "admin"))
    assert body["data"]["registerStation"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["details"]) >= {"venue.officeAreaM2", "operator.creditCode"}


def test_add_staff_returns_the_new_member_and_duplicates_conflict(platform):
    station_id = stations(platform)[DANYANG][1]
    admin = token_for(platform, "admin")
    added = add_staff(platform, station_id, DANYANG, 900, admin, name="新同事")
    assert added["staffMember"]["name"] == "新同事" and added["staffMember"]["professional"] is True
    again = platform.gql(ADD_STAFF, {"station": station_id, "input": {
        "name": "新同事", "idNumber": id_number(DANYANG, 900), "phone": "13812340900", "role": "ASSISTANT",
        "employmentStart": "2023-01-01"}}, admin)
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"


def test_unmasked_identity_is_a_logged_mutation_for_allowed_roles_only(platform):
    station_id = stations(platform)[JINGKOU][1]
    staff = platform.ok("query ($id: ID!) { station(id: $id) { staff { id idNumber } } }", {"id": station_id},
                        token_for(platform, "admin"))["station"]["staff"]
    reveal = """mutation ($station: ID!, $staff: ID!) { staffIdentity(stationId: $station, staffId: $staff,
        reason: "核对社保缴纳记录") { staffId idNumber phone } }"""
    county = token_for(platform, "county", region=JINGKOU)
    revealed = platform.ok(reveal, {"station": station_id, "staff": staff[0]["id"]}, county)["staffIdentity"]
    assert "*" not in revealed["idNumber"] and revealed["idNumber"][-4:] == staff[0]["idNumber"][-4:]
    city = platform.gql(reveal, {"station": station_id, "staff": staff[0]["id"]},
                        token_for(platform, "city", region="321100"))
    assert city["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    over_get = requests.get(platform.url, params={"query": "mutation { staffIdentity(stationId: \"x\", staffId: \"y\", "
                                                           "reason: \"abcd\") { idNumber } }"},
                            headers={"Authorization": f"Bearer {county}"}, timeout=10)
    assert over_get.status_code == 405
    log = platform.ok("query ($subject: ID!) { accessLog(subjectId: $subject) { userId role fields reason at } }",
                      {"subject": staff[0]["id"]}, county)["accessLog"]
    assert log and log[0]["userId"] == "county-user" and log[0]["reason"] == "核对社保缴纳记录"
    assert platform.gql("{ accessLog { userId } }")["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_imports_and_policies_go_through(platform):
    admin = token_for(platform, "admin")
    data = platform.ok("""mutation {
      importRegions(csv: "code,name,level,parent_code\\n321102999,测试镇,township,321102\\n99,bad,x,") {
        accepted unchanged refused { row field reason } }
      importAverageWages(rows: [{regionCode: "321100", year: 2025, monthlyWageFen: 1100000, source: "test"}]) {
        accepted refused { row } }
      setCompliancePolicy(input: {regionCode: "321181", effectiveFrom: "2030-01-01", minVenueM2: 60,
                                  source: "丹阳市测试通知"}) { policy { regionCode effectiveFrom minVenueM2 } } }""",
                       token=admin)
    assert data["importRegions"]["accepted"] == 1 and data["importRegions"]["refused"][0]["row"] == 2
    assert data["importAverageWages"] == {"accepted": 1, "refused": []}
    assert data["setCompliancePolicy"]["policy"] == {"regionCode": "321181", "effectiveFrom": "2030-01-01",
                                                     "minVenueM2": 60.0}
    refused = platform.gql('mutation { importRegions(csv: "code,name") { accepted } }',
                           token=token_for(platform, "county", region=JINGKOU))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_backdated_venue_change_keeps_the_old_answer_for_earlier_dates(platform):
    station_id = stations(platform)[JINGKOU][1]  # one whose venue no other test changes today
    admin = token_for(platform, "admin")
    changed_on = clock.today() - timedelta(days=5)
    before = platform.ok("query ($id: ID!) { station(id: $id) { version venue { officeAreaM2 signboardHung } } }",
                         {"id": station_id}, admin)["station"]
    platform.ok(UPDATE, {"id": station_id, "input": {
        "expectedVersion": before["version"], "venue": {"officeAreaM2": 30.0, "signboardHung": True},
        "effectiveOn": changed_on.isoformat()}}, admin)
    query = """query ($id: ID!, $day: Date) { station(id: $id) { compliance(asOf: $day) { rules { rule status } } } }"""

    def venue_on(day):
        rules = platform.ok(query, {"id": station_id, "day": day}, admin)["station"]["compliance"]["rules"]
        return {r["rule"]: r["status"] for r in rules}["VENUE_AREA"]
    assert venue_on((changed_on - timedelta(days=1)).isoformat()) == "MET"
    assert venue_on(changed_on.isoformat()) == "NOT_MET"
    large_towns = platform.ok("""mutation { setCompliancePolicy(input: {regionCode: "321102",
        effectiveFrom: "2031-01-01", minProfessionalStaffLargeTown: 5, source: "京口区测试"}) {
          policy { minProfessionalStaffLargeTown } } }""", token=admin)
    assert large_towns["setCompliancePolicy"]["policy"] == {"minProfessionalStaffLargeTown": 5}
    platform.ok(UPDATE, {"id": station_id, "input": {"expectedVersion": before["version"] + 1,
                                                     "venue": before["venue"]}}, admin)  # as it was, from today


# --- the HTTP protocol, over the wire ----------------------------------------------------------
def test_http_protocol_details(platform):
    url = platform.url
    assert requests.post(url, data='{"query": "{ viewer { role } }"}', headers={"Content-Type": "text/plain"},
                         timeout=10).status_code == 415
    assert requests.post(url, data="{oops", headers={"Content-Type": "application/json"}, timeout=10).status_code == 400
    assert requests.put(url, json={"query": "{ viewer { role } }"}, timeout=10).status_code == 405
    spec = requests.post(url, json={"query": "{ doesNotExist }"},
                         headers={"Accept": "application/graphql-response+json"}, timeout=10)
    assert spec.status_code == 400 and spec.headers["Content-Type"].startswith("application/graphql-response+json")
    legacy = requests.post(url, json={"query": "{ doesNotExist }"}, timeout=10)
    assert legacy.status_code == 200 and legacy.headers["Content-Type"].startswith("application/json")
    expired = requests.post(url, json={"query": "{ viewer { role } }"}, headers={"Authorization": "Bearer x.y.z"},
                            timeout=10)
    assert expired.status_code == 401 and expired.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    get = requests.get(url, params={"query": "{ viewer { role } }"}, timeout=10)
    assert get.status_code == 200 and get.json()["data"] == {"viewer": {"role": "PUBLIC"}}
    page = requests.get(url, headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "GraphiQL" in page.text
    assert requests.get(url.replace("/graphql", "/health/live"), timeout=10).json()["service"] == "gateway"


def test_request_body_limit_is_413(platform):
    config.override(dataclasses.replace(platform.settings, max_request_bytes=2_000))
    try:
        response = requests.post(platform.url, json={"query": "{ viewer { role } }", "variables": {"x": "y" * 5_000}},
                                 timeout=10)
        small = requests.post(platform.url, json={"query": "{ viewer { role } }"}, timeout=10)
    finally:
        config.override(platform.settings)
    assert response.status_code == 413 and small.status_code == 200


def test_correlation_id_is_adopted_or_made(platform):
    given = requests.post(platform.url, json={"query": "{ viewer { role } }"},
                          headers={"X-Correlation-Id": "cli-1234-abcd"}, timeout=10)
    assert given.headers["X-Correlation-Id"] == "cli-1234-abcd"
    made = requests.post(platform.url, json={"query": "{ viewer { role } }"},
                         headers={"X-Correlation-Id": "bad id with spaces"}, timeout=10)
    assert made.headers["X-Correlation-Id"] not in ("", "bad id with spaces")


def test_a_mutation_retried_with_its_idempotency_key_returns_the_first_result(platform):
    station_id = stations(platform)[DANYANG][1]
    admin = token_for(platform, "admin")
    variables = {"station": station_id, "input": {
        "name": "重试者", "idNumber": id_number(DANYANG, 901), "phone": "13812340901", "role": "ASSISTANT",
        "employmentStart": "2023-01-01"}}
    key = {"Idempotency-Key": "retry-901-abc"}
    first, retried = (platform.post(ADD_STAFF, variables, admin, headers=dict(key)).json() for _ in range(2))
    assert "errors" not in first and "errors" not in retried, retried
    assert retried["data"] == first["data"]  # the first result, not CONFLICT, and no second member
    other_caller = platform.post(ADD_STAFF, variables,
                                 mint_token(platform.settings.token_secret, role="admin", user_id="someone-else"),
                                 headers={"Idempotency-Key": "retry-901-abc"}).json()
    assert other_caller["errors"][0]["extensions"]["code"] == "CONFLICT"  # keys are bound to the caller


HIDDEN_IN_NAMES = {"NUL": "社工\x00甲", "an escape sequence": "\x1b[31m社工乙",
                   "a right-to-left override": "社工\u202e丙",
                   "a zero-width space": "社\u200b工丁", "blanks only": "\u3000 \u3000"}


@pytest.mark.parametrize("hidden", list(HIDDEN_IN_NAMES))
def test_a_staff_name_with_hidden_characters_is_refused_and_nothing_is_added(platform, hidden):
    station_id, admin = stations(platform)[DANYANG][1], token_for(platform, "admin")
    members = "query ($id: ID!) { station(id: $id) { version staff { name } } }"
    before = platform.ok(members, {"id": station_id}, admin)["station"]
    body = platform.gql(ADD_STAFF, {"station": station_id, "input": {
        "name": HIDDEN_IN_NAMES[hidden], "idNumber": id_number(DANYANG, 950), "phone": "13812340950",
        "role": "ASSISTANT", "employmentStart": "2023-01-01"}}, admin)
    error = body["errors"][0]["extensions"]
    assert error["code"] == "BAD_USER_INPUT" and set(error["details"]) == {"name"}, body
    assert platform.ok(members, {"id": station_id}, admin)["station"] == before


def test_a_staff_name_typed_with_full_width_blanks_is_stored_normalised(platform):
    added = add_staff(platform, stations(platform)[DANYANG][1], DANYANG, 951, token_for(platform, "admin"),
                      name="\u3000欧阳\u3000\u3000明 ")
    assert added["staffMember"]["name"] == "欧阳 明"
