"""The gateway in front of the real casework and registry services: real broker, real wire-protocol
store, real HTTP.

One platform per module. The registry comes first, through the gateway's own mutations: two
stations (丹阳市云阳街道 ST321181001, 京口区正东路街道 ST321102001) and their staff; casework learns both
from the registry's `station.registered` and `staff.joined` events (its own copy, which decides
who is the station lead), so seeding waits for that projection. Station staff tokens carry the
registry staff id as `user_id`. Then casework, through the gateway's mutations: at 丹阳 an elderly
man living alone (two needs assessments, a year apart, and a case) and a family whose mother has a
crisis case assigned to a colleague; at 京口 one household. Tests that write use records of their
own or failing writes, so their order does not matter.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import eventlet
import pytest

from services.casework.service import CaseworkService
from services.common import clock, storage
from services.common.demo_identities import credit_code, resident_id_number
from services.registry.service import RegistryService
from tests.support import casework_fixtures as fx
from tests.support.platform_client import PlatformClient, gateway_platform

DANYANG, JINGKOU, CITY = "321181", "321102", "321100"
DANYANG_STATION, JINGKOU_STATION = fx.STATION, fx.OTHER_STATION
STAFF = {  # key → (station, role, name)
    "lead": (DANYANG_STATION, "STATION_LEAD", "陈站长"),
    "worker": (DANYANG_STATION, "SOCIAL_WORKER", "刘社工"),
    "colleague": (DANYANG_STATION, "SOCIAL_WORKER", "赵社工"),
    "jingkou_worker": (JINGKOU_STATION, "SOCIAL_WORKER", "孙社工"),
}


def china_today() -> date:
    return clock.local_date(clock.utcnow())


def days_ago(days: int) -> str:
    return (china_today() - timedelta(days=days)).isoformat()


def household_input(data: dict) -> dict:
    """casework_fixtures' households (service data) as the GraphQL input."""
    def member(m: dict) -> dict:
        converted = {"name": m["name"], "relationship": m["relationship"].upper(), "idNumber": m["id_number"],
                     "tags": [t.upper() for t in m.get("tags", [])]}
        if m.get("phone"):
            converted["phone"] = m["phone"]
        if m.get("health"):
            converted["health"] = m["health"]
        return converted
    return {"stationId": data["station_id"], "communityCode": data["community_code"],
            "communityName": data["community_name"], "address": data["address"],
            "members": [member(m) for m in data["members"]]}


# --- the API as a client uses it ----------------------------------------------------------------
REGISTER_STATION = """mutation ($input: RegisterStationInput!) { registerStation(input: $input) { station { id } } }"""
ADD_STAFF = """mutation ($station: ID!, $input: AddStaffInput!) { addStaff(stationId: $station, input: $input) {
    staffMember { id } } }"""
REGISTER = """mutation ($input: RegisterHouseholdInput!) { registerHousehold(input: $input) {
    household { id version members { id name } } } }"""
CONSENT = """mutation ($id: ID!, $input: RecordConsentInput!) { recordConsent(householdId: $id, input: $input) {
    household { id version } } }"""
ASSESS = """mutation ($id: ID!, $input: AssessNeedsInput!) { assessNeeds(householdId: $id, input: $input) {
    archiveVersion { assessmentId version riskLevel needs { id } } household { version } } }"""
OPEN_CASE = """mutation ($input: OpenCaseInput!) { openCase(input: $input) { case { id version stage } } }"""
REVEAL = """mutation ($household: ID!, $person: ID!, $reason: String!) {
    revealPerson(householdId: $household, personId: $person, reason: $reason) {
      personId name birthDate idNumber phone health { conditions notes } } }"""


