"""Roster files from other agencies (issue 13) over plain HTTP, with the caller's own token:

- `POST /rosters/<source>/imports?filename=…&region=…` — the body is the CSV or `.xlsx` file itself (or a
  multipart form with a `file` field); casework reads and stages it and answers 202 with the import job,
  whose rows it then applies in the background (follow it with `rosterImport(id)`);
- `GET /rosters/imports/<id>/report.csv` — the row-by-row report (masked), logged by casework.
"""
from __future__ import annotations

import base64
import json

from services.common.errors import Unauthenticated, ValidationFailed

from .reports_http import STATUS_OF_CODE, file_response

MAX_UPLOAD_BYTES = 8 * 1024 * 1024


def upload(request, casework, source: str, secret: str, jwks=None):
    from werkzeug.wrappers import Response

    from .auth import viewer_from_authorization
    from .errors import client_error, log_unexpected

    try:
        viewer = viewer_from_authorization(request.headers.get("Authorization"), secret, jwks=jwks)
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
        return Response(json.dumps({"data": job}, ensure_ascii=False), 202,
                        {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})
    except Exception as exc:  # noqa: BLE001 - mapped in one place, like GraphQL's errors
        described = client_error(exc)
        if not described.expected:
            log_unexpected(exc, where="roster upload")
        body = json.dumps({"errors": [{"message": described.message, "extensions": described.extensions()}]},
                          ensure_ascii=False)
        return Response(body, STATUS_OF_CODE.get(described.code, 500),
                        {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"})


def report(request, casework, import_id: str, secret: str, jwks=None):
    return file_response(request, secret, jwks, lambda viewer: casework.roster_import_report(viewer, import_id))
