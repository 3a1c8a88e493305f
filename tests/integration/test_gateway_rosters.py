"""Roster imports (issue 13) through the gateway, with the real casework and registry services, broker and store:
a county official uploads a small 低保 file over HTTP, follows its progress with `rosterImport(id)` while the
casework timer applies it, downloads the masked row-by-row report, and a second upload of the same file
changes nothing."""
from __future__ import annotations

import csv
import io
import time
from datetime import date

import pytest
import requests

from services.casework.service import CaseworkService
from services.common import storage
from services.registry.service import RegistryService
from tests.integration.test_gateway_casework import DANYANG, JINGKOU, REGISTER, household_input, seed_registry
from tests.support import casework_fixtures as fx
from tests.support.platform_client import gateway_platform

ELDER = fx.id_number(date(1944, 5, 6), 1)
NEWCOMER = fx.id_number(date(1970, 2, 3), 7)
PROGRESS = """query ($id: ID!) { rosterImport(id: $id) { id status totalRows rowsRead matched unchanged created
    flagged failed left removalApplied chunksDone chunkCount
    rows(outcome: CREATED) { totalCount items { row outcome nameMasked idNumberMasked householdId } } } }"""
MAPPING = """mutation ($input: SaveRosterMappingInput!) { saveRosterMapping(input: $input) {
    mapping { source regionCode saved columns { field header } } } }"""


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    with gateway_platform(mongo_server, rabbit_vhost, RegistryService, CaseworkService,
                          reference_data=True) as platform:
        platform.mint("admin", "admin", "ops")
        platform.mint("danyang", "county", "danyang-official", region=DANYANG)
        platform.mint("jingkou", "county", "jingkou-official", region=JINGKOU)
        seed_registry(platform)
        elder = platform.ok(REGISTER, {"input": household_input(fx.elderly_household(1))}, "worker")
        platform.ids["elder"] = elder["registerHousehold"]["household"]["id"]
        yield platform


def roster_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "姓名", "身份证号", "村(社区)代码", "村(社区)", "家庭住址", "纳入低保日期"])
    writer.writerow([1, "张德明", ELDER, "", "", "", "2023-04-01"])
    writer.writerow([2, "李新来", NEWCOMER, fx.COMMUNITY, "三里村", "三里村9组1号", ""])
    writer.writerow([3, "王错号", "321181199001011234", "", "", "", ""])
    return out.getvalue().encode("utf-8-sig")


def upload(platform, token: str | None, content: bytes) -> requests.Response:
    return requests.post(f"{platform.base_url}/rosters/dibao/imports", params={"filename": "丹阳低保.csv"},
                         data=content, headers={"Content-Type": "text/csv", **platform.bearer(token)}, timeout=60)


def until_completed(platform, import_id: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        job = platform.ok(PROGRESS, {"id": import_id}, "danyang")["rosterImport"]
        if job["status"] == "COMPLETED" or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_an_upload_runs_in_the_background_with_progress_a_report_and_a_rerun_changes_nothing(platform):
    started = upload(platform, "danyang", roster_file())
    assert started.status_code == 202, started.text
    job = started.json()["data"]
    assert job["total_rows"] == 3 and job["status"] == "running" and job["chunk_count"] == 1
    done = until_completed(platform, job["id"])
    assert done["status"] == "COMPLETED", done
    assert (done["rowsRead"], done["matched"], done["created"], done["failed"]) == (3, 1, 1, 1)
    assert done["chunksDone"] == done["chunkCount"] == 1
    assert done["removalApplied"] is False  # row 4 has no readable ID number: nobody is marked as having left
    [created] = done["rows"]["items"]
    assert created["row"] == 3 and created["nameMasked"] == "李*来" and NEWCOMER not in created["idNumberMasked"]

    report = requests.get(f"{platform.base_url}/rosters/imports/{job['id']}/report.csv",
                          headers=platform.bearer("danyang"), timeout=30)
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 4 and "matched" in lines[1] and "failed" in lines[3] and "check digit" in lines[3]
    assert ELDER not in report.text and "张德明" not in report.text

    db = storage.database("casework")
    households, version = db.households.count_documents({}), db.households.find_one(
        {"_id": platform.ids["elder"]})["_version"]
    again = upload(platform, "danyang", roster_file())
    assert again.status_code == 202 and again.json()["data"]["id"] == job["id"]
    time.sleep(1.5)  # a timer tick: nothing is left to apply
    assert until_completed(platform, job["id"])["matched"] == 1
    assert db.households.count_documents({}) == households
    assert db.households.find_one({"_id": platform.ids["elder"]})["_version"] == version


def test_another_county_sees_no_import_and_anonymous_uploads_are_refused(platform):
    job = upload(platform, "danyang", roster_file()).json()["data"]
    assert platform.ok(PROGRESS, {"id": job["id"]}, "jingkou")["rosterImport"] is None
    report = requests.get(f"{platform.base_url}/rosters/imports/{job['id']}/report.csv",
                          headers=platform.bearer("jingkou"), timeout=30)
    assert report.status_code == 404
    assert upload(platform, None, roster_file()).status_code == 401
    bad = upload(platform, "danyang", "姓名\n张德明\n".encode())
    assert bad.status_code == 400 and "身份证号" in bad.text


def test_a_county_saves_its_mapping_for_a_source(platform):
    saved = platform.ok(MAPPING, {"input": {"source": "TEKUN", "columns": [
        {"field": "NAME", "header": "供养人员姓名"}, {"field": "ID_NUMBER", "header": "公民身份号码"}]}},
        "danyang")["saveRosterMapping"]["mapping"]
    assert saved["saved"] and saved["regionCode"] == DANYANG
    read = platform.ok("""{ rosterMapping(source: TEKUN) { saved columns { field header } } }""", None, "danyang")
    assert {"field": "ID_NUMBER", "header": "公民身份号码"} in read["rosterMapping"]["columns"]
    other = platform.ok("""{ rosterMapping(source: TEKUN) { saved } }""", None, "jingkou")
    assert other["rosterMapping"]["saved"] is False