def seed_registry(platform: PlatformClient) -> None:
    for serial, station_id in enumerate((DANYANG_STATION, JINGKOU_STATION), start=1):
        platform.ok(REGISTER_STATION, {"input": {
            "townshipCode": station_id[2:], "name": {DANYANG_STATION: "丹阳市云阳街道社工站",
                                                    JINGKOU_STATION: "京口区正东路街道社工站"}[station_id],
            "legalForm": "OPERATED_BY_ORGANISATION", "status": "OPERATING", "statusSince": "2023-03-01",
            "venue": {"officeAreaM2": 60.0, "signboardHung": True},
            "operator": {"name": "阳光社会工作服务中心", "creditCode": credit_code(station_id[2:8], 800 + serial)}}},
                    "admin")
    for sequence, (key, (station_id, role, name)) in enumerate(STAFF.items(), start=1):
        added = platform.ok(ADD_STAFF, {"station": station_id, "input": {
            "name": name, "idNumber": resident_id_number(station_id[2:8], date(1990, 4, 12), sequence),
            "phone": f"1381234{sequence:04d}", "role": role, "employmentStart": "2023-01-01",
            "monthlySalaryFen": 1_100_000, "socialInsurance": True,
            "qualification": {"kind": "CERTIFICATE", "level": "SOCIAL_WORKER",
                              "certificateNumber": f"JS2021{sequence:04d}", "obtainedOn": "2021-06-01"}}}, "admin")
        platform.ids[key] = added["addStaff"]["staffMember"]["id"]
        platform.mint(key, "station_staff", platform.ids[key], station_ids=[station_id])
    # Casework's own copy of stations and staff fills from the registry's events.
    casework_db = storage.database("casework")
    deadline = clock.utcnow() + timedelta(seconds=20)
    while casework_db.station_staff.count_documents({}) < len(STAFF) or casework_db.stations.count_documents({}) < 2:
        assert clock.utcnow() < deadline, "casework did not receive the registry's staff events"
        eventlet.sleep(0.05)


def seed_casework(platform: PlatformClient) -> None:
    ids = platform.ids
    elderly = platform.ok(REGISTER, {"input": household_input(fx.elderly_household(1))},
                          "worker")["registerHousehold"]["household"]
    ids["elderly"], ids["head"] = elderly["id"], elderly["members"][0]["id"]
    # archiving the assessment needs the head's archive basis (consent or legal basis) first
    elderly = platform.ok(CONSENT, {"id": elderly["id"], "input": {
        "expectedVersion": elderly["version"], "personId": ids["head"], "legalBasis": "STATUTORY_DUTY",
        "purposes": ["ARCHIVE", "CASEWORK", "VOLUNTEER_MATCHING"], "givenOn": "2024-01-01",
        "basisNote": "《社会救助暂行办法》第十条：核查与建档"}}, "worker")["recordConsent"]["household"]
    first = platform.ok(ASSESS, {"id": elderly["id"], "input": {
        "expectedVersion": elderly["version"], "assessedOn": days_ago(400), "assessorStaffId": ids["worker"],
        "needs": [{"domain": "ELDERLY", "needType": "HOME_VISIT", "severity": "MEDIUM",
                   "description": "独居，需要定期入户探访", "personIds": [ids["head"]]}]}}, "worker")["assessNeeds"]
    second = platform.ok(ASSESS, {"id": elderly["id"], "input": {
        "expectedVersion": first["household"]["version"], "assessedOn": days_ago(10), "assessorStaffId": ids["worker"],
        "needs": [{"needId": first["archiveVersion"]["needs"][0]["id"], "domain": "ELDERLY", "needType": "HOME_VISIT",
                   "severity": "HIGH", "description": "独居，近期跌倒一次", "personIds": [ids["head"]]}]}},
                         "worker")["assessNeeds"]
    assert (first["archiveVersion"]["riskLevel"], second["archiveVersion"]["riskLevel"]) == ("MEDIUM", "HIGH")
    ids["elderly_case"] = platform.ok(OPEN_CASE, {"input": {
        "householdId": elderly["id"], "personId": ids["head"], "domain": "ELDERLY", "source": "NEEDS_ASSESSMENT",
        "summary": "独居老人跌倒风险，定期探访", "assignedStaffId": ids["worker"]}}, "worker")["openCase"]["case"]["id"]

    family = platform.ok(REGISTER, {"input": household_input(fx.family_household())},
                         "worker")["registerHousehold"]["household"]
    ids["family"], ids["victim"] = family["id"], family["members"][1]["id"]
    crisis = platform.ok(OPEN_CASE, {"input": {
        "householdId": family["id"], "personId": ids["victim"], "domain": "MARRIAGE_FAMILY", "source": "HOTLINE",
        "summary": "遭受家庭暴力，需紧急安置", "assignedStaffId": ids["colleague"],
        "crisis": {"notes": "丈夫酒后施暴，已报警，暂住娘家"}}}, "worker")["openCase"]["case"]
    ids["crisis_case"] = crisis["id"]

    jingkou = {**fx.elderly_household(7), "station_id": JINGKOU_STATION,
               "community_code": f"{fx.OTHER_TOWNSHIP}001", "community_name": "正东路社区", "address": "正东路8号"}
    ids["jingkou"] = platform.ok(REGISTER, {"input": household_input(jingkou)},
                                 "jingkou_worker")["registerHousehold"]["household"]["id"]


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    with gateway_platform(mongo_server, rabbit_vhost, RegistryService, CaseworkService,
                          reference_data=True) as platform:
        platform.mint("admin", "admin", "ops")
        platform.mint("danyang", "county", "danyang-official", region=DANYANG)
        platform.mint("jingkou", "county", "jingkou-official", region=JINGKOU)
        platform.mint("city", "city", "zhenjiang-official", region=CITY)
        platform.mint("evaluator", "evaluator", "evaluator-1", region=DANYANG)
        platform.mint("supervisor", "supervisor", "supervisor-1", station_ids=[DANYANG_STATION])
        seed_registry(platform)
        seed_casework(platform)
        yield platform


