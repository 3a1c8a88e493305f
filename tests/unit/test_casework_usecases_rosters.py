"""Roster imports (issue 13): mapping, matching by the ID number's blind index and the name, new households,
flags, removal marking, idempotent re-runs and re-delivered chunks, on the in-memory store."""
from __future__ import annotations

import base64
import csv
import io
import json
from datetime import date

import pytest
from openpyxl import Workbook

from services.casework.usecases import households, roster_imports, roster_rows
from services.common.auth import Viewer
from services.common.errors import NotFound, OutOfScope, PermissionDenied, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import COUNTY, OTHER_COUNTY, WORKER, casework, event_types

HEADERS = ["序号", "姓名", "身份证号", "村(社区)代码", "村(社区)", "家庭住址", "纳入低保日期"]
ELDER = fx.id_number(date(1944, 5, 6), 1)  # 张德明 of the fixtures
NEWCOMER = fx.id_number(date(1970, 2, 3), 7)
OTHER = fx.id_number(date(1980, 8, 9), 8)


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def start(cw, content: bytes, source="dibao", viewer=COUNTY, filename="低保名册.csv") -> dict:
    return roster_imports.start_roster_import(cw, viewer, {
        "source": source, "filename": filename, "content": base64.b64encode(content).decode()})


def run(cw, content: bytes, **kwargs) -> dict:
    job = start(cw, content, **kwargs)
    roster_rows.work_on_roster_imports(cw, 1000)
    return roster_imports.get_roster_imports(cw, kwargs.get("viewer", COUNTY), [job["id"]])[0]


def rows_of(cw, job, viewer=COUNTY) -> list[dict]:
    return roster_imports.roster_import_rows(cw, viewer, job["id"], {"limit": 500})["items"]


def elder_household(cw) -> dict:
    return households.register_household(cw, WORKER, fx.elderly_household())


def test_rows_are_matched_created_flagged_and_failed_with_reasons_and_progress():
    cw = casework()
    elder = elder_household(cw)
    job = run(cw, csv_bytes([
        [1, "张德明", ELDER, "", "", "", "2023-04-01"],
        [2, "李新来", NEWCOMER, fx.COMMUNITY, "三里村", "三里村9组1号", ""],
        [3, "王某", OTHER, "", "", "", ""],
        [4, "赵名字", "321181199001011234", "", "", "", ""],
        [5, "张得明", fx.id_number(date(1950, 1, 1), 9), "", "", "", ""],
    ]))
    assert job["status"] == "completed" and job["total_rows"] == 5 and job["rows_read"] == 5
    assert (job["matched"], job["created"], job["flagged"], job["failed"]) == (1, 1, 2, 1)
    outcomes = {r["row"]: r for r in rows_of(cw, job)}
    assert outcomes[2]["outcome"] == "matched" and outcomes[2]["change"] == "added"
    assert outcomes[2]["name_masked"] == "张*明" and "*" in outcomes[2]["id_number_masked"]
    assert outcomes[3]["outcome"] == "created" and outcomes[3]["household_id"]
    assert outcomes[4]["outcome"] == "flagged" and outcomes[4]["field"] == "community_code"
    assert outcomes[5]["outcome"] == "failed" and "check digit" in outcomes[5]["reason"]
    updated = households.get_households(cw, COUNTY, [elder["id"]])[0]
    assert "minimum_living_guarantee" in updated["members"][0]["tags"]
    stored = cw.repo.households.get(elder["id"])["members"][0]["rosters"]["dibao"]
    assert stored["status"] == "listed" and stored["since"] == "2023-04-01"
    assert event_types(cw, elder["id"])[-1] == "person.listed_on_roster"
    assert event_types(cw, outcomes[3]["household_id"]) == ["household.registered", "person.listed_on_roster"]
    created = cw.repo.households.get(outcomes[3]["household_id"])
    assert created["station_id"] == fx.STATION and created["groups"] == ["minimum_living_guarantee"]


