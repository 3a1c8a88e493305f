"""A registered agency's client through the real gateway, identity and casework (real broker, wire-protocol store,
HTTP): an administrator registers the agency (casework learns it from `agency.registered`) and creates its client;
the client gets a token with client credentials (basic and post), sees only the referrals to its agency in its
region and domain, answers one with a structured reason, cannot call a field or mutation outside its scopes; the
answer shows in the case's history; a rotated-out or revoked secret is refused."""
from __future__ import annotations

import base64
import urllib.parse
from datetime import timedelta

import pytest
import requests

from services.casework.service import CaseworkService
from services.casework.storage import CaseworkRepository
from services.casework.usecases import Casework, cases, consent, households, inbound
from services.common import clock, storage
from services.common.auth import Viewer
from services.identity.service import IdentityService
from tests.support import casework_fixtures as fx
from tests.support.certificates import self_signed_pem
from tests.support.platform_client import PlatformClient, gateway_platform
from tests.support.waiting import wait_for

CERTIFICATE_HEADER = "X-SSL-Client-Cert"  # what the TLS terminator would forward (nginx $ssl_client_escaped_cert)
WORKER = Viewer(fx.WORKER, "station_staff", None, (fx.STATION,))
JINGKOU_WORKER = Viewer("stf_other", "station_staff", None, (fx.OTHER_STATION,))

REGISTER_AGENCY = """mutation ($input: RegisterAgencyInput!) { registerAgency(input: $input) { id name kind } }"""
CREATE_CLIENT = """mutation ($input: CreateAgencyClientInput!) { createAgencyClient(input: $input) {
    clientId clientSecret client { status scopes { regions domains fieldsAllowed mutations } } } }"""
ROTATE = """mutation ($id: ID!, $hours: Int) { rotateAgencyClientSecret(clientId: $id, previousValidHours: $hours) {
    clientSecret client { secrets { secretId validUntil } } } }"""
REVOKE = """mutation ($id: ID!) { revokeAgencyClient(clientId: $id) { status revokedAt } }"""
CASE_VERSION = """query ($id: ID!) { case(id: $id) { version } }"""
REFER = """mutation ($id: ID!, $input: MakeReferralInput!) { makeReferral(caseId: $id, input: $input) {
    referral { id status expiresOn target { kind name agencyId agencyKind } } } }"""
REFERRALS = """{ agencyReferrals { items { id caseId domain status expiresOn sharedFields reasonCode
    person { name phone } } } }"""
ANSWER = """mutation ($input: AnswerAgencyReferralInput!) { answerAgencyReferral(input: $input) {
    id status reasonCode } }"""
REVOKE_REFERRAL = """mutation ($id: ID!, $input: RevokeReferralInput!) { revokeReferral(caseId: $id, input: $input) {
    referral { id status reasonCode } } }"""
HISTORY = """query ($id: ID!) { history(aggregateType: CASE, aggregateId: $id) { items { eventType
    actor { userId role } } } }"""


