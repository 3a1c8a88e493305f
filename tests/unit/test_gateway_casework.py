"""The casework part of the schema: enums in step with the service, what mutations hand to the
service, typed errors, masking and crisis protection as each role sees them, the logged reveals,
filters and the cost estimate. The casework client is the service's own use cases in memory
(tests/support/gateway_casework_fakes.py)."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

from graphql import parse

from gateway.execution import GraphQLEndpoint
from gateway.guards import measure_operation
from gateway.schema import COST_MODEL, schema
from gateway.schema.casework import enums as casework_schema
from services.casework.domain import STAGES
from services.common import clock, config
from services.common.auth import SYSTEM
from services.contracts import vocabulary as catalogue
from services.contracts.casework import DOMAINS
from tests.support import casework_fixtures as fx
from tests.support.gateway_casework_fakes import (
    COLLEAGUE,
    LEAD,
    STATION,
    WORKER,
    casework_request,
    china_today,
    seeded,
    tokens,
)
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=100_000)
TOKENS = tokens()


def run(query, variables=None, token="worker", casework=None, registry=None):
    casework = casework if casework is not None else seeded()
    return casework_request(ENDPOINT, query, casework=casework, registry=registry, variables=variables,
                            token=TOKENS[token] if token else None, settings=SETTINGS).json()


def ok(query, variables=None, token="worker", casework=None):
    body = run(query, variables, token, casework)
    assert "errors" not in body, body["errors"]
    return body["data"]


def error_of(query, variables=None, token="worker", casework=None) -> dict:
    body = run(query, variables, token, casework)
    assert body["data"] is not None and not any(body["data"].values()), body
    return body["errors"][0]


def values(enum) -> set:
    return {member.value for member in enum._meta.enum}


def days_ago(days: int) -> str:
    return (china_today() - timedelta(days=days)).isoformat()


def test_enums_offer_exactly_what_casework_accepts():
    assert values(casework_schema.CaseDomain) == set(DOMAINS)
    assert values(casework_schema.CaseStage) == set(STAGES)
    assert values(casework_schema.CaseStageFilter) == {*STAGES, "open"}
    assert values(casework_schema.PersonTag) == set(catalogue.TAGS)
    assert values(casework_schema.HouseholdRelationship) == set(catalogue.RELATIONSHIPS)
    assert values(casework_schema.ConsentGiverRelationship) == {*catalogue.RELATIONSHIPS, "legal_guardian"}
    assert values(casework_schema.DisabilityCategory) == set(catalogue.DISABILITY_CATEGORIES)
    assert values(casework_schema.NeedSeverity) == set(catalogue.SEVERITIES)
    assert values(casework_schema.RiskLevel) == set(catalogue.RISK_LEVELS)
    assert values(casework_schema.NeedType) == {t for types in catalogue.NEED_TYPES.values() for t in types}
    assert values(casework_schema.VisitType) == set(catalogue.VISIT_TYPES)
    assert values(casework_schema.ServiceActivity) == set(catalogue.SERVICE_ACTIVITIES)
    assert values(casework_schema.CaseSource) == set(catalogue.CASE_SOURCES)
    assert values(casework_schema.ClosureReason) == set(catalogue.CLOSURE_REASONS)
    assert values(casework_schema.CaseOutcome) == set(catalogue.OUTCOMES)
    assert values(casework_schema.LegalBasis) == set(catalogue.LEGAL_BASES)
    assert values(casework_schema.ConsentPurpose) == set(catalogue.CONSENT_PURPOSES)
    assert values(casework_schema.ReferralTargetKind) == set(catalogue.REFERRAL_TARGETS)
    assert values(casework_schema.RemovalReason) == set(catalogue.REMOVAL_REASONS)


# --- households and people ------------------------------------------------------------------------
REGISTER = """mutation ($input: RegisterHouseholdInput!) { registerHousehold(input: $input) { household {
    id version headName memberCount groups archiveSummary { neverAssessed overdue reviewDueOn }
    members { id name sex age idNumber phone tags healthRecorded disabilityRecorded identityProtected } } } }"""


def household_input(sequence: int = 40, **overrides) -> dict:
    number = fx.id_number(date(1948, 3, 9), sequence, female=True)
    return {"stationId": STATION, "communityCode": fx.COMMUNITY, "communityName": "三里村", "address": "三里村5组8号",
            "members": [{"name": "周桂兰", "relationship": "HEAD", "idNumber": number, "phone": "13900001234",
                         "tags": ["ELDERLY_LIVING_ALONE", "DISABILITY"],
                         "disability": {"category": "PHYSICAL", "grade": 2},
                         "health": {"conditions": ["糖尿病"], "notes": "胰岛素"}}], **overrides}


def test_register_household_sends_snake_case_with_enum_values_and_answers_masked():
    casework = seeded()
    data = ok(REGISTER, {"input": household_input()}, casework=casework)["registerHousehold"]["household"]
    number = household_input()["members"][0]["idNumber"]
    [(sent,)] = casework.sent("register_household")
    assert sent == {"station_id": STATION, "community_code": fx.COMMUNITY, "community_name": "三里村",
                    "address": "三里村5组8号", "members": [{
                        "name": "周桂兰", "relationship": "head", "id_number": number, "phone": "13900001234",
                        "tags": ["elderly_living_alone", "disability"],
                        "disability": {"category": "physical", "grade": 2},
                        "health": {"conditions": ["糖尿病"], "notes": "胰岛素"}}]}
    [member] = data["members"]
    assert member["idNumber"] == number[:6] + "********" + number[-4:] and member["phone"] == "139****1234"
    assert (member["sex"], member["healthRecorded"], member["disabilityRecorded"]) == ("FEMALE", True, True)
    assert data["groups"] == ["DISABILITY", "ELDERLY_LIVING_ALONE"] and data["archiveSummary"]["neverAssessed"]
    assert "糖尿病" not in json.dumps(data, ensure_ascii=False)


def test_bad_input_comes_back_typed_with_camel_case_field_paths():
    casework = seeded()
    bad = household_input()
    bad["members"][0]["idNumber"] = bad["members"][0]["idNumber"][:-1] + (
        "1" if bad["members"][0]["idNumber"][-1] == "0" else "0")
    refused = error_of(REGISTER, {"input": bad}, casework=casework)
    assert refused["extensions"]["code"] == "BAD_USER_INPUT"
    assert "members.0.idNumber" in refused["extensions"]["details"]
    wrong_birth = household_input()
    wrong_birth["members"][0]["birthDate"] = "1948-03-10"
    refused = error_of(REGISTER, {"input": wrong_birth}, casework=casework)
    assert refused["extensions"]["details"] == {"members.0.birthDate": ["the ID number says 1948-03-09; check the "
                                                                        "number or the date"]}
    assert error_of(REGISTER, {"input": household_input(stationId="ST321102001")},
                    casework=casework)["extensions"]["code"] == "NOT_FOUND"  # another county's station, as unknown
    ok(REGISTER, {"input": household_input()}, casework=casework)
    again = error_of(REGISTER, {"input": household_input()}, casework=casework)
    assert again["extensions"]["code"] == "CONFLICT" and "members.0.idNumber" in again["extensions"]["details"]
    # A date that is not a date never reaches the service.
    calls = len(casework.calls)
    not_a_date = run(REGISTER, {"input": household_input(registeredOn="2026-02-30")}, casework=casework)
    assert not_a_date["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and len(casework.calls) == calls


def test_import_reports_row_by_row_with_client_field_names():
    casework = seeded()
    bad = household_input(41)
    bad["members"][0]["tags"] = ["EMPTY_NEST_ELDERLY"]
    bad["members"][0]["idNumber"] = fx.id_number(date(2000, 1, 1), 41)  # too young for an elderly tag
    body = ok("""mutation ($rows: [RegisterHouseholdInput!]!) { importHouseholds(rows: $rows) {
        accepted householdIds duplicateFlags refused { row field reason } } }""",
              {"rows": [household_input(42), bad]}, casework=casework)["importHouseholds"]
    assert body["accepted"] == 1 and len(body["householdIds"]) == 1
    assert body["refused"] == [{"row": 2, "field": "members.0.tags",
                                "reason": "empty_nest_elderly is for people aged 60 or more (this person is 26)"}]


MEMBER_PAYLOAD = "household { version memberCount consents { id legalBasis withdrawnOn } } person { name phone tags }"


def test_members_consents_and_the_household_change_through_mutations():
    casework = seeded()
    household, head = casework.ids["household"], casework.ids["head"]

    def version():
        return ok("query ($id: ID!) { household(id: $id) { version } }", {"id": household},
                  casework=casework)["household"]["version"]

    added = ok(f"""mutation ($id: ID!, $input: AddHouseholdMemberInput!) {{ addHouseholdMember(householdId: $id,
        input: $input) {{ {MEMBER_PAYLOAD} }} }}""", {"id": household, "input": {
        "expectedVersion": version(), "name": "张小军", "relationship": "GRANDSON", "birthDate": "2012-08-01",
        "sex": "MALE", "tags": ["LEFT_BEHIND_CHILD"]}}, casework=casework)["addHouseholdMember"]
    assert added["person"] == {"name": "张小军", "phone": None, "tags": ["LEFT_BEHIND_CHILD"]}
    assert added["household"]["memberCount"] == 2
    grandson = next(p["id"] for p in ok("query ($id: ID!) { household(id: $id) { members { id name } } }",
                                        {"id": household}, casework=casework)["household"]["members"]
                    if p["name"] == "张小军")
    updated = ok(f"""mutation ($id: ID!, $person: ID!, $input: UpdateHouseholdMemberInput!) {{
        updateHouseholdMember(householdId: $id, personId: $person, input: $input) {{ {MEMBER_PAYLOAD} }} }}""",
                 {"id": household, "person": grandson, "input": {"expectedVersion": version(),
                                                                 "phone": "13911112222"}},
                 casework=casework)["updateHouseholdMember"]
    assert updated["person"]["phone"] == "139****2222"
    assert casework.sent("update_member")[-1] == (household, grandson, {"expected_version": version() - 1,
                                                                        "phone": "13911112222"})
    consent = ok("""mutation ($id: ID!, $input: RecordConsentInput!) { recordConsent(householdId: $id, input: $input) {
        consent { id personId legalBasis purposes givenBy { personId } recordedBy { by role } }
        household { consents { id } } } }""", {"id": household, "input": {
        "expectedVersion": version(), "personId": head, "legalBasis": "CONSENT",
        "purposes": ["CASEWORK", "REFERRAL_SHARING"], "givenBy": {"personId": head},
        "givenOn": china_today().isoformat()}}, casework=casework)["recordConsent"]
    assert consent["consent"]["purposes"] == ["CASEWORK", "REFERRAL_SHARING"]
    assert consent["consent"]["recordedBy"] == {"by": WORKER, "role": "station_staff"}
    assert consent["household"]["consents"][-1] == {"id": consent["consent"]["id"]}  # after the seeded basis
    minor = run("""mutation ($id: ID!, $input: RecordConsentInput!) { recordConsent(householdId: $id, input: $input) {
        consent { id } } }""", {"id": household, "input": {
        "expectedVersion": version(), "personId": grandson, "legalBasis": "CONSENT", "purposes": ["CASEWORK"],
        "givenBy": {"personId": grandson}, "givenOn": china_today().isoformat()}}, casework=casework)
    assert minor["errors"][0]["extensions"]["details"] == {"givenBy": [
        "the person is a minor: their guardian gives consent"]}
    withdrawn = ok("""mutation ($id: ID!, $input: WithdrawConsentInput!) { withdrawConsent(householdId: $id,
        input: $input) { consent { withdrawnOn withdrawalReason } } }""", {"id": household, "input": {
        "expectedVersion": version(), "consentId": consent["consent"]["id"], "withdrawnOn": china_today().isoformat(),
        "reason": "本人要求撤回"}}, casework=casework)["withdrawConsent"]["consent"]
    assert withdrawn == {"withdrawnOn": china_today().isoformat(), "withdrawalReason": "本人要求撤回"}
    removed = ok(f"""mutation ($id: ID!, $person: ID!, $input: RemoveHouseholdMemberInput!) {{
        removeHouseholdMember(householdId: $id, personId: $person, input: $input) {{ {MEMBER_PAYLOAD} }} }}""",
                 {"id": household, "person": grandson, "input": {"expectedVersion": version(), "reason": "MOVED_OUT",
                                                                 "removedOn": china_today().isoformat()}},
                 casework=casework)["removeHouseholdMember"]
    assert removed["household"]["memberCount"] == 1 and removed["person"] is None
    moved = ok("""mutation ($id: ID!, $input: UpdateHouseholdInput!) { updateHousehold(id: $id, input: $input) {
        household { address version } } }""", {"id": household, "input": {
        "expectedVersion": version(), "address": "三里村4组15号"}}, casework=casework)["updateHousehold"]["household"]
    assert moved["address"] == "三里村4组15号"


def test_crisis_flag_first_contact_resolution_and_reassignment():
    casework = seeded()
    case_id = casework.ids["case"]
    flagged = step(casework, "flagCrisis(input: FlagCrisisInput!)", case_id, {"notes": "独居老人走失后寻回，情绪激动"})
    assert flagged["data"]["flagCrisis"]["case"]["stage"] == "INTAKE"
    state = "query ($id: ID!) { case(id: $id) { queueRank crisis { state firstContactAt } visits { notesProtected } } }"
    assert ok(state, {"id": case_id}, casework=casework)["case"] == {
        "queueRank": 0, "crisis": {"state": "AWAITING_CONTACT", "firstContactAt": None},
        "visits": [{"notesProtected": True}]}  # the notes written before the flag are sealed too
    early = step(casework, "resolveCrisis(input: ResolveCrisisInput!)", case_id, {"note": "已安置妥当"})
    assert early["errors"][0]["extensions"]["code"] == "RULE_VIOLATION"
    version = ok(CASE, {"id": case_id}, casework=casework)["case"]["version"]
    ok("""mutation ($id: ID!, $input: CaseVisitInput!) { logCaseVisit(caseId: $id, input: $input) { visit { id } } }""",
       {"id": case_id, "input": {"expectedVersion": version, "visitType": "PHONE_CALL", "durationMinutes": 10,
                                 "visitedOn": china_today().isoformat(), "staffIds": [WORKER]}}, casework=casework)
    assert ok(state, {"id": case_id}, casework=casework)["case"]["crisis"]["state"] == "CONTACTED"
    assert step(casework, "resolveCrisis(input: ResolveCrisisInput!)", case_id, {"note": "已安置妥当"})["data"]
    reassigned = step(casework, "reassignCase(input: ReassignCaseInput!)", case_id,
                      {"staffId": COLLEAGUE, "reason": "工作量调整"})["data"]["reassignCase"]["case"]
    assert reassigned == {"id": case_id, "stage": "INTAKE", "version": reassigned["version"], "approvedPlanId": None,
                          "pendingPlanId": None, "closure": None}
    # Once flagged, a case stays protected: the worker who handed it over no longer sees who it is about.
    after = ok(CASE, {"id": case_id}, casework=casework)["case"]
    assert after["identityProtected"] is True and after["person"] is None


HOUSEHOLD = """query ($id: ID!, $asOf: Date) { household(id: $id) { id version
    archive(asOf: $asOf) { version kind assessedOn riskLevel riskScore nextReviewOn needs { id domain needType
      needTypeLabel severity personIds } }
    archiveHistory { version assessedOn } archiveSummary { versions lastAssessedOn overdue } } }"""


def test_archive_as_it_stood_on_a_date():
    casework = seeded()
    household_id = casework.ids["household"]
    version = ok(HOUSEHOLD, {"id": household_id}, casework=casework)["household"]["version"]
    need = casework.ids["need"]
    reassessed = ok("""mutation ($id: ID!, $input: AssessNeedsInput!) { assessNeeds(householdId: $id, input: $input) {
        archiveVersion { version kind riskLevel supersedes needs { id severity } } household { version } } }""",
                    {"id": household_id, "input": {
                        "expectedVersion": version, "assessedOn": days_ago(2), "assessorStaffId": WORKER,
                        "needs": [{"needId": need, "domain": "ELDERLY", "needType": "HOME_VISIT", "severity": "HIGH",
                                   "description": "独居，跌倒风险上升"}]}}, casework=casework)["assessNeeds"]
    assert reassessed["archiveVersion"]["kind"] == "REASSESSMENT" and reassessed["archiveVersion"]["needs"] == [
        {"id": need, "severity": "HIGH"}]
    assert reassessed["household"]["version"] == version + 1  # read after the write
    now = ok(HOUSEHOLD, {"id": household_id}, casework=casework)["household"]
    assert now["archive"]["version"] == 2 and now["archive"]["riskLevel"] == "HIGH"
    assert [v["version"] for v in now["archiveHistory"]] == [1, 2] and now["archiveSummary"]["versions"] == 2
    before = ok(HOUSEHOLD, {"id": household_id, "asOf": days_ago(10)}, casework=casework)["household"]["archive"]
    assert before["version"] == 1 and before["riskLevel"] == "MEDIUM"
    assert ok(HOUSEHOLD, {"id": household_id, "asOf": days_ago(100)}, casework=casework)["household"]["archive"] is None
    assert casework.sent("archives_for_households")[-1] == ([household_id],)


# --- cases ---------------------------------------------------------------------------------------
CASE = """query ($id: ID!) { case(id: $id) { id version stage identityProtected summary householdId personId
    person { name } household { id } approvedPlanId pendingPlanId closure { reason outcome approvedBy }
    transitions { fromStage toStage by role } crisis { state notesProtected } } }"""


def step(casework, mutation: str, case_id: str, input: dict, token: str = "worker") -> dict:
    """Run a case mutation (`name(input: InputType!)`) with the version read just before."""
    version = ok(CASE, {"id": case_id}, token, casework)["case"]["version"]
    name, input_type = re.match(r"(\w+)\(input: (\w+!)\)", mutation).groups()
    body = run(f"""mutation ($id: ID!, $input: {input_type}) {{ {name}(id: $id, input: $input) {{
        case {{ id stage version approvedPlanId pendingPlanId closure {{ reason outcome approvedBy }} }} }} }}""",
               {"id": case_id, "input": {"expectedVersion": version, **input}}, token, casework)
    return body


def test_a_case_moves_through_its_lifecycle_with_approvals_by_someone_else():
    casework = seeded()
    case_id, need = casework.ids["case"], casework.ids["need"]
    assert step(casework, "changeCaseStage(input: ChangeCaseStageInput!)", case_id, {"to": "ASSESSMENT"})["data"]
    assert step(casework, "recordCaseAssessment(input: CaseAssessmentInput!)", case_id,
                {"summary": "独居，需定期探访和健康管理", "needIds": [need]})["data"]
    assert step(casework, "changeCaseStage(input: ChangeCaseStageInput!)", case_id, {"to": "PLAN"})["data"]
    jump = step(casework, "changeCaseStage(input: ChangeCaseStageInput!)", case_id, {"to": "IN_SERVICE"})
    assert jump["errors"][0]["extensions"]["code"] == "RULE_VIOLATION" and "to" in jump["errors"][0]["extensions"][
        "details"]
    submitted = step(casework, "submitCasePlan(input: SubmitCasePlanInput!)", case_id, {
        "goals": ["每周探访一次"], "interventions": [{"activityType": "PSYCHOSOCIAL_SUPPORT", "frequency": "每周"}],
        "reviewOn": (china_today() + timedelta(days=90)).isoformat()})["data"]["submitCasePlan"]["case"]
    assert submitted["pendingPlanId"]
    own = step(casework, "decideCasePlan(input: CaseDecisionInput!)", case_id, {"decision": "APPROVED"})
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # a social worker is no approver
    approved = step(casework, "decideCasePlan(input: CaseDecisionInput!)", case_id, {"decision": "APPROVED"},
                    "lead")["data"]["decideCasePlan"]["case"]
    assert approved["approvedPlanId"] == submitted["pendingPlanId"] and approved["pendingPlanId"] is None
    assert step(casework, "changeCaseStage(input: ChangeCaseStageInput!)", case_id, {"to": "IN_SERVICE"})["data"]
    requested = step(casework, "requestCaseClosure(input: RequestCaseClosureInput!)", case_id,
                     {"reason": "GOALS_ACHIEVED", "outcome": "ACHIEVED"}, "lead")["data"]
    assert requested["requestCaseClosure"]["case"]["stage"] == "IN_SERVICE"
    self_approval = step(casework, "decideCaseClosure(input: CaseDecisionInput!)", case_id, {"decision": "APPROVED"},
                         "lead")
    assert self_approval["errors"][0]["extensions"]["code"] == "RULE_VIOLATION"
    closed = step(casework, "decideCaseClosure(input: CaseDecisionInput!)", case_id, {"decision": "APPROVED"},
                  "supervisor")["data"]["decideCaseClosure"]["case"]
    assert closed["stage"] == "CLOSED" and closed["closure"] == {"reason": "GOALS_ACHIEVED", "outcome": "ACHIEVED",
                                                                 "approvedBy": "supervisor-1"}
    history = ok(CASE, {"id": case_id}, casework=casework)["case"]["transitions"]
    assert [(t["fromStage"], t["toStage"]) for t in history] == [
        (None, "INTAKE"), ("INTAKE", "ASSESSMENT"), ("ASSESSMENT", "PLAN"), ("PLAN", "IN_SERVICE"),
        ("IN_SERVICE", "CLOSED")]
    stale = run("""mutation ($id: ID!) { reopenCase(id: $id, input: {expectedVersion: 1, reason: "情况反复"}) {
        case { id } } }""", {"id": case_id}, casework=casework)
    assert stale["errors"][0]["extensions"]["code"] == "CONCURRENT_MODIFICATION"


def test_visits_services_and_referrals_through_mutations():
    casework = seeded()
    case_id = casework.ids["case"]
    version = ok(CASE, {"id": case_id}, casework=casework)["case"]["version"]
    visit = ok("""mutation ($id: ID!, $input: CaseVisitInput!) { logCaseVisit(caseId: $id, input: $input) {
        visit { id visitType visitedOn durationMinutes staffIds notes notesProtected }
        case { version visitCount } } }""",
               {"id": case_id, "input": {"expectedVersion": version, "visitType": "PHONE_CALL",
                                         "visitedOn": china_today().isoformat(), "durationMinutes": 15,
                                         "staffIds": [WORKER], "notes": "电话回访"}}, casework=casework)["logCaseVisit"]
    assert visit["visit"]["visitType"] == "PHONE_CALL" and visit["visit"]["notes"] == "电话回访"
    assert visit["case"] == {"version": version + 1, "visitCount": 2}
    future = run("""mutation ($id: ID!, $input: CaseVisitInput!) { logCaseVisit(caseId: $id, input: $input) {
        visit { id } } }""", {"id": case_id, "input": {
        "expectedVersion": version + 1, "visitType": "HOME_VISIT", "durationMinutes": 15, "staffIds": [WORKER],
        "visitedOn": (china_today() + timedelta(days=1)).isoformat()}}, casework=casework)
    assert future["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "details": {
        "visitedOn": ["a visit cannot be dated in the future"]}}
    referral = """mutation ($id: ID!, $input: MakeReferralInput!) { makeReferral(caseId: $id, input: $input) {
        referral { id status sharesPersonalData sharingBasis { kind legalBasis reason } target { kind name } }
        case { referralCount } } }"""
    made_on = china_today().isoformat()
    without_basis = run(referral, {"id": case_id, "input": {
        "expectedVersion": version + 1, "target": {"kind": "ORGANISATION", "name": "丹阳市慈善总会"},
        "serviceRequested": "助餐服务", "madeOn": made_on, "sharesPersonalData": True}}, casework=casework)
    assert without_basis["errors"][0]["extensions"]["details"] == {"sharingBasis": [
        "sharing personal data needs the person's consent or a recorded legal basis and reason"]}
    made = ok(referral, {"id": case_id, "input": {
        "expectedVersion": version + 1, "target": {"kind": "ORGANISATION", "name": "丹阳市慈善总会"},
        "serviceRequested": "助餐服务", "madeOn": made_on, "sharesPersonalData": True,
        "sharingBasis": {"kind": "LEGAL_BASIS", "legalBasis": "STATUTORY_DUTY", "reason": "特困供养法定职责"}}},
              casework=casework)["makeReferral"]
    assert made["referral"]["status"] == "SENT" and made["case"] == {"referralCount": 2}
    answered = ok("""mutation ($id: ID!, $input: AnswerReferralInput!) { answerReferral(caseId: $id, input: $input) {
        referral { status answeredOn history { status by } } } }""", {"id": case_id, "input": {
        "expectedVersion": version + 2, "referralId": made["referral"]["id"], "status": "ACCEPTED",
        "answeredOn": made_on}}, casework=casework)["answerReferral"]["referral"]
    assert answered["status"] == "ACCEPTED" and [h["status"] for h in answered["history"]] == ["SENT", "ACCEPTED"]
    listed = ok("""query ($id: ID!) { case(id: $id) { visits { visitType } services { source activityType needIds }
        referrals(first: 1) { target { name } } } }""", {"id": case_id}, casework=casework)["case"]
    assert [v["visitType"] for v in listed["visits"]] == ["HOME_VISIT", "PHONE_CALL"]
    assert listed["services"] == [{"source": "station", "activityType": "psychosocial_support",
                                   "needIds": [casework.ids["need"]]}]
    assert listed["referrals"] == [{"target": {"name": "丹阳市人民医院"}}]


# --- who sees what ------------------------------------------------------------------------------
def test_a_crisis_case_is_hidden_from_station_staff_outside_its_team():
    casework = seeded()
    crisis, family, victim = casework.ids["crisis_case"], casework.ids["family"], casework.ids["victim"]
    query = """query ($case: ID!, $family: ID!, $victim: ID!) {
        case(id: $case) { identityProtected summary householdId personId person { name } crisis { state } }
        household(id: $family) { members { id name idNumber tags identityProtected } cases { id } }
        person(id: $victim) { name identityProtected householdId }
        cases(crisis: true) { totalCount items { id identityProtected } } }"""
    variables = {"case": crisis, "family": family, "victim": victim}
    outside = ok(query, variables, "worker", casework)
    assert outside["case"] == {"identityProtected": True, "summary": None, "householdId": None, "personId": None,
                               "person": None, "crisis": {"state": "AWAITING_CONTACT"}}
    hidden = next(m for m in outside["household"]["members"] if m["id"] == victim)
    assert hidden == {"id": victim, "name": "受保护对象", "idNumber": None, "tags": [], "identityProtected": True}
    assert outside["household"]["cases"] == [] and outside["person"]["name"] == "受保护对象"
    assert outside["cases"]["items"] == [{"id": crisis, "identityProtected": True}]  # the queue still shows it
    assert "王秀英" not in json.dumps(outside, ensure_ascii=False)
    for member in ("colleague", "lead", "supervisor"):
        team = ok(query, variables, member, casework)
        assert team["case"]["summary"] == "遭受家庭暴力，需紧急安置" and team["case"]["person"] == {"name": "王秀英"}
    refused = error_of("""mutation ($family: ID!, $victim: ID!) { revealPerson(householdId: $family,
        personId: $victim, reason: "核实身份信息") { idNumber } }""", {"family": family, "victim": victim}, "worker",
                       casework)
    assert refused["extensions"]["code"] == "FORBIDDEN"
    notes = """mutation ($id: ID!) { revealCaseNotes(caseId: $id, reason: "制定安全计划") {
        caseId crisisNotes { episode notes } } }"""
    assert error_of(notes, {"id": crisis}, "worker", casework)["extensions"]["code"] == "FORBIDDEN"
    assert ok(notes, {"id": crisis}, "colleague", casework)["revealCaseNotes"] == {
        "caseId": crisis, "crisisNotes": [{"episode": 1, "notes": "丈夫酒后施暴，已报警"}]}


def test_reveal_person_is_logged_and_the_log_is_for_supervisors_and_officials():
    casework = seeded()
    household, head = casework.ids["household"], casework.ids["head"]
    reveal = """mutation ($household: ID!, $person: ID!) { revealPerson(householdId: $household, personId: $person,
        reason: "办理低保复核") { personId name birthDate idNumber phone health { conditions notes } disability {
        grade } } }"""
    revealed = ok(reveal, {"household": household, "person": head}, "worker", casework)["revealPerson"]
    assert revealed["idNumber"] == fx.elderly_household(1)["members"][0]["id_number"]
    assert revealed["phone"] == "13900000001" and revealed["health"] == {"conditions": ["高血压"], "notes": "每日服药"}
    assert revealed["disability"] is None
    assert casework.sent("reveal_person") == [(household, head, "办理低保复核")]
    for role in ("evaluator", "city", "supervisor"):
        refused = error_of(reveal, {"household": household, "person": head}, role, casework)
        assert refused["extensions"]["code"] == "FORBIDDEN", role
    log = """query ($subject: ID) { caseworkAccessLog(subjectId: $subject, first: 5) { nextCursor items {
        userId role action subjectType subjectId householdId stationId fields reason at } } }"""
    [entry] = ok(log, {"subject": head}, "supervisor", casework)["caseworkAccessLog"]["items"]
    assert (entry["userId"], entry["role"], entry["action"], entry["reason"]) == (
        WORKER, "station_staff", "reveal_person", "办理低保复核")
    assert entry["householdId"] == household and "id_number" in entry["fields"]
    assert casework.sent("access_log")[-1] == ({"subject_id": head, "limit": 5},)
    assert error_of(log, {"subject": head}, "worker", casework)["extensions"]["code"] == "FORBIDDEN"


def test_evaluators_read_masked_and_write_nothing():
    casework = seeded()
    data = ok("""{ households(first: 10) { totalCount items { headName address members { name idNumber phone } } } }""",
              token="evaluator", casework=casework)["households"]
    assert data["totalCount"] == 3  # 丹阳 only
    for household in data["items"]:
        assert household["address"] is None and "*" in household["headName"]
        assert all(m["name"] == "受保护对象" or "*" in m["name"] for m in household["members"])
    refused = error_of(REGISTER, {"input": household_input()}, "evaluator", casework)
    assert refused["extensions"]["code"] == "FORBIDDEN"
    assert casework.repo.households.count({"address": "三里村5组8号"}) == 0


def test_officials_see_their_region_only_and_out_of_scope_looks_unknown():
    casework = seeded()
    query = """query ($other: ID!) { households { totalCount } cases { totalCount }
        other: household(id: $other) { id } }"""
    danyang = ok(query, {"other": casework.ids["jingkou_household"]}, "danyang", casework)
    assert danyang == {"households": {"totalCount": 3}, "cases": {"totalCount": 3}, "other": None}
    jingkou = ok(query, {"other": casework.ids["household"]}, "jingkou", casework)
    assert jingkou == {"households": {"totalCount": 1}, "cases": {"totalCount": 0}, "other": None}
    assert ok(query, {"other": casework.ids["household"]}, "city", casework)["households"]["totalCount"] == 4
    unknown = error_of("""mutation { openCase(input: {householdId: "hh_nope", domain: ELDERLY, source: OUTREACH,
        summary: "探访需求", assignedStaffId: "stf_worker"}) { case { id } } }""", casework=casework)
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    public = run("{ households { totalCount } }", token=None, casework=casework)
    assert public["data"] == {"households": {"totalCount": 0}}


# --- campaigns, duplicates, dashboards -------------------------------------------------------------
def test_a_verification_campaign_and_its_progress():
    casework = seeded()
    created = ok("""mutation ($input: CreateVerificationCampaignInput!) { createVerificationCampaign(input: $input) {
        campaign { id name regionCode criteria { tagsAny ageMin } startsOn endsOn created { by role } } } }""",
                 {"input": {"name": "2026年丹阳市特困老人全面核查", "regionCode": "321181",
                            "criteria": {"tagsAny": ["EXTREME_POVERTY"], "ageMin": 60},
                            "startsOn": days_ago(5), "endsOn": (china_today() + timedelta(days=30)).isoformat()}},
                 "danyang", casework)["createVerificationCampaign"]["campaign"]
    assert created["criteria"] == {"tagsAny": ["EXTREME_POVERTY"], "ageMin": 60}
    assert created["created"] == {"by": "danyang-official", "role": "county"}
    household = casework.ids["household"]
    version = ok("query ($id: ID!) { household(id: $id) { version } }", {"id": household},
                 casework=casework)["household"]["version"]
    visited = ok("""mutation ($id: ID!, $input: HouseholdVisitInput!) { logHouseholdVisit(householdId: $id,
        input: $input) { visit { campaignId visitType } household { visitCount } } }""", {"id": household, "input": {
        "expectedVersion": version, "visitType": "HOME_VISIT", "visitedOn": china_today().isoformat(),
        "durationMinutes": 20, "staffIds": [WORKER], "campaignId": created["id"]}}, casework=casework)
    assert visited["logHouseholdVisit"] == {"visit": {"campaignId": created["id"], "visitType": "HOME_VISIT"},
                                            "household": {"visitCount": 1}}
    progress = ok("""query ($id: ID!) { campaignProgress(id: $id, first: 10) { targeted visited notVisited
        personsTargeted campaign { name } byStation { stationId targeted visited station { name } }
        items { householdId visitedOn household { id } persons { name tags } } } }""", {"id": created["id"]},
                  "danyang", casework)["campaignProgress"]
    assert (progress["targeted"], progress["visited"], progress["notVisited"]) == (2, 1, 1)
    assert progress["byStation"] == [{"stationId": STATION, "targeted": 2, "visited": 1,
                                      "station": {"name": "丹阳市第1街道社工站"}}]
    assert {i["householdId"]: i["visitedOn"] is not None for i in progress["items"]}[household] is True
    listed = ok("""{ verificationCampaigns { totalCount items { id region { name }
        progress(visited: false) { targeted items { householdId } } } } }""", token="danyang", casework=casework)
    [campaign] = listed["verificationCampaigns"]["items"]
    assert campaign["region"] == {"name": "丹阳市"} and len(campaign["progress"]["items"]) == 1
    assert casework.sent("campaign_progress")[-1] == (created["id"], {"visited": False, "limit": 50})


def test_duplicates_are_listed_merged_and_dismissed():
    casework = seeded(households=3)  # the same 张德明 (name and birth date) in three households
    flags = ok("""{ duplicateFlags(stationId: "ST321181001") { totalCount items { household { id version }
        flags { id personId status matches { householdId personId reason person { name } } } } } }""",
               casework=casework)["duplicateFlags"]
    assert flags["totalCount"] == 2
    first, second = flags["items"]
    match = first["flags"][0]["matches"][0]
    assert match["reason"] == "SAME_NAME_AND_BIRTH_DATE" and match["person"] == {"name": "张德明"}
    households = {h["id"]: h["version"] for h in ok("{ households { items { id version } } }",
                                                     casework=casework)["households"]["items"]}
    dismissed = ok("""mutation ($id: ID!, $input: DismissDuplicateFlagInput!) { dismissDuplicateFlag(householdId: $id,
        input: $input) { household { openDuplicateFlags } } }""", {"id": second["household"]["id"], "input": {
        "expectedVersion": second["household"]["version"], "flagId": second["flags"][0]["id"],
        "reason": "同名同生日，身份证号不同"}}, casework=casework)
    assert dismissed["dismissDuplicateFlag"]["household"]["openDuplicateFlags"] == 0
    # Different ID numbers: the service refuses to merge them as one person.
    merged = error_of("""mutation ($input: MergePersonsInput!) { mergePersons(input: $input) { household { id } } }""",
                      {"input": {"survivor": {"householdId": match["householdId"], "personId": match["personId"],
                                              "expectedVersion": households[match["householdId"]]},
                                 "duplicate": {"householdId": first["household"]["id"],
                                               "personId": first["flags"][0]["personId"],
                                               "expectedVersion": first["household"]["version"]},
                                 "reason": "核实为同一人"}}, casework=casework)
    assert merged["extensions"]["code"] == "RULE_VIOLATION"


def test_dashboards_and_the_station_caseload():
    casework = seeded()
    data = ok("""{ archiveOverdueSummary(region: "321181") { households overdue neverAssessed
          stations { stationId households station { name } } }
        caseSummary { open crisisActive stations { stationId open openByStage { intake } crisisActive } }
        stations { items { id caseload { staffId name role current openCases crisisCases } } } }""",
              token="admin", casework=casework)
    assert data["archiveOverdueSummary"]["households"] == 3 and data["archiveOverdueSummary"]["neverAssessed"] == 1
    assert data["caseSummary"]["open"] == 3 and data["caseSummary"]["crisisActive"] == 1
    caseloads = {s["id"]: s["caseload"] for s in data["stations"]["items"]}
    danyang = {m["staffId"]: m for m in caseloads[STATION]}
    assert danyang[WORKER]["openCases"] == 2 and danyang[COLLEAGUE]["crisisCases"] == 1
    assert danyang[LEAD]["role"] == "STATION_LEAD" and all(m["current"] for m in danyang.values())


# --- lists, filters, cost ------------------------------------------------------------------------
def test_filters_reach_the_service_by_value():
    casework = seeded()
    ok("""{ cases(stationId: "ST321181001", domain: MARRIAGE_FAMILY, stage: OPEN, crisis: true, overdue: false,
                  first: 5) { totalCount }
             households(group: EXTREME_POVERTY, archiveOverdue: false, riskLevel: MEDIUM, headName: "张",
                        duplicatesOpen: true) { totalCount } }""", casework=casework)
    assert casework.sent("list_cases") == [({"station_id": "ST321181001", "domain": "marriage_family",
                                             "stage": "open", "crisis": True, "overdue": False, "limit": 5},)]
    assert casework.sent("list_households") == [({"group": "extreme_poverty", "archive_overdue": False,
                                                  "risk_level": "medium", "head_name": "张", "duplicates_open": True,
                                                  "limit": 50},)]


def test_pages_follow_the_cursor_and_sizes_are_bounded():
    casework = seeded(households=3)
    first = ok("{ cases(first: 2) { totalCount nextCursor items { id crisis { state } } } }",
               casework=casework)["cases"]
    assert first["totalCount"] == 4 and first["items"][0]["crisis"] == {"state": "AWAITING_CONTACT"}  # crises first
    rest = ok("query ($after: String) { cases(first: 2, after: $after) { nextCursor items { id } } }",
              {"after": first["nextCursor"]}, casework=casework)["cases"]
    assert rest["nextCursor"] is None and len(rest["items"]) == 2
    assert not {c["id"] for c in rest["items"]} & {c["id"] for c in first["items"]}
    too_many = run("{ households(first: 101) { totalCount } }", casework=casework)
    assert too_many["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT",
                                                   "details": {"first": ["must be between 1 and 100"]}}
    nested = run("{ cases(first: 1) { items { id visits(first: 0) { id } } } }", casework=casework)
    assert nested["data"]["cases"]["items"][0]["visits"] is None
    assert nested["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def cost(query: str) -> int:
    return measure_operation(schema.graphql_schema, parse(query).definitions[0], {}, COST_MODEL).cost


def test_lists_are_priced_by_their_page_size_or_their_usual_length():
    assert cost("{ households(first: 10) { items { id members { name } } } }") == 1 + 1 + 10 * (1 + 1 + 4)
    assert cost("{ cases(first: 10) { items { id visits { id } referrals(first: 2) { id } } } }") == (
        1 + 1 + 10 * (1 + (1 + 10) + (1 + 2)))
    assert cost("{ cases { items { transitions { at } } } }") == 1 + 1 + 50 * (1 + 8)
    assert cost("{ stations(first: 5) { items { caseload { staffId } } } }") == 1 + 1 + 5 * (1 + 10)
    assert cost('{ campaignProgress(id: "x", first: 20) { items { persons { name } } } }') == 1 + 1 + 20 * (1 + 2)


def test_without_a_casework_client_casework_fields_are_unavailable_and_the_rest_answers():
    body = gateway_request(ENDPOINT, FakeRegistry(), "{ viewer { role } households { totalCount } }",
                           token=token_for("admin")).json()
    assert body["data"] == {"viewer": {"role": "ADMIN"}, "households": None}
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


def test_crisis_breaches_are_shown_on_the_case_and_counted_in_the_summary():
    casework = seeded()
    case_id = casework.ids["crisis_case"]
    with clock.FrozenClock(clock.utcnow() + timedelta(hours=25)):
        assert casework.service.sweep_crisis_contacts(SYSTEM) == [case_id]
    data = ok("""query ($id: ID!) { case(id: $id) { crisisBreaches { episode delayMinutes contactInTime recordedAt } }
        caseSummary { crisisBreaches crisisContactOverdue stations { crisisBreaches } } }""", {"id": case_id},
              casework=casework)
    [breach] = data["case"]["crisisBreaches"]
    assert breach["episode"] == 1 and breach["delayMinutes"] is None and breach["contactInTime"] is False
    assert data["caseSummary"]["crisisBreaches"] == 1 and data["caseSummary"]["stations"][0]["crisisBreaches"] == 1