def test_a_known_number_with_another_name_or_a_likely_duplicate_is_flagged_and_nothing_is_written():
    cw = casework()
    elder = elder_household(cw)
    twin = households.register_household(cw, WORKER, {**fx.elderly_household(2), "members": [
        {"name": "钱无证", "relationship": "head", "birth_date": "1950-03-04", "sex": "male", "tags": []}]})
    job = run(cw, csv_bytes([[1, "张三", ELDER, "", "", "", ""],
                             [2, "钱无证", fx.id_number(date(1950, 3, 4), 11), fx.COMMUNITY, "", "", ""]]))
    first, second = rows_of(cw, job)
    assert first["outcome"] == "flagged" and first["field"] == "name" and "张*" in first["reason"]
    assert second["outcome"] == "flagged" and second["household_id"] == twin["id"]
    assert cw.repo.households.get(elder["id"])["_version"] == elder["version"]


def test_the_same_file_again_is_the_same_job_and_the_same_rows_in_another_file_change_nothing():
    cw = casework()
    elder = elder_household(cw)
    rows = [[1, "张德明", ELDER, "", "", "", ""], [2, "李新来", NEWCOMER, fx.COMMUNITY, "三里村", "", ""]]
    first = run(cw, csv_bytes(rows))
    version = cw.repo.households.get(elder["id"])["_version"]
    count = cw.repo.households.collection.count_documents({})
    again = run(cw, csv_bytes(rows))
    assert again["id"] == first["id"] and again["created"] == 1
    reordered = run(cw, csv_bytes(list(reversed(rows))), filename="低保名册（重存）.csv")
    assert reordered["id"] != first["id"]
    assert (reordered["unchanged"], reordered["matched"], reordered["created"]) == (2, 0, 0)
    assert cw.repo.households.get(elder["id"])["_version"] == version
    assert cw.repo.households.collection.count_documents({}) == count
    assert event_types(cw, elder["id"]).count("person.listed_on_roster") == 1


def test_a_redelivered_chunk_has_no_second_effect():
    cw = casework()
    elder = elder_household(cw)
    job = start(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", ""],
                               [2, "李新来", NEWCOMER, fx.COMMUNITY, "", "", ""]]))
    stored = cw.repo.roster_imports.get(job["id"])
    # a crash after the rows were applied, before their outcomes and the job were recorded: the chunk comes again
    chunk = cw.repo.roster_chunks.get(job["id"], 0)
    roster_rows.apply_rows(cw, stored, json.loads(cw.cipher.decrypt(chunk["rows_encrypted"])))
    roster_rows.process_next_chunk(cw, stored)
    roster_rows.process_next_chunk(cw, stored)  # and once more, by a worker that read the job before
    done = roster_imports.get_roster_imports(cw, COUNTY, [job["id"]])[0]
    assert done["status"] == "completed" and done["unchanged"] == 2 and done["rows_read"] == 2
    assert event_types(cw, elder["id"]).count("person.listed_on_roster") == 1
    assert cw.repo.households.collection.count_documents({}) == 2


def test_people_absent_from_a_complete_file_are_marked_as_having_left_with_the_date():
    cw = casework()
    elder = elder_household(cw)
    run(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", ""], [2, "李新来", NEWCOMER, fx.COMMUNITY, "", "", ""]]))
    unreadable = run(cw, csv_bytes([[1, "李新来", NEWCOMER, "", "", "", ""], [2, "无号", "", "", "", "", ""]]))
    assert unreadable["left"] == 0 and unreadable["removal_applied"] is False and "1 rows" in unreadable["removal_note"]
    later = run(cw, csv_bytes([[1, "李新来", NEWCOMER, "", "", "", ""]]), filename="二月.csv")
    assert later["left"] == 1 and later["removal_applied"] is True
    member = cw.repo.households.get(elder["id"])["members"][0]
    assert member["rosters"]["dibao"]["status"] == "left"
    assert member["rosters"]["dibao"]["left_on"] == cw.today().isoformat()
    assert "minimum_living_guarantee" not in member["tags"] and "extreme_poverty" in member["tags"]
    assert event_types(cw, elder["id"])[-1] == "person.left_roster"
    assert run(cw, csv_bytes([[1, "李新来", NEWCOMER, "", "", "", ""], [2, "#", "", "", "", "", ""]]),
               filename="三月.csv")["left"] == 0
    relisted = run(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", ""]]), filename="四月.csv")
    assert rows_of(cw, relisted)[0]["change"] == "relisted"


def test_a_household_outside_the_importers_region_is_refused_per_row_and_stations_do_not_import():
    cw = casework()
    elder_household(cw)
    job = run(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", ""],
                             [2, "李新来", NEWCOMER, fx.COMMUNITY, "", "", ""]]), viewer=OTHER_COUNTY)
    first, second = rows_of(cw, job, OTHER_COUNTY)
    assert first["outcome"] == "failed" and "outside your region" in first["reason"]
    assert second["outcome"] == "failed" and "outside your region" in second["reason"]
    with pytest.raises(PermissionDenied):
        start(cw, csv_bytes([]), viewer=WORKER)
    assert roster_imports.get_roster_imports(cw, COUNTY, [job["id"]]) == [None]


