"""The dashboard (issue 12) in Debian's headless Chromium against a launched platform with demo data.

The platform is `shegong run` with its own store and vhost, seeded with a slice of the demo city
(tests/support/dashboard_seed.py: the demo's own code for four townships of two counties). The browser
signs in through the token field, may reach the gateway and nothing else, and every figure it shows is
compared with what the GraphQL API answers for the same token.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from tests.support.launched_platform import LaunchedPlatform
from tests.support.platform_client import PlatformClient
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CITY, COUNTY, OTHER_COUNTY = "321100", "321181", "321182"


class Platform:
    def __init__(self, launched: LaunchedPlatform):
        self.launched = launched
        self.url = f"http://127.0.0.1:{launched.port_of('gateway')}"

    def token(self, *args: str) -> str:
        return self.launched.token(*args)

    def graphql(self, token: str, query: str, **variables) -> dict:
        return PlatformClient(f"{self.url}/graphql").ok(query, variables, token)

    def browse(self, scenarios: dict) -> dict:
        """Run the scenarios in one Chromium (a context each): one browser start for the module."""
        driver = subprocess.run([sys.executable, "-m", "tests.support.dashboard_browser", "several", self.url,
                                 json.dumps(scenarios)], cwd=ROOT, capture_output=True, text=True, timeout=400)
        assert driver.returncode == 0, driver.stderr[-4000:]
        return json.loads(driver.stdout)


def _well_behaved(report: dict) -> dict:
    assert report["left_the_gateway"] == [], report["left_the_gateway"]
    assert report["page_errors"] == [] and report["console_errors"] == [], report
    return report


def _pending_events(store_uri: str) -> int:
    from pymongo import MongoClient
    client = MongoClient(store_uri, serverSelectionTimeoutMS=5000)
    try:
        return sum(client[db][name].count_documents({"_outbox_pending": True})
                   for db in client.list_database_names() if db.endswith(("_registry", "_casework", "_volunteers",
                                                                          "_funding"))
                   for name in client[db].list_collection_names())
    finally:
        client.close()


def _rollup_caught_up(platform: Platform, token: str) -> bool:
    d = platform.graphql(token, """query($c: String!) { supervisionRollup(region: $c) { households { registered }
        cases { open } } archiveOverdueSummary(region: $c) { households } caseSummary(region: $c) { open } }""",
                         c=CITY)
    return (d["supervisionRollup"]["households"]["registered"] == d["archiveOverdueSummary"]["households"] > 0
            and d["supervisionRollup"]["cases"]["open"] == d["caseSummary"]["open"])


@pytest.fixture(scope="module")
def platform(tmp_path_factory, rabbit_vhost):
    assert CHROMIUM.exists(), "run scripts/ensure-chromium.sh (make test does)"
    launched = LaunchedPlatform(tmp_path_factory.mktemp("dashboard"), rabbit_vhost)
    launched.start("--no-seed")
    try:
        # Migrations are done once services start: seed while they boot (their relays publish what it wrote).
        launched.wait_for_console(r"starting services", timeout=120)
        store = f"mongodb://127.0.0.1:{launched.env['SHEGONG_LOCAL_STORE_PORT']}/"
        seeded = subprocess.run([sys.executable, "-m", "tests.support.dashboard_seed"], cwd=ROOT,
                                env={**launched.env, "MONGO_URI": store}, capture_output=True, text=True, timeout=240)
        assert seeded.returncode == 0, seeded.stderr[-4000:]
        launched.wait_for_console(r"Press Ctrl\+C to stop", timeout=150)
        # The read models other services keep (visits and hours in funding, stations in casework) follow
        # by events: compare figures once every outbox is relayed.
        wait_for(lambda: _pending_events(store) == 0, timeout=90, interval=0.5)
        platform = Platform(launched)
        # The headline figures come from supervision's roll-ups: wait until its read models hold the seed.
        admin = platform.token("--role", "admin")
        wait_for(lambda: _rollup_caught_up(platform, admin), timeout=90, interval=0.5)
        yield platform
    finally:
        launched.stop()


FIGURES_QUERY = """query($code: String!, $year: Int!) {
  regionRollup(code: $code) { stations operating byStatus { met notMet atRisk unknown } }
  supervisionRollup(region: $code) { households { registered currentArchive neverAssessed } cases { open }
    crisis { breaches } volunteers { hoursApproved } }
  volunteers(region: $code, first: 1) { totalCount }
  unmetNeeds(region: $code) { total }
  fundSupervision(region: $code) { total { disbursedFen } }
  costOutcome(region: $code, year: $year) { outcomes { visits } }
  stations(region: $code, first: 50) { items { name townshipCode status complianceStatus staff { employmentEnd } } }
}"""


def _api_station_households(platform: Platform, token: str, code: str) -> dict:
    d = platform.graphql(token, """query($code: String) { archiveOverdueSummary(region: $code) {
        stations { households station { name } } } }""", code=code)
    return {s["station"]["name"]: s["households"] for s in d["archiveOverdueSummary"]["stations"]}


def _api_figures(platform: Platform, token: str, code: str) -> dict:
    from datetime import date
    d = platform.graphql(token, FIGURES_QUERY, code=code, year=date.today().year)
    households, rollup = d["supervisionRollup"]["households"], d["supervisionRollup"]
    stations = d["stations"]["items"]
    return {"figures": {
        "stations": d["regionRollup"]["stations"], "compliance": d["regionRollup"]["byStatus"]["met"],
        "archives": households["registered"] - households["neverAssessed"],
        "freshness": households["currentArchive"],
        "cases": rollup["cases"]["open"], "breaches": rollup["crisis"]["breaches"],
        "volunteers": d["volunteers"]["totalCount"], "unmet": d["unmetNeeds"]["total"],
        "money": d["fundSupervision"]["total"]["disbursedFen"], "visits": d["costOutcome"]["outcomes"]["visits"],
        "staff": sum(1 for s in stations for m in s["staff"] if not m["employmentEnd"]),
        "coverage": len({s["townshipCode"] for s in stations if s["status"] == "OPERATING"}),
    }, "hours_approved": rollup["volunteers"]["hoursApproved"], "stations": stations}


@pytest.fixture(scope="module")
def browsed(platform, tmp_path_factory):
    """What the API says for each scenario's user, then the three scenarios in one browser run."""
    county_token = platform.token("--role", "county", "--region", COUNTY)
    api = _api_figures(platform, county_token, COUNTY)
    filter_for = api["stations"][1]["name"]

    city_token = platform.token("--role", "city", "--region", CITY)
    county_name = platform.graphql(city_token, "query($c: String!) { region(code: $c) { name } }",
                                   c=COUNTY)["region"]["name"]
    first = platform.graphql(city_token, """query($c: String) { stations(region: $c, first: 1) {
        items { id name staff { name idNumber employmentEnd } } } }""", c=COUNTY)["stations"]["items"][0]

    admin = platform.token("--role", "admin")
    own, other = [s["id"] for s in platform.graphql(admin, """query($c: String) {
        stations(region: $c, first: 2) { items { id } } }""", c=COUNTY)["stations"]["items"]]
    elsewhere = platform.graphql(admin, "query($c: String) { stations(region: $c, first: 1) { items { id } } }",
                                 c=OTHER_COUNTY)["stations"]["items"][0]["id"]
    staff_token = platform.token("--role", "station_staff", "--station", own)

    downloads = tmp_path_factory.mktemp("downloads")
    reports = platform.browse({
        "county": {"token": county_token, "filter": filter_for[-6:], "download_dir": str(downloads)},
        "drill": {"token": city_token, "county_name": county_name, "county_code": COUNTY,
                  "station_name": first["name"], "figure": "cases"},
        "station": {"token": staff_token, "other": other, "other_county": OTHER_COUNTY}})
    return {"county_token": county_token, "api": api, "filter_for": filter_for, "city_token": city_token,
            "first": first, "own": own, "other": other, "elsewhere": elsewhere, "reports": reports}