def seed_casework(settings) -> None:
    """casework's copy of the registry's stations and staff, and at 丹阳 a household with a disability and an
    elderly case (the head consented to sharing with a disabled persons' federation); at 京口 one case."""
    cw = Casework(CaseworkRepository(storage.database("casework")))
    for envelope in fx.registry_events():
        if envelope["type"] == "station.registered":
            inbound.record_station(cw, envelope["payload"], envelope["occurred_at"])
        else:
            inbound.record_staff_joined(cw, envelope["payload"])
    household = households.register_household(cw, WORKER, fx.elderly_household())
    head = household["members"][0]["person_id"]
    shared = consent.record_consent(cw, WORKER, household["id"], {
        "expected_version": household["version"], "person_id": head, "legal_basis": "consent",
        "purposes": ["referral_sharing"], "recipient_kinds": ["disabled_persons_federation"],
        "given_by": {"person_id": head}, "given_on": clock.today().isoformat()})
    opened = {domain: cases.open_case(cw, WORKER, {
        "household_id": household["id"], "person_id": head, "domain": domain, "source": "needs_assessment",
        "summary": "康复与照护需求", "assigned_staff_id": fx.WORKER}) for domain in ("disability", "elderly")}
    other = households.register_household(cw, JINGKOU_WORKER, fx.elderly_household(
        2, station_id=fx.OTHER_STATION, community_code=f"{fx.OTHER_TOWNSHIP}201"))
    jingkou = cases.open_case(cw, JINGKOU_WORKER, {
        "household_id": other["id"], "person_id": other["members"][0]["person_id"], "domain": "disability",
        "source": "needs_assessment", "summary": "康复需求", "assigned_staff_id": "stf_other"})
    seed_casework.ids = {"disability": opened["disability"]["id"], "elderly": opened["elderly"]["id"],  # type: ignore
                         "jingkou": jingkou["id"], "consent": shared["consent_id"], "name": fx.elderly_household()[
                             "members"][0]["name"]}


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    with gateway_platform(mongo_server, rabbit_vhost, IdentityService, CaseworkService, before_start=seed_casework,
                          client_certificate_header=CERTIFICATE_HEADER) as platform:
        platform.ids.update(seed_casework.ids)  # type: ignore[attr-defined]
        platform.mint("admin", "admin", "admin-1")
        platform.mint("worker", "station_staff", fx.WORKER, station_ids=[fx.STATION])
        platform.mint("jingkou_worker", "station_staff", "stf_other", station_ids=[fx.OTHER_STATION])
        platform.mint("county", "county", "county-1", region=fx.COUNTY)
        federation = platform.ok(REGISTER_AGENCY, {"input": {"name": "丹阳市残疾人联合会",
                                                             "kind": "DISABLED_PERSONS_FEDERATION",
                                                             "regionCode": fx.COUNTY}}, "admin")["registerAgency"]
        elsewhere = platform.ok(REGISTER_AGENCY, {"input": {"name": "京口区残疾人联合会",
                                                            "kind": "DISABLED_PERSONS_FEDERATION",
                                                            "regionCode": "321102"}}, "admin")["registerAgency"]
        agencies = storage.database("casework")["agencies"]
        wait_for(lambda: agencies.count_documents({}) == 2, timeout=30)  # learnt from identity's events
        platform.ids.update(agency=federation["id"], other_agency=elsewhere["id"])
        made = refer(platform, "worker", platform.ids["disability"], federation["id"], shares=True)
        platform.ids["made"] = made
        refer(platform, "worker", platform.ids["elderly"], federation["id"])  # outside the client's domains
        refer(platform, "jingkou_worker", platform.ids["jingkou"], elsewhere["id"])
        created = platform.ok(CREATE_CLIENT, {"input": {"agencyId": federation["id"], "name": "残联转介系统",
                                                        "scopes": {"domains": ["DISABILITY"],
                                                                   "fieldsAllowed": ["NAME"],
                                                                   "mutations": ["ANSWER_REFERRAL"]}}},
                              "admin")["createAgencyClient"]
        platform.ids.update(client=created["clientId"], secret=created["clientSecret"], created=created["client"])
        yield platform


def refer(platform: PlatformClient, token: str, case_id: str, agency_id: str, shares: bool = False) -> dict:
    version = platform.ok(CASE_VERSION, {"id": case_id}, token)["case"]["version"]
    referral = {"expectedVersion": version, "target": {"kind": "AGENCY", "agencyId": agency_id},
                "serviceRequested": "康复评估与辅具适配", "madeOn": clock.today().isoformat(),
                "sharesPersonalData": shares}
    if shares:
        referral["sharingBasis"] = {"kind": "CONSENT", "consentId": platform.ids["consent"]}
    return platform.ok(REFER, {"id": case_id, "input": referral}, token)["makeReferral"]["referral"]


def token_request(platform: PlatformClient, client_id: str, secret: str, basic: bool = True,
                  **form) -> requests.Response:
    data = {"grant_type": "client_credentials", **form}
    headers = {}
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    else:
        data.update(client_id=client_id, client_secret=secret)
    return requests.post(f"{platform.base_url}/auth/token", data=data, headers=headers, timeout=30)


def client_token(platform: PlatformClient, **form) -> str:
    answer = token_request(platform, platform.ids["client"], platform.ids["secret"], **form)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def codes(body: dict) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


def test_a_referral_names_the_registered_agency_and_its_deadline(platform):
    made = platform.ids["made"]
    assert made["target"] == {"kind": "AGENCY", "name": "丹阳市残疾人联合会", "agencyId": platform.ids["agency"],
                              "agencyKind": "DISABLED_PERSONS_FEDERATION"}
    assert made["status"] == "SENT" and made["expiresOn"] == (clock.today() + timedelta(days=14)).isoformat()