# --- scope ------------------------------------------------------------------------------------
SCOPE = """query ($other: ID!) { households { totalCount items { id communityName station { id name } } }
    cases { totalCount } other: household(id: $other) { id } }"""


def test_a_county_official_sees_only_their_regions_households(platform):
    ids = platform.ids
    danyang = platform.ok(SCOPE, {"other": ids["jingkou"]}, "danyang")
    assert {h["id"] for h in danyang["households"]["items"]} == {ids["elderly"], ids["family"]}
    assert {h["station"]["name"] for h in danyang["households"]["items"]} == {"丹阳市云阳街道社工站"}
    assert danyang["cases"]["totalCount"] == 2 and danyang["other"] is None  # out of scope looks unknown
    jingkou = platform.ok(SCOPE, {"other": ids["elderly"]}, "jingkou")
    seen = {h["id"] for h in jingkou["households"]["items"]}
    assert ids["jingkou"] in seen and not seen & {ids["elderly"], ids["family"]}
    assert jingkou["cases"]["totalCount"] == 0 and jingkou["other"] is None
    city = platform.ok(SCOPE, {"other": ids["elderly"]}, "city")["households"]["items"]
    assert {ids["elderly"], ids["family"], ids["jingkou"]} <= {h["id"] for h in city}
    write = platform.refused("""mutation ($id: ID!) { updateHousehold(id: $id, input: {expectedVersion: 1,
        address: "正东路9号"}) { household { id } } }""", {"id": ids["jingkou"]}, "danyang")
    assert write["extensions"]["code"] == "NOT_FOUND"


def test_an_evaluator_sees_masked_data_and_cannot_write(platform):
    ids = platform.ids
    data = platform.ok("""query ($id: ID!) { household(id: $id) { headName address
        members { name idNumber phone healthRecorded } archive { riskLevel } } }""", {"id": ids["elderly"]},
                       "evaluator")["household"]
    number = fx.elderly_household(1)["members"][0]["id_number"]
    assert data["headName"] == "张*明" and data["address"] is None
    assert data["members"] == [{"name": "张*明", "idNumber": number[:6] + "********" + number[-4:],
                                "phone": "139****0001", "healthRecorded": True}]
    assert data["archive"] == {"riskLevel": "HIGH"}
    refused = platform.refused(REGISTER, {"input": household_input(fx.elderly_household(2))}, "evaluator")
    assert refused["extensions"]["code"] == "FORBIDDEN"
    reveal = platform.refused(REVEAL, {"household": ids["elderly"], "person": ids["head"], "reason": "评估抽查核实"},
                              "evaluator")
    assert reveal["extensions"]["code"] == "FORBIDDEN"
    assert platform.ok("{ households(headName: \"张\") { totalCount } }", token="danyang")["households"][
        "totalCount"] == 1  # nothing was registered


