"""The open-data routes (gateway/public.py) over stand-in services: URLs from the configured public
address, paging through the Link header, errors through the one mapping."""
from __future__ import annotations

from gateway import public
from services.common.errors import UpstreamUnavailable, ValidationFailed
from services.contracts import disclosure
from services.volunteers import directory

BASE = "https://open.example.gov.cn"


class FundingStub:
    def __init__(self, next_cursor=None, failure=None):
        self.calls = []
        self.next_cursor = next_cursor
        self.failure = failure

    def _page(self, name, viewer, filters):
        self.calls.append((name, viewer, filters))
        if self.failure:
            raise self.failure
        return {"package": {"uri": filters["uri"], "releases": []}, "next_cursor": self.next_cursor, "total": 7}

    def ocds_release_package(self, viewer, filters):
        return self._page("releases", viewer, filters)

    def ocds_record_package(self, viewer, filters):
        return self._page("records", viewer, filters)


def test_a_page_names_itself_and_the_next_page_from_the_public_address():
    funding = FundingStub(next_cursor="tdr_020")
    response = public.ocds_package("releases", {"limit": "20", "year": "2026", "ignored": "x"}, funding, BASE)
    assert response.status == 200 and response.headers["X-Total-Count"] == "7"
    name, viewer, filters = funding.calls[0]
    assert viewer["role"] == "public"  # the anonymous viewer, whatever the request carried
    assert filters == {"limit": 20, "year": 2026, "uri": f"{BASE}/public/ocds/releases.json?year=2026&limit=20",
                       "base_url": BASE}
    assert response.json()["uri"] == filters["uri"]
    following = f"{BASE}/public/ocds/releases.json?year=2026&limit=20&after=tdr_020"
    assert response.headers["Link"] == f'<{following}>; rel="next"'


def test_the_last_page_has_no_next_link_and_records_have_their_own_url():
    funding = FundingStub()
    response = public.ocds_package("records", {}, funding, BASE)
    assert "Link" not in response.headers and funding.calls[0][0] == "records"
    assert funding.calls[0][2]["uri"] == f"{BASE}/public/ocds/records.json"


def test_failures_are_mapped_to_http_statuses():
    refused = public.ocds_package("releases", {"limit": "1000"}, FundingStub(
        failure=ValidationFailed.field("limit", "at most 100")), BASE)
    assert refused.status == 400 and refused.json()["error"]["code"] == "BAD_USER_INPUT"
    down = public.ocds_package("releases", {}, FundingStub(failure=UpstreamUnavailable("funding is down")), BASE)
    assert down.status == 503
    bug = public.ocds_package("releases", {}, FundingStub(failure=KeyError("secret detail")), BASE)
    assert bug.status == 500 and "secret" not in bug.body


def test_the_extension_files_and_the_policy_are_served():
    extension = public.ocds_extension_file("extension.json")
    assert extension.status == 200 and extension.json() == disclosure.own_extension_file("extension.json")
    assert public.ocds_extension_file("../../config.py").status == 404
    policy = public.publication_policy(BASE)
    assert policy.status == 200 and f"{BASE}/public/ocds/records.json" in policy.body


def test_the_hsds_directory_route_asks_as_the_public():
    class VolunteersStub:
        def export_directory(self, viewer, filters):
            self.seen = (viewer, filters)
            return {"hsds_version": directory.HSDS_VERSION, "organizations": []}

    volunteers = VolunteersStub()
    response = public.hsds_directory({"region": "321181", "kind": "x"}, volunteers)
    assert response.status == 200 and response.json()["hsds_version"] == "3.0"
    assert volunteers.seen == ({"user_id": "anonymous", "role": "public", "region": None, "station_ids": []},
                               {"region": "321181"})


def test_the_public_address_comes_from_the_environment_not_the_request():
    from services.common.config import Settings

    assert Settings.from_env({"SHEGONG_PUBLIC_URL": "https://open.example.gov.cn/"}).public_url() == BASE
    assert Settings.from_env({}).public_url() == "http://127.0.0.1:8000"  # development: the gateway's own port
