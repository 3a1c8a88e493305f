"""Drive Debian's Chromium with Playwright in a process of its own, with nothing but the gateway reachable.

The test processes run under eventlet's monkey-patching (tests/conftest.py), where Playwright's sync API
does not work, so a test runs this module as a subprocess and reads the JSON it prints. It never
downloads a browser: it starts /usr/bin/chromium (scripts/ensure-chromium.sh installs it).

    python -m tests.support.browser graphiql http://127.0.0.1:PORT/graphql '{ __typename }'
"""
from __future__ import annotations

import json
import sys
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]
TIMEOUT_MS = 60_000


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def run_graphiql_query(page_url: str, query: str) -> dict:
    """Open GraphiQL at page_url, run `query` from its editor; report the response and every outside request."""
    from playwright.sync_api import sync_playwright

    gateway = _origin(page_url)
    left_the_gateway: list[str] = []
    served: list[dict] = []
    failed: list[str] = []
    page_errors: list[str] = []

    def only_the_gateway(route):
        url = route.request.url
        if url.startswith("data:") or _origin(url) == gateway:
            route.continue_()
        else:
            left_the_gateway.append(url)
            route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(service_workers="block")
            context.route("**/*", only_the_gateway)
            page = context.new_page()
            page.on("response", lambda r: served.append(
                {"url": r.url, "status": r.status, "cache_control": r.headers.get("cache-control")}))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(page_url, timeout=TIMEOUT_MS, wait_until="load")
            page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=TIMEOUT_MS)
            page.evaluate("q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
                          query)
            page.click(".graphiql-execute-button", timeout=TIMEOUT_MS)
            page.wait_for_function(
                "() => { const r = document.querySelector('.graphiql-response .CodeMirror');"
                " return r && r.CodeMirror.getValue().trim().startsWith('{'); }", timeout=TIMEOUT_MS)
            response_text = page.evaluate(
                "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()")
            title = page.title()
        finally:
            browser.close()
    return {"title": title, "response": json.loads(response_text), "left_the_gateway": left_the_gateway,
            "served": served, "failed": failed, "page_errors": page_errors}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "graphiql":
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(run_graphiql_query(argv[1], argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
