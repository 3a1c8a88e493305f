"""Sign in to the dashboard with a user name and password in Debian's headless Chromium, then sign out;
prints one JSON report (run as a subprocess: Playwright's sync API does not work under eventlet):

    python -m tests.support.identity_browser GATEWAY_URL '{"username": "...", "password": "..."}'
"""
from __future__ import annotations

import json
import sys

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

TIMEOUT_MS = 60_000


def main(gateway: str, credentials: dict) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(service_workers="block").new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{gateway}/dashboard", timeout=TIMEOUT_MS, wait_until="load")
        page.fill("#signin-password", "not-the-password", timeout=TIMEOUT_MS)
        page.fill("#signin-username", credentials["username"])
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#signin-form .error:not([hidden])", timeout=TIMEOUT_MS)
        refused = page.text_content("#signin-form .error")
        page.fill("#signin-password", credentials["password"])
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("[data-role=viewer]", timeout=TIMEOUT_MS)
        viewer = page.text_content("[data-role=viewer]")
        refresh = page.evaluate("() => sessionStorage.getItem('shegong.dashboard.refresh')")
        page.click(".top-bar .viewer button")
        page.wait_for_selector("#signin-form", timeout=TIMEOUT_MS)
        left = page.evaluate("() => [sessionStorage.getItem('shegong.dashboard.token'),"
                             " sessionStorage.getItem('shegong.dashboard.refresh')]")
        browser.close()
        return {"refused": refused, "viewer": viewer, "refresh_token": refresh, "left_after_sign_out": left,
                "page_errors": errors}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2])), ensure_ascii=False))
