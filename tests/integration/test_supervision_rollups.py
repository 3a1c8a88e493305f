"""Supervision read models from the real registry's and casework's events (real RabbitMQ and nx-27017):
a read model rebuilt from the event history equals the one built live, redelivered and duplicated events
change nothing, and every role sees the figures of its own scope only."""
from __future__ import annotations

import pytest

from gateway.service import GatewayService
from services.common import clock
from services.common.auth import Viewer, mint_token
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.common.outbox import EventPublisher
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.platform_client import PlatformClient
from tests.support.supervision_fixtures import (
    ADMIN,
    COUNTY,
    OTHER_STATION,
    STATION,
    county_official,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
    wipe_read_models,
)
from tests.support.waiting import wait_for


@pytest.fixture
def producers(isolated_settings):
    with producers_running(isolated_settings) as (client, workers):
        yield client, workers


def casework_history(client, workers):
    """Households at both stations, an assessed archive, a routine case and a crisis contacted in time."""
    casework, worker = client.casework, workers[STATION]
    first = casework.register_household(worker, household_input(STATION, 1))
    casework.register_household(worker, household_input(STATION, 2))
    casework.register_household(workers[OTHER_STATION], household_input(OTHER_STATION, 3))
    basis = {"expected_version": first["version"], "person_id": first["members"][0]["person_id"],
             "legal_basis": "statutory_duty", "purposes": ["archive", "casework"], "given_on": "2024-01-01",
             "basis_note": "《社会救助暂行办法》第十条：核查与建档"}
    casework.record_consent(worker, first["id"], basis)
    casework.assess_needs(worker, first["id"], {
        "expected_version": first["version"] + 1, "assessed_on": clock.today().isoformat(),
        "assessor_staff_id": worker["user_id"],
        "needs": [{"domain": "elderly", "need_type": "home_visit", "severity": "medium", "description": "定期探访"}]})
    casework.open_case(worker, {"household_id": first["id"], "domain": "elderly", "source": "outreach",
                                "summary": "入户探访需求", "assigned_staff_id": worker["user_id"]})
    crisis = casework.open_case(worker, {"household_id": first["id"], "domain": "marriage_family", "source": "hotline",
                                         "summary": "遭受家庭暴力求助", "assigned_staff_id": worker["user_id"],
                                         "crisis": {"notes": "暂住娘家"}})
    casework.log_case_visit(worker, crisis["id"], {"expected_version": crisis["version"], "visit_type": "home_visit",
                                                   "visited_on": clock.today().isoformat(), "duration_minutes": 30,
                                                   "staff_ids": [worker["user_id"]]})
    return first


def county_figures(client, viewer=None):
    return client.supervision.rollup(viewer or ADMIN, {"region": COUNTY})


def test_a_rebuilt_read_model_equals_the_live_one_and_duplicates_change_nothing(producers, isolated_settings):
    client, workers = producers
    first = casework_history(client, workers)
    with running(SupervisionService, settings=own_port(isolated_settings)):
        wait_until_caught_up()  # built from the history: everything above happened before supervision ran
        built_from_history = county_figures(client)
        county = built_from_history["region"]
        assert county["stations"] == {"registered": 1, "operating": 1, "townships": county["stations"]["townships"],
                                      "townships_covered": 1,
                                      "township_coverage": round(1 / county["stations"]["townships"], 4)}
        assert county["stations"]["townships"] > 5  # 丹阳市's townships come from the registry's region tree
        assert county["staff"]["count"] == 1 and county["staff"]["professional_ratio"] == 1.0
        assert county["households"] == {"registered": 2, "current_archive": 1, "archive_freshness": 0.5,
                                        "never_assessed": 1}
        assert county["cases"]["opened"] == 2 and county["cases"]["open"] == 2
        assert county["crisis"]["flagged"] == 1 and county["crisis"]["contacted_in_time"] == 1
        assert county["visits"] == {"count": 1, "households_visited": 1}
        township = next(c for c in built_from_history["children"] if c["region_code"] == STATION[2:])
        assert township["households"]["registered"] == 2 and township["name"] == "云阳街道"

        # Live: the next events arrive while supervision runs.
        worker = workers[STATION]
        household = client.casework.get_households(worker, [first["id"]])[0]
        client.casework.log_household_visit(worker, first["id"], {
            "expected_version": household["version"], "visit_type": "home_visit",
            "visited_on": clock.today().isoformat(), "duration_minutes": 20, "staff_ids": [worker["user_id"]]})
        client.casework.register_household(worker, household_input(STATION, 4))
        wait_for(lambda: county_figures(client)["region"]["households"]["registered"] == 3)
        wait_until_caught_up()
        live = county_figures(client)
        assert live["region"]["visits"] == {"count": 2, "households_visited": 1}

        # Redelivered (with their positions) and duplicated (without) copies of every logged event.
        history = (client.casework.events_since(ADMIN, 0, 500)["items"]
                   + client.registry.events_since(ADMIN, 0, 500)["items"])
        publisher = EventPublisher(isolated_settings.amqp_uri)
        try:
            for item in history:
                publisher.publish(item["envelope"], item["sequence"])
                publisher.publish(item["envelope"])
        finally:
            publisher.close()
        client.casework.register_household(worker, household_input(STATION, 5))  # one real change after them
        wait_for(lambda: county_figures(client)["region"]["households"]["registered"] == 4)
        wait_until_caught_up()
        after_duplicates = county_figures(client)
        expected = {**live["region"], "households": {**live["region"]["households"], "registered": 4,
                                                     "never_assessed": 3, "archive_freshness": 0.25}}
        assert after_duplicates["region"] == expected

    # Rebuild from scratch: the read models are dropped and replayed from the producers' histories, while
    # every event also waits in the service's queues in reverse order (out of order, and during the replay).
    wipe_read_models()
    publisher = EventPublisher(isolated_settings.amqp_uri)
    try:
        for item in reversed(history):
            publisher.publish(item["envelope"], item["sequence"])
    finally:
        publisher.close()
    with running(SupervisionService, settings=own_port(isolated_settings)):
        wait_until_caught_up()
        assert county_figures(client) == after_duplicates


