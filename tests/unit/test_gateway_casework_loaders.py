"""Casework DataLoaders: the number of RPC calls does not grow with the number of households, cases
or stations. The casework client is the service's own use cases in memory, counting every call."""
from __future__ import annotations

from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.auth import Viewer
from services.common.errors import UpstreamUnavailable
from tests.support.gateway_casework_fakes import casework_request, registry_for_casework, seeded, tokens

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=1_000_000)
TOKENS = tokens()
COUNTY = Viewer("danyang-official", "county", "321181")

HOUSEHOLDS = """{ households(first: 100) { totalCount items {
    id headName station { name county { name } } members { id name idNumber household { id } }
    archiveSummary { overdue riskLevel } archive { version needs { id needTypeLabel } }
    lastYear: archive(asOf: "2025-11-01") { version } archiveHistory { version }
    cases { id stage person { name } household { id } visits { id visitType case { id } }
            services { activityType } referrals { status } }
    visits { id } } } }"""


def households_page(n: int, token: str = "city"):
    casework, registry = seeded(households=n), registry_for_casework()
    body = casework_request(ENDPOINT, HOUSEHOLDS, casework=casework, registry=registry, token=TOKENS[token],
                            settings=SETTINGS).json()
    assert "errors" not in body, body.get("errors")
    assert body["data"]["households"]["totalCount"] == n + 2  # n elderly, a family, one in 京口
    return casework, registry, body


def test_one_household_and_twenty_cost_the_same_number_of_calls():
    one_casework, one_registry, _ = households_page(1)
    casework, registry, body = households_page(20)
    assert casework.count() == one_casework.count() and registry.count() == one_registry.count()
    assert casework.count() == {
        "list_households": 1, "get_households": 1, "archives_for_households": 2,  # today and 2025-11-01
        "archive_history": 1, "cases_for_households": 1, "get_persons": 1, "visits_for_cases": 1,
        "services_for_cases": 1, "referrals_for_cases": 1, "get_cases": 1, "visits_for_households": 1}
    assert registry.count() == {"get_stations": 1, "get_regions": 1}
    assert body["extensions"]["rpcCalls"] == 14
    items = body["data"]["households"]["items"]
    elderly = [h for h in items if h["cases"] and h["cases"][0]["visits"]]
    assert len(elderly) == 20 and all(h["archive"]["version"] == 1 for h in elderly)
    assert elderly[0]["cases"][0]["visits"][0]["case"]["id"] == elderly[0]["cases"][0]["id"]
    assert {h["station"]["county"]["name"] for h in items} == {"丹阳市", "京口区"}


def test_batches_carry_every_key_once():
    casework, registry, body = households_page(20)
    ids = sorted(h["id"] for h in body["data"]["households"]["items"])
    for method in ("archive_history", "cases_for_households", "visits_for_households"):
        [(keys,)] = casework.sent(method)
        assert sorted(keys) == ids
    case_ids = sorted(c["id"] for h in body["data"]["households"]["items"] for c in h["cases"])
    for method in ("visits_for_cases", "services_for_cases", "referrals_for_cases"):
        [(keys,)] = casework.sent(method)
        assert sorted(keys) == case_ids
    dates = sorted(kwargs.get("as_of") or "today" for name, _, kwargs in casework.calls
                   if name == "archives_for_households")
    assert dates == ["2025-11-01", "today"]
    [(stations,)] = [args[1:] for name, args, _ in registry.calls if name == "get_stations"]
    assert sorted(stations) == ["ST321102001", "ST321181001"]


CASES = """query ($first: Int) { cases(first: $first) { items { id stage identityProtected
    household { id headName } person { name } station { name }
    visits { id } services { id } referrals { id target { name } } } } }"""


def test_one_case_and_twenty_cost_the_same_number_of_calls():
    def run(n, first):
        casework = seeded(households=n)
        body = casework_request(ENDPOINT, CASES, casework=casework, variables={"first": first},
                                token=TOKENS["lead"], settings=SETTINGS).json()
        assert "errors" not in body, body.get("errors")
        assert len(body["data"]["cases"]["items"]) == first
        return casework.count(), body["extensions"]["rpcCalls"]

    expected = {"list_cases": 1, "get_households": 1, "get_persons": 1, "visits_for_cases": 1,
                "services_for_cases": 1, "referrals_for_cases": 1}
    assert run(1, 1) == run(20, 21) == (expected, 7)  # + the registry's get_stations


def test_stations_with_their_caseload_cost_the_same_for_one_or_both():
    query = "query ($first: Int) { stations(first: $first) { items { id caseload { staffId openCases } } } }"

    def run(first):
        casework, registry = seeded(), registry_for_casework()
        body = casework_request(ENDPOINT, query, casework=casework, registry=registry, variables={"first": first},
                                token=TOKENS["admin"], settings=SETTINGS).json()
        assert "errors" not in body, body.get("errors")
        assert len(body["data"]["stations"]["items"]) == first
        return casework.count(), registry.count()

    assert run(1) == run(2) == ({"caseloads_for_stations": 1}, {"list_stations": 1})


def test_campaign_progress_is_one_call_per_campaign_started_together():
    casework = seeded()
    for name in ("特困老人全面核查", "独居老人全面核查"):
        casework.service.create_campaign(COUNTY, {
            "name": name, "region_code": "321181", "criteria": {"tags_any": ["extreme_poverty"]},
            "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    body = casework_request(ENDPOINT, """{ verificationCampaigns { items { name progress { targeted } } } }""",
                            casework=casework, token=TOKENS["danyang"], settings=SETTINGS).json()
    assert [c["progress"]["targeted"] for c in body["data"]["verificationCampaigns"]["items"]] == [2, 2]
    assert casework.count() == {"list_campaigns": 1, "campaign_progress": 2}


def test_a_failing_batch_fails_only_the_fields_that_needed_it():
    casework = seeded(households=3)
    casework.failures["visits_for_cases"] = UpstreamUnavailable("casework did not answer within 10s")
    body = casework_request(ENDPOINT, "{ cases { items { id stage visits { id } referrals { id } } } }",
                            casework=casework, token=TOKENS["lead"], settings=SETTINGS).json()
    items = body["data"]["cases"]["items"]
    assert [c["visits"] for c in items] == [None] * 4 and all(c["referrals"] is not None for c in items)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"} and len(body["errors"]) == 4