def test_a_county_official_sees_the_figures_the_api_gives_and_filters_sorts_and_exports_the_station_table(
        platform, browsed):
    token, api, name = browsed["county_token"], browsed["api"], browsed["filter_for"]
    assert api["figures"]["stations"] == 2 and api["figures"]["cases"] > 0  # the slice seeded what we compare
    report = _well_behaved(browsed["reports"]["county"])

    assert report["region"] == COUNTY
    shown = {key: figure["value"] for key, figure in report["figures"].items()}
    assert shown == api["figures"]
    # 本年服务时长: the volunteer hours approved this year (the seed approves some), shown to one decimal
    hours = re.fullmatch(r"本年服务时长 ([\d,.]+) 小时", report["figures"]["volunteers"]["detail"])
    assert hours and api["hours_approved"] > 0, report["figures"]["volunteers"]
    assert float(hours.group(1).replace(",", "")) == round(api["hours_approved"], 1)
    assert all(figure["state"] == "ok" for figure in report["figures"].values()), report["figures"]

    assert sorted(row["name"] for row in report["all"]["rows"]) == sorted(s["name"] for s in api["stations"])
    assert [row["name"] for row in report["filtered"]["rows"]] == [name]
    not_met = sorted(s["name"] for s in api["stations"] if s["complianceStatus"] == "NOT_MET")
    assert sorted(row["name"] for row in report["not_met"]["rows"]) == not_met
    households = [int(row["households"].replace(",", "")) for row in report["ascending"]["rows"]]
    assert households == sorted(households)
    descending = [int(row["households"].replace(",", "")) for row in report["descending"]["rows"]]
    assert descending == sorted(households, reverse=True) and report["aria_sort"] == "descending"

    # The export is the table as shown (sorted by households, descending), with typed cells equal to the API's.
    api_households = _api_station_households(platform, token, COUNTY)
    sheet = load_workbook(report["xlsx"]["path"]).active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["站点", "县（市、区）"] and "建档户数" in header
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == [r["name"] for r in report["descending"]["rows"]]
    column = header.index("建档户数")
    assert {r[0]: r[column] for r in rows} == api_households
    assert all(isinstance(r[column], int) for r in rows)
    assert report["xlsx"]["suggested"].endswith(".xlsx")
    csv_text = Path(report["csv"]["path"]).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("站点,县（市、区）") and len(csv_text.splitlines()) == len(rows) + 1

    # Each export is in the access log: who, which table, which region.
    log = platform.graphql(token, """{ viewer { userId }
        accessLog(first: 20) { userId subjectType subjectId fields reason } }""")
    exported = [e for e in log["accessLog"] if e["subjectType"] == "export" and e["subjectId"] == "stations"
                and e["userId"] == log["viewer"]["userId"]]
    assert sorted(e["reason"].split()[0] for e in exported) == ["csv", "xlsx"], log
    assert all(e["fields"] == header and f"{len(rows)} rows" in e["reason"] for e in exported)


