"""The report download endpoint (gateway/reports_http.py) without a broker: the caller's token is passed on,
the file comes back with its type and Chinese file name, refusals keep their HTTP status."""
from __future__ import annotations

import base64
import json

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import reports_http
from services.common.auth import mint_token
from services.common.errors import NotFound

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


class Supervision:
    def __init__(self):
        self.asked = []

    def report_file(self, viewer, report_id, fmt):
        self.asked.append((viewer["user_id"], report_id, fmt))
        if report_id != "rep-321181-monthly-2026-11":
            raise NotFound(f"unknown report {report_id}")
        return {"filename": "丹阳市2026-11月报.pdf", "ascii_filename": f"{report_id}.pdf",
                "media_type": "application/pdf", "content": base64.b64encode(b"%PDF-1.6 ...").decode()}

    def evaluation_pack(self, viewer, station_id):
        raise NotFound(f"unknown station {station_id}")


def request(token: str | None = None) -> Request:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Request(EnvironBuilder(method="GET", path="/reports/x.pdf", headers=headers).get_environ())


def test_a_kept_report_downloads_with_its_type_and_name_for_the_token_holder():
    supervision = Supervision()
    token = mint_token(SECRET, role="county", user_id="official", region="321181")

    response = reports_http.report(request(token), supervision, "rep-321181-monthly-2026-11", "pdf", SECRET)

    assert response.status_code == 200 and response.get_data() == b"%PDF-1.6 ..."
    assert response.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%E4%B8%B9%E9%98%B3" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert supervision.asked == [("official", "rep-321181-monthly-2026-11", "pdf")]


def test_no_token_is_401_and_a_report_out_of_scope_404_like_graphql_errors():
    supervision = Supervision()
    token = mint_token(SECRET, role="county", user_id="official", region="321102")

    anonymous = reports_http.report(request(), supervision, "rep-321181-monthly-2026-11", "pdf", SECRET)
    unknown = reports_http.report(request(token), supervision, "rep-elsewhere", "xlsx", SECRET)
    pack = reports_http.evaluation_pack(request(token), supervision, "ST321181001", SECRET)

    assert anonymous.status_code == 401 and supervision.asked == [("official", "rep-elsewhere", "xlsx")]
    assert unknown.status_code == 404 and pack.status_code == 404
    assert json.loads(unknown.get_data())["errors"][0]["extensions"]["code"] == "NOT_FOUND"
