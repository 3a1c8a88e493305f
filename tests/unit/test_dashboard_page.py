"""The dashboard page and its modules, checked without a browser: every query the dashboard sends is valid
against the schema and within the gateway's limits (a too costly query is refused as a whole, and the
page shows nothing), every module it imports is in the import map, and the page names only the gateway's
own files, allowed by its Content-Security-Policy."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode

from gateway import assets, dashboard
from gateway.guards import GuardLimits, QueryGuard
from gateway.schema import COST_MODEL, schema
from services.common.config import Settings

STATIC = Path(assets.STATIC_DIR) / "dashboard"
DATA_MODULE = (STATIC / "data.js").read_text(encoding="utf-8")
# How the two queries built per period repeat their field: (alias variable, values) for the expansion.
EXPANSIONS = {"DashboardComplianceTrend": ("d", [f"2026-{m:02d}-28" for m in range(1, 7)]),
              "DashboardOutcomes": ("y", [2024, 2025, 2026]),
              "DashboardProtectedTrend": ("p.month", list(range(7, 13)))}


def _queries() -> dict[str, str]:
    found = {}
    for match in re.finditer(r"request\(`((?:query|mutation) (Dashboard\w+)[^`]*)`", DATA_MODULE):
        text, name = match.group(1), match.group(2)
        text = text.replace("${STATION_PAGE}", "50").replace("${SESSION_PAGE}", "50")
        text = text.replace("${ALERT_FIELDS}", re.search(r"const ALERT_FIELDS = `([^`]*)`", DATA_MODULE).group(1))
        if "${fields.join" in text:
            before = DATA_MODULE[:match.start()]
            template = re.findall(r"const fields = \w+\.map\(\([^)]*\) => `([^`]*)`\)", before)[-1]
            variable, values = EXPANSIONS[name]
            expanded = "\n".join(template.replace("${i}", str(i)).replace("${p.year}", "2026")
                                 .replace("${" + variable + "}", str(v)) for i, v in enumerate(values))
            text = re.sub(r"\$\{fields\.join\([^)]*\)\}", lambda _, joined=expanded: joined, text)
        assert "${" not in text, f"{name}: an interpolation the test does not expand"
        found[name] = text
    return found


QUERIES = _queries()


def test_the_data_module_sends_the_queries_this_test_checks():
    assert len(QUERIES) == len(re.findall(r"await request\(", DATA_MODULE)) >= 11


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_dashboard_query_is_valid_and_within_the_gateway_limits(name):
    defaults = Settings()
    guard = QueryGuard(schema.graphql_schema, GuardLimits.from_settings(defaults), COST_MODEL)
    prepared = guard.prepare(QUERIES[name])
    assert prepared.valid, [e.message for e in prepared.errors]
    operation = next(d for d in prepared.document.definitions if isinstance(d, OperationDefinitionNode))
    measure, refusal = guard.measure(prepared, operation, {})
    assert refusal is None and measure.cost <= defaults.graphql_max_cost, measure


def test_every_module_import_resolves_through_the_import_map():
    mapped = dashboard.import_map()["imports"]
    for module in STATIC.glob("*.js"):
        for specifier in re.findall(r'^import .*? from "([^"]+)";', module.read_text(encoding="utf-8"), re.M):
            assert specifier in mapped, f"{module.name} imports {specifier}, which the import map lacks"
    for url in mapped.values():
        assert assets._BY_URL.get(url), url


def test_the_page_names_only_hashed_gateway_files_and_its_policy_allows_the_import_map():
    response = dashboard.page_response()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-cache"
    page = response.body
    assert "http://" not in page and "https://" not in page
    urls = [u for u in re.findall(r'(?:href|src)="([^"]+)"', page) if u != "data:,"]  # the empty favicon
    assert len(urls) == len(dashboard.import_map()["imports"]) + 3  # modules preloaded, styles, ECharts, entry
    for url in urls:
        assert assets._BY_URL.get(url), url
    import_map = re.search(r'<script type="importmap">(.*?)</script>', page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in policy and "default-src 'self'" in policy and "unsafe-inline' ;" not in policy
    assert re.search(r"script-src 'self' 'sha256-[^']+';", policy)  # no inline scripts besides the map


def test_every_label_key_the_modules_use_exists_in_the_chinese_messages():
    messages = set(re.findall(r'^\s*"([\w.]+)":', (STATIC / "messages.zh-CN.js").read_text(encoding="utf-8"), re.M)
                   + re.findall(r'"([\w.]+)": "', (STATIC / "messages.zh-CN.js").read_text(encoding="utf-8")))
    for module in STATIC.glob("*.js"):
        for key in re.findall(r'\bt\("([\w.]+)"', module.read_text(encoding="utf-8")):
            assert key in messages, f"{module.name} uses label {key!r}, missing from messages.zh-CN.js"


@pytest.mark.parametrize("accept, compressed", [("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.8", True),
                                                (None, False), ("identity", False), ("gzip;q=0", False)])
def test_scripts_go_gzip_compressed_to_browsers_that_accept_it(accept, compressed):
    import gzip
    name = "echarts/echarts.common.min.js"
    response = assets.response(assets.url_for(name)[len(assets.URL_PREFIX):], accept)
    original = (assets.STATIC_DIR / name).read_bytes()
    assert response.headers["Vary"] == "Accept-Encoding" and "immutable" in response.headers["Cache-Control"]
    if compressed:
        assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(response.data) == original
        assert len(response.data) < len(original) / 2
    else:
        assert "Content-Encoding" not in response.headers and response.data == original
