"""The dashboard's 报表 panel in Debian's headless Chromium, nothing but the gateway reachable (run as a
subprocess, like tests/support/dashboard_browser.py, whose confined Session it uses):

    python -m tests.support.reports_browser GATEWAY_URL '{"token": "...", "region": "321181", "download_dir": "..."}'

Signs in through the token field, opens #/reports/REGION, reads the listed reports and downloads the first
one's workbook through its button; with "station", opens that station's page and downloads its evaluation
pack; prints one JSON report.
"""
from __future__ import annotations

import json
import sys

from tests.support.browser import _origin
from tests.support.dashboard_browser import TIMEOUT_MS, Session


def reports_panel(session: Session, args: dict) -> dict:
    session.sign_in(args["token"], f"#/reports/{args['region']}")
    page = session.page
    rows = page.evaluate("""() => [...document.querySelectorAll('#reports tbody tr[data-report]')].map(tr => ({
        id: tr.dataset.report,
        ...Object.fromEntries([...tr.querySelectorAll('td[data-column]')]
            .map(td => [td.dataset.column, td.textContent]))
    }))""")
    link = page.get_attribute("a.nav-reports", "href")
    result = {"rows": rows, "link": link, "empty": page.locator("#reports tbody td[colspan]").count()}
    if rows:
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.click(f"#reports tr[data-report='{rows[0]['id']}'] button[data-format=XLSX]")
        path = f"{args['download_dir']}/report.xlsx"
        download.value.save_as(path)
        result["xlsx"] = {"path": path, "suggested": download.value.suggested_filename}
    if args.get("station"):
        session.go(f"#/station/{args['station']}")
        button = page.locator("[data-role=evaluation-pack]")
        result["pack_button"] = button.count()
        if result["pack_button"]:
            with page.expect_download(timeout=TIMEOUT_MS) as download:
                button.click()
            path = f"{args['download_dir']}/evaluation-pack.pdf"
            download.value.save_as(path)
            result["pack"] = {"path": path, "suggested": download.value.suggested_filename}
    return result


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    args = json.loads(argv[1])
    with sync_playwright() as playwright:
        session = Session(playwright, _origin(argv[0]))
        try:
            result = reports_panel(session, args)
        finally:
            session.close()
    print(json.dumps(session.report(**result), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
