"""The dashboard's 报表 panel in Debian's headless Chromium (issue 12): a county official sees their
county's kept reports, not another county's, and the workbook the panel downloads is the one the API lists,
its figures the roll-up's; a station page's 评估材料 button downloads the station's evaluation pack. The
services run in the test process (registry, casework, supervision, funding, gateway on the test broker and
store); the browser may reach the gateway and nothing else."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from gateway.service import GatewayService
from services.common import clock
from services.common.auth import mint_token
from services.common.clock import FrozenClock
from services.funding.service import FundingService
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.report_files import pdf_pages, workbook_cells
from tests.support.supervision_fixtures import (
    ADMIN,
    COUNTY,
    STATION,
    own_port,
    producers_running,
    wait_until_caught_up,
)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


def browse(url: str, args: dict) -> dict:
    driver = subprocess.run([sys.executable, "-m", "tests.support.reports_browser", url, json.dumps(args)],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert driver.returncode == 0, driver.stderr[-4000:]
    return json.loads(driver.stdout)


@pytest.mark.timeout(400)
def test_the_reports_panel_lists_the_countys_reports_and_downloads_the_workbook(isolated_settings, tmp_path):
    assert CHROMIUM.exists(), "run scripts/ensure-chromium.sh (make test does)"
    county = mint_token(isolated_settings.token_secret, role="county", user_id="official", region=COUNTY)
    other = mint_token(isolated_settings.token_secret, role="county", user_id="jingkou", region="321102")
    gateway = own_port(isolated_settings)
    with FrozenClock(clock.utcnow()) as frozen, producers_running(isolated_settings) as (client, _workers), \
            running(SupervisionService, FundingService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        wait_until_caught_up()
        month = clock.today().strftime("%Y-%m")
        frozen.advance(days=(clock.today().replace(day=1) + timedelta(days=32)).replace(day=2).toordinal()
                       - clock.today().toordinal())
        report = client.supervision.generate_report(ADMIN, {"region": COUNTY, "kind": "monthly", "period": month})
        url = f"http://127.0.0.1:{gateway.http_port}"

        shown = browse(url, {"token": county, "region": COUNTY, "download_dir": str(tmp_path), "station": STATION})
        elsewhere = browse(url, {"token": other, "region": "321102", "download_dir": str(tmp_path)})

        figures = requests.post(f"{url}/graphql", headers={"Authorization": f"Bearer {county}"}, timeout=60, json={
            "query": "query($r: String!, $p: PeriodInput) { supervisionRollup(region: $r, period: $p) "
                     "{ stations { registered } } }",
            "variables": {"r": COUNTY, "p": {"year": int(month[:4]), "month": int(month[5:])}}}).json()["data"]

    for report_of in (shown, elsewhere):
        assert report_of["left_the_gateway"] == [] and report_of["page_errors"] == [], report_of
    assert shown["link"] == f"#/reports/{COUNTY}"
    assert [(r["id"], r["period"], r["kind"], r["region"]) for r in shown["rows"]] == [
        (report["id"], month, "月报", "丹阳市")]
    assert shown["xlsx"]["suggested"] == f"丹阳市{month}月报.xlsx"
    rows = {r[0].value: r[1].value for r in workbook_cells(Path(shown["xlsx"]["path"]).read_bytes(),
                                                           "主要指标").iter_rows(min_row=2)}
    assert rows["登记站点数"] == figures["supervisionRollup"]["stations"]["registered"] == 1
    assert elsewhere["rows"] == [] and elsewhere["empty"] == 1
    assert shown["pack_button"] == 1 and shown["pack"]["suggested"] == f"{STATION}-评估材料.pdf"
    assert "云阳街道社工站评估材料" in "\n".join(pdf_pages(Path(shown["pack"]["path"]).read_bytes()))
