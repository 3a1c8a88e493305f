"""Money to service to outcome over the real broker and store, through the gateway: funding awards a contract
for a station, commits a fiscal and a lottery budget line to it and pays a milestone; casework registers
households, visits one and opens a case for another at the station; supervision folds funding's events into its
contract-money read model and answers `contractOutcome` / `disbursementOutcome` with the cost per household and
per visit by fund source, the records behind them (masked for the commissioned evaluator), and NOT_FOUND for
officials of another county; `projections check` finds the contract-money read model in step with funding,
names a corrupted payment, and a rebuild from funding's history restores the same outcome."""
from __future__ import annotations

from datetime import timedelta

import requests

from gateway.service import GatewayService
from services.common import clock, storage
from services.common.auth import SYSTEM, mint_token
from services.common.clock import FrozenClock
from services.common.projections import PROJECTIONS
from services.funding.service import FundingService
from services.supervision.service import SupervisionService
from tests.support import funding_fixtures as fx
from tests.support.casework_fixtures import visit
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.supervision_fixtures import (
    COUNTY,
    STATION,
    county_official,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
)

ADMIN = SYSTEM.to_dict()
OUTCOME = """query ($contract: ID!) {
  contractOutcome(contractId: $contract) {
    kind id stationIds amountFen period { from to } recordsMasked
    service { householdsServed visits casesOpened casesClosed casesClosedPositively volunteerHours }
    bySource { sourceId sourceKind committedFen paidFen heldFen
               cost { perHousehold { amountFen reason } perVisit { amountFen reason }
                      perPositiveClosure { amountFen reason } } }
    total { paidFen cost { perHousehold { amountFen } perVisit { amountFen } } }
  }
}"""
PAYMENT = """query ($disbursement: ID!) {
  disbursementOutcome(disbursementId: $disbursement) {
    kind id contractId paidOn period { from to } service { householdsServed visits }
    bySource { sourceKind paidFen cost { perVisit { amountFen reason } } }
  }
}"""
RECORDS = """query ($contract: ID!, $kind: OutcomeRecordKind!) {
  outcomeRecords(contractId: $contract, kind: $kind, first: 10) { totalCount nextCursor items { kind id date detail } }
}"""


def signed_contract(funding, official: dict, frozen) -> dict:
    """Tender for the one station → a bid → review → award → signed contract. Moves the clock 40 days."""
    tender = funding.create_tender(official, fx.tender_input(station_ids=[STATION], budget_fen=1_200_000_00))
    tender = funding.publish_tender(official, tender["id"], {"expected_version": tender["version"]})
    bid = funding.record_bid(official, tender["id"], fx.bid_input(1))
    frozen.advance(days=40)
    version = funding.get_tenders(official, [tender["id"]])[0]["version"]
    funding.review_bid(official, tender["id"], bid["id"], fx.review_input(version, bid, 90))
    version = funding.get_tenders(official, [tender["id"]])[0]["version"]
    funding.award_tender(official, tender["id"], {"expected_version": version, "bid_id": bid["id"]})
    return funding.sign_contract(official, tender["id"], fx.contract_input())


