"""The schema: committed SDL in step with the code, enums in step with the registry, and what
mutations hand to the registry."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from gateway.schema.registry import enums as registry_schema
from gateway.sdl import schema_sdl
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SDL_FILE = Path(__file__).resolve().parents[2] / "gateway" / "schema.graphql"
ADMIN = token_for("admin")


def run(registry, query, variables=None, token=ADMIN):
    return gateway_request(ENDPOINT, registry, query, variables=variables, token=token).json()


def test_committed_sdl_matches_the_code():
    assert SDL_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "gateway/schema.graphql is out of date: run `make sdl` (python -m gateway.sdl > gateway/schema.graphql)"
        " and review the diff")


def test_enums_offer_exactly_what_the_registry_accepts():
    schemas = pytest.importorskip("services.registry.schemas")
    compliance = pytest.importorskip("services.registry.compliance")

    def values(enum):
        return {member.value for member in enum._meta.enum}
    assert values(registry_schema.StationStatus) == set(schemas.STATION_STATUSES)
    assert values(registry_schema.LegalForm) == set(schemas.LEGAL_FORMS)
    assert values(registry_schema.StaffRole) == set(schemas.STAFF_ROLES)
    assert values(registry_schema.QualificationLevel) == set(schemas.CERTIFICATE_LEVELS) | set(schemas.DIPLOMA_LEVELS)
    assert values(registry_schema.ComplianceRule) == set(compliance.RULES)
    assert values(registry_schema.RuleStatus) == {compliance.MET, compliance.NOT_MET, compliance.UNKNOWN,
                                                  compliance.NOT_APPLICABLE, compliance.ON_TRACK, compliance.AT_RISK}


def test_money_fields_are_integers_named_fen():
    graphql_schema = schema.graphql_schema
    for type_name in ("StaffMember", "AddStaffInput", "UpdateStaffInput", "AverageWageInput"):
        fields = graphql_schema.get_type(type_name).fields
        money = [name for name in fields if "salary" in name.lower() or "wage" in name.lower()]
        assert money and all(name.endswith("Fen") and str(fields[name].type).startswith("Int") for name in money)


REGISTER = """mutation ($input: RegisterStationInput!) { registerStation(input: $input) {
    station { id name status legalForm version } } }"""


def test_register_station_passes_snake_case_data_with_enum_values():
    registry = FakeRegistry(stations=0)
    body = run(registry, REGISTER, {"input": {
        "townshipCode": "321102005", "name": "京口区第5街道社工站", "legalForm": "OPERATED_BY_ORGANISATION",
        "venue": {"officeAreaM2": 55.5, "signboardHung": True, "equipment": ["电脑"]},
        "operator": {"name": "阳光社工中心", "creditCode": "52321102MJ0000001X"},
        "population": None, "status": "OPERATING", "statusSince": "2024-01-02"}})
    assert body["data"]["registerStation"]["station"]["id"] == "ST321102005"
    (name, (data,)), = registry.writes
    assert name == "register_station"
    assert data == {"township_code": "321102005", "name": "京口区第5街道社工站",
                    "legal_form": "operated_by_organisation",
                    "venue": {"office_area_m2": 55.5, "signboard_hung": True, "equipment": ["电脑"]},
                    "operator": {"name": "阳光社工中心", "credit_code": "52321102MJ0000001X"},
                    "population": None, "status": "operating", "status_since": "2024-01-02"}


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2024/01/02"])
def test_dates_are_checked_before_anything_is_sent(value):
    registry = FakeRegistry()
    body = run(registry, """mutation ($on: Date!) { updateStation(id: "ST321102001", input: {expectedVersion: 1,
        status: {status: SUSPENDED, on: $on}}) { station { id } } }""", {"on": value})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and registry.writes == []


def test_update_station_sends_only_what_was_given():
    registry = FakeRegistry()
    run(registry, """mutation { updateStation(id: "ST321102001", input: {expectedVersion: 1, coordinator: null,
        status: {status: SUSPENDED, on: "20240630"}}) { station { version } } }""")
    assert registry.writes == [("update_station", ("ST321102001", {
        "expected_version": 1, "coordinator": None, "status": {"status": "suspended", "on": "2024-06-30"}}))]


def test_record_qualification_flattens_the_qualification_next_to_the_version():
    registry = FakeRegistry()
    body = run(registry, """mutation { recordQualification(stationId: "ST321102001", staffId: "stf-ST321102001-1",
        input: {expectedVersion: 1, qualification: {kind: DIPLOMA, level: BACHELOR, school: "江苏大学",
        graduationYear: 2015, majorIsSocialWork: true}}) { staffMember { id } station { version } } }""")
    assert body["data"]["recordQualification"] == {"staffMember": {"id": "stf-ST321102001-1"},
                                                   "station": {"version": 2}}
    assert registry.writes[0][1][1] == {"expected_version": 1, "kind": "diploma", "level": "bachelor",
                                        "school": "江苏大学", "graduation_year": 2015, "major_is_social_work": True}


def test_mutations_run_one_after_the_other_and_each_payload_shows_its_own_write():
    registry = FakeRegistry(stations=1, staff_per_station=1)
    body = run(registry, """mutation {
      first: recordTraining(stationId: "ST321102001", staffId: "stf-ST321102001-1",
        input: {expectedVersion: 1, date: "2024-03-01", hours: 4, topic: "伦理", provider: "民政局"}) {
        station { version } staffMember { trainingHoursThisYear } }
      second: recordTraining(stationId: "ST321102001", staffId: "stf-ST321102001-1",
        input: {expectedVersion: 2, date: "2024-03-02", hours: 6, topic: "伦理", provider: "民政局"}) {
        station { version } staffMember { trainingHoursThisYear } } }""")
    assert body["data"]["first"] == {"station": {"version": 2}, "staffMember": {"trainingHoursThisYear": 16.5}}
    assert body["data"]["second"] == {"station": {"version": 3}, "staffMember": {"trainingHoursThisYear": 22.5}}


def test_add_staff_payload_finds_the_new_member():
    registry = FakeRegistry(stations=1, staff_per_station=2)
    body = run(registry, """mutation { addStaff(stationId: "ST321102001", input: {name: "李娜",
        idNumber: "320102199001011237", phone: "13812345678", role: SOCIAL_WORKER, employmentStart: "2024-01-01",
        monthlySalaryFen: 900000}) { staffMember { name idNumber } station { id } } }""")
    assert body["data"]["addStaff"]["staffMember"] == {"name": "李娜", "idNumber": "320102********1237"}
    assert registry.writes[0][1][1]["role"] == "social_worker"


def test_reference_data_mutations_and_the_logged_identity_read():
    registry = FakeRegistry()
    body = run(registry, """mutation {
      setCompliancePolicy(input: {regionCode: "3211", effectiveFrom: "2025-01-01", minVenueM2: 50,
                                  source: "镇江市通知"}) { policy { regionCode minVenueM2 minTrainingHours } }
      importAverageWages(rows: [{regionCode: "321100", year: 2024, monthlyWageFen: 1000000},
                                {regionCode: "321100", year: 1990, monthlyWageFen: 1}]) {
        accepted refused { row field reason } }
      importRegions(csv: "code,name,level,parent_code") { accepted unchanged refused { row } }
      staffIdentity(stationId: "ST321102001", staffId: "stf-1", reason: "核对社保") { staffId idNumber phone } }""")
    assert body["data"] == {
        "setCompliancePolicy": {"policy": {"regionCode": "3211", "minVenueM2": 50.0, "minTrainingHours": 30.0}},
        "importAverageWages": {"accepted": 1, "refused": [{"row": 2, "field": "year", "reason": "too old"}]},
        "importRegions": {"accepted": 1, "unchanged": 0, "refused": []},
        "staffIdentity": {"staffId": "stf-1", "idNumber": "320102199001011234", "phone": "13812345678"}}
    assert ("reveal_staff_identity", ("ST321102001", "stf-1", "核对社保")) in [
        (name, args[1:]) for name, args, _ in registry.calls]
    assert registry.writes[1][1][0][0] == {"region_code": "321100", "year": 2024, "monthly_wage_fen": 1000000}


def test_queries_over_regions_rollups_and_the_access_log():
    registry = FakeRegistry()
    body = run(registry, """{ regions { code children { code } }
        regionRollup(code: "321100", asOf: "2024-06-30") { regionCode asOf stations operating region { name }
          byStatus { met notMet atRisk unknown } byRule { rule met atRisk notApplicable } }
        accessLog(subjectId: "stf-1", first: 10) { at userId role subjectType fields reason } }""")
    data = body["data"]
    assert data["regions"] == [{"code": "320000", "children": [{"code": "321100"}]}]
    assert data["regionRollup"]["byStatus"] == {"met": 1, "notMet": 1, "atRisk": 0, "unknown": 0}
    assert data["regionRollup"]["byRule"][1] == {"rule": "TRAINING_HOURS", "met": 1, "atRisk": 1, "notApplicable": 0}
    assert data["regionRollup"]["region"] == {"name": "镇江市"}
    assert data["accessLog"][0]["at"] == "2024-06-30T08:15:00Z"
    assert ("access_log", {"subject_id": "stf-1", "limit": 10}) in [(n, a[1]) for n, a, _ in registry.calls]


def test_page_size_is_bounded_and_null_means_the_default():
    body = run(FakeRegistry(), "{ stations(first: 0) { totalCount } }")
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT",
                                               "details": {"first": ["must be between 1 and 100"]}}
    registry = FakeRegistry()
    assert run(registry, "{ stations(first: null) { totalCount } }")["data"]["stations"]["totalCount"] == 3
    assert registry.calls[0][1][1] == {"limit": 50}


def test_station_filters_reach_the_registry_by_value():
    registry = FakeRegistry()
    run(registry, """{ stations(region: "3211", status: OPERATING, compliance: AT_RISK, failingRule: TRAINING_HOURS,
        text: "京口", first: 5, after: "ST321102001") { totalCount nextCursor } }""")
    assert registry.calls[0][1][1] == {"region": "3211", "status": "operating", "compliance": "at_risk",
                                       "failing_rule": "training_hours", "text": "京口", "after": "ST321102001",
                                       "limit": 5}