def test_a_saved_mapping_reads_other_headers_and_the_disability_list_records_category_and_grade():
    cw = casework()
    elder = elder_household(cw)
    mapping = roster_imports.save_roster_mapping(cw, COUNTY, {"source": "disability", "columns": [
        {"field": "name", "header": "残疾人姓名"}, {"field": "id_number", "header": "证件号码"},
        {"field": "disability_category", "header": "类别"}, {"field": "disability_grade", "header": "等级"}]})
    assert mapping["saved"] and mapping["region_code"] == fx.COUNTY
    job = run(cw, csv_bytes([["张德明", ELDER, "肢体", "二级"]], headers=["残疾人姓名", "证件号码", "类别", "等级"]),
              source="disability")
    assert job["matched"] == 1
    member = cw.repo.households.get(elder["id"])["members"][0]
    assert json.loads(cw.cipher.decrypt(member["disability_encrypted"])) == {"category": "physical", "grade": 2}
    with pytest.raises(ValidationFailed) as caught:
        roster_imports.save_roster_mapping(cw, COUNTY, {"source": "disability", "columns": [
            {"field": "name", "header": "姓名"}, {"field": "id_number", "header": "身份证号"}]})
    assert "columns.disability_category" in caught.value.details
    assert roster_imports.roster_mapping(cw, COUNTY, "tekun")["saved"] is False