def test_a_contracts_money_is_followed_to_the_service_it_paid_for_through_the_gateway(isolated_settings):
    gateway = own_port(isolated_settings)
    official = county_official()
    with FrozenClock(fx.START) as frozen, producers_running(isolated_settings) as (client, workers), \
            running(FundingService, settings=own_port(isolated_settings)), \
            running(SupervisionService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        funding = client.funding
        fiscal = funding.create_source(official, fx.source_input())
        lottery = funding.create_source(ADMIN, fx.lottery_source_input(region_code="320000", amount_fen=50_000_000))
        fiscal_line = funding.allocate_budget(official, fiscal["id"], {"station_id": STATION, "amount_fen": 60_000_000})
        lottery_line = funding.allocate_budget(ADMIN, lottery["id"], {
            "project": {"name": "丹阳市养老社工服务", "region_code": COUNTY}, "domain": "elderly",
            "amount_fen": 20_000_000})
        contract = signed_contract(funding, official, frozen)
        for line, amount in ((fiscal_line, 60_000_000), (lottery_line, 10_000_000)):
            funding.commit_funding(official, contract["id"], {"budget_line_id": line["id"], "amount_fen": amount})

        frozen.advance(days=60)  # 2026-04-15, inside the contract's period (2026-03-01 to 2026-12-31)
        today = clock.today().isoformat()
        worker = workers[STATION]
        visited = client.casework.register_household(worker, household_input(STATION, 1))
        with_case = client.casework.register_household(worker, household_input(STATION, 2))
        client.casework.register_household(worker, household_input(STATION, 3))  # served by nothing: not counted
        client.casework.log_household_visit(worker, visited["id"], visit(visited["version"], today,
                                                                         staff_ids=(worker["user_id"],)))
        client.casework.open_case(worker, {"household_id": with_case["id"], "domain": "elderly", "source": "outreach",
                                           "summary": "独居老人照护", "assigned_staff_id": worker["user_id"]})
        paid = funding.record_disbursement(official, contract["id"], {
            "milestone_id": "M4", "budget_line_id": fiscal_line["id"], "amount_fen": 3_000_001, "paid_on": today,
            "voucher_number": "DY-2026-101", "evidence": {"documents": fx.documents()}})
        if paid["status"] == "held":  # one professional in post of the three promised: released after review
            version = funding.get_contracts(official, [contract["id"]])[0]["version"]
            paid = funding.resolve_flag(official, contract["id"], paid["id"], {
                "expected_version": version, "decision": "release", "reason": "县民政局核实后放行"})
        assert paid["status"] == "paid"
        scheme = funding.list_indicator_schemes(official, {})["items"][0]
        funding.commission_evaluation(official, {
            "subject": {"kind": "contract", "id": contract["id"]}, "scheme_id": scheme["id"],
            "evaluator": fx.operator(8, "江苏弘正社会工作评估中心"), "evaluator_user_ids": ["evaluator-1"],
            "period": {"start": today, "end": "2026-12-31"}, "due_on": "2026-12-31"})
        wait_until_caught_up()

        url = f"http://127.0.0.1:{gateway.http_port}/graphql"
        # The clock stands in April 2026 (the fixtures' contract year): tokens outlive the real day the test runs.
        def token(**claims):
            return mint_token(isolated_settings.token_secret, ttl=timedelta(days=800), **claims)
        county = token(role="county", user_id="official", region=COUNTY)
        evaluator = token(role="evaluator", user_id="evaluator-1", region=COUNTY)
        other_county = token(role="county", user_id="jingkou", region="321102")

        def ask(token, query, variables):
            return requests.post(url, json={"query": query, "variables": variables},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30).json()

        answer = ask(county, OUTCOME, {"contract": contract["id"]})
        assert "errors" not in answer, answer
        outcome = answer["data"]["contractOutcome"]
        assert outcome["kind"] == "contract" and outcome["stationIds"] == [STATION]
        assert outcome["period"] == {"from": "2026-03-01", "to": "2026-12-31"} and outcome["recordsMasked"] is False
        assert outcome["service"] == {"householdsServed": 2, "visits": 1, "casesOpened": 1, "casesClosed": 0,
                                      "casesClosedPositively": 0, "volunteerHours": 0.0}
        rows = {r["sourceKind"]: r for r in outcome["bySource"]}
        assert (rows["fiscal"]["committedFen"], rows["fiscal"]["paidFen"]) == (60_000_000, 3_000_001)
        # 3,000,001 fen over two households: 1,500,000.5 rounds up
        assert rows["fiscal"]["cost"]["perHousehold"] == {"amountFen": 1_500_001, "reason": None}
        assert rows["fiscal"]["cost"]["perVisit"] == {"amountFen": 3_000_001, "reason": None}
        assert rows["fiscal"]["cost"]["perPositiveClosure"] == {
            "amountFen": None, "reason": "no case was closed positively in the period"}
        assert (rows["lottery"]["committedFen"], rows["lottery"]["paidFen"]) == (10_000_000, 0)
        assert outcome["total"] == {"paidFen": 3_000_001, "cost": {"perHousehold": {"amountFen": 1_500_001},
                                                                    "perVisit": {"amountFen": 3_000_001}}}

        payment = ask(county, PAYMENT, {"disbursement": paid["id"]})["data"]["disbursementOutcome"]
        assert payment["contractId"] == contract["id"] and payment["period"] == {"from": "2026-03-01", "to": today}
        assert payment["service"] == {"householdsServed": 2, "visits": 1}
        assert payment["bySource"] == [{"sourceKind": "fiscal", "paidFen": 3_000_001,
                                        "cost": {"perVisit": {"amountFen": 3_000_001, "reason": None}}}]

        plain = ask(county, RECORDS, {"contract": contract["id"], "kind": "HOUSEHOLD"})["data"]["outcomeRecords"]
        assert plain["totalCount"] == 2 and {r["id"] for r in plain["items"]} == {visited["id"], with_case["id"]}
        masked = ask(evaluator, RECORDS, {"contract": contract["id"], "kind": "HOUSEHOLD"})
        assert "errors" not in masked, masked
        ids = [r["id"] for r in masked["data"]["outcomeRecords"]["items"]]
        assert len(ids) == 2 and all("****" in i for i in ids) and visited["id"] not in ids

        refused = ask(other_county, OUTCOME, {"contract": contract["id"]})
        assert refused["data"]["contractOutcome"] is None
        assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        worker_token = token(role="station_staff", user_id=worker["user_id"], station_ids=[STATION])
        assert ask(worker_token, PAYMENT, {"disbursement": paid["id"]})["errors"][0]["extensions"]["code"] == \
            "NOT_FOUND"

        # `shegong projections check`: the read models funding's events feed agree with funding's own records,
        # and a corrupted record is named by the check.
        for name in ("contract_money", "evaluations"):
            report = client.supervision.check_read_model(ADMIN, name)
            assert report["differences"] == [] and report["records"]["read_model"] == report["records"]["source"]
        edit_money(lambda state: state["disbursements"][paid["id"]].update(amount_fen=1))
        report = client.supervision.check_read_model(ADMIN, "contract_money")
        assert report["differences"] == [{"id": f"disbursement:{paid['id']}", "field": "amount_fen",
                                          "read_model": 1, "source": 3_000_001}]
        # A rebuild replays funding's history from the start: the same read model as the one built live.
        client.supervision.projection_rebuild(ADMIN, "contract_money")
        assert client.supervision.check_read_model(ADMIN, "contract_money")["differences"] == []
        assert ask(county, OUTCOME, {"contract": contract["id"]})["data"]["contractOutcome"] == outcome


def edit_money(change) -> None:
    collection = storage.database("supervision")[PROJECTIONS]
    state = collection.find_one({"_id": "contract_money"})["state"]
    change(state)
    collection.update_one({"_id": "contract_money"}, {"$set": {"state": state}})
