"""Drive the dashboard in Debian's headless Chromium, with nothing but the gateway reachable.

Like tests/support/browser.py it runs as a subprocess (Playwright's sync API does not work under the test
processes' eventlet monkey-patching) and prints one JSON report. Each scenario signs in through the
token field as a user would and reports what the page shows, read from the DOM:

    python -m tests.support.dashboard_browser SCENARIO GATEWAY_URL '{"token": "...", ...}'

`several` takes {"SCENARIO": {...}, ...} and runs them in one browser. Scenarios: `county` (figures,
station table filtered and sorted, exported), `drill` (city → county → station),
`station` (a station-staff token opening its own station and another one), `load` (first-load timing for
the benchmark), `screenshot` (a PNG of the view).
"""
from __future__ import annotations

import json
import sys
import time

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, _origin

TIMEOUT_MS = 60_000
READY = "main#view[data-ready='true']"


class Session:
    """One browser context confined to the gateway, recording every request that tried to leave it."""

    def __init__(self, playwright, gateway: str, viewport=(1280, 720), browser=None):
        self.gateway = gateway
        self.left_the_gateway: list[str] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.responses: list[dict] = []
        self.own_browser = browser is None
        self.browser = browser or launch(playwright)
        self.context = self.browser.new_context(service_workers="block", accept_downloads=True,
                                                viewport={"width": viewport[0], "height": viewport[1]})
        self.context.route("**/*", self._only_the_gateway)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", self._record)

    def _only_the_gateway(self, route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or _origin(url) == self.gateway:
            route.continue_()
        else:
            self.left_the_gateway.append(url)
            route.abort("blockedbyclient")

    def _record(self, response):
        try:
            size = int(response.headers.get("content-length") or 0)
        except ValueError:
            size = 0
        self.responses.append({"url": response.url, "status": response.status, "bytes": size,
                               "encoding": response.headers.get("content-encoding")})

    def sign_in(self, token: str, hash_route: str = "") -> None:
        self.page.goto(f"{self.gateway}/dashboard{hash_route}", timeout=TIMEOUT_MS, wait_until="load")
        self.page.fill("#token", token, timeout=TIMEOUT_MS)
        self.page.click("#token-form button[type=submit]")
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_selector(READY, timeout=TIMEOUT_MS)

    def go(self, hash_route: str) -> None:
        self.page.evaluate("() => { const v = document.querySelector('main#view'); if (v) v.dataset.ready = 'stale'; }")
        self.page.evaluate("h => { location.hash = h; }", hash_route)
        self.wait_ready()

    def figures(self) -> dict:
        return self.page.evaluate("""() => Object.fromEntries(
            [...document.querySelectorAll('.figure[data-figure]')].map(f => [f.dataset.figure, {
                                     value: f.dataset.value === undefined ? null : Number(f.dataset.value),
                                     state: f.dataset.state || 'loading',
                                     text: f.querySelector('[data-role=value]').textContent,
                                     detail: f.querySelector('[data-role=detail]')?.textContent ?? ''}]))""")

    def table(self, table_id: str) -> dict:
        return self.page.evaluate("""id => {
            const t = document.getElementById(id);
            if (!t) return null;
            const keys = [...t.querySelectorAll('thead th')].map(th => th.dataset.key);
            const rows = [...t.querySelectorAll('tbody tr')].map(tr =>
                Object.fromEntries([...tr.children].map((td, i) => [keys[i], td.textContent])));
            return {keys, rows, count: t.querySelector('[data-role=count]').textContent};
        }""", table_id)

    def report(self, **extra) -> dict:
        return {"left_the_gateway": self.left_the_gateway, "page_errors": self.page_errors,
                "console_errors": self.console_errors, "failed": self.failed, **extra}

    def close(self) -> None:
        if self.own_browser:
            self.browser.close()
        else:
            self.context.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def county(session: Session, args: dict) -> dict:
    session.sign_in(args["token"])
    page = session.page
    page.wait_for_selector("#station-table tbody tr", timeout=TIMEOUT_MS)
    result = {"region": page.get_attribute("[data-role=region-name]", "data-code"),
              "figures": session.figures(), "all": session.table("station-table")}
    page.fill("#station-table .table-filter", args["filter"])
    result["filtered"] = session.table("station-table")
    page.fill("#station-table .table-filter", "")
    page.select_option("#station-table select[data-filter=compliance]", "NOT_MET")
    result["not_met"] = session.table("station-table")
    page.select_option("#station-table select[data-filter=compliance]", "")
    page.click("#station-table th[data-key=households]")
    result["ascending"] = session.table("station-table")
    page.click("#station-table th[data-key=households]")
    result["descending"] = session.table("station-table")
    result["aria_sort"] = page.get_attribute("#station-table th[data-key=households]", "aria-sort")
    for fmt in ("xlsx", "csv"):
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.click(f".exports[data-export=stations] button[data-format={fmt}]")
        path = f"{args['download_dir']}/stations.{fmt}"
        download.value.save_as(path)
        result[fmt] = {"path": path, "suggested": download.value.suggested_filename}
    return result


def drill(session: Session, args: dict) -> dict:
    session.sign_in(args["token"])
    page = session.page
    trail = [{"region": page.get_attribute("[data-role=region-name]", "data-code")}]
    page.click(f"[data-figure={args.get('figure', 'cases')}]")
    trail.append({"children_sorted_by": page.get_attribute("#child-table th[aria-sort=descending]", "data-key")})
    page.click(f"#child-table tbody tr:has-text('{args['county_name']}')")
    page.wait_for_function("code => document.querySelector('[data-role=region-name]')?.dataset.code === code",
                           arg=args["county_code"], timeout=TIMEOUT_MS)
    session.wait_ready()
    trail.append({"region": page.get_attribute("[data-role=region-name]", "data-code"), "figures": session.figures()})
    page.wait_for_selector("#station-table tbody tr", timeout=TIMEOUT_MS)
    page.click(f"#station-table tbody tr:has-text('{args['station_name']}')")
    page.wait_for_selector("[data-role=station-name]", timeout=TIMEOUT_MS)
    session.wait_ready()
    trail.append({"station": page.get_attribute("[data-role=station-name]", "data-station"),
                  "name": page.text_content("[data-role=station-name]"), "staff": session.table("staff-table"),
                  "rules": session.table("rule-table")})
    return {"trail": trail}


def station(session: Session, args: dict) -> dict:
    session.sign_in(args["token"])
    page = session.page
    own = {"station": page.get_attribute("[data-role=station-name]", "data-station"),
           "staff": session.table("staff-table")}
    session.go(f"#/station/{args['other']}")
    other = {"not_found": page.locator("[data-role=not-found]").count() == 1,
             "station_name": page.locator("[data-role=station-name]").count()}
    session.go(f"#/region/{args['other_county']}")
    region = {"figures": session.figures(), "stations": session.table("station-table")}
    return {"own": own, "other": other, "region": region}


def load(session: Session, args: dict) -> dict:
    """First load: time to the first figure with a number and to every figure and the station table."""
    page = session.page
    page.add_init_script(f"sessionStorage.setItem('shegong.dashboard.token', {json.dumps(args['token'])})")
    started = time.perf_counter()
    page.goto(f"{session.gateway}/dashboard", timeout=TIMEOUT_MS, wait_until="commit")
    page.wait_for_selector(".figure[data-state=ok]", timeout=TIMEOUT_MS)
    first_figure = time.perf_counter() - started
    session.wait_ready()
    interactive = time.perf_counter() - started
    timeline = page.evaluate("""() => [...performance.getEntriesByType('navigation'),
                                        ...performance.getEntriesByType('resource')].map(e => ({
        name: e.name.split('/').pop().slice(0, 40), start: Math.round(e.startTime),
        end: Math.round(e.responseEnd), bytes: e.encodedBodySize || 0}))""")
    return {"first_figure_s": first_figure, "interactive_s": interactive, "timeline": timeline,
            "transfer_bytes": sum(r["bytes"] for r in session.responses), "responses": session.responses}


def screenshot(session: Session, args: dict) -> dict:
    session.sign_in(args["token"], args.get("route", ""))
    if args.get("wait_for"):  # e.g. "#rollups[data-ready]": a part drawn after the view is ready
        session.page.wait_for_selector(args["wait_for"], timeout=TIMEOUT_MS)
    session.page.wait_for_timeout(800)  # let the charts finish their short animation
    session.page.screenshot(path=args["path"], full_page=args.get("full_page", False))
    return {"path": args["path"]}


SCENARIOS = {"county": county, "drill": drill, "station": station, "load": load, "screenshot": screenshot}


def several(playwright, gateway: str, scenarios: dict) -> dict:
    """Several scenarios, each in a fresh context (its own storage and routes) of one browser: one
    Chromium start instead of one per scenario."""
    browser = launch(playwright)
    reports = {}
    try:
        for name, args in scenarios.items():
            session = Session(playwright, gateway, tuple(args.get("viewport", (1280, 720))), browser)
            try:
                reports[name] = session.report(**SCENARIOS[name](session, args))
            finally:
                session.close()
    finally:
        browser.close()
    return reports


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in (*SCENARIOS, "several"):
        print(__doc__, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args = json.loads(argv[2])
    with sync_playwright() as playwright:
        if argv[0] == "several":
            print(json.dumps(several(playwright, _origin(argv[1]), args), ensure_ascii=False))
            return 0
        session = Session(playwright, _origin(argv[1]), tuple(args.get("viewport", (1280, 720))))
        try:
            result = SCENARIOS[argv[0]](session, args)
        finally:
            session.close()
    print(json.dumps(session.report(**result), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