CRISIS = """query ($case: ID!, $family: ID!) {
    case(id: $case) { identityProtected summary personId householdId person { name } crisis { state notesProtected } }
    household(id: $family) { members { id name idNumber identityProtected } cases { id } } }"""


def test_a_crisis_case_s_person_is_hidden_from_a_station_worker_outside_the_case_team(platform):
    ids = platform.ids
    variables = {"case": ids["crisis_case"], "family": ids["family"]}
    outside = platform.ok(CRISIS, variables, "worker")  # same station, opened the case, not in its team
    assert outside["case"] == {"identityProtected": True, "summary": None, "personId": None, "householdId": None,
                               "person": None, "crisis": {"state": "AWAITING_CONTACT", "notesProtected": True}}
    hidden = next(m for m in outside["household"]["members"] if m["id"] == ids["victim"])
    assert hidden == {"id": ids["victim"], "name": "受保护对象", "idNumber": None, "identityProtected": True}
    assert outside["household"]["cases"] == []
    assert "王秀英" not in json.dumps(outside, ensure_ascii=False)
    for member in ("colleague", "lead"):  # the assigned worker and the station lead
        team = platform.ok(CRISIS, variables, member)
        assert team["case"]["person"] == {"name": "王秀英"} and team["case"]["summary"] == "遭受家庭暴力，需紧急安置"
    assert platform.refused(REVEAL, {"household": ids["family"], "person": ids["victim"], "reason": "核实身份"},
                            "worker")["extensions"]["code"] == "FORBIDDEN"
    notes = """mutation ($id: ID!) { revealCaseNotes(caseId: $id, reason: "制定安全计划") { crisisNotes { notes } } }"""
    assert platform.refused(notes, {"id": ids["crisis_case"]}, "worker")["extensions"]["code"] == "FORBIDDEN"
    assert platform.ok(notes, {"id": ids["crisis_case"]}, "colleague")["revealCaseNotes"] == {
        "crisisNotes": [{"notes": "丈夫酒后施暴，已报警，暂住娘家"}]}
    queue = platform.ok("{ cases(stationId: \"ST321181001\") { items { id queueRank } } }", token="worker")
    assert queue["cases"]["items"][0] == {"id": ids["crisis_case"], "queueRank": 0}  # crises first


def test_a_reveal_returns_unmasked_data_to_an_allowed_role_and_is_in_the_access_log(platform):
    ids = platform.ids
    expected = fx.elderly_household(1)["members"][0]
    revealed = platform.ok(REVEAL, {"household": ids["elderly"], "person": ids["head"], "reason": "办理特困供养复核"},
                           "worker")["revealPerson"]
    assert revealed == {"personId": ids["head"], "name": "张德明", "birthDate": "1944-05-06",
                        "idNumber": expected["id_number"], "phone": expected["phone"],
                        "health": {"conditions": ["高血压"], "notes": "每日服药"}}
    log = """query ($subject: ID!) { caseworkAccessLog(subjectId: $subject) { items { userId role action subjectType
        householdId stationId fields reason at } } }"""
    for reader in ("danyang", "supervisor"):
        entries = platform.ok(log, {"subject": ids["head"]}, reader)["caseworkAccessLog"]["items"]
        mine = [e for e in entries if e["reason"] == "办理特困供养复核"]
        assert len(mine) == 1, reader
        assert (mine[0]["userId"], mine[0]["role"], mine[0]["action"], mine[0]["stationId"]) == (
            ids["worker"], "station_staff", "reveal_person", DANYANG_STATION)
        assert "id_number" in mine[0]["fields"] and mine[0]["householdId"] == ids["elderly"]
    assert platform.ok(log, {"subject": ids["head"]}, "jingkou")["caseworkAccessLog"]["items"] == []
    assert platform.refused(log, {"subject": ids["head"]}, "worker")["extensions"]["code"] == "FORBIDDEN"


