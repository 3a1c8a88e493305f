"""The open data the gateway publishes at stable URLs, for anyone, without a token.

- `/public/ocds/releases.json` — an OCDS 1.1 release package: every release of each contracting
  process on the page (its whole history), and `/public/ocds/records.json` — the record package
  (each process's releases and compiled release). Paged by contracting process in id order:
  `?limit=` (1–100, default 20), `?after=` (the cursor of the previous page), optional
  `?region=` and `?year=`. The next page is in the `Link` header (RFC 8288, rel="next"), so the
  package itself stays pure OCDS; its `uri` is the URL of the page.
- `/public/ocds/extension/extension.json`, `…/release-schema.json` — the platform's own OCDS
  extension, which the packages declare; `/public/ocds/publication-policy` — the policy text.
- `/public/asyncapi.json` — the AsyncAPI 3.0 description of every event the platform publishes
  (generated from the contracts: services/contracts/asyncapi.py).
- `/public/hsds/directory.json` — the community resource library as an HSDS 3.0 directory
  (the same as the GraphQL `resourceDirectory`), optional `?region=` / `?station_id=`.

URLs are absolute from SHEGONG_PUBLIC_URL (the address the public reaches the gateway at), never
from the request's Host header. Errors are mapped through gateway/errors.py like GraphQL's.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from urllib.parse import urlencode

from services.common.auth import ANONYMOUS
from services.contracts import disclosure

from .errors import client_error
from .http import APPLICATION_JSON, HttpResponse

OCDS_PAGE_ARGS = ("region", "year", "limit", "after")
HSDS_ARGS = ("region", "station_id")
STATUS_OF_CODE = {"BAD_USER_INPUT": 400, "NOT_FOUND": 404, "SERVICE_UNAVAILABLE": 503}
CACHE = "public, max-age=300"


def _json(status: int, body, headers: Mapping[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", "Cache-Control": CACHE,
                                 "Access-Control-Allow-Origin": "*", **(headers or {})},
                        json.dumps(body, ensure_ascii=False))


def _error(exc: BaseException) -> HttpResponse:
    error = client_error(exc)
    body = {"error": {"message": error.message, **error.extensions()}}
    return HttpResponse(STATUS_OF_CODE.get(error.code, 500), {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8"},
                        json.dumps(body, ensure_ascii=False))


def _page_url(base_url: str, path: str, args: Mapping[str, str]) -> str:
    query = urlencode([(k, args[k]) for k in OCDS_PAGE_ARGS if args.get(k)])
    return f"{base_url}{path}" + (f"?{query}" if query else "")


def _filters(args: Mapping[str, str], names: tuple[str, ...]) -> dict:
    filters: dict = {k: args[k] for k in names if args.get(k)}
    for number in ("year", "limit"):
        if number in filters:
            filters[number] = int(filters[number]) if filters[number].isdigit() else filters[number]
    return filters


def ocds_package(kind: str, args: Mapping[str, str], funding, base_url: str) -> HttpResponse:
    """`kind` is "releases" or "records"."""
    path = f"/public/ocds/{kind}.json"
    try:
        call = funding.ocds_release_package if kind == "releases" else funding.ocds_record_package
        page = call(ANONYMOUS.to_dict(), {**_filters(args, OCDS_PAGE_ARGS), "uri": _page_url(base_url, path, args),
                                          "base_url": base_url})
    except Exception as exc:  # noqa: BLE001 - every failure goes through the one mapping
        return _error(exc)
    headers = {}
    if page["next_cursor"]:
        headers["Link"] = f'<{_page_url(base_url, path, {**args, "after": page["next_cursor"]})}>; rel="next"'
    headers["X-Total-Count"] = str(page["total"])
    return _json(200, page["package"], headers)


def ocds_extension_file(name: str) -> HttpResponse:
    content = disclosure.own_extension_file(name)
    if content is None:
        return _json(404, {"error": {"message": f"no file {name} in the extension", "code": "NOT_FOUND"}})
    return _json(200, content)


def event_description() -> HttpResponse:
    """The committed AsyncAPI document, as it is (tests keep it equal to what the contracts generate)."""
    text = resources.files(__package__).joinpath("asyncapi.json").read_text(encoding="utf-8")
    return HttpResponse(200, {"Content-Type": f"{APPLICATION_JSON}; charset=utf-8", "Cache-Control": CACHE,
                              "Access-Control-Allow-Origin": "*"}, text)


def publication_policy(base_url: str) -> HttpResponse:
    text = (f"{disclosure.PUBLICATION_POLICY}\n\nRelease packages: {base_url}/public/ocds/releases.json\n"
            f"Record packages: {base_url}/public/ocds/records.json\nLicence: {disclosure.LICENSE}\n")
    return HttpResponse(200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": CACHE,
                              "Access-Control-Allow-Origin": "*"}, text)


def hsds_directory(args: Mapping[str, str], volunteers) -> HttpResponse:
    try:
        return _json(200, volunteers.export_directory(ANONYMOUS.to_dict(), _filters(args, HSDS_ARGS)))
    except Exception as exc:  # noqa: BLE001 - every failure goes through the one mapping
        return _error(exc)
