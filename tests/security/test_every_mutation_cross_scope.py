"""Every mutation of the gateway, called with ids of another county's records, is refused and changes nothing.

The five services and the gateway run for real (broker, wire-protocol store). 京口区 (321102) is seeded with
the services' own demo seeds (tests/support/county_seed.py); 丹阳's county official and a 丹阳 station's staff
member then call each mutation of the schema with every id argument, top level and inside input objects, taken
from 京口's records and otherwise valid input (current versions included, so a missing scope check would let the
write through). Each call must answer NOT_FOUND or FORBIDDEN, and every document of every service's store must
be the same afterwards (issue 14, security 2): the stores are read directly rather than through the gateway, so a
change no query shows (an access-log entry, a reservation on a budget line) counts too. A control then makes the
same calls as an administrator: they get past scope and validation, so the refusals are the scope's doing.

The mutations come from the gateway's schema itself: a new mutation fails
test_every_mutation_of_the_schema_is_tried until cases() says which of another scope's ids it takes.
"""
from __future__ import annotations

import json
import time
from datetime import date, timedelta

import eventlet
import pytest
from graphql import get_named_type, is_scalar_type

from gateway.schema import schema as gateway_schema
from services.casework.service import CaseworkService
from services.common import clock, storage
from services.common.auth import ANONYMOUS, SYSTEM, mint_token
from services.common.demo_identities import credit_code, resident_id_number
from services.funding.service import FundingService
from services.identity.service import IdentityService
from services.registry.service import RegistryService
from services.supervision.service import SupervisionService
from services.volunteers.service import VolunteersService
from services.volunteers.storage import VolunteersRepository
from services.volunteers.usecases import Volunteering
from services.webhooks.service import WebhooksService
from tests.support.containers import rpc_client
from tests.support.county_seed import JINGKOU_TOWNSHIPS, seed_townships
from tests.support.platform_client import PlatformClient, gateway_platform
from tests.support.supervision_fixtures import caught_up
from tests.support.volunteers_fixtures import volunteer_input
from tests.support.volunteers_in_process import in_process
from tests.support.waiting import wait_for

ADMIN = {"role": "admin"}
OUTSIDERS = {"danyang_official": {"role": "county", "region": "321181"},
             "danyang_worker": {"role": "station_staff", "station_ids": ["ST321181001"]}}
REFUSALS = {"NOT_FOUND", "FORBIDDEN"}
PUBLIC = "public"  # a caller without a token (sign-in takes none)
JINGKOU_EVALUATOR = "jingkou_evaluator"  # commissioned for a running evaluation of the 京口 station
JINGKOU_ACCOUNT = "jingkou_account"  # a development token of the 京口 account (its own second factor)
# Bulk imports answer row by row: a refusal is a row refused for the scope, nothing accepted.
ROW_REPORTS = {"importHouseholds": "accepted refused { row field reason }"}
SERVICES = ("registry", "casework", "funding", "volunteers", "supervision", "identity", "webhooks")
# Bookkeeping that legitimately moves while nothing changes in substance: consumed events, the event log, relay state.
VOLATILE_COLLECTIONS = {"processed_events", "event_log", "meta", storage.REQUEST_RESULTS}


def store_snapshot() -> dict:
    snapshot = {}
    for service in SERVICES:
        db = storage.database(service)
        for name in db.list_collection_names():
            if name in VOLATILE_COLLECTIONS or name.startswith("_"):
                continue
            snapshot[f"{service}.{name}"] = {
                doc["_id"]: json.dumps({k: v for k, v in doc.items() if not k.startswith("_outbox")},
                                       sort_keys=True, default=str, ensure_ascii=False)
                for doc in db[name].find({})}
    return snapshot


def documents(service: str, collection: str, station_id: str, where=lambda doc: True) -> list[dict]:
    """The station's documents (by `station_id` or in `station_ids`) that satisfy `where`, filtered here: the
    test store misses some array and `$exists` matches (stack-notes)."""
    found = [d for d in storage.database(service)[collection].find({})
             if station_id in (d["_id"], d.get("station_id"), *d.get("station_ids", ())) and where(d)]
    assert found, f"the seed left no {service}.{collection} at {station_id} as wanted"
    return found