def test_the_archive_as_of_a_date_and_the_station_s_caseload(platform):
    ids = platform.ids
    query = """query ($id: ID!, $old: Date!, $before: Date!) { household(id: $id) {
        archive { version kind riskLevel assessedOn } old: archive(asOf: $old) { version riskLevel }
        before: archive(asOf: $before) { version } archiveHistory { version }
        archiveSummary { overdue lastAssessedOn } } }"""
    data = platform.ok(query, {"id": ids["elderly"], "old": days_ago(100), "before": days_ago(500)},
                       "worker")["household"]
    assert data["archive"] == {"version": 2, "kind": "REASSESSMENT", "riskLevel": "HIGH", "assessedOn": days_ago(10)}
    assert data["old"] == {"version": 1, "riskLevel": "MEDIUM"} and data["before"] is None
    assert [v["version"] for v in data["archiveHistory"]] == [1, 2]
    assert data["archiveSummary"] == {"overdue": False, "lastAssessedOn": days_ago(10)}
    stations = platform.ok("""{ stations(region: "321181") { items { id caseload { staffId name role openCases
        crisisCases } } } }""", token="danyang")["stations"]["items"]
    caseload = {m["staffId"]: m for m in stations[0]["caseload"]}
    assert caseload[ids["worker"]]["openCases"] == 1 and caseload[ids["colleague"]]["crisisCases"] == 1
    assert caseload[ids["lead"]]["role"] == "STATION_LEAD"


# --- batching -----------------------------------------------------------------------------------
HOUSEHOLDS = """query ($first: Int) { households(stationId: "ST321181001", first: $first) { items {
    id station { name } members { name } archive { version needs { id } } archiveHistory { version }
    cases { id person { name } visits { id } services { id } referrals { id } } visits { id } } } }"""


def test_rpc_calls_do_not_grow_with_the_number_of_households_or_cases(platform):
    one = platform.gql(HOUSEHOLDS, {"first": 1}, "admin")
    both = platform.gql(HOUSEHOLDS, {"first": 2}, "admin")  # 丹阳's two, each with a case
    assert "errors" not in both, both["errors"]
    assert [len(b["data"]["households"]["items"]) for b in (one, both)] == [1, 2]
    assert [len(h["cases"]) for h in both["data"]["households"]["items"]] == [1, 1]
    # list_households, get_stations (registry), archives_for_households, archive_history, cases_for_households,
    # visits_for_households, get_persons, visits_for_cases, services_for_cases, referrals_for_cases
    assert one["extensions"]["rpcCalls"] == both["extensions"]["rpcCalls"] == 10
    assert both["extensions"]["cost"] > one["extensions"]["cost"]
    cases = """query ($first: Int) { cases(first: $first) { items { id household { id } person { name }
        visits { id } referrals { id } } } }"""
    few, both = platform.gql(cases, {"first": 1}, "lead"), platform.gql(cases, {"first": 2}, "lead")
    assert [len(b["data"]["cases"]["items"]) for b in (few, both)] == [1, 2]
    # list_cases, get_households, get_persons, visits_for_cases, referrals_for_cases
    assert few["extensions"]["rpcCalls"] == both["extensions"]["rpcCalls"] == 5