def test_an_export_outside_the_callers_scope_is_refused_and_not_logged(platform):
    token = platform.token("--role", "county", "--region", COUNTY, "--user", "county-elsewhere")
    table = {"format": "csv", "table": "stations", "title": "扬中市站点列表", "region_code": OTHER_COUNTY,
             "columns": [{"label": "站点", "type": "text"}], "rows": [["x"]]}
    refused = requests.post(f"{platform.url}/dashboard/export", json=table, timeout=60,
                            headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = requests.post(f"{platform.url}/dashboard/export", json={**table, "region_code": COUNTY}, timeout=60)
    assert anonymous.status_code == 403
    log = platform.graphql(token, "{ viewer { userId } accessLog(first: 50) { userId } }")
    assert log["viewer"]["userId"] not in {e["userId"] for e in log["accessLog"]}


def test_drill_down_from_the_city_to_a_county_and_on_to_a_station(platform, browsed):
    token, first = browsed["city_token"], browsed["first"]
    report = _well_behaved(browsed["reports"]["drill"])

    city_view, drilled, county_view, station_view = report["trail"]
    assert city_view["region"] == CITY
    assert drilled["children_sorted_by"] == "open"
    assert county_view["region"] == COUNTY
    assert county_view["figures"]["cases"]["value"] == _api_figures(platform, token, COUNTY)["figures"]["cases"]
    assert station_view["station"] == first["id"] and station_view["name"] == first["name"]
    staff = sorted((m["name"], m["idNumber"]) for m in first["staff"] if not m["employmentEnd"])
    assert sorted((r["name"], r["idNumber"]) for r in station_view["staff"]["rows"]) == staff
    assert all("*" in id_number for _, id_number in staff)  # masked on screen as in the API
    assert len(station_view["rules"]["rows"]) == 6


def test_a_station_staff_token_sees_its_own_station_and_not_another(browsed):
    own, elsewhere = browsed["own"], browsed["elsewhere"]
    report = _well_behaved(browsed["reports"]["station"])

    assert report["own"]["station"] == own and report["own"]["staff"]["rows"]
    assert report["other"] == {"not_found": True, "station_name": 0}
    # Another county's view: no station of it, and every figure it shows counts nothing.
    assert report["region"]["stations"]["rows"] == []
    assert all(elsewhere not in json.dumps(row, ensure_ascii=False) for row in report["region"]["stations"]["rows"])
    figures = report["region"]["figures"]
    assert all(f["state"] in ("ok", "forbidden") for f in figures.values()), figures
    assert {f["value"] for f in figures.values() if f["state"] == "ok"} <= {0}, figures