def test_files_are_read_as_csv_with_a_bom_gbk_csv_and_xlsx_and_a_missing_column_is_named():
    cw = casework()
    elder_household(cw)
    gbk = run(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", "2023年4月1日"]], encoding="gbk"), filename="gbk.csv")
    assert gbk["encoding"] == "gb18030" and gbk["matched"] == 1
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([1, "李新来", NEWCOMER, int(fx.COMMUNITY), "三里村", "", date(2024, 1, 2)])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = run(cw, buffer.getvalue(), source="tekun", filename="特困.xlsx")
    assert xlsx["encoding"] == "xlsx" and xlsx["created"] == 1
    with pytest.raises(ValidationFailed) as caught:
        start(cw, csv_bytes([["张德明"]], headers=["姓名"]), filename="bad.csv")
    assert "身份证号" in caught.value.details["file"][0]
    with pytest.raises(ValidationFailed):
        start(cw, b"\xff\xfe\x00garbage\x80\x81", filename="x.xlsx")


def test_the_report_is_a_masked_csv_and_its_download_is_logged():
    cw = casework()
    elder_household(cw)
    job = run(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", ""]]))
    report = roster_imports.roster_import_report(cw, COUNTY, job["id"])
    text = base64.b64decode(report["content"]).decode("utf-8-sig")
    assert ELDER not in text and "张德明" not in text and "张*明" in text and "matched" in text
    assert cw.repo.access_log.entries(COUNTY, subject_id=job["id"])


def test_the_age_rules_of_a_roster_fail_the_row():
    cw = casework()
    job = run(cw, csv_bytes([["李新来", NEWCOMER, fx.COMMUNITY]], headers=["姓名", "身份证号", "村(社区)代码"]),
              source="elderly_alone")
    [row] = rows_of(cw, job)
    assert row["outcome"] == "failed" and "60" in row["reason"]


def test_the_same_person_twice_in_a_file_is_applied_once_even_across_chunks(monkeypatch):
    monkeypatch.setattr(roster_imports, "CHUNK_ROWS", 1)
    cw = casework()
    elder = elder_household(cw)
    job = run(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", "2023-04-01"], [2, "张德明", ELDER, "", "", "", ""]]))
    assert job["chunk_count"] == 2 and (job["matched"], job["failed"]) == (1, 1)
    assert rows_of(cw, job)[1]["reason"] == "the same ID number is on row 2"
    assert cw.repo.households.get(elder["id"])["members"][0]["rosters"]["dibao"]["since"] == "2023-04-01"


def roster_agency(agency_id="ag-civil-affairs", regions=("321181",), sources=("dibao",),
                  mutations=("import_roster",)) -> Viewer:
    scopes = ([f"region:{r}" for r in regions] + [f"roster:{s}" for s in sources]
              + [f"mutation:{m}" for m in mutations])
    return Viewer(user_id="agc-roster", role="agency", region="321181", agency_id=agency_id, scopes=tuple(scopes))


def test_an_agency_client_imports_a_source_its_scopes_name_in_its_regions_and_follows_its_import():
    cw = casework()
    elder = elder_household(cw)
    agency = roster_agency()
    job = start(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", "2023-04-01"]]), viewer=agency)
    assert job["region_code"] == "321181" and job["created_by"] == "agc-roster"  # its only region by default
    roster_rows.work_on_roster_imports(cw, 1000)
    (seen,) = roster_imports.get_roster_imports(cw, agency, [job["id"]])
    assert seen["status"] == "completed" and seen["matched"] == 1
    assert roster_imports.roster_import_rows(cw, agency, job["id"], {"limit": 10})["items"][0]["outcome"] == "matched"
    report = roster_imports.roster_import_report(cw, agency, job["id"])
    assert ELDER not in base64.b64decode(report["content"]).decode("utf-8-sig")
    stored = cw.repo.households.get(elder["id"])["members"][0]["rosters"]["dibao"]
    assert stored["status"] == "listed"
    assert event_types(cw, elder["id"])[-1] == "person.listed_on_roster"
    # the county sees the agency's import of its region; another agency, even with the same scopes, does not
    assert roster_imports.get_roster_imports(cw, COUNTY, [job["id"]])[0]["id"] == job["id"]
    assert roster_imports.get_roster_imports(cw, roster_agency(agency_id="ag-other"), [job["id"]]) == [None]
    with pytest.raises(NotFound):
        roster_imports.roster_import_report(cw, roster_agency(sources=("tekun",)), job["id"])


@pytest.mark.parametrize(("agency", "region", "refused"), [
    (roster_agency(mutations=()), None, OutOfScope),                       # no roster-import scope
    (roster_agency(sources=("tekun",)), None, OutOfScope),                 # another source
    (roster_agency(), "321102", OutOfScope),                               # a region its scopes do not cover
    (roster_agency(regions=("321181001", "321181002")), None, ValidationFailed),  # which region: say it
])
def test_an_agency_client_is_refused_a_roster_its_scopes_do_not_name(agency, region, refused):
    cw = casework()
    with pytest.raises(refused):
        roster_imports.start_roster_import(cw, agency, {
            "source": "dibao", "region": region, "filename": "低保名册.csv",
            "content": base64.b64encode(csv_bytes([[1, "张德明", ELDER, "", "", "", ""]])).decode()})


def test_an_agency_clients_import_of_a_township_writes_only_there():
    cw = casework()
    elder_household(cw)  # at 云阳街道 (321181001)
    agency = roster_agency(regions=(fx.TOWNSHIP[:6] + "002",))
    job = start(cw, csv_bytes([[1, "张德明", ELDER, "", "", "", ""]]), viewer=agency)
    roster_rows.work_on_roster_imports(cw, 1000)
    (seen,) = roster_imports.get_roster_imports(cw, agency, [job["id"]])
    assert (seen["status"], seen["matched"], seen["failed"]) == ("completed", 0, 1)
    (row,) = roster_imports.roster_import_rows(cw, agency, job["id"], {"limit": 10})["items"]
    assert "outside your region" in row["reason"]