def test_the_client_is_made_with_its_scopes_and_its_secret_shown_once(platform):
    created = platform.ids["created"]
    assert created["status"] == "ACTIVE" and created["scopes"]["regions"] == [fx.COUNTY]
    stored = storage.database("identity")["agency_clients"].find_one({"_id": platform.ids["client"]})
    assert platform.ids["secret"] not in repr(stored)


def test_the_client_sees_only_its_referrals_in_its_region_and_answers_one(platform):
    token = client_token(platform)
    items = platform.ok(REFERRALS, token=token)["agencyReferrals"]["items"]
    assert [(item["caseId"], item["domain"]) for item in items] == [(platform.ids["disability"], "DISABILITY")]
    (referral,) = items
    assert referral["sharedFields"] == ["name"] and referral["person"] == {"name": platform.ids["name"],
                                                                          "phone": None}
    answered = platform.ok(ANSWER, {"input": {"caseId": referral["caseId"], "referralId": referral["id"],
                                              "status": "DECLINED", "reasonCode": "NO_CAPACITY"}},
                           token)["answerAgencyReferral"]
    assert (answered["status"], answered["reasonCode"]) == ("DECLINED", "no_capacity")

    def answered_in_history():
        items = platform.ok(HISTORY, {"id": referral["caseId"]}, "county")["history"]["items"]
        return [i for i in items if i["eventType"] == "referral.answered"]
    (entry,) = wait_for(answered_in_history, timeout=30)
    assert entry["actor"]["role"] == "agency"
    # casework's part of the one access log (the gateway's merged log also asks services not running here)
    log = list(storage.database("casework")["access_log"].find({"user_id": platform.ids["client"]}))
    assert {(e["action"], e["role"]) for e in log} == {("agency_read_referral", "agency"),
                                                      ("agency_answer_referral", "agency"), ("agency_call", "agency")}
    assert ["name"] in [e["fields"] for e in log]  # the read names the personal-data field it showed


def test_nothing_outside_the_clients_scopes(platform):
    token = client_token(platform, basic=False)  # client_secret_post
    body = platform.gql("{ stations { totalCount } }", token=token)
    assert codes(body) == {"OUT_OF_SCOPE"} and "data" not in body
    version = platform.ok(CASE_VERSION, {"id": platform.ids["disability"]}, "worker")["case"]["version"]
    wider = platform.gql(REFER, {"id": platform.ids["disability"], "input": {
        "expectedVersion": version, "target": {"kind": "AGENCY", "agencyId": platform.ids["agency"]},
        "serviceRequested": "x", "madeOn": clock.today().isoformat(), "sharesPersonalData": False}}, token)
    assert codes(wider) == {"OUT_OF_SCOPE"}
    narrow = client_token(platform, scope=f"region:{fx.COUNTY} domain:disability")  # without the mutation
    refused = platform.gql(ANSWER, {"input": {"caseId": "c", "referralId": "r", "status": "ACCEPTED"}}, narrow)
    assert codes(refused) == {"OUT_OF_SCOPE"}
    more = token_request(platform, platform.ids["client"], platform.ids["secret"], scope="mutation:import_roster")
    assert more.status_code == 400 and more.json()["error"] == "invalid_scope"


AGENCY_CALLS = """query ($client: String!) {
  personalDataAccessLog(userId: $client, service: CASEWORK, first: 100) { items {
    service action subjectId outcome agencyId reason role regionCode } } }"""


