"""The dashboard page (`/dashboard`, issue 12): a read-only application for the officials who supervise
the stations. It is plain ES modules under gateway/static/dashboard/ plus vendored ECharts, with no build
step; everything it shows comes from the public GraphQL API with the user's own token, so it can see
exactly what that token may see and nothing more.

The modules import each other by bare names ("dashboard/data.js") that an import map resolves to their
content-hashed URLs: that is how hashed, year-cached files and plain `import` statements fit together
without a bundler. The page itself is small and never cached, so a new version reaches browsers at once.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json

from .assets import ASSETS, url_for
from .http import HttpResponse

MODULE_DIR = "dashboard/"
ENTRY_MODULE = "dashboard/app.js"
PAGE_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def import_map() -> dict:
    return {"imports": {name: asset.url for name, asset in ASSETS.items()
                        if name.startswith(MODULE_DIR) and name.endswith(".js")}}


def _import_map_json() -> str:
    return json.dumps(import_map(), ensure_ascii=False, indent=1)


def content_security_policy(import_map_json: str) -> str:
    """Only the gateway's own files and API: a stray CDN reference fails in the browser as well as in the
    tests. Inline scripts stay forbidden; the one inline element, the import map, is allowed by its hash.
    Inline styles are allowed because ECharts positions its tooltips with them."""
    digest = base64.b64encode(hashlib.sha256(import_map_json.encode()).digest()).decode()
    return ("default-src 'self'; script-src 'self' 'sha256-" + digest + "'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'none'")


def _page(imports: str) -> str:
    # Every module at once rather than import by import (a waterfall of round trips); ECharts loads in
    # parallel and does not hold up the figures, which need no chart (charts.js waits for it).
    preloads = "\n".join(f'  <link rel="modulepreload" href="{html.escape(url)}">'
                         for url in import_map()["imports"].values())
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>社工站监管看板</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{html.escape(url_for('dashboard/dashboard.css'))}">
  <script type="importmap">{imports}</script>
{preloads}
  <script src="{html.escape(url_for('echarts/echarts.common.min.js'))}" async data-echarts></script>
  <script type="module" src="{html.escape(url_for(ENTRY_MODULE))}"></script>
</head>
<body>
  <div id="app" aria-live="polite"></div>
  <noscript>本看板需要启用 JavaScript。</noscript>
</body>
</html>
"""


_IMPORT_MAP = _import_map_json()
DASHBOARD_PAGE = _page(_IMPORT_MAP)
CONTENT_SECURITY_POLICY = content_security_policy(_IMPORT_MAP)


def page_response() -> HttpResponse:
    return HttpResponse(200, {**PAGE_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}, DASHBOARD_PAGE)
