"""Report downloads (`GET /reports/<id>.pdf|.xlsx`, and a station's evaluation pack at
`GET /reports/evaluation/<station id>.pdf`; issue 12) with the caller's own token.

The supervision service checks the scope exactly as for the region's figures and writes the download to
its access log before it hands over the bytes; the gateway only turns its answer into a file response.
"""
from __future__ import annotations

import base64
import json
from urllib.parse import quote

from services.common.errors import Unauthenticated

STATUS_OF_CODE = {"BAD_USER_INPUT": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "OUT_OF_SCOPE": 403,
                  "NOT_FOUND": 404, "SERVICE_UNAVAILABLE": 503}


def report(request, supervision, report_id: str, fmt: str, secret: str, jwks=None):
    return _file(request, secret, jwks, lambda viewer: supervision.report_file(viewer, report_id, fmt))


def evaluation_pack(request, supervision, station_id: str, secret: str, jwks=None):
    return _file(request, secret, jwks, lambda viewer: supervision.evaluation_pack(viewer, station_id))


def _file(request, secret: str, jwks, fetch, on_outcome=None):
    """A werkzeug Response: the file, or a JSON error like GraphQL's (nameko's tuples carry text only).
    `jwks`: the identity service's keys (identity_http.platform_keys), for the tokens it signs.
    `on_outcome(viewer, error or None)`: told how the request of a known viewer went (an agency's call log)."""
    from werkzeug.wrappers import Response

    from .auth import viewer_of_request
    from .errors import client_error, log_unexpected

    viewer = None
    try:
        viewer = viewer_of_request(request.headers.get, secret, jwks=jwks)
        if viewer.is_public:
            raise Unauthenticated("sign in to download a report")
        file = fetch(viewer.to_dict())
        headers = {"Content-Type": file["media_type"], "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                   "Content-Disposition": f"attachment; filename=\"{file['ascii_filename']}\"; "
                                          f"filename*=UTF-8''{quote(file['filename'])}"}
        if on_outcome is not None:
            on_outcome(viewer, None)
        return Response(base64.b64decode(file["content"]), 200, headers)
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        if on_outcome is not None and viewer is not None:
            on_outcome(viewer, exc)
        described = client_error(exc)
        if not described.expected:
            log_unexpected(exc, where="report download")
        body = json.dumps({"errors": [{"message": described.message, "extensions": described.extensions()}]},
                          ensure_ascii=False)
        return Response(body, STATUS_OF_CODE.get(described.code, 500),
                        {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})


file_response = _file  # the same answer for other files fetched with the caller's token (gateway/rosters_http.py)