# --- writes and typed errors --------------------------------------------------------------------
def test_case_writes_through_the_gateway_and_refusals_typed_with_nothing_written(platform):
    ids = platform.ids
    read = "query ($id: ID!) { case(id: $id) { version stage visitCount } }"
    before = platform.ok(read, {"id": ids["elderly_case"]}, "worker")["case"]
    visit = """mutation ($id: ID!, $input: CaseVisitInput!) { logCaseVisit(caseId: $id, input: $input) {
        visit { id visitedOn notes } case { version visitCount followUpDueOn } } }"""
    future = platform.refused(visit, {"id": ids["elderly_case"], "input": {
        "expectedVersion": before["version"], "visitType": "HOME_VISIT", "durationMinutes": 30,
        "staffIds": [ids["worker"]], "visitedOn": (china_today() + timedelta(days=1)).isoformat()}}, "worker")
    assert future["extensions"] == {"code": "BAD_USER_INPUT", "details": {
        "visitedOn": ["a visit cannot be dated in the future"]}}
    jump = platform.refused("""mutation ($id: ID!, $version: Int!) { changeCaseStage(id: $id,
        input: {expectedVersion: $version, to: IN_SERVICE}) { case { id } } }""",
                            {"id": ids["elderly_case"], "version": before["version"]}, "worker")
    assert jump["extensions"]["code"] == "RULE_VIOLATION"
    outsider = platform.refused(visit, {"id": ids["elderly_case"], "input": {
        "expectedVersion": before["version"], "visitType": "HOME_VISIT", "durationMinutes": 30,
        "staffIds": [ids["jingkou_worker"]], "visitedOn": china_today().isoformat()}}, "jingkou_worker")
    assert outsider["extensions"]["code"] == "NOT_FOUND"
    assert platform.ok(read, {"id": ids["elderly_case"]}, "worker")["case"] == before
    logged = platform.ok(visit, {"id": ids["elderly_case"], "input": {
        "expectedVersion": before["version"], "visitType": "HOME_VISIT", "durationMinutes": 30,
        "staffIds": [ids["worker"]], "visitedOn": china_today().isoformat(), "notes": "血压稳定",
        "nextVisitOn": (china_today() + timedelta(days=7)).isoformat()}}, "worker")["logCaseVisit"]
    assert logged["case"]["version"] == before["version"] + 1 and logged["case"]["visitCount"] == 1
    stale = platform.refused(visit, {"id": ids["elderly_case"], "input": {
        "expectedVersion": before["version"], "visitType": "PHONE_CALL", "durationMinutes": 5,
        "staffIds": [ids["worker"]], "visitedOn": china_today().isoformat()}}, "worker")
    assert stale["extensions"]["code"] == "CONCURRENT_MODIFICATION"


def test_an_import_reports_row_by_row(platform):
    at_jingkou = {"station_id": JINGKOU_STATION, "community_code": f"{fx.OTHER_TOWNSHIP}001",
                  "community_name": "正东路社区", "address": "正东路9号"}
    good = household_input({**fx.elderly_household(30), **at_jingkou})
    good["members"][0]["name"] = "钱福生"
    bad = household_input({**fx.elderly_household(31), **at_jingkou})
    bad["members"][0]["idNumber"] = bad["members"][0]["idNumber"][:-1] + (
        "1" if bad["members"][0]["idNumber"][-1] == "0" else "0")
    report = platform.ok("""mutation ($rows: [RegisterHouseholdInput!]!) { importHouseholds(rows: $rows) {
        accepted householdIds refused { row field reason } } }""", {"rows": [good, bad]},
                         "jingkou_worker")["importHouseholds"]
    assert report["accepted"] == 1 and len(report["householdIds"]) == 1
    assert [(r["row"], r["field"]) for r in report["refused"]] == [(2, "members.0.idNumber")]
    imported = platform.ok("query ($id: ID!) { household(id: $id) { headName station { id } } }",
                           {"id": report["householdIds"][0]}, "jingkou_worker")["household"]
    assert imported == {"headName": "钱福生", "station": {"id": JINGKOU_STATION}}


@pytest.mark.parametrize("name", ["张\x00德明", "张德明\x1b[0m", "\u202e明德张", "张\ufeff德明", "\u3000\u3000"])
def test_a_household_member_name_with_hidden_characters_is_refused_and_nothing_is_registered(platform, name):
    count = "{ households { totalCount } }"
    before = platform.ok(count, None, "worker")["households"]["totalCount"]
    data = fx.elderly_household(30)
    data["members"][0]["name"] = name
    error = platform.refused(REGISTER, {"input": household_input(data)}, "worker")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["details"]) == {"members.0.name"}, error
    assert platform.ok(count, None, "worker")["households"]["totalCount"] == before


def test_a_household_member_name_is_stored_in_its_nfkc_form(platform):
    data = fx.elderly_household(31)
    data["members"][0]["name"] = "\u3000张　德明 "
    household = platform.ok(REGISTER, {"input": household_input(data)}, "worker")["registerHousehold"]["household"]
    reveal = platform.ok(REVEAL, {"household": household["id"], "person": household["members"][0]["id"],
                                  "reason": "核对登记信息（测试）"}, "worker")["revealPerson"]
    assert reveal["name"] == "张 德明"
