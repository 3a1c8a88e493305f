"""The dashboard's 预警 feed and 督导 view in Debian's headless Chromium, nothing but the gateway reachable (a
subprocess, like tests/support/dashboard_browser.py, whose confined Session it uses):

    python -m tests.support.alerts_browser GATEWAY_URL '{"token": "...", "staff_token": "...", "region": "321181"}'

It talks to the test on stdin/stdout, one JSON object a line, because the test makes things happen while
the page stays open: it prints {"step": "acknowledged", ...} once it acknowledged an alert through the feed
and saw the feed change, then waits for a line {"alert_id": "..."} (an alert the test raised meanwhile) and
waits for that alert to appear without a reload; then it opens the 督导 view and reads the follow-ups, and
opens the feed with the station-staff token. The last line is the report.
"""
from __future__ import annotations

import json
import sys

from tests.support.browser import _origin
from tests.support.dashboard_browser import TIMEOUT_MS, Session, launch

ROWS = """() => [...document.querySelectorAll('#alerts tbody tr[data-alert]')].map(tr => ({
    id: tr.dataset.alert, status: tr.dataset.status, severity: tr.dataset.severity, station: tr.dataset.station,
    fresh: tr.classList.contains('fresh'), rule: tr.querySelector('[data-column=rule]').textContent,
    note: tr.querySelector('[data-role=ack-note]')?.textContent || null}))"""


def say(message: dict) -> None:
    print(json.dumps(message, ensure_ascii=False), flush=True)


def feed(session: Session, args: dict) -> dict:
    session.sign_in(args["token"], "#/alerts")
    page = session.page
    page.wait_for_selector("[data-role=live][data-state=open]", timeout=TIMEOUT_MS)
    before = page.evaluate(ROWS)
    target = next(r for r in before if r["status"] == "OPEN")
    row = f"#alerts tr[data-alert='{target['id']}']"
    page.fill(f"{row} [data-role=note]", "已电话联系站点，今日上门")
    page.click(f"{row} button[data-action=acknowledge]")
    page.wait_for_selector(f"{row}[data-status=ACKNOWLEDGED]", timeout=TIMEOUT_MS)
    after_ack = page.evaluate(ROWS)
    page.evaluate("() => { window.__sameDocument = true; }")
    say({"step": "acknowledged", "alert_id": target["id"]})

    pushed = json.loads(sys.stdin.readline())
    page.wait_for_selector(f"#alerts tr[data-alert='{pushed['alert_id']}']", timeout=20_000)
    live = {"rows": page.evaluate(ROWS), "same_document": page.evaluate("() => window.__sameDocument === true"),
            "navigations": page.evaluate("() => performance.getEntriesByType('navigation').length"),
            "last_event": page.get_attribute("#alerts", "data-last-event")}

    session.go(f"#/supervision/{args['region']}")
    follow_ups = page.evaluate("""() => [...document.querySelectorAll('#follow-ups tbody tr[data-follow-up]')]
        .map(tr => ({id: tr.dataset.followUp, status: tr.dataset.status,
                     cells: [...tr.children].map(td => td.textContent)}))""")
    calendar = page.evaluate("""() => [...document.querySelectorAll('#calendar [data-session]')]
        .map(a => ({id: a.dataset.session, text: a.textContent}))""")
    return {"acknowledged": target["id"], "before": before, "after_ack": after_ack, "live": live,
            "follow_ups": follow_ups, "calendar": calendar}


def staff_feed(session: Session, args: dict) -> dict:
    session.sign_in(args["staff_token"], "#/alerts")
    return {"rows": session.page.evaluate(ROWS),
            "total": session.page.get_attribute("#alerts [data-role=total]", "data-value")}


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    gateway, args = _origin(argv[0]), json.loads(argv[1])
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            reports = {}
            for name, scenario in (("county", feed), ("staff", staff_feed)):
                session = Session(playwright, gateway, browser=browser)
                try:
                    reports[name] = session.report(**scenario(session, args))
                finally:
                    session.close()
        finally:
            browser.close()
    say(reports)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