def add_task_hours_and_certificate(station_id: str) -> None:
    """The demo seed leaves no tasks, hours or certificates: make them at 京口 through the use cases."""
    volunteering = in_process(Volunteering(VolunteersRepository(storage.database("volunteers"))))
    township = station_id[2:]
    household_id = storage.database("casework").households.find_one({"station_id": station_id})["_id"]
    volunteer = volunteering.register_volunteer(SYSTEM, volunteer_input(station_id=station_id,
                                                                        community_code=f"{township}001"))

    def matched_need() -> dict:
        need = volunteering.request_matching(SYSTEM, {
            "household_id": household_id, "station_id": station_id, "community_code": f"{township}001",
            "domain": "elderly", "need_type": "home_visit", "severity": "medium", "description": "独居老人需要定期探访",
            "beneficiary_groups": ["elderly_living_alone"]})
        proposal = next(p for p in need["proposals"] if p["candidate_id"] == volunteer["id"])
        return volunteering.accept_proposal(SYSTEM, need["id"], proposal["proposal_id"],
                                            {"expected_version": need["version"]})

    done = matched_need()
    start = (clock.utcnow() - timedelta(days=1)).replace(microsecond=0)
    volunteering.complete_task(SYSTEM, done["id"], done["tasks"][0]["task_id"], {
        "expected_version": done["version"], "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=2)).isoformat(), "notes": "陪同就医"})
    stored = storage.database("volunteers").volunteers.find_one({"_id": volunteer["id"]})
    volunteering.approve_hours(SYSTEM, volunteer["id"], {
        "expected_version": stored["_version"], "entry_ids": [e["entry_id"] for e in stored["hours"]]})
    today = clock.today()
    volunteering.issue_certificate(SYSTEM, volunteer["id"], {"from": (today - timedelta(days=30)).isoformat(),
                                                             "to": today.isoformat()})
    matched_need()  # a second need whose task stays open


SUPERVISOR = """mutation ($input: RegisterSupervisorInput!) { registerSupervisor(input: $input) { id } }"""
ASSIGN = """mutation ($id: ID!, $input: AssignSupervisorInput!) { assignSupervisor(supervisorId: $id, input: $input) {
    version assignments { assignmentId } } }"""
SESSION = """mutation ($input: RecordSessionInput!) { recordSupervisionSession(input: $input) {
    id version followUps { followUpId } } }"""


def add_supervision_work(platform: PlatformClient, station_id: str) -> dict:
    """A supervisor assigned to the 京口 station and a session there with a follow-up, made by an administrator."""
    def ok(query: str, variables: dict) -> dict:
        body = platform.gql(query, variables, "admin")
        assert "errors" not in body, body["errors"]
        return next(iter(body["data"].values()))
    today = clock.today()
    supervisor = ok(SUPERVISOR, {"input": {"name": "钱督导", "kind": "EXPERT", "regionCode": "321102",
                                           "organisation": {"name": "镇江市社会工作督导中心"}}})
    assigned = ok(ASSIGN, {"id": supervisor["id"], "input": {"stationId": station_id,
                                                             "from": (today - timedelta(days=60)).isoformat()}})
    session = ok(SESSION, {"input": {
        "supervisorId": supervisor["id"], "stationId": station_id, "date": (today - timedelta(days=1)).isoformat(),
        "form": "ON_SITE", "durationMinutes": 90, "topics": ["SERVICES"], "followUps": [
            {"description": "补齐服务台账", "owner": "站长", "dueOn": (today + timedelta(days=14)).isoformat()}]}})
    return {"supervisor": supervisor["id"], "supervisor_v": assigned["version"],
            "assignment": assigned["assignments"][0]["assignmentId"], "session": session["id"],
            "session_v": session["version"], "follow_up": session["followUps"][0]["followUpId"]}


def commission_running_evaluation(rpc, station_id: str) -> str:
    """An evaluation of the 京口 station running today (the demo's ran last summer), for JINGKOU_EVALUATOR."""
    today = clock.today()
    scheme = rpc.funding.list_indicator_schemes(SYSTEM.to_dict(), {})["items"][0]
    return rpc.funding.commission_evaluation(SYSTEM.to_dict(), {
        "subject": {"kind": "station", "id": station_id}, "scheme_id": scheme["id"],
        "evaluator": {"name": "京口区社会工作评估中心", "credit_code": credit_code("321102", 903)},
        "evaluator_user_ids": [JINGKOU_EVALUATOR],
        "period": {"start": (today - timedelta(days=1)).isoformat(), "end": (today + timedelta(days=30)).isoformat()},
        "due_on": (today + timedelta(days=30)).isoformat()})["id"]


def jingkou_account() -> dict:
    """An account of 京口 with a grant, a password and a session, and a registered agency of 京口 with a client
    (made through the identity use cases)."""
    from services.identity.usecases import Identity, agencies, sessions, users
    identity = Identity.over(storage.database("identity"))
    password = "Jingkou-Account-26"
    account = users.create_user(identity, SYSTEM, {
        "username": "jingkou-official", "display_name": "京口官员", "region_code": "321102", "password": password,
        "grants": [{"role": "county", "region_code": "321102"}]})
    session = sessions.sign_in(identity, ANONYMOUS, {"username": "jingkou-official", "password": password})
    agency = agencies.register_agency(identity, SYSTEM, {"name": "京口区妇女联合会", "kind": "womens_federation",
                                                         "region_code": "321102"})
    client = agencies.create_client(identity, SYSTEM, {"agency_id": agency["id"], "name": "妇联系统",
                                                       "scopes": {"domains": ["children"]}})
    return {"jingkou_user": account["id"], "jingkou_grant": account["grants"][0]["grant_id"],
            "jingkou_agency": agency["id"], "jingkou_client": client["client_id"],
            "jingkou_username": "jingkou-official", "jingkou_password": password,
            "jingkou_refresh": session["refresh_token"]}


def jingkou_webhook() -> dict:
    """A webhook subscription for 京口 and one delivery already made (so no sender touches it meanwhile)."""
    from services.common.events import new_event
    from services.contracts.casework import CASE_OPENED
    from services.webhooks.usecases import Webhooks, clients, deliveries, subscriptions
    webhooks = Webhooks.over(storage.database("webhooks"))
    for client_id in ("jingkou-agency", "jingkou-agency-2"):  # identity's clients, as its events told webhooks
        clients.record_client_created(webhooks, {"client_id": client_id, "agency_id": "ag-jingkou", "region_code":
                                                 "321102", "scopes": {"event_types": ["case.opened"]}})
    created = subscriptions.create_subscription(webhooks, SYSTEM, {
        "agency_client_id": "jingkou-agency", "url": "https://127.0.0.1:9/hook", "event_types": ["case.opened"],
        "regions": ["321102"]})
    township = JINGKOU_TOWNSHIPS[0]
    event = new_event(CASE_OPENED, {"case_id": "C-webhook", "household_id": "H-webhook", "person_id": None,
                                    "station_id": f"ST{township}", "township_code": township, "domain": "elderly",
                                    "source": "visit", "assigned_staff_id": "S1", "opened_on": "2026-03-01"},
                      correlation_id="security-webhooks")
    deliveries.fan_out(webhooks, event, [webhooks.subscriptions.get(created["subscription"]["id"])])
    [delivery] = webhooks.deliveries.collection.find({"subscription_id": created["subscription"]["id"]})
    webhooks.deliveries.collection.update_one({"_id": delivery["_id"]}, {"$set": {"state": "delivered"}})
    return {"webhook_subscription": created["subscription"]["id"], "webhook_delivery": delivery["_id"]}


def jingkou_ids() -> dict:
    """Ids (and current versions) of 京口's records, one of each kind a mutation can name."""
    station_id = f"ST{JINGKOU_TOWNSHIPS[0]}"
    station = documents("registry", "stations", station_id)[0]
    source = storage.database("funding").sources.find_one({"county_code": "321102", "kind": "fiscal"})
    line = documents("funding", "budget_lines", station_id)[0]
    tender = documents("funding", "tenders", station_id, lambda t: t["bids"])[0]
    contract = max(documents("funding", "contracts", station_id), key=lambda c: c["signed_on"])
    disbursement = contract["disbursements"][0]
    evaluation = documents("funding", "evaluations", station_id)[0]
    household, other_household = documents("casework", "households", station_id, lambda h: h["consents"])[:2]
    case = documents("casework", "cases", station_id)[0]
    referred = next(c for c in storage.database("casework").cases.find({}) if c["referrals"])
    township_names = {r["_id"]: r["name"] for r in storage.database("registry").regions.find({"parent_code": "321102"})}
    free_township = min(code for code in township_names if code not in JINGKOU_TOWNSHIPS)
    volunteer = documents("volunteers", "volunteers", station_id, lambda v: v["hours"])[0]
    volunteer_id = volunteer["_id"]
    need = documents("volunteers", "needs", station_id,
                     lambda n: any(t["candidate_id"] == volunteer_id for t in n["tasks"]))[0]
    open_need = documents("volunteers", "needs", station_id,
                          lambda n: any(t["status"] == "open" for t in n["tasks"]))[0]
    proposed = documents("volunteers", "needs", station_id, lambda n: n["status"] == "proposed")[0]
    task = next(t for t in need["tasks"] if t["candidate_id"] == volunteer_id)
    team = documents("volunteers", "teams", station_id)[0]
    resource = documents("volunteers", "resources", station_id)[0]
    stock = documents("volunteers", "stock", station_id)[0]
    certificate = documents("volunteers", "certificates", station_id)[0]
    alert = documents("supervision", "alerts", station_id)[0]
    staff = station["staff"][0]
    return {
        "station": station_id, "station_v": station["_version"], "staff": staff["staff_id"],
        "township": JINGKOU_TOWNSHIPS[0], "county": "321102", "community": f"{JINGKOU_TOWNSHIPS[0]}001",
        "source": source["_id"], "source_v": source["_version"], "line": line["_id"],
        "contract_line": contract["funding"][0]["budget_line_id"], "award_fen": tender["award"]["amount_fen"],
        "tender_end": tender["contract_period"]["end"],
        "free_township": free_township, "free_station_name": f"京口区{township_names[free_township]}社工站",
        "referred_case": referred["_id"], "referred_case_v": referred["_version"],
        "referral": referred["referrals"][0]["referral_id"], "team_member": team["member_ids"][0],
        "tender": tender["_id"], "tender_v": tender["_version"], "bid": tender["bids"][0]["id"],
        "leader": tender["bids"][0]["leaders"][0].get("id", "ldr"), "contract": contract["_id"],
        "contract_v": contract["_version"], "milestone": contract["milestones"][0]["id"],
        "disbursement": disbursement["id"], "evaluation": evaluation["_id"], "evaluation_v": evaluation["_version"],
        "scheme": evaluation["scheme"]["id"],
        "household": household["_id"], "household_v": household["_version"],
        "person": household["members"][0]["person_id"], "consent": household["consents"][0]["consent_id"],
        "other_household": other_household["_id"], "other_household_v": other_household["_version"],
        "other_person": other_household["members"][0]["person_id"],
        "case": case["_id"], "case_v": case["_version"], "case_staff": case["assigned_staff_id"],
        "volunteer": volunteer["_id"], "volunteer_v": volunteer["_version"],
        "entry": volunteer["hours"][0]["entry_id"], "need": need["_id"], "need_v": need["_version"],
        "task": need["tasks"][0]["task_id"], "open_need": open_need["_id"], "open_need_v": open_need["_version"],
        "open_task": next(t["task_id"] for t in open_need["tasks"] if t["status"] == "open"),
        "proposed_need": proposed["_id"], "proposed_need_v": proposed["_version"],
        "proposal": proposed["proposals"][0]["proposal_id"], "task_of_volunteer": task["task_id"],
        "team": team["_id"], "team_v": team["_version"], "resource": resource["_id"],
        "resource_v": resource["_version"], "stock": stock["_id"], "certificate": certificate["_id"],
        "alert": alert["_id"], "alert_v": alert["_version"],
    }


def cases(ids: dict) -> dict[str, dict]:
    """Each mutation's arguments, valid but for naming 京口's records (or 京口's station, township, county)."""
    today = clock.today()
    day, soon = today.isoformat(), (today + timedelta(days=30)).isoformat()
    yesterday = (clock.utcnow() - timedelta(days=1)).replace(microsecond=0)
    station, county, township, community = ids["station"], ids["county"], ids["township"], ids["community"]
    id_number = resident_id_number("321102", date(1980, 5, 5), 901)
    slot = [{"weekday": 1, "start": "09:00", "end": "12:00"}]
    member = {"name": "韩梅", "relationship": "HEAD", "idNumber": id_number, "phone": "13905119999",
              "sex": "MALE", "birthDate": "1980-05-05"}
    household_input = {"stationId": station, "communityCode": community, "communityName": "正东社区",
                       "address": "正东社区1组1号", "members": [member]}
    milestone = {"id": "MX", "title": "驻站社工到岗", "type": "STAFFING_IN_PLACE", "dueOn": ids["tender_end"],
                 "amountFen": ids["award_fen"]}
    promise = {"professionalSocialWorkersPerStation": 3, "monthlyPayFen": 1_300_000, "socialInsurance": True}
    staff_v = {"stationId": station, "staffId": ids["staff"]}
    case = lambda **input: {"id": ids["case"], "input": {"expectedVersion": ids["case_v"], **input}}  # noqa: E731
    volunteer = lambda **input: {"id": ids["volunteer"], "input": {"expectedVersion": ids["volunteer_v"], **input}}  # noqa: E731
    team = lambda **input: {"id": ids["team"], "input": {"expectedVersion": ids["team_v"], **input}}  # noqa: E731
    household = lambda **input: {"householdId": ids["household"],  # noqa: E731
                                 "input": {"expectedVersion": ids["household_v"], **input}}
    return {
        # registry
        "registerStation": {"input": {"townshipCode": ids["free_township"], "name": ids["free_station_name"],
                                      "venue": {"officeAreaM2": 60.0}, "legalForm": "OPERATED_BY_ORGANISATION",
                                      "operator": {"name": "京口区新社会工作服务中心",
                                                   "creditCode": credit_code("321102", 55)}}},
        "updateStation": {"id": station, "input": {"expectedVersion": ids["station_v"],
                                                    "population": {"residents": 50_000, "year": today.year - 1}}},
        "addStaff": {"stationId": station, "input": {"name": "李雷", "idNumber": id_number, "phone": "13905118888",
                                                     "role": "SOCIAL_WORKER", "employmentStart": day}},
        "updateStaff": {**staff_v, "input": {"expectedVersion": ids["station_v"], "phone": "13905117777"}},
        "recordStaffLeft": {**staff_v, "input": {"expectedVersion": ids["station_v"], "employmentEnd": day}},
        "recordQualification": {**staff_v, "input": {"expectedVersion": ids["station_v"], "qualification": {
            "kind": "CERTIFICATE", "level": "SOCIAL_WORKER", "certificateNumber": "JS12345678", "obtainedOn": day}}},
        "recordTraining": {**staff_v, "input": {"expectedVersion": ids["station_v"], "date": day, "hours": 2.0,
                                                "topic": "个案工作实务", "provider": "镇江市民政局"}},
        "setCompliancePolicy": {"input": {"regionCode": county, "effectiveFrom": day, "minVenueM2": 10.0,
                                          "source": "京民〔2026〕1号"}},
        "importAverageWages": {"rows": [{"regionCode": county, "year": today.year - 1, "monthlyWageFen": 100}]},
        "importRegions": {"csv": f"code,name,level,parent_code\n{county}099,新街道,township,{county}\n"},
        "staffIdentity": {**staff_v, "reason": "核实身份"},
        # funding
        "createFundingSource": {"input": {"name": "京口区专项", "kind": "FISCAL", "year": today.year,
                                          "regionCode": county, "funder": {"name": "京口区财政局"},
                                          "amountFen": 100_000}},
        "updateFundingSource": {"id": ids["source"], "input": {"expectedVersion": ids["source_v"], "note": "备注修改"}},
        "allocateBudget": {"sourceId": ids["source"], "input": {"stationId": station, "amountFen": 100}},
        "createTender": {"input": {"title": "京口区采购", "regionCode": county, "buyer": {"name": "京口区民政局"},
                                   "project": {"name": "社工站运营", "year": today.year}, "stationIds": [station],
                                   "serviceDomains": ["ELDERLY"], "method": "OPEN", "budgetFen": 100_000,
                                   "deadline": (clock.utcnow() + timedelta(days=20)).isoformat(),
                                   "contractPeriod": {"start": soon,
                                                      "end": (today + timedelta(days=300)).isoformat()}}},
        "updateTender": {"id": ids["tender"], "input": {"expectedVersion": ids["tender_v"], "title": "改名采购项目"}},
        "publishTender": {"id": ids["tender"], "expectedVersion": ids["tender_v"]},
        "cancelTender": {"id": ids["tender"], "input": {"expectedVersion": ids["tender_v"], "reason": "项目取消撤销"}},
        "recordBid": {"tenderId": ids["tender"], "input": {
            "organisation": {"name": "丹阳市同心社会工作服务中心", "creditCode": credit_code("321181", 77)},
            "contact": {"name": "王五", "phone": "13905116666"},
            "leaders": [{"name": "王五", "role": "RESPONSIBLE_PERSON", "idNumber": id_number}], "priceFen": 100}},
        "reviewBid": {"tenderId": ids["tender"], "bidId": ids["bid"], "input": {
            "expectedVersion": ids["tender_v"], "checklist": [], "leaders": [],
            "scores": [{"criterion": "price", "score": 1.0, "maxScore": 10.0}]}},
        "awardTender": {"id": ids["tender"], "input": {"expectedVersion": ids["tender_v"], "bidId": ids["bid"]}},
        "signContract": {"tenderId": ids["tender"], "input": {"signedOn": day, "staffingPromise": promise,
                                                              "milestones": [milestone]}},
        "amendContract": {"id": ids["contract"], "input": {"expectedVersion": ids["contract_v"],
                                                           "reason": "合同期限调整", "periodEnd": soon}},
        "commitFunding": {"contractId": ids["contract"], "input": {"budgetLineId": ids["line"], "amountFen": 100}},
        "closeContract": {"id": ids["contract"], "input": {"expectedVersion": ids["contract_v"], "closedOn": day,
                                                           "reason": "项目结项关闭"}},
        "recordDisbursement": {"contractId": ids["contract"], "input": {
            "milestoneId": ids["milestone"], "budgetLineId": ids["contract_line"], "amountFen": 100, "paidOn": day,
            "voucherNumber": "DY-0001"}},
        "resolveDisbursementFlag": {"contractId": ids["contract"], "disbursementId": ids["disbursement"], "input": {
            "expectedVersion": ids["contract_v"], "decision": "RELEASE", "reason": "人员已经核实"}},
        "defineIndicatorScheme": {"input": {"name": "京口指标", "regionCode": county, "indicators": [
            {"code": "A1", "title": "管理", "category": "管理", "weight": 100, "maxScore": 10}],
            "grades": [{"name": "合格", "minTotal": 60}, {"name": "不合格", "minTotal": 0}]}},
        "updateIndicatorScheme": {"id": ids["scheme"], "input": {"expectedVersion": 1, "name": "改名指标"}},
        "commissionEvaluation": {"input": {"subject": {"kind": "CONTRACT", "id": ids["contract"]},
                                           "schemeId": ids["scheme"], "dueOn": soon, "evaluatorUserIds": ["ev-1"],
                                           "evaluator": {"name": "丹阳评估中心",
                                                         "creditCode": credit_code("321181", 78)}}},
        "scoreEvaluation": {"id": ids["evaluation"], "input": {"expectedVersion": ids["evaluation_v"], "scores": [
            {"indicator": "A1", "score": 1.0, "comment": "评分修改"}]}},
        "completeEvaluation": {"id": ids["evaluation"], "input": {"expectedVersion": ids["evaluation_v"],
                                                                  "summary": "评估完成总结"}},
        "revealBidPersonalData": {"tenderId": ids["tender"], "bidId": ids["bid"], "reason": "资格审查"},
        # casework
        "registerHousehold": {"input": household_input},
        "importHouseholds": {"rows": [household_input]},
        "updateHousehold": {"id": ids["household"], "input": {"expectedVersion": ids["household_v"],
                                                              "address": "新地址1号"}},
        "addHouseholdMember": household(name="韩梅", relationship="SPOUSE", birthDate="1950-02-02", sex="FEMALE"),
        "updateHouseholdMember": {**household(name="改名"), "personId": ids["person"]},
        "removeHouseholdMember": {**household(reason="MOVED_OUT", removedOn=day), "personId": ids["person"]},
        "recordConsent": household(personId=ids["person"], legalBasis="CONSENT", purposes=["ARCHIVE"], givenOn=day,
                                   givenBy={"personId": ids["person"]}),
        "withdrawConsent": household(consentId=ids["consent"], withdrawnOn=day, reason="本人撤回同意"),
        "mergePersons": {"input": {"reason": "重复登记人员",
                                   "survivor": {"householdId": ids["household"], "personId": ids["person"],
                                                "expectedVersion": ids["household_v"]},
                                   "duplicate": {"householdId": ids["other_household"], "personId": ids["other_person"],
                                                 "expectedVersion": ids["other_household_v"]}}},
        "dismissDuplicateFlag": household(flagId="dup_1", reason="不是同一个人"),
        "saveRosterMapping": {"input": {"source": "DIBAO", "region": county, "columns": [
            {"field": "NAME", "header": "姓名"}, {"field": "ID_NUMBER", "header": "公民身份号码"}]}},
        "revealPerson": {"householdId": ids["household"], "personId": ids["person"], "reason": "核实身份"},
        "assessNeeds": household(assessedOn=day, assessorStaffId=ids["case_staff"], needs=[
            {"domain": "ELDERLY", "needType": "HOME_VISIT", "severity": "LOW", "description": "独居老人需要探访"}]),
        "openCase": {"input": {"householdId": ids["household"], "domain": "ELDERLY", "source": "OUTREACH",
                               "summary": "走访发现", "assignedStaffId": ids["case_staff"]}},
        "changeCaseStage": case(to="CLOSED"),
        "recordCaseAssessment": case(summary="需求评估摘要"),
        "submitCasePlan": case(goals=["目标"], reviewOn=soon,
                               interventions=[{"activityType": "PSYCHOSOCIAL_SUPPORT", "frequency": "每周"}]),
        "decideCasePlan": case(decision="APPROVED"),
        "requestCaseClosure": case(reason="GOALS_ACHIEVED", outcome="ACHIEVED"),
        "decideCaseClosure": case(decision="APPROVED"),
        "reopenCase": case(reason="问题复发重开"),
        "reassignCase": case(staffId=ids["case_staff"], reason="人员调岗安排"),
        "flagCrisis": case(notes="家庭暴力危机"),
        "resolveCrisis": case(note="危机已经解除"),
        "logCaseVisit": {"caseId": ids["case"], "input": {"expectedVersion": ids["case_v"], "visitType": "HOME_VISIT",
                                                          "visitedOn": day, "durationMinutes": 30,
                                                          "staffIds": [ids["case_staff"]]}},
        "logHouseholdVisit": household(visitType="HOME_VISIT", visitedOn=day, durationMinutes=30,
                                       staffIds=[ids["case_staff"]]),
        "recordCaseService": {"caseId": ids["case"], "input": {"expectedVersion": ids["case_v"],
                                                               "activityType": "PSYCHOSOCIAL_SUPPORT",
                                                               "deliveredOn": day,
                                                               "durationMinutes": 30, "staffIds": [ids["case_staff"]]}},
        "makeReferral": {"caseId": ids["case"], "input": {"expectedVersion": ids["case_v"], "target": {
            "kind": "ORGANISATION", "name": "京口区医院"}, "serviceRequested": "就医", "madeOn": day,
            "sharesPersonalData": False}},
        "answerReferral": {"caseId": ids["referred_case"], "input": {"expectedVersion": ids["referred_case_v"],
                                                                     "referralId": ids["referral"],
                                                            "status": "ACCEPTED", "answeredOn": day}},
        # the station's revocation; an agency's answer (its callers are agency clients: these are refused as FORBIDDEN)
        "revokeReferral": {"caseId": ids["referred_case"], "input": {"expectedVersion": ids["referred_case_v"],
                                                                     "referralId": ids["referral"],
                                                                     "reasonCode": "SENT_IN_ERROR"}},
        "answerAgencyReferral": {"input": {"caseId": ids["referred_case"], "referralId": ids["referral"],
                                           "status": "ACCEPTED"}},
        "revealCaseNotes": {"caseId": ids["case"], "reason": "督导检查需要"},
        "createVerificationCampaign": {"input": {"name": "京口核查", "regionCode": county, "startsOn": day,
                                                 "endsOn": soon, "criteria": {"tagsAny": ["EXTREME_POVERTY"]}}},
        # volunteers
        "registerVolunteer": {"input": {"stationId": station, "name": "张三", "idNumber": id_number,
                                        "phone": "13905115555", "communityCode": community,
                                        "skills": ["COMPANIONSHIP"], "domains": ["ELDERLY"], "availability": slot}},
        "updateVolunteer": volunteer(phone="13905114444"),
        "recordVolunteerTraining": volunteer(date=day, topic="志愿服务", hours=1.0, provider="镇江市民政局"),
        "recordVolunteerCertification": volunteer(name="急救证", issuer="红十字会", issuedOn=day),
        "recordBackgroundCheck": volunteer(result="PASSED", checkedOn=day, validUntil=soon, authority="派出所"),
        "revealVolunteerIdentity": {"id": ids["volunteer"], "reason": "核实身份"},
        "logVolunteerHours": {"volunteerId": ids["volunteer"], "input": {
            "needId": ids["need"], "taskId": ids["task_of_volunteer"],
            "startedAt": (yesterday - timedelta(days=1)).isoformat(),
            "endedAt": (yesterday - timedelta(days=1) + timedelta(hours=1)).isoformat(), "activity": "回访"}},
        "approveVolunteerHours": {"volunteerId": ids["volunteer"], "input": {
            "expectedVersion": ids["volunteer_v"], "entryIds": [ids["entry"]]}},
        "rejectVolunteerHours": {"volunteerId": ids["volunteer"], "input": {
            "expectedVersion": ids["volunteer_v"], "entryIds": [ids["entry"]], "reason": "时长不实"}},
        "issueVolunteerCertificate": {"volunteerId": ids["volunteer"], "input": {
            "from": (today - timedelta(days=30)).isoformat(), "to": day}},
        "revokeVolunteerCertificate": {"certificateId": ids["certificate"], "input": {"reason": "证明错误发放"}},
        "createVolunteerTeam": {"input": {"stationId": station, "name": "京口新队", "leaderId": ids["volunteer"],
                                          "memberIds": [ids["volunteer"]]}},
        "updateVolunteerTeam": team(name="改名志愿服务队"),
        "recordTeamTraining": team(date=day, topic="培训", hours=1.0, trainer="督导", attendeeIds=[ids["team_member"]]),
        "recordTeamSupervision": team(date=day, supervisor="督导", notes="记录"),
        "registerCommunityResource": {"input": {
            "kind": "COMMUNITY_SOCIAL_ORGANISATION", "name": "京口新组织", "stationId": station,
            "townshipCode": township, "services": [{"name": "助老", "domain": "ELDERLY", "capacity": 5}],
            "contact": {"name": "赵六", "phone": "0511-85550000"}, "location": {"address": "京口区1号"},
            "reviewedOn": day}},
        "updateCommunityResource": {"id": ids["resource"], "input": {"expectedVersion": ids["resource_v"],
                                                                     "name": "京口区改名社工站"}},
        "reviewCommunityResource": {"id": ids["resource"], "input": {"expectedVersion": ids["resource_v"],
                                                                     "reviewedOn": day, "outcome": "CONFIRMED"}},
        "receiveDonation": {"input": {"stationId": station, "kind": "MONEY", "amountFen": 100,
                                      "donor": {"kind": "ANONYMOUS"}, "receivedOn": day}},
        "distributeCharity": {"input": {"stockId": ids["stock"], "householdId": ids["household"],
                                        "domain": "SOCIAL_ASSISTANCE", "regionCode": township, "quantity": 100,
                                        "distributedOn": day}},
        "requestMatching": {"input": {"needId": ids["proposed_need"], "householdId": "hh-jingkou",
                                      "stationId": station, "communityCode": community, "domain": "ELDERLY",
                                      "needType": "home_visit", "severity": "MEDIUM", "description": "改写需求描述"}},
        "rematchNeed": {"id": ids["proposed_need"], "expectedVersion": ids["proposed_need_v"]},
        "acceptMatchProposal": {"needId": ids["proposed_need"], "proposalId": ids["proposal"],
                                "input": {"expectedVersion": ids["proposed_need_v"]}},
        "declineMatchProposal": {"needId": ids["proposed_need"], "proposalId": ids["proposal"],
                                 "input": {"expectedVersion": ids["proposed_need_v"], "reason": "时间不合适了"}},
        "cancelMatchTask": {"needId": ids["open_need"], "taskId": ids["open_task"],
                            "input": {"expectedVersion": ids["open_need_v"], "reason": "服务取消安排"}},
        "completeMatchTask": {"needId": ids["open_need"], "taskId": ids["open_task"], "input": {
            "expectedVersion": ids["open_need_v"], "startedAt": yesterday.isoformat(),
            "endedAt": (yesterday + timedelta(hours=1)).isoformat()}},
        # supervision
        "acknowledgeAlert": {"id": ids["alert"], "input": {"expectedVersion": ids["alert_v"], "note": "已电话联系"}},
        "resolveAlert": {"id": ids["alert"], "input": {"expectedVersion": ids["alert_v"], "note": "已入户处置"}},
        "registerSupervisor": {"input": {"name": "孙督导", "kind": "UNIVERSITY", "regionCode": county,
                                         "organisation": {"name": "江苏大学社会工作系"}}},
        "assignSupervisor": {"supervisorId": ids["supervisor"], "input": {"stationId": station, "from": day}},
        "endSupervisorAssignment": {"supervisorId": ids["supervisor"], "input": {
            "expectedVersion": ids["supervisor_v"], "assignmentId": ids["assignment"], "to": day}},
        "recordSupervisionSession": {"input": {"supervisorId": ids["supervisor"], "stationId": station, "date": day,
                                               "form": "REMOTE", "durationMinutes": 60, "topics": ["MANAGEMENT"]}},
        "completeFollowUp": {"sessionId": ids["session"], "followUpId": ids["follow_up"], "input": {
            "expectedVersion": ids["session_v"], "doneOn": day, "evidence": "台账已补齐并上传"}},
        **{action: {"input": {"item": {"source": "CASEWORK", "kind": "CASE_FOLLOW_UP", "itemId": ids["case"],
                                       "stationId": station}, "note": "请本周内完成"}}
           for action in ("remindInboxItem", "affirmInboxItem", "commentInboxItem")},
        "setAlertPolicy": {"input": {"regionCode": county, "effectiveFrom": day, "crisisFirstContactHours": 12,
                                     "needUnmetDays": 7, "archiveReviewMonths": 6, "source": "京民〔2026〕2号"}},
        "recordSupervisionPlan": {"input": {"regionCode": county, "year": int(day[:4]), "effectiveFrom": day,
                                            "targets": [{"indicator": "VISITS", "value": 40}]}},
        "recordScorecardScore": {"input": {"evaluationId": ids["running_evaluation"], "stationId": station,
                                           "indicator": "staff_count", "score": 60, "note": "现场核对人数"}},
        # identity: sign-in and refresh take no token (outsiders are refused before any check of the
        # credentials); a session and an account of 京口 are out of reach of 丹阳's callers
        "signIn": {"input": {"username": ids["jingkou_username"], "password": ids["jingkou_password"]}},
        "refreshSession": {"refreshToken": ids["jingkou_refresh"]},
        "signOut": {"refreshToken": ids["jingkou_refresh"]},
        "createUser": {"input": {"username": "jingkou-new", "displayName": "京口新用户", "regionCode": county,
                                 "grants": [{"role": "COUNTY", "regionCode": county}]}},
        "grantRole": {"userId": ids["jingkou_user"], "grant": {"role": "EVALUATOR", "regionCode": county}},
        "revokeGrant": {"userId": ids["jingkou_user"], "grantId": ids["jingkou_grant"]},
        # registered agencies of 京口 and their clients: administered there, or by an administrator
        "registerAgency": {"input": {"name": "京口区残疾人联合会", "kind": "DISABLED_PERSONS_FEDERATION",
                                     "regionCode": county}},
        "createAgencyClient": {"input": {"agencyId": ids["jingkou_agency"], "name": "残联系统",
                                         "scopes": {"domains": ["DISABILITY"]}}},
        "rotateAgencyClientSecret": {"clientId": ids["jingkou_client"]},
        "revokeAgencyClient": {"clientId": ids["jingkou_client"]},
        # the second factor is the caller's own: 丹阳's callers have no account here (NOT_FOUND)
        "enrolSecondFactor": {},
        "confirmSecondFactor": {"code": "123456"},
        # reports
        "generateReport": {"region": county, "kind": "MONTHLY",
                           "period": (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")},
        # webhooks: administrators only; a subscription of 京口's region and a delivery it had
        "createWebhookSubscription": {"input": {"agencyClientId": "jingkou-agency-2", "url": "https://127.0.0.1:9/h",
                                                "eventTypes": ["case.opened"], "regions": [county]}},
        "pauseWebhookSubscription": {"id": ids["webhook_subscription"]},
        "resumeWebhookSubscription": {"id": ids["webhook_subscription"]},
        "rotateWebhookSecret": {"id": ids["webhook_subscription"]},
        "replayWebhookDelivery": {"id": ids["webhook_delivery"]},
        "replayWebhookDeliveries": {"subscriptionId": ids["webhook_subscription"], "since": f"{day}T00:00:00Z"},
        "deleteWebhookSubscription": {"id": ids["webhook_subscription"]},
    }


def document(name: str, arguments: dict) -> str:
    """A mutation document for `name` with one variable per argument, typed as the schema declares it."""
    field = gateway_schema.graphql_schema.mutation_type.fields[name]
    unknown = set(arguments) - set(field.args)
    assert not unknown, f"{name} has no arguments {unknown}"
    declared = ", ".join(f"${arg}: {field.args[arg].type}" for arg in arguments)
    passed = ", ".join(f"{arg}: ${arg}" for arg in arguments)
    selection = "" if is_scalar_type(get_named_type(field.type)) else f" {{ {ROW_REPORTS.get(name, '__typename')} }}"
    if not arguments:
        return f"mutation {{ {name}{selection} }}"
    return f"mutation ({declared}) {{ {name}({passed}){selection} }}"


def call_mutation(platform: PlatformClient, name: str, arguments: dict, token: str) -> dict:
    """One mutation `name` with `arguments`, as the caller holding `token`."""
    return platform.gql(document(name, arguments), arguments, None if token == PUBLIC else token)


def seed_jingkou(settings) -> None:
    seed_townships()
    add_task_hours_and_certificate(f"ST{JINGKOU_TOWNSHIPS[0]}")


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    services = (RegistryService, CaseworkService, FundingService, VolunteersService, SupervisionService,
                IdentityService, WebhooksService)
    with gateway_platform(mongo_server, rabbit_vhost, *services, rpc_timeout_seconds=20,
                          before_start=seed_jingkou) as platform:
        platform.tokens.update({name: mint_token(platform.settings.token_secret, user_id=f"{name}-1", **claims)
                                for name, claims in {**OUTSIDERS, "admin": ADMIN, "jingkou_supervisor": {
                                    "role": "supervisor", "station_ids": [f"ST{JINGKOU_TOWNSHIPS[0]}"]}}.items()})
        wait_for(caught_up, timeout=60, interval=0.5)
        with rpc_client(platform.settings) as rpc:  # the seed's overdue crisis contact becomes an alert
            rpc.supervision.evaluate_alerts(SYSTEM.to_dict())
            running_evaluation = commission_running_evaluation(rpc, f"ST{JINGKOU_TOWNSHIPS[0]}")
        wait_for(caught_up, timeout=60, interval=0.5)  # supervision learns who evaluates the station
        platform.ids.update(jingkou_ids(), **add_supervision_work(platform, f"ST{JINGKOU_TOWNSHIPS[0]}"),
                            **jingkou_account(), **jingkou_webhook(), running_evaluation=running_evaluation)
        platform.tokens[JINGKOU_EVALUATOR] = mint_token(platform.settings.token_secret, user_id=JINGKOU_EVALUATOR,
                                                        role="evaluator", region="321102")
        platform.tokens[JINGKOU_ACCOUNT] = mint_token(platform.settings.token_secret,
                                                      user_id=platform.ids["jingkou_user"], role="county",
                                                      region="321102")
        yield platform


class _AnyIds(dict):
    """Stand-in ids, enough to list the cases without a platform."""
    def __missing__(self, key):
        return 1 if key.endswith("_v") else key


def test_every_mutation_of_the_schema_is_tried():
    assert set(cases(_AnyIds())) == set(gateway_schema.graphql_schema.mutation_type.fields)


def settled_snapshot() -> dict:
    """The stores once the services' consumers have folded the seed's events (two equal reads in a row)."""
    previous = store_snapshot()
    for _ in range(30):
        eventlet.sleep(0.5)
        current = store_snapshot()
        if current == previous:
            return current
        previous = current
    raise AssertionError("the stores kept changing without any request")


def test_every_mutation_with_another_countys_ids_is_refused_and_changes_nothing(platform):
    before = settled_snapshot()
    calls = [(token, name, arguments) for token in OUTSIDERS for name, arguments in cases(platform.ids).items()]
    # a few at a time: the refusals do not depend on each other, and the whole module has to stay short
    answers = eventlet.GreenPool(6).imap(lambda call: (call, call_mutation(platform, call[1], call[2], call[0])), calls)
    leaks = {}
    for (token, name, _), body in answers:
        data = (body.get("data") or {}).get(name)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        if name in ROW_REPORTS and data and data["accepted"] == 0 and data["refused"]:
            continue
        if data is not None or not codes or not codes <= REFUSALS:
            leaks[f"{token} {name}"] = f"{sorted(map(str, codes))} {body.get('errors', [{}])[0].get('message')}"
    assert not leaks, "\n".join(f"{call}: {outcome}" for call, outcome in sorted(leaks.items()))
    after = store_snapshot()
    changed = {collection: sorted(k for k in set(before[collection]) | set(after.get(collection, {}))
                                  if before[collection].get(k) != after.get(collection, {}).get(k))
               for collection in before}
    assert {c: keys for c, keys in changed.items() if keys} == {}
    assert set(after) == set(before)


# Who else than an administrator the control call needs, and mutations whose record the demo seed lacks.
CONTROL_CALLER = {"decideCasePlan": "jingkou_supervisor", "decideCaseClosure": "jingkou_supervisor",
                  "signIn": PUBLIC, "refreshSession": PUBLIC, "enrolSecondFactor": JINGKOU_ACCOUNT,
                  "confirmSecondFactor": JINGKOU_ACCOUNT, "recordScorecardScore": JINGKOU_EVALUATOR}
NOT_IN_THE_SEED = {"dismissDuplicateFlag": "no duplicate flags at 京口; the household it names is real",
                   "answerAgencyReferral": "the seed refers to organisations only, and only an agency client answers "
                                           "(tests/integration/test_agency_gateway.py)"}
# Input only its holder can give: refused as BAD_USER_INPUT once past the scope (the account was found).
HOLDERS_ONLY = {"confirmSecondFactor": "the current code of an authenticator app"}


def test_the_same_calls_reach_past_the_scope_check_for_an_administrator(platform):
    """The refusals above are the scope's doing: the same ids and input get past scope and validation for an
    administrator (what is left may still refuse on the records' state: CONFLICT, RULE_VIOLATION)."""
    stopped = {}
    for name, arguments in cases(platform.ids).items():
        body = call_mutation(platform, name, arguments, CONTROL_CALLER.get(name, "admin"))
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        if codes & {"NOT_FOUND", "FORBIDDEN", "BAD_USER_INPUT", "INTERNAL_SERVER_ERROR"} and \
                name not in NOT_IN_THE_SEED and name not in HOLDERS_ONLY:
            stopped[name] = f"{sorted(map(str, codes))} {body['errors'][0]['message']}"
    assert not stopped, "\n".join(f"{name}: {outcome}" for name, outcome in sorted(stopped.items()))


# Injection strings in every String and ID argument of every query of every service (the registry's own module,
# test_injection.py, tries the full list on the registry): scope never widens, nothing stalls the store, and a
# pattern is never an internal error. Read from the schema, so a new query argument is covered without listing it.
INJECTIONS = ["321181|", ".*", "(a+)+$", "((((((((((((a*)*)*)*)*)*)*)*)*)*)*)*b", '{"$ne": null}', "３２１１８１\x00"]
INJECTION_BOUND_SECONDS = 10.0  # a refusal or an escaped lookup costs milliseconds; a backtracking regex, hours


def query_string_arguments():
    from graphql import GraphQLNonNull, get_named_type
    for name, field in gateway_schema.graphql_schema.query_type.fields.items():
        for arg_name, arg in field.args.items():
            if get_named_type(arg.type).name not in ("String", "ID"):
                continue
            if any(isinstance(a.type, GraphQLNonNull) for n, a in field.args.items() if n != arg_name):
                continue
            type_ref = f"{get_named_type(arg.type).name}{'!' if isinstance(arg.type, GraphQLNonNull) else ''}"
            selection = " { __typename }" if hasattr(get_named_type(field.type), "fields") else ""
            yield name, arg_name, f"query ($v: {type_ref}) {{ {name}({arg_name}: $v){selection} }}"


def test_every_service_has_query_string_arguments_to_try():
    tried = {name for name, _, _ in query_string_arguments()}
    assert {"households", "cases", "volunteers", "contracts", "supervisionRollup", "personalDataAccessLog"} <= tried


@pytest.mark.parametrize("value", INJECTIONS)
def test_every_string_argument_of_every_query_takes_no_pattern(platform, value):
    for name, arg_name, query in query_string_arguments():
        started = time.monotonic()
        body = platform.gql(query, {"v": value}, "danyang_official")
        assert time.monotonic() - started < INJECTION_BOUND_SECONDS, (name, arg_name)
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert "INTERNAL_SERVER_ERROR" not in codes, (name, arg_name, body)
    own = platform.gql("{ stations { totalCount } }", {}, "danyang_official")["data"]["stations"]["totalCount"]
    widened = platform.gql("query ($v: String) { stations(region: $v) { totalCount } }", {"v": value},
                               "danyang_official")
    listed = (widened.get("data") or {}).get("stations")
    assert listed is None or listed["totalCount"] <= own
