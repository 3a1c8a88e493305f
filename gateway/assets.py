"""Files the gateway's own pages load (gateway/static/), served by the gateway under content-hashed URLs.

Nothing comes from a CDN: on a network without internet access GraphiQL still loads (issue 12).
A URL names the file's content (`graphiql.min.<hash>.js`), so it can be cached for a year and a new
vendored version reaches browsers at once; the pages that name these URLs are not cached. Text files go
gzip-compressed to clients that accept it (ECharts: 690 KB → about 230 KB), compressed once per file.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from werkzeug.wrappers import Response

STATIC_DIR = Path(__file__).with_name("static")
URL_PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".txt": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    path: Path
    url: str
    media_type: str


def _hashed_name(relative: Path, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:16]
    name = relative.name
    stem, dot, suffix = name.partition(".")  # graphiql.min.js -> graphiql.<hash>.min.js keeps the suffixes
    return str(relative.with_name(f"{stem}.{digest}{dot}{suffix}" if dot else f"{stem}.{digest}"))


def _scan(directory: Path) -> dict[str, Asset]:
    assets = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        relative = path.relative_to(directory)
        url = URL_PREFIX + _hashed_name(relative, path.read_bytes())
        media_type = MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        assets[str(relative)] = Asset(path, url, media_type)
    return assets


ASSETS = _scan(STATIC_DIR)
_BY_URL = {asset.url: asset for asset in ASSETS.values()}


def url_for(name: str) -> str:
    """The content-hashed URL of a file under gateway/static/, e.g. url_for("graphiql/graphiql.min.js")."""
    return ASSETS[name].url


COMPRESSIBLE = ("text/", "application/json", "image/svg+xml")


@functools.lru_cache(maxsize=64)
def _gzipped(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for offer in (accept_encoding or "").lower().split(","):
        name, _, params = offer.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def response(path: str, accept_encoding: str | None = None) -> Response:
    """The file when `path` is one of its content-hashed URLs, else 404 (a Response: nameko's tuples take text only)."""
    asset = _BY_URL.get(URL_PREFIX + path)
    if asset is None:
        return Response("not found\n", 404, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})
    headers = {"Content-Type": asset.media_type, "Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    if not asset.media_type.startswith(COMPRESSIBLE):
        return Response(asset.path.read_bytes(), 200, headers)
    headers["Vary"] = "Accept-Encoding"
    if _accepts_gzip(accept_encoding):
        return Response(_gzipped(asset.path), 200, {**headers, "Content-Encoding": "gzip"})
    return Response(asset.path.read_bytes(), 200, headers)
