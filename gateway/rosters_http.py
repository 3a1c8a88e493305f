"""Roster files from other agencies (issue 13) over plain HTTP, with the caller's own token:

- `POST /rosters/<source>/imports?filename=…&region=…` — the body is the CSV or `.xlsx` file itself (or a
  multipart form with a `file` field); casework reads and stages it and answers 202 with the import job,
  whose rows it then applies in the background (follow it with `rosterImport(id)`);
- `GET /rosters/imports/<id>/report.csv` — the row-by-row report (masked), logged by casework.

An agency's client may call both with its own token when its scopes name the source (`roster:<source>` and
`mutation:import_roster`) and cover the region (casework checks: usecases/access.py `roster_importer`), and follow
its import with the GraphQL `rosterImport(id)` (gateway/agency.py). Each of its calls here, answered or refused, is
written to the access log like its GraphQL calls.
"""
from __future__ import annotations

import base64
import json

from services.common.auth import Viewer
from services.common.errors import Unauthenticated, ValidationFailed

from .agency import REFUSAL_CODES, record_calls
from .reports_http import STATUS_OF_CODE, file_response

MAX_UPLOAD_BYTES = 8 * 1024 * 1024


def upload(request, casework, source: str, secret: str, jwks=None):
    from werkzeug.wrappers import Response

    from .auth import viewer_of_request
    from .errors import client_error, log_unexpected

    viewer = None
    try:
        viewer = viewer_of_request(request.headers.get, secret, jwks=jwks)
        if viewer.is_public:
            raise Unauthenticated("sign in to import a roster")
        if (request.content_length or 0) > MAX_UPLOAD_BYTES:
            raise ValidationFailed.field("file", f"at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB per upload; "
                                                 "import larger files with `shegong import roster`")
        sent = request.files.get("file")
        content = sent.read(MAX_UPLOAD_BYTES + 1) if sent else request.get_data(cache=False)
        if len(content) > MAX_UPLOAD_BYTES:
            raise ValidationFailed.field("file", f"at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB per upload")
        filename = (sent.filename if sent and sent.filename else None) or request.args.get("filename") or "roster.csv"
        job = casework.start_roster_import(viewer.to_dict(), {
            "source": source, "region": request.args.get("region") or None, "filename": filename[:200],
            "content": base64.b64encode(content).decode()})
        log_agency_call(viewer, casework, f"POST /rosters/{source}/imports")
        return Response(json.dumps({"data": job}, ensure_ascii=False), 202,
                        {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        if viewer is not None:
            log_agency_call(viewer, casework, f"POST /rosters/{source}/imports", exc)
        described = client_error(exc)
        if not described.expected:
            log_unexpected(exc, where="roster upload")
        body = json.dumps({"errors": [{"message": described.message, "extensions": described.extensions()}]},
                          ensure_ascii=False)
        return Response(body, STATUS_OF_CODE.get(described.code, 500),
                        {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})


def report(request, casework, import_id: str, secret: str, jwks=None):
    return file_response(request, secret, jwks, lambda viewer: casework.roster_import_report(viewer, import_id),
                         lambda viewer, exc: log_agency_call(viewer, casework,
                                                             f"GET /rosters/imports/{import_id}/report.csv", exc))


def log_agency_call(viewer: Viewer, casework, what: str, exc: BaseException | None = None) -> None:
    """An agency client's call here in the access log, as its GraphQL calls are (gateway/agency.py)."""
    from .errors import client_error

    if not viewer.is_agency:
        return
    what = what[:100]  # the path's parts are the caller's
    if exc is None:
        call = {"field": what, "outcome": "answered", "reason": "", "code": None}
    else:
        described = client_error(exc)
        call = {"field": what, "outcome": "refused" if described.code in REFUSAL_CODES else "failed",
                "reason": described.message[:300], "code": described.code}
    record_calls(viewer, {"casework": casework}, [call])