def test_each_role_sees_the_figures_of_its_own_scope(producers, isolated_settings):
    client, workers = producers
    casework_history(client, workers)
    with running(SupervisionService, settings=own_port(isolated_settings)):
        wait_until_caught_up()
        supervision = client.supervision
        county = supervision.rollup(county_official(), {"region": COUNTY, "period": {"year": clock.today().year}})
        assert county["region"]["households"]["registered"] == 2
        assert supervision.rollup(county_official(), {"region": STATION[2:]})["children"] == []
        with pytest.raises(PermissionDenied):
            supervision.rollup(county_official(), {"region": "3211"})  # wider than a county official's scope
        with pytest.raises(PermissionDenied):
            supervision.rollup(county_official("321102"), {"region": COUNTY})
        city = supervision.rollup(Viewer("e", "evaluator", "321100").to_dict(), {"region": "3211"})
        assert city["region"]["households"]["registered"] == 3 and city["region"]["region_code"] == "321100"
        assert {c["region_code"]: c["households"]["registered"] for c in city["children"]
                if c["households"]["registered"]} == {COUNTY: 2, "321102": 1}
        # Station staff see their own station only, whatever region they ask for.
        own = supervision.rollup(workers[OTHER_STATION], {"region": "32"})
        assert own["region"]["households"]["registered"] == 1 and own["region"]["cases"]["opened"] == 0
        assert [c["region_code"] for c in own["children"]] == ["321100"]
        with pytest.raises(PermissionDenied):
            supervision.rollup(Viewer("anonymous", "public").to_dict(), {"region": "32"})
        with pytest.raises(ValidationFailed):
            supervision.rollup(ADMIN, {"region": "321181|"})
        with pytest.raises(ValidationFailed):
            supervision.rollup(ADMIN, {"region": COUNTY, "period": {"quarter": 2}})
        with pytest.raises(NotFound):
            supervision.rollup(ADMIN, {"region": "329999"})


ROLLUP = """query ($region: String!, $period: PeriodInput) {
  supervisionRollup(region: $region, period: $period) {
    regionCode name level asOf period { from to }
    stations { registered operating townships townshipsCovered townshipCoverage }
    households { registered currentArchive archiveFreshness neverAssessed }
    cases { open opened closed closureRate byDomain { domain opened } }
    crisis { flagged contactedInTime breaches }
    visits { count householdsVisited }
    children { regionCode name households { registered } }
  }
}"""


def test_the_gateway_answers_a_county_roll_up_with_its_townships(producers, isolated_settings):
    client, workers = producers
    casework_history(client, workers)
    gateway = own_port(isolated_settings)
    with running(SupervisionService, settings=own_port(isolated_settings)), running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        wait_until_caught_up()
        gateway_client = PlatformClient(f"http://127.0.0.1:{gateway.http_port}/graphql")

        def ask(token, region, period=None):
            return gateway_client.gql(ROLLUP, {"region": region, "period": period}, token)

        county_token = mint_token(isolated_settings.token_secret, role="county", user_id="official", region=COUNTY)
        year = clock.today().year
        answer = ask(county_token, COUNTY, {"year": year})
        assert "errors" not in answer, answer
        rollup = answer["data"]["supervisionRollup"]
        assert rollup["regionCode"] == COUNTY and rollup["name"] == "丹阳市" and rollup["level"] == "COUNTY"
        assert rollup["period"] == {"from": f"{year}-01-01", "to": f"{year}-12-31"}
        assert rollup["households"] == {"registered": 2, "currentArchive": 1, "archiveFreshness": 0.5,
                                        "neverAssessed": 1}
        assert rollup["crisis"] == {"flagged": 1, "contactedInTime": 1, "breaches": 0}
        assert {d["domain"]: d["opened"] for d in rollup["cases"]["byDomain"]}["marriage_family"] == 1
        children = {c["regionCode"]: c for c in rollup["children"]}
        assert children[STATION[2:]]["households"]["registered"] == 2
        assert len(children) == rollup["stations"]["townships"]

        refused = ask(county_token, "3211")
        assert refused["data"]["supervisionRollup"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        bad = ask(county_token, COUNTY, {"year": year, "quarter": 2, "month": 5})
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
