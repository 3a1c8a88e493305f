"""Roster imports by a registered agency's own client (issue 13) through the real gateway, identity, registry and
casework (real broker, wire-protocol store, HTTP): a client granted the 低保 roster of 丹阳 uploads it with its
client-credentials token, follows it with `rosterImport(id)` and downloads the masked report; another source,
another region and a client without the scope are refused; every call, refusals included, is in the access log."""
from __future__ import annotations

import csv
import io
import time
from datetime import date

import pytest
import requests

from services.casework.service import CaseworkService
from services.common import storage
from services.identity.service import IdentityService
from services.registry.service import RegistryService
from tests.integration.test_gateway_casework import DANYANG, JINGKOU, REGISTER, household_input, seed_registry
from tests.support import casework_fixtures as fx
from tests.support.platform_client import PlatformClient, gateway_platform
from tests.support.waiting import wait_for

ELDER = fx.id_number(date(1944, 5, 6), 1)
REGISTER_AGENCY = """mutation ($input: RegisterAgencyInput!) { registerAgency(input: $input) { id } }"""
CREATE_CLIENT = """mutation ($input: CreateAgencyClientInput!) { createAgencyClient(input: $input) {
    clientId clientSecret client { scopes { regions mutations rosterSources } } } }"""
PROGRESS = """query ($id: ID!) { rosterImport(id: $id) { id status totalRows matched failed createdBy } }"""


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    with gateway_platform(mongo_server, rabbit_vhost, IdentityService, RegistryService, CaseworkService,
                          reference_data=True) as platform:
        platform.mint("admin", "admin", "ops")
        platform.mint("danyang", "county", "danyang-official", region=DANYANG)
        seed_registry(platform)
        elder = platform.ok(REGISTER, {"input": household_input(fx.elderly_household(1))}, "worker")
        platform.ids["elder"] = elder["registerHousehold"]["household"]["id"]
        agency = platform.ok(REGISTER_AGENCY, {"input": {"name": "丹阳市民政局社会救助科",
                                                         "kind": "CIVIL_AFFAIRS_SOCIAL_ASSISTANCE",
                                                         "regionCode": DANYANG}}, "admin")["registerAgency"]
        for key, scopes in (("importer", {"mutations": ["IMPORT_ROSTER"], "rosterSources": ["DIBAO"]}),
                            ("reader", {"domains": ["SOCIAL_ASSISTANCE"]})):
            made = platform.ok(CREATE_CLIENT, {"input": {"agencyId": agency["id"], "name": f"名册系统 {key}",
                                                         "scopes": scopes}}, "admin")["createAgencyClient"]
            platform.ids[key] = made["clientId"]
            platform.tokens[key] = client_token(platform, made["clientId"], made["clientSecret"])
            platform.ids[f"{key}_scopes"] = made["client"]["scopes"]
        yield platform


def client_token(platform: PlatformClient, client_id: str, secret: str) -> str:
    answer = requests.post(f"{platform.base_url}/auth/token", auth=(client_id, secret),
                           data={"grant_type": "client_credentials"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def roster_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "姓名", "身份证号", "村(社区)代码", "村(社区)", "家庭住址", "纳入低保日期"])
    writer.writerow([1, "张德明", ELDER, "", "", "", "2023-04-01"])
    writer.writerow([2, "王错号", "321181199001011234", "", "", "", ""])
    return out.getvalue().encode("utf-8-sig")


def upload(platform: PlatformClient, token: str, source: str = "dibao", **params) -> requests.Response:
    return requests.post(f"{platform.base_url}/rosters/{source}/imports", params={"filename": "低保.csv", **params},
                         data=roster_file(), headers={"Content-Type": "text/csv", **platform.bearer(token)},
                         timeout=60)


def test_the_client_is_granted_the_source_it_imports(platform):
    assert platform.ids["importer_scopes"] == {"regions": [DANYANG], "mutations": ["IMPORT_ROSTER"],
                                               "rosterSources": ["DIBAO"]}


def test_an_agency_client_imports_its_roster_follows_it_and_reads_its_report(platform):
    started = upload(platform, "importer")
    assert started.status_code == 202, started.text
    job = started.json()["data"]
    assert job["region_code"] == DANYANG and job["created_by"] == platform.ids["importer"]
    deadline = time.monotonic() + 30
    while True:
        seen = platform.ok(PROGRESS, {"id": job["id"]}, "importer")["rosterImport"]
        if seen["status"] == "COMPLETED" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (seen["status"], seen["totalRows"], seen["matched"], seen["failed"]) == ("COMPLETED", 2, 1, 1)
    report = requests.get(f"{platform.base_url}/rosters/imports/{job['id']}/report.csv",
                          headers=platform.bearer("importer"), timeout=30)
    assert report.status_code == 200 and "matched" in report.text and ELDER not in report.text
    elder = storage.database("casework").households.find_one({"_id": platform.ids["elder"]})
    assert elder["members"][0]["rosters"]["dibao"]["status"] == "listed"
    platform.ids["job"] = job["id"]


def test_another_source_another_region_or_no_scope_is_refused_and_every_call_is_logged(platform):
    for refused in (upload(platform, "importer", "tekun"), upload(platform, "importer", region=JINGKOU),
                    upload(platform, "reader")):
        assert refused.status_code == 403, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    body = platform.gql(PROGRESS, {"id": platform.ids.get("job", "ri-x")}, "reader")
    assert {e["extensions"]["code"] for e in body["errors"]} == {"OUT_OF_SCOPE"} and "data" not in body
    log = storage.database("casework")["access_log"]

    def calls(client: str) -> set[tuple[str, str]]:
        return {(e["subject_id"], e["outcome"]) for e in log.find({"user_id": platform.ids[client],
                                                                   "action": "agency_call"})}
    wait_for(lambda: ("rosterImport", "refused") in calls("reader"), timeout=30)
    assert {("POST /rosters/tekun/imports", "refused"), ("POST /rosters/dibao/imports", "refused")} <= calls("importer")
    assert ("POST /rosters/dibao/imports", "answered") in calls("importer")
    assert ("rosterImport", "answered") in calls("importer")
    assert ("POST /rosters/dibao/imports", "refused") in calls("reader")
