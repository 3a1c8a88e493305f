"""OCDS packages checked with libcoveocds (the OCDS Data Review Tool's library), offline.

libcoveocds reads the standard from a ZIP of the standard repository (`standard_zip`, set in
its configuration) and each declared extension from its URL; for record packages it also
resolves the package schema's `$ref` to the versioned release schema by URL. Here the ZIP is
built from the OCDS 1.1.5 schema files shipped with the funding service and
tests/support/ocds/standard, and those URLs are answered from tests/support/ocds and the
platform's own extension: every HTTP request goes through `offline_http`, which serves those
files and refuses anything else, and every socket connection outside the loopback interface is
refused, so a download at run time fails the test.
"""
from __future__ import annotations

import contextlib
import io
import socket
import zipfile
from functools import cache
from pathlib import Path

import requests
import urllib3
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig

from services.contracts import disclosure as shared_disclosure
from services.funding import disclosure

OCDS_DIR = Path(__file__).with_name("ocds")
STANDARD_TAG = "1__1__5"
EXTENSIONS_BASE = "https://raw.githubusercontent.com/open-contracting-extensions/"
OFFICIAL_EXTENSIONS = {"ocds_budget_breakdown_extension/master/": "ocds_budget_breakdown_extension",
                       "ocds_location_extension/v1.1.5/": "ocds_location_extension"}


@cache
def standard_zip() -> bytes:
    """The standard's schema folder, laid out as the repository's ZIP download is."""
    root = f"standard-{STANDARD_TAG}/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(root, "")
        archive.write(disclosure.RELEASE_SCHEMA, f"{root}schema/release-schema.json")
        for path in sorted((OCDS_DIR / "standard" / "schema").rglob("*")):
            if path.is_file():
                archive.write(path, f"{root}schema/{path.relative_to(OCDS_DIR / 'standard' / 'schema')}")
    return buffer.getvalue()


def _archive(folder: Path, root: str) -> bytes:
    """An extension's files as GitHub's archive download of its repository lays them out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{root}/", "")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{root}/{path.relative_to(folder)}")
    return buffer.getvalue()


def local_files(base_url: str) -> dict[str, bytes]:
    """URL → content: the extensions' files, and (for GitHub-hosted ones) their repository archive."""
    files = {}
    for prefix, name in OFFICIAL_EXTENSIONS.items():
        folder = OCDS_DIR / "extensions" / name
        for path in folder.rglob("*"):
            if path.is_file():
                files[EXTENSIONS_BASE + prefix + str(path.relative_to(folder))] = path.read_bytes()
        ref = prefix.split("/")[1]
        files[f"https://github.com/open-contracting-extensions/{name}/archive/{ref}.zip"] = \
            _archive(folder, f"{name}-{ref.removeprefix('v')}")
    # The record package schema's $ref to the versioned release schema is resolved by URL (jsonref).
    for path in (OCDS_DIR / "standard" / "schema").glob("*.json"):
        for scheme in ("http", "https"):
            files[f"{scheme}://standard.open-contracting.org/schema/{STANDARD_TAG}/{path.name}"] = path.read_bytes()
    for scheme in ("http", "https"):
        files[f"{scheme}://standard.open-contracting.org/schema/{STANDARD_TAG}/release-schema.json"] = \
            disclosure.RELEASE_SCHEMA.read_bytes()
    own = base_url.rstrip("/") + disclosure.OWN_EXTENSION_PATH.rsplit("/", 1)[0] + "/"
    for path in shared_disclosure.extension_directory().iterdir():
        files[own + path.name] = path.read_bytes()
    return files


class Offline:
    """What was asked for over HTTP while it was active (all answered from local files)."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requested: list[str] = []


@contextlib.contextmanager
def offline_http(base_url: str):
    state = Offline(local_files(base_url))
    original_send = requests.adapters.HTTPAdapter.send
    original_connect = socket.socket.connect

    def send(adapter, request, **kwargs):
        state.requested.append(request.url)
        content = state.files.get(request.url)
        if content is None:
            raise requests.ConnectionError(f"offline: {request.url} is not a local file")
        raw = urllib3.HTTPResponse(body=io.BytesIO(content), status=200, preload_content=False,
                                   request_url=request.url, headers={"Content-Type": "application/octet-stream"})
        return adapter.build_response(request, raw)

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not host.startswith(("127.", "::1", "localhost", "/")):
            raise OSError(f"offline: no connection to {address}")
        return original_connect(sock, address)

    requests.adapters.HTTPAdapter.send = send
    socket.socket.connect = connect
    try:
        yield state
    finally:
        requests.adapters.HTTPAdapter.send = original_send
        socket.socket.connect = original_connect


def review(package: dict, output_dir: Path, base_url: str) -> dict:
    """libcoveocds' API-context report on a release or record package."""
    config = LibCoveOCDSConfig({"context": "api", "standard_zip": standard_zip()})
    Path(output_dir).mkdir(parents=True, exist_ok=True)  # it writes the extended schema there
    with offline_http(base_url) as state:
        report = ocds_json_output(str(output_dir), json_data=package, lib_cove_ocds_config=config,
                                  record_pkg="records" in package)
    report["requested_urls"] = state.requested
    return report
