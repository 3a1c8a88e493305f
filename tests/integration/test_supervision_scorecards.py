"""Scorecards over the real broker and store, through the gateway: the county commissions an evaluation in
funding, supervision learns who may evaluate what from funding's `evaluation.commissioned` (v2) event, and
the commissioned evaluator reads the station's computed scorecard (evidence masked), scores an indicator
beside it, and is refused another station and, after the evaluation's period, their own."""
from __future__ import annotations

from datetime import timedelta

import requests

from gateway.service import GatewayService
from services.common import clock
from services.common.auth import mint_token
from services.common.clock import FrozenClock
from services.funding.service import FundingService
from services.supervision.service import SupervisionService
from tests.support import funding_fixtures as fx
from tests.support.containers import running
from tests.support.infrastructure import wait_for_port
from tests.support.supervision_fixtures import (
    COUNTY,
    OTHER_STATION,
    STATION,
    county_official,
    household_input,
    own_port,
    producers_running,
    wait_until_caught_up,
)

CARD = """query ($station: ID!, $asOf: Date) {
  stationScorecard(stationId: $station, asOf: $asOf) {
    subject { kind id stationIds } asOf scheme { id effectiveFrom } total computableWeight evidenceMasked
    indicators { code formula weight value score points evidenceCount evidence { kind id date detail }
                 evaluatorScores { evaluationId score note difference by } }
  }
}"""
SCORE = """mutation ($input: RecordScorecardScoreInput!) {
  recordScorecardScore(input: $input) { indicators { code score evaluatorScores { score difference note } } }
}"""
EVIDENCE = """query ($station: ID!) {
  scorecardEvidence(stationId: $station, indicator: "archive_coverage", first: 1) {
    totalCount nextCursor items { kind id }
  }
}"""


def indicator(card: dict, code: str) -> dict:
    return next(r for r in card["indicators"] if r["code"] == code)


def test_an_evaluator_reads_scores_and_is_scoped_to_their_evaluation_through_the_gateway(isolated_settings):
    gateway = own_port(isolated_settings)
    with FrozenClock(clock.utcnow()) as frozen, producers_running(isolated_settings) as (client, workers), \
            running(FundingService, settings=own_port(isolated_settings)), \
            running(SupervisionService, settings=own_port(isolated_settings)), \
            running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        today = clock.today()
        household = client.casework.register_household(workers[STATION], household_input(STATION, 1))
        scheme = client.funding.list_indicator_schemes(county_official(), {})["items"][0]
        evaluation = client.funding.commission_evaluation(county_official(), {
            "subject": {"kind": "station", "id": STATION}, "scheme_id": scheme["id"],
            "evaluator": fx.operator(8, "江苏弘正社会工作评估中心"), "evaluator_user_ids": ["evaluator-1"],
            "period": {"start": today.isoformat(), "end": (today + timedelta(days=30)).isoformat()},
            "due_on": (today + timedelta(days=30)).isoformat()})
        wait_until_caught_up()
        url = f"http://127.0.0.1:{gateway.http_port}/graphql"
        evaluator = mint_token(isolated_settings.token_secret, role="evaluator", user_id="evaluator-1", region=COUNTY)
        county = mint_token(isolated_settings.token_secret, role="county", user_id="official", region=COUNTY)

        def ask(token, query, variables):
            return requests.post(url, json={"query": query, "variables": variables},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30).json()

        answer = ask(evaluator, CARD, {"station": STATION})
        assert "errors" not in answer, answer
        card = answer["data"]["stationScorecard"]
        assert card["subject"] == {"kind": "station", "id": STATION, "stationIds": [STATION]}
        assert card["evidenceMasked"] is True and card["asOf"] == today.isoformat()
        staff = indicator(card, "staff_count")
        assert staff["value"] == 1 and staff["formula"] == "STAFF_COUNT"  # the one worker set_up_stations added
        coverage = indicator(card, "archive_coverage")
        assert coverage["evidenceCount"] == 1
        assert coverage["evidence"][0]["id"] != household["id"] and "****" in coverage["evidence"][0]["id"]
        unmasked = ask(county, CARD, {"station": STATION})["data"]["stationScorecard"]
        assert indicator(unmasked, "archive_coverage")["evidence"][0]["id"] == household["id"]
        paged = ask(evaluator, EVIDENCE, {"station": STATION})["data"]["scorecardEvidence"]
        assert paged["totalCount"] == 1 and paged["nextCursor"] is None and "****" in paged["items"][0]["id"]

        scored = ask(evaluator, SCORE, {"input": {"evaluationId": evaluation["id"], "stationId": STATION,
                                                  "indicator": "staff_count", "score": 50, "note": "一人在岗"}})
        assert "errors" not in scored, scored
        row = indicator(scored["data"]["recordScorecardScore"], "staff_count")
        assert row["evaluatorScores"] == [{"score": 50.0, "difference": round(50 - row["score"], 2),
                                           "note": "一人在岗"}]
        refused = ask(county, SCORE, {"input": {"evaluationId": evaluation["id"], "stationId": STATION,
                                                "indicator": "staff_count", "score": 90, "note": "县级"}})
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        other = ask(evaluator, CARD, {"station": OTHER_STATION})
        assert other["data"]["stationScorecard"] is None
        assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"

        frozen.advance(days=31)
        late = ask(evaluator, CARD, {"station": STATION})
        assert late["data"]["stationScorecard"] is None
        assert late["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "not running" in late["errors"][0]["message"]
