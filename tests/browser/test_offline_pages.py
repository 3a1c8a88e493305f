"""Every page the gateway serves works with no network beyond the gateway (issue 12, "Nothing from a CDN").

A real gateway process (`shegong service gateway`) and Debian's headless Chromium; the browser may reach
the gateway's origin and nothing else, and the test fails on any request that tried to leave it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.infrastructure import free_port
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
YEAR = "max-age=31536000"


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory, rabbit_vhost):
    port = free_port()
    log = tmp_path_factory.mktemp("gateway") / "gateway.log"
    env = {**os.environ, "AMQP_URI": rabbit_vhost, "SHEGONG_HTTP_PORT": str(port), "SHEGONG_ENV": "development"}
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "shegong", "service", "gateway"], env=env, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT)

    def live():
        try:
            return requests.get(f"http://127.0.0.1:{port}/health/live", timeout=2).status_code == 200
        except requests.RequestException:
            return process.poll() is not None
    wait_for(live, timeout=90, interval=0.3)
    assert process.poll() is None, log.read_text()
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def test_graphiql_loads_and_runs_a_query_with_nothing_but_the_gateway_reachable(gateway_url):
    assert CHROMIUM.exists(), "run scripts/ensure-chromium.sh (make test does)"
    driver = subprocess.run([sys.executable, "-m", "tests.support.browser", "graphiql", f"{gateway_url}/graphql",
                             "{ __typename }"], cwd=ROOT, capture_output=True, text=True, timeout=150)
    assert driver.returncode == 0, driver.stderr[-3000:]
    report = json.loads(driver.stdout)

    assert report["left_the_gateway"] == []
    assert report["failed"] == [] and report["page_errors"] == []
    assert report["response"]["data"] == {"__typename": "Query"}
    assets = [r for r in report["served"] if "/static/" in r["url"]]
    assert {Path(r["url"]).name.split(".")[0] for r in assets} >= {"graphiql", "react", "react-dom", "start"}
    assert all(r["status"] == 200 and YEAR in r["cache_control"] for r in assets), assets


def test_the_page_names_its_files_by_content_and_only_those_urls_serve_them(gateway_url):
    page = requests.get(f"{gateway_url}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-cache"
    assert "https://" not in page.text and "http://" not in page.text
    script = next(line.split('"')[1] for line in page.text.splitlines() if "/static/graphiql/graphiql." in line
                  and ".min.js" in line)
    digest = Path(script).name.split(".")[1]
    served = requests.get(gateway_url + script, timeout=30)
    vendored = (ROOT / "gateway/static/graphiql/graphiql.min.js").read_bytes()
    assert served.content == vendored and "immutable" in served.headers["Cache-Control"]
    assert served.headers["Content-Type"].startswith("text/javascript")
    assert requests.get(f"{gateway_url}/static/graphiql/graphiql.min.js", timeout=10).status_code == 404
    licence = requests.get(f"{gateway_url}/static/graphiql/LICENSE.{digest}.graphiql.txt", timeout=10)
    assert licence.status_code == 404  # another file's hash: a URL names one content only