def test_every_agency_call_is_in_the_access_log_refusals_included(platform):
    token = client_token(platform)
    assert codes(platform.gql("{ households { totalCount } }", token=token)) == {"OUT_OF_SCOPE"}
    platform.ok(REFERRALS, token=token)
    narrow = client_token(platform, scope=f"region:{fx.COUNTY} domain:disability")  # without the mutation
    platform.gql(ANSWER, {"input": {"caseId": "c", "referralId": "r", "status": "ACCEPTED"}}, narrow)

    def calls() -> list[dict]:
        items = platform.ok(AGENCY_CALLS, {"client": platform.ids["client"]}, "county")["personalDataAccessLog"]
        return [item for item in items["items"] if item["action"] == "agency_call"]
    wait_for(lambda: {"households", "answerAgencyReferral"} <= {c["subjectId"] for c in calls()
                                                                if c["outcome"] == "refused"}, timeout=30)
    logged = calls()
    households = next(c for c in logged if c["subjectId"] == "households")
    assert households == {"service": "CASEWORK", "action": "agency_call", "subjectId": "households",
                          "outcome": "refused", "agencyId": platform.ids["agency"],
                          "reason": "an agency client may not ask for households", "role": "agency",
                          "regionCode": fx.COUNTY}
    assert any(c["subjectId"] == "agencyReferrals" and c["outcome"] == "answered" for c in logged)
    # the agency works in 丹阳: another county's officials do not see its calls
    platform.mint("jingkou_county", "county", "county-2", region="321102")
    elsewhere = platform.ok(AGENCY_CALLS, {"client": platform.ids["client"]}, "jingkou_county")
    assert elsewhere["personalDataAccessLog"]["items"] == []


def test_the_station_revokes_a_referral_and_the_agency_sees_it_revoked(platform):
    made = refer(platform, "worker", platform.ids["disability"], platform.ids["agency"])
    version = platform.ok(CASE_VERSION, {"id": platform.ids["disability"]}, "worker")["case"]["version"]
    revoked = platform.ok(REVOKE_REFERRAL, {"id": platform.ids["disability"], "input": {
        "expectedVersion": version, "referralId": made["id"], "reasonCode": "SENT_IN_ERROR"}},
        "worker")["revokeReferral"]["referral"]
    assert revoked["status"] == "REVOKED"
    items = platform.ok(REFERRALS, token=client_token(platform))["agencyReferrals"]["items"]
    assert {item["id"]: item["status"] for item in items}[made["id"]] == "REVOKED"


def test_a_certificate_client_authenticates_with_the_forwarded_certificate_and_its_token_is_bound_to_it(platform):
    pem = self_signed_pem()
    made = platform.ok(CREATE_CLIENT, {"input": {"agencyId": platform.ids["agency"], "name": "残联证书客户端",
                                                 "scopes": {"domains": ["DISABILITY"]}, "certificatePem": pem}},
                       "admin")["createAgencyClient"]
    assert made["clientSecret"] is None

    def ask(certificate: str) -> requests.Response:
        return requests.post(f"{platform.base_url}/auth/token", timeout=30, headers={
            CERTIFICATE_HEADER: urllib.parse.quote(certificate)}, data={"grant_type": "client_credentials",
                                                                          "client_id": made["clientId"]})
    answer = ask(pem)
    assert answer.status_code == 200, answer.text
    bound = answer.json()["access_token"]
    assert ask(self_signed_pem()).status_code == 401  # another certificate

    def referrals(certificate: str | None) -> requests.Response:
        forwarded = {CERTIFICATE_HEADER: urllib.parse.quote(certificate)} if certificate else {}
        return platform.post(REFERRALS, token=bound, headers=forwarded)
    shown = referrals(pem)
    assert shown.status_code == 200 and shown.json()["data"]["agencyReferrals"]["items"], shown.text
    # RFC 8705 §3: the token is bound to the certificate; without it, or with another one, it is refused
    for presented in (None, self_signed_pem()):
        refused = referrals(presented)
        assert refused.status_code == 401 and codes(refused.json()) == {"UNAUTHENTICATED"}
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_a_rotated_out_or_revoked_secret_is_refused(platform):
    rotated = platform.ok(ROTATE, {"id": platform.ids["client"], "hours": 0}, "admin")["rotateAgencyClientSecret"]
    assert len(rotated["client"]["secrets"]) == 1
    old = token_request(platform, platform.ids["client"], platform.ids["secret"])
    assert old.status_code == 401 and old.json()["error"] == "invalid_client"
    assert token_request(platform, platform.ids["client"], rotated["clientSecret"]).status_code == 200
    platform.ids["secret"] = rotated["clientSecret"]
    assert platform.ok(REVOKE, {"id": platform.ids["client"]}, "admin")["revokeAgencyClient"]["status"] == "REVOKED"
    revoked = token_request(platform, platform.ids["client"], rotated["clientSecret"], basic=False)
    assert revoked.status_code == 401 and revoked.json()["error"] == "invalid_client"
