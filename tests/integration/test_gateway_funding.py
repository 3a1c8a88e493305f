"""The gateway in front of the real funding and registry services: real broker, real wire-protocol
store, real HTTP.

One platform per module. Seeding goes through the gateway's own mutations, on the frozen clock
(tenders need their bidding period to pass before review): three registry stations; in 丹阳市
(321181) a fiscal source for its two stations, a provincial lottery fund for elderly services, a
tender with two bids, reviews, the award, the contract, commitments from three budget lines, two
paid disbursements, an amendment and a commissioned evaluation; in 京口区 (321102) the same
process for one station whose operator has reported no staff, so its payment is held (flagged).
Tests that write use failing writes or records of their own, so their order does not matter.
"""
from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import jsonschema
import pytest
import requests

from gateway.service import GatewayService
from services.common import clock, config, storage
from services.common.auth import mint_token
from services.funding.service import FundingService
from services.funding.storage import FundingRepository
from services.funding.usecases import Funding
from services.registry.service import RegistryService
from services.registry.storage import load_reference_data
from tests.support import funding_fixtures as fx
from tests.support import ocds_validation
from tests.support.containers import running
from tests.support.infrastructure import free_port_block, wait_for_port
from tests.unit.test_ocds_disclosure import assert_clean

DANYANG, JINGKOU, CITY = "321181", "321102", "321100"
DANYANG_STATIONS = [fx.STATION, fx.SECOND_STATION]
JINGKOU_STATION = fx.OTHER_COUNTY_STATION
SCHEME = "scheme-jiangsu-station-2021"  # the default indicator scheme the funding service ships
PERSONAL = ["李联系", "张负责", "王发起", "张*责", "1391234", "139****"] + [
    leader["id_number"] for serial in (1, 2, 3, 4) for leader in fx.bid_input(serial)["leaders"]]


@dataclasses.dataclass
class Platform:
    settings: config.Settings
    url: str
    tokens: dict[str, str]  # minted on the real clock, before seeding freezes it
    ids: dict[str, str] = dataclasses.field(default_factory=dict)

    def post(self, query: str, variables: dict | None = None, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        return requests.post(self.url, json={"query": query, "variables": variables}, headers=headers, timeout=30)

    def gql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        response = self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = self.gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def refused(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = self.gql(query, variables, token)
        assert body["data"] is not None and not any(body["data"].values()), body
        return body["errors"][0]


def tokens(secret: str) -> dict[str, str]:
    return {
        "admin": mint_token(secret, role="admin", user_id="ops"),
        "danyang": mint_token(secret, role="county", user_id="danyang-official", region=DANYANG),
        "jingkou": mint_token(secret, role="county", user_id="jingkou-official", region=JINGKOU),
        "city": mint_token(secret, role="city", user_id="zhenjiang-official", region=CITY),
        "evaluator": mint_token(secret, role="evaluator", user_id="evaluator-1", region=CITY),
        "other_evaluator": mint_token(secret, role="evaluator", user_id="evaluator-2", region=CITY),
    }


# --- the API as a client uses it ----------------------------------------------------------------
CREATE_SOURCE = """mutation ($input: CreateFundingSourceInput!) { createFundingSource(input: $input) {
    source { id version amountFen } } }"""
ALLOCATE = """mutation ($source: ID!, $input: AllocateBudgetInput!) { allocateBudget(sourceId: $source, input: $input) {
    budgetLine { id amountFen } } }"""
CREATE_TENDER = """mutation ($input: CreateTenderInput!) { createTender(input: $input) {
    tender { id version status } } }"""
PUBLISH = """mutation ($id: ID!, $version: Int!) { publishTender(id: $id, expectedVersion: $version) {
    tender { status version } } }"""
RECORD_BID = """mutation ($tender: ID!, $input: RecordBidInput!) { recordBid(tenderId: $tender, input: $input) {
    bid { id leaders { id } } tender { version bidCount } } }"""
REVIEW = """mutation ($tender: ID!, $bid: ID!, $input: ReviewBidInput!) {
    reviewBid(tenderId: $tender, bidId: $bid, input: $input) {
      bid { review { qualified totalScore } } tender { version } } }"""
AWARD = """mutation ($id: ID!, $input: AwardTenderInput!) { awardTender(id: $id, input: $input) {
    tender { status version award { amountFen operator { name } } } } }"""
SIGN = """mutation ($tender: ID!, $input: SignContractInput!) { signContract(tenderId: $tender, input: $input) {
    contract { id version amountFen } } }"""
COMMIT = """mutation ($contract: ID!, $input: CommitFundingInput!) {
    commitFunding(contractId: $contract, input: $input) { contract { version committedFen } } }"""
DISBURSE = """mutation ($contract: ID!, $input: RecordDisbursementInput!) {
    recordDisbursement(contractId: $contract, input: $input) { disbursement { id status flagged flags amountFen }
      contract { paidFen heldFen openFlags version } } }"""
AMEND = """mutation ($id: ID!, $input: AmendContractInput!) { amendContract(id: $id, input: $input) {
    contract { version period { end } amendments { reason changes { field before after } } } } }"""
COMMISSION = """mutation ($input: CommissionEvaluationInput!) { commissionEvaluation(input: $input) {
    evaluation { id version status } } }"""
REGISTER_STATION = """mutation ($input: RegisterStationInput!) { registerStation(input: $input) { station { id } } }"""


def tender_input(region: str, stations: list[str], title: str, buyer: str) -> dict:
    return {"title": title, "regionCode": region, "buyer": {"name": buyer},
            "project": {"name": "乡镇(街道)社工站运营", "year": 2026, "rationale": "落实省民政厅社工站建设通知"},
            "stationIds": stations, "serviceDomains": ["SOCIAL_ASSISTANCE", "ELDERLY", "CHILDREN"], "method": "OPEN",
            "budgetFen": 120_000_000, "deadline": "2026-02-10T09:00:00+08:00",
            "contractPeriod": {"start": "2026-03-01", "end": "2026-12-31"}, "eligibility": ["依法登记的社会服务机构"],
            "documents": [{"title": "招标文件", "url": "https://example.org/t.pdf"}]}


def bid_input(serial: int, price_fen: int = 110_000_000) -> dict:
    data = fx.bid_input(serial, price_fen)
    return {"organisation": {"name": data["organisation"]["name"], "creditCode": data["organisation"]["credit_code"],
                             "qualifications": data["organisation"]["qualifications"]},
            "contact": {"name": data["contact"]["name"], "phone": data["contact"]["phone"]},
            "leaders": [{"name": leader["name"], "role": leader["role"].upper(), "idNumber": leader["id_number"]}
                        for leader in data["leaders"]],
            "priceFen": price_fen, "proposal": data["proposal"]}


def review_input(version: int, leader_ids: list[str], score: float) -> dict:
    return {"expectedVersion": version,
            "checklist": [{"code": code, "passed": True} for code in (
                "LEGAL_REGISTRATION", "CREDIT_RECORD", "PROFESSIONAL_STAFF", "FINANCIAL_MANAGEMENT",
                "SERVICE_EXPERIENCE", "CHARITY_RECOGNITION")],
            "leaders": [{"leaderId": leader, "politicalQuality": True, "workExperience": True,
                         "professionalEthics": True} for leader in leader_ids],
            "scores": [{"criterion": "技术方案", "score": score * 0.6, "maxScore": 60},
                       {"criterion": "价格", "score": score * 0.3, "maxScore": 30},
                       {"criterion": "信誉", "score": score * 0.1, "maxScore": 10}]}


def contract_input() -> dict:
    milestones = []
    for m in fx.milestones():
        evidence = m.get("evidence") or {}
        milestone = {"id": m["id"], "title": m["title"], "type": m["type"].upper(), "dueOn": m["due_on"],
                     "amountFen": m["amount_fen"], "deliverables": m.get("deliverables", [])}
        if m.get("domain"):
            milestone["domain"] = m["domain"].upper()
        if evidence:
            milestone["evidence"] = {
                "documentsRequired": evidence.get("documents_required", False), "minGrade": evidence.get("min_grade"),
                "metric": {"name": evidence["metric"]["name"].upper(), "target": evidence["metric"]["target"]}
                if evidence.get("metric") else None}
        milestones.append(milestone)
    return {"signedOn": "2026-02-20", "milestones": milestones,
            "staffingPromise": {"professionalSocialWorkersPerStation": 3, "monthlyPayFen": 1_150_000}}


def open_tender(platform: Platform, who: str, tender: dict, bids: list[tuple[int, int]]) -> tuple[str, list[dict]]:
    """Create, publish and receive bids (on the day the clock is frozen at)."""
    created = platform.ok(CREATE_TENDER, {"input": tender}, who)["createTender"]["tender"]
    platform.ok(PUBLISH, {"id": created["id"], "version": created["version"]}, who)
    received = [platform.ok(RECORD_BID, {"tender": created["id"], "input": bid_input(serial, price)}, who)["recordBid"]
                for serial, price in bids]
    return created["id"], [r["bid"] for r in received]


def award_and_sign(platform: Platform, who: str, tender_id: str, bids: list[dict]) -> str:
    """After the deadline: review every bid (the first scores best), award the first, sign."""
    version = None
    for bid, score in zip(bids, (90, 80), strict=False):
        version = version or platform.ok("query ($id: ID!) { tender(id: $id) { version } }", {"id": tender_id},
                                         who)["tender"]["version"]
        reviewed = platform.ok(REVIEW, {"tender": tender_id, "bid": bid["id"], "input": review_input(
            version, [leader["id"] for leader in bid["leaders"]], score)}, who)["reviewBid"]
        assert reviewed["bid"]["review"]["qualified"] is True
        version = reviewed["tender"]["version"]
    awarded = platform.ok(AWARD, {"id": tender_id, "input": {"expectedVersion": version, "bidId": bids[0]["id"]}},
                          who)["awardTender"]["tender"]
    assert awarded["status"] == "AWARDED"
    return platform.ok(SIGN, {"tender": tender_id, "input": contract_input()}, who)["signContract"]["contract"]["id"]


def source_and_lines(platform: Platform, who: str, source: dict, lines: list[dict]) -> tuple[str, list[str]]:
    created = platform.ok(CREATE_SOURCE, {"input": source}, who)["createFundingSource"]["source"]
    return created["id"], [platform.ok(ALLOCATE, {"source": created["id"], "input": line}, who)[
        "allocateBudget"]["budgetLine"]["id"] for line in lines]


def prime_staffing(station_ids: list[str]) -> None:
    """The staffing projection as the registry's staff events leave it (the event flow itself is
    tested in test_funding_events): three professional social workers in post, pay and insurance met."""
    use_cases = Funding(FundingRepository(storage.database("funding")))
    for station_id in station_ids:
        for event in fx.staffed_station_events(station_id):
            {"staff.joined": use_cases.project_staff_joined,
             "station.compliance_changed": use_cases.project_compliance}[event.type](event)


def seed(platform: Platform) -> None:
    ids = platform.ids
    names = {fx.STATION: "丹阳市云阳街道社工站", fx.SECOND_STATION: "丹阳市曲阿街道社工站",
             JINGKOU_STATION: "京口区正东路街道社工站"}
    for serial, station_id in enumerate([*DANYANG_STATIONS, JINGKOU_STATION], start=1):
        platform.ok(REGISTER_STATION, {"input": {
            "townshipCode": station_id[2:], "name": names[station_id], "legalForm": "OPERATED_BY_ORGANISATION",
            "status": "OPERATING", "statusSince": "2023-03-01", "venue": {"officeAreaM2": 60.0, "signboardHung": True},
            "operator": {"name": "原运营机构", "creditCode": fx.credit_code(station_id[2:8], 900 + serial)},
        }}, "admin")

    with clock.FrozenClock(fx.START) as frozen:
        ids["danyang_source"], [ids["danyang_line_1"], ids["danyang_line_2"]] = source_and_lines(
            platform, "danyang",
            {"name": "2026年丹阳市社工站建设财政资金", "kind": "FISCAL", "year": 2026, "regionCode": DANYANG,
             "funder": {"name": "丹阳市财政局"}, "documentNumber": "丹财社〔2026〕1号", "amountFen": 100_000_000},
            [{"stationId": DANYANG_STATIONS[0], "amountFen": 60_000_000},
             {"stationId": DANYANG_STATIONS[1], "amountFen": 40_000_000}])
        ids["lottery_source"], [ids["lottery_line"]] = source_and_lines(
            platform, "admin",
            {"name": "2026年省级福彩公益金(养老服务)", "kind": "LOTTERY", "domain": "ELDERLY", "year": 2026,
             "regionCode": "320000", "funder": {"name": "江苏省民政厅"}, "amountFen": 500_000_000},
            [{"project": {"name": "丹阳市养老社工服务", "regionCode": DANYANG}, "domain": "ELDERLY",
              "amountFen": 20_000_000}])
        ids["jingkou_source"], [ids["jingkou_line"]] = source_and_lines(
            platform, "jingkou",
            {"name": "2026年京口区社工站建设财政资金", "kind": "FISCAL", "year": 2026, "regionCode": JINGKOU,
             "funder": {"name": "京口区财政局"}, "amountFen": 50_000_000},
            [{"stationId": JINGKOU_STATION, "amountFen": 50_000_000}])

        ids["danyang_tender"], danyang_bids = open_tender(
            platform, "danyang",
            tender_input(DANYANG, DANYANG_STATIONS, "2026年丹阳市云阳街道、曲阿街道社工站运营服务项目",
                                              "丹阳市民政局"), [(1, 110_000_000), (2, 100_000_000)])
        ids["jingkou_tender"], jingkou_bids = open_tender(
            platform, "jingkou", tender_input(JINGKOU, [JINGKOU_STATION], "2026年京口区正东路街道社工站运营服务项目",
                                              "京口区民政局"), [(3, 110_000_000), (4, 105_000_000)])

        frozen.advance(days=40)  # the bidding period is over
        ids["danyang_contract"] = award_and_sign(platform, "danyang", ids["danyang_tender"], danyang_bids)
        ids["jingkou_contract"] = award_and_sign(platform, "jingkou", ids["jingkou_tender"], jingkou_bids)
        for line, amount in (("danyang_line_1", 60_000_000), ("danyang_line_2", 40_000_000),
                             ("lottery_line", 10_000_000)):
            platform.ok(COMMIT, {"contract": ids["danyang_contract"],
                                 "input": {"budgetLineId": ids[line], "amountFen": amount}}, "danyang")
        platform.ok(COMMIT, {"contract": ids["jingkou_contract"],
                             "input": {"budgetLineId": ids["jingkou_line"], "amountFen": 50_000_000}}, "jingkou")
        prime_staffing(DANYANG_STATIONS)  # 京口's operator has reported no staff

        frozen.advance(days=60)
        staffing_paid = platform.ok(DISBURSE, {"contract": ids["danyang_contract"], "input": {
            "milestoneId": "M1", "budgetLineId": ids["danyang_line_1"], "amountFen": 27_500_000,
            "paidOn": "2026-03-31", "voucherNumber": "DY-2026-001"}}, "danyang")["recordDisbursement"]
        report_paid = platform.ok(DISBURSE, {"contract": ids["danyang_contract"], "input": {
            "milestoneId": "M4", "budgetLineId": ids["danyang_line_2"], "amountFen": 1_234_567,
            "paidOn": "2026-04-01", "voucherNumber": "DY-2026-002",
            "evidence": {"documents": [{"title": "季度服务报告", "number": "BG-2026-01"}]}}},
            "danyang")["recordDisbursement"]
        held = platform.ok(DISBURSE, {"contract": ids["jingkou_contract"], "input": {
            "milestoneId": "M4", "budgetLineId": ids["jingkou_line"], "amountFen": 500_000,
            "paidOn": "2026-04-01", "voucherNumber": "JK-2026-001",
            "evidence": {"documents": [{"title": "季度服务报告"}]}}}, "jingkou")["recordDisbursement"]
        assert staffing_paid["disbursement"]["status"] == report_paid["disbursement"]["status"] == "PAID"
        assert held["disbursement"]["status"] == "HELD" and held["disbursement"]["flags"]
        ids["held_disbursement"] = held["disbursement"]["id"]

        version = platform.ok("query ($id: ID!) { contract(id: $id) { version } }", {"id": ids["danyang_contract"]},
                              "danyang")["contract"]["version"]
        platform.ok(AMEND, {"id": ids["danyang_contract"], "input": {
            "expectedVersion": version, "reason": "延长服务期至次年2月", "periodEnd": "2027-02-28"}}, "danyang")
        ids["evaluation"] = platform.ok(COMMISSION, {"input": {
            "subject": {"kind": "CONTRACT", "id": ids["danyang_contract"]}, "schemeId": SCHEME,
            "evaluator": {"name": "江苏弘正社会工作评估中心", "creditCode": fx.credit_code("320100", 901)},
            "evaluatorUserIds": ["evaluator-1"], "dueOn": "2026-09-30"}}, "danyang")["commissionEvaluation"][
            "evaluation"]["id"]


@pytest.fixture(scope="module")
def platform(mongo_server, rabbit_vhost):
    base = config.Settings(amqp_uri=rabbit_vhost, mongo_uri=mongo_server, database_prefix=f"t{uuid.uuid4().hex[:10]}",
                           rpc_timeout_seconds=10, http_port=free_port_block(3))
    config.override(base)
    load_reference_data(storage.database("registry"))  # regions and wages
    fx.prepare_store()  # funding's indexes, wages and the default indicator scheme
    # Each container its own HTTP port (they all serve /health/*).
    with (running(RegistryService, settings=dataclasses.replace(base, http_port=base.http_port + 1)),
          running(FundingService, settings=dataclasses.replace(base, http_port=base.http_port + 2)),
          running(GatewayService, settings=base)):
        wait_for_port(base.http_port)
        platform = Platform(base, f"http://127.0.0.1:{base.http_port}/graphql", tokens(base.token_secret))
        seed(platform)
        yield platform
    config.override(None)


# --- scope: officials see their region's figures only --------------------------------------------
SUPERVISION = """query ($region: String!) { fundSupervision(region: $region, year: 2026) { regionCode
    rows { sourceName sourceKind allocatedFen contractedFen disbursedFen flaggedFen remainingFen unallocatedFen }
    byKind { sourceKind disbursedFen } total { allocatedFen contractedFen disbursedFen flaggedFen remainingFen } } }"""


def test_a_county_official_sees_only_their_regions_figures(platform):
    danyang = platform.ok(SUPERVISION, {"region": DANYANG}, "danyang")["fundSupervision"]
    rows = {r["sourceName"]: r for r in danyang["rows"]}
    assert set(rows) == {"2026年丹阳市社工站建设财政资金", "2026年省级福彩公益金(养老服务)"}
    fiscal = rows["2026年丹阳市社工站建设财政资金"]
    assert (fiscal["allocatedFen"], fiscal["contractedFen"], fiscal["disbursedFen"], fiscal["remainingFen"]) == (
        100_000_000, 100_000_000, 28_734_567, 71_265_433)
    assert rows["2026年省级福彩公益金(养老服务)"]["contractedFen"] == 10_000_000
    assert danyang["total"]["flaggedFen"] == 0
    # Asking for the whole city gives a county official their county, not the city.
    narrowed = platform.ok(SUPERVISION, {"region": CITY}, "danyang")["fundSupervision"]
    assert narrowed == {**danyang, "regionCode": DANYANG}
    # Another county sees nothing of 丹阳, and its own held payment as flagged.
    assert platform.ok(SUPERVISION, {"region": DANYANG}, "jingkou")["fundSupervision"]["rows"] == []
    jingkou = platform.ok(SUPERVISION, {"region": JINGKOU}, "jingkou")["fundSupervision"]
    assert (jingkou["total"]["disbursedFen"], jingkou["total"]["flaggedFen"]) == (0, 500_000)
    city = platform.ok(SUPERVISION, {"region": CITY}, "city")["fundSupervision"]
    assert city["total"]["disbursedFen"] == 28_734_567 and city["total"]["flaggedFen"] == 500_000

    query = """query ($other: ID!) { contracts { totalCount items { id } } other: contract(id: $other) { id }
        disbursements { items { status flagged flags } } fundingSources { totalCount } }"""
    own = platform.ok(query, {"other": platform.ids["jingkou_contract"]}, "danyang")
    assert [c["id"] for c in own["contracts"]["items"]] == [platform.ids["danyang_contract"]]
    assert own["other"] is None  # out of scope looks exactly like unknown
    assert {d["status"] for d in own["disbursements"]["items"]} == {"PAID"}
    assert own["fundingSources"]["totalCount"] == 1  # the provincial lottery source is not the county's
    jingkou_view = platform.ok(query, {"other": platform.ids["danyang_contract"]}, "jingkou")
    [held] = jingkou_view["disbursements"]["items"]
    assert held["status"] == "HELD" and held["flagged"] and "ST321102001" in held["flags"][0]
    assert platform.ok("{ contracts { totalCount } }", token="city")["contracts"]["totalCount"] == 2


def test_contract_details_read_back_with_history_promise_and_staffing(platform):
    data = platform.ok("""query ($id: ID!) { contract(id: $id) { title amountFen committedFen paidFen remainingFen
        operator { name creditCode } period { start end } stations { id name }
        staffingPromise { professionalSocialWorkersPerStation monthlyPayFen referenceWage { monthlyWageFen } }
        milestones { id type paidFen remainingFen evidence { metric { name target } minGrade } }
        funding { sourceKind committedFen paidFen budgetLine { stationId station { id } } }
        amendments { reason changes { field before after } }
        staffing(on: "2026-04-01") { kept problems stations { stationId professionalStaff } }
        tender { status bids { organisation { name } review { totalScore qualified } } }
        evaluations { id status evaluator { name } scheme { indicators { code } } } } }""",
                       {"id": platform.ids["danyang_contract"]}, "danyang")["contract"]
    assert (data["amountFen"], data["committedFen"], data["paidFen"]) == (110_000_000, 110_000_000, 28_734_567)
    assert data["period"] == {"start": "2026-03-01", "end": "2027-02-28"}
    assert data["amendments"] == [{"reason": "延长服务期至次年2月",
                                   "changes": [{"field": "period_end", "before": "2026-12-31", "after": "2027-02-28"}]}]
    assert sorted(s["id"] for s in data["stations"]) == DANYANG_STATIONS
    assert data["staffingPromise"]["referenceWage"]["monthlyWageFen"] == fx.AVERAGE_WAGE_FEN
    assert {m["id"]: m["paidFen"] for m in data["milestones"]}["M1"] == 27_500_000
    assert data["staffing"]["kept"] is True and [s["professionalStaff"] for s in data["staffing"]["stations"]] == [3, 3]
    assert [b["review"]["totalScore"] for b in data["tender"]["bids"]] == [90.0, 80.0]
    assert data["evaluations"][0]["evaluator"]["name"] == "江苏弘正社会工作评估中心"
    assert len(data["evaluations"][0]["scheme"]["indicators"]) == 13


# --- the public ---------------------------------------------------------------------------------
PUBLIC = """{ disclosureFeed(first: 10) { totalCount package { version publisherName }
    items { ocid tag title buyerName regionCode tenderStatus budgetFen awardedFen contractValueFen paidFen
            numberOfTenderers supplierNames withheld { field name rationale } release } }
  lotteryFundUse(year: 2026) { sources { name allocatedFen contractedFen disbursedFen
    uses { operatorName paidFen release { ocid } } } } }"""


def test_the_public_reads_the_disclosure_feed_without_a_token_and_no_personal_data_in_it(platform):
    response = platform.post(PUBLIC)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body["errors"]
    feed = body["data"]["disclosureFeed"]
    assert feed["totalCount"] == 2 and feed["package"]["version"] == "1.1"
    releases = {r["regionCode"]: r for r in feed["items"]}
    danyang, jingkou = releases[DANYANG], releases[JINGKOU]
    assert len(danyang["tag"]) == 1  # the latest release; the OCDS packages hold all of them
    assert (danyang["awardedFen"], danyang["paidFen"], danyang["numberOfTenderers"]) == (110_000_000, 28_734_567, 2)
    assert danyang["supplierNames"] == [fx.operator(1)["name"]]
    for release in feed["items"]:
        jsonschema.validate(release["release"], fx.ocds_schema())
    # The held payment is not published; it is listed as withheld, with the reason.
    assert jingkou["paidFen"] == 0
    assert any(w["field"] == "contracts/implementation/transactions" for w in jingkou["withheld"])
    assert {w["field"] for w in danyang["withheld"]} == {"parties/contactPoint", "bids/details/leaders"}
    text = json.dumps(body, ensure_ascii=False)
    leaked = [value for value in PERSONAL if value in text]
    assert leaked == []
    lottery = body["data"]["lotteryFundUse"]["sources"]
    assert [(s["allocatedFen"], s["contractedFen"]) for s in lottery] == [(20_000_000, 10_000_000)]

    over_get = requests.get(platform.url, params={"query": "{ disclosureFeed { totalCount } }"}, timeout=10)
    assert over_get.status_code == 200 and over_get.json()["data"] == {"disclosureFeed": {"totalCount": 2}}
    one = platform.ok("query ($ocid: String!) { disclosureRelease(ocid: $ocid) { ocid title } }",
                      {"ocid": danyang["ocid"]})
    assert one["disclosureRelease"]["title"] == danyang["title"]


def test_the_public_sees_nothing_that_is_not_published(platform):
    body = platform.gql("""{ fundingSources { totalCount } contracts { totalCount } disbursements { totalCount }
        evaluations { totalCount } tenders { totalCount } fundSupervision(region: "320000") { regionCode } }""")
    assert body["data"] == {"fundingSources": {"totalCount": 0}, "contracts": {"totalCount": 0},
                            "disbursements": {"totalCount": 0}, "evaluations": {"totalCount": 0},
                            "tenders": {"totalCount": 0}, "fundSupervision": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    write = platform.refused(CREATE_SOURCE, {"input": {
        "name": "匿名资金", "kind": "FISCAL", "year": 2026, "regionCode": DANYANG, "funder": {"name": "丹阳市财政局"},
        "amountFen": 1}})
    assert write["extensions"]["code"] == "FORBIDDEN"


# --- evaluators --------------------------------------------------------------------------------
def test_an_evaluator_scores_but_cannot_create_tenders(platform):
    refused = platform.refused(CREATE_TENDER, {"input": tender_input(DANYANG, DANYANG_STATIONS, "评估机构不能发起招标",
                                                                     "丹阳市民政局")}, "evaluator")
    assert refused["extensions"]["code"] == "FORBIDDEN"
    assert platform.refused(ALLOCATE, {"source": platform.ids["danyang_source"], "input": {
        "stationId": DANYANG_STATIONS[0], "amountFen": 1}}, "evaluator")["extensions"]["code"] == "FORBIDDEN"

    mine = platform.ok("""{ evaluations(assignedToMe: true) { items { id version status
        scheme { indicators { code maxScore } } contract { id tender { bids { leaders { name idNumber } } } } } } }""",
                       token="evaluator")["evaluations"]["items"]
    [evaluation] = [e for e in mine if e["id"] == platform.ids["evaluation"]]
    leader = evaluation["contract"]["tender"]["bids"][0]["leaders"][0]
    assert "*" in leader["name"] and "*" in leader["idNumber"]  # read-only roles see people masked
    scores = [{"indicator": i["code"], "score": i["maxScore"] * 0.8, "comment": "按评估细则核查,符合要求"}
              for i in evaluation["scheme"]["indicators"]]
    score = """mutation ($id: ID!, $input: ScoreEvaluationInput!) { scoreEvaluation(id: $id, input: $input) {
        evaluation { version status scores { indicator score by } } } }"""
    variables = {"id": evaluation["id"], "input": {"expectedVersion": evaluation["version"], "scores": scores}}
    not_assigned = platform.refused(score, variables, "other_evaluator")
    assert not_assigned["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
    scored = platform.ok(score, variables, "evaluator")["scoreEvaluation"]["evaluation"]
    assert scored["status"] == "IN_PROGRESS" and {s["by"] for s in scored["scores"]} == {"evaluator-1"}
    completed = platform.ok("""mutation ($id: ID!, $version: Int!) { completeEvaluation(id: $id,
        input: {expectedVersion: $version, summary: "运营规范,服务达标"}) { evaluation { status total grade } } }""",
                            {"id": evaluation["id"], "version": scored["version"]}, "evaluator")
    assert completed["completeEvaluation"]["evaluation"] == {"status": "COMPLETED", "total": 80.0, "grade": "良好"}


# --- batching ---------------------------------------------------------------------------------
CONTRACTS = """query ($first: Int) { contracts(first: $first) { items { id amountFen
    stations { id name } tender { status bids { id } } milestones { id paidFen }
    disbursements { id status flags milestone { title } } evaluations { status grade } staffing { kept } } } }"""


def test_rpc_calls_do_not_grow_with_the_number_of_contracts_or_stations(platform):
    one = platform.gql(CONTRACTS, {"first": 1}, "city")
    two = platform.gql(CONTRACTS, {"first": 2}, "city")
    assert [len(b["data"]["contracts"]["items"]) for b in (one, two)] == [1, 2]
    assert "errors" not in two, two["errors"]
    # list_contracts, get_stations (registry), get_tenders, bids_for_tenders, disbursements_for_contracts,
    # get_contracts (each disbursement's milestone), evaluations_for_contracts, contract_staffing
    assert one["extensions"]["rpcCalls"] == two["extensions"]["rpcCalls"] == 8
    assert two["extensions"]["cost"] > one["extensions"]["cost"]

    stations = """query ($first: Int) { stations(first: $first) { items { id contracts { id
        disbursements { amountFen } evaluations { status } } } } }"""
    few = platform.gql(stations, {"first": 1}, "admin")
    all_of_them = platform.gql(stations, {"first": 3}, "admin")
    assert "errors" not in all_of_them, all_of_them["errors"]
    assert sum(len(s["contracts"]) for s in all_of_them["data"]["stations"]["items"]) == 3
    # list_stations (registry), contracts_for_stations, disbursements_for_contracts, evaluations_for_contracts
    assert few["extensions"]["rpcCalls"] == all_of_them["extensions"]["rpcCalls"] == 4


# --- typed errors -------------------------------------------------------------------------------
def test_refused_writes_come_back_typed_and_write_nothing(platform):
    contract_id = platform.ids["danyang_contract"]
    before = platform.ok("query ($id: ID!) { contract(id: $id) { version paidFen } }", {"id": contract_id},
                         "danyang")["contract"]
    over = platform.refused(DISBURSE, {"contract": contract_id, "input": {
        "milestoneId": "M4", "budgetLineId": platform.ids["danyang_line_2"], "amountFen": 40_000_000,
        "paidOn": "2026-04-02", "voucherNumber": "DY-ERR-1", "evidence": {"documents": [{"title": "报告"}]}}},
                            "danyang")
    assert over["extensions"]["code"] == "RULE_VIOLATION" and "amountFen" in over["extensions"]["details"]
    earmark = platform.refused(DISBURSE, {"contract": contract_id, "input": {
        "milestoneId": "M4", "budgetLineId": platform.ids["lottery_line"], "amountFen": 100,
        "paidOn": "2026-04-02", "voucherNumber": "DY-ERR-2", "evidence": {"documents": [{"title": "报告"}]}}},
                               "danyang")
    assert earmark["extensions"]["code"] == "RULE_VIOLATION" and "专款专用" in earmark["message"]
    no_evidence = platform.refused(DISBURSE, {"contract": contract_id, "input": {
        "milestoneId": "M4", "budgetLineId": platform.ids["danyang_line_2"], "amountFen": 100,
        "paidOn": "2026-04-02", "voucherNumber": "DY-ERR-3"}}, "danyang")
    assert no_evidence["extensions"]["code"] == "RULE_VIOLATION" and "evidence" in no_evidence["extensions"]["details"]
    fraction = platform.gql(DISBURSE, {"contract": contract_id, "input": {
        "milestoneId": "M4", "budgetLineId": platform.ids["danyang_line_2"], "amountFen": 100.5,
        "paidOn": "2026-04-02", "voucherNumber": "DY-ERR-4"}}, "danyang")
    assert fraction["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "data" not in fraction
    stale = platform.refused(AMEND, {"id": contract_id, "input": {
        "expectedVersion": before["version"] - 1, "reason": "过期的版本", "periodEnd": "2027-01-31"}}, "danyang")
    assert stale["extensions"]["code"] == "CONCURRENT_MODIFICATION"
    bad_bid = bid_input(5)
    bad_bid["organisation"]["creditCode"] = "91320000123456789X"
    invalid = platform.refused(RECORD_BID, {"tender": platform.ids["danyang_tender"], "input": bad_bid}, "danyang")
    assert invalid["extensions"]["code"] == "BAD_USER_INPUT"
    assert "organisation.creditCode" in invalid["extensions"]["details"]
    other_county = platform.refused(COMMIT, {"contract": contract_id, "input": {
        "budgetLineId": platform.ids["jingkou_line"], "amountFen": 1}}, "jingkou")
    assert other_county["extensions"]["code"] == "NOT_FOUND"
    after = platform.ok("query ($id: ID!) { contract(id: $id) { version paidFen } }", {"id": contract_id},
                        "danyang")["contract"]
    assert after == before


# --- the OCDS packages at their stable URLs ------------------------------------------------------
def get_public(platform: Platform, path: str, **params) -> requests.Response:
    return requests.get(platform.url.removesuffix("/graphql") + path, params=params, timeout=30)


def test_release_and_record_packages_hold_every_release_and_are_valid_ocds(platform, tmp_path):
    base = platform.settings.public_url()
    first = get_public(platform, "/public/ocds/releases.json", limit=1)
    assert first.status_code == 200 and first.headers["Access-Control-Allow-Origin"] == "*"
    package = first.json()
    assert package["uri"] == f"{base}/public/ocds/releases.json?limit=1"
    assert first.headers["X-Total-Count"] == "2" and len({r["ocid"] for r in package["releases"]}) == 1
    following = first.links["next"]["url"]
    assert following.startswith(f"{base}/public/ocds/releases.json?limit=1&after=")
    second = requests.get(following, timeout=30)
    assert "next" not in second.links
    releases = package["releases"] + second.json()["releases"]
    assert len({r["ocid"] for r in releases}) == 2 and len({r["id"] for r in releases}) == len(releases)
    danyang = [r for r in releases if r["buyer"]["name"] == "丹阳市民政局"]
    tags = [r["tag"][0] for r in danyang]
    assert tags[:3] == ["tender", "award", "contract"] and tags.count("planningUpdate") == 3
    assert tags.count("implementation") == 2 and tags.count("contractAmendment") == 1
    assert [r["date"] for r in danyang] == sorted(r["date"] for r in danyang)

    assert_clean(ocds_validation.review(package, tmp_path / "releases", base))
    records = get_public(platform, "/public/ocds/records.json").json()
    assert len(records["records"]) == 2
    for record in records["records"]:
        assert record["compiledRelease"]["tag"] == ["compiled"]
        assert record["releases"] == [r for r in releases if r["ocid"] == record["ocid"]]
    assert_clean(ocds_validation.review(records, tmp_path / "records", base))
    text = json.dumps([package, records], ensure_ascii=False)
    assert [value for value in PERSONAL if value in text] == []
    assert "CN-USCC" not in text and "CN-NAME" not in text


def test_the_declared_extension_and_policy_are_served_where_the_packages_say(platform):
    package = get_public(platform, "/public/ocds/releases.json").json()
    own = [url for url in package["extensions"] if url.startswith(platform.settings.public_url())]
    assert own == [f"{platform.settings.public_url()}/public/ocds/extension/extension.json"]
    served = requests.get(own[0], timeout=30)
    assert served.status_code == 200 and served.json()["schemas"] == ["release-schema.json"]
    schema = requests.get(own[0].replace("extension.json", "release-schema.json"), timeout=30).json()
    assert "withheldInformation" in schema["properties"]
    assert requests.get(own[0].replace("extension.json", "other.json"), timeout=30).status_code == 404
    policy = requests.get(package["publicationPolicy"], timeout=30)
    assert policy.status_code == 200 and "PIPL" in policy.text


def test_a_bad_page_request_is_refused_with_400(platform):
    response = get_public(platform, "/public/ocds/releases.json", limit=1000)
    assert response.status_code == 400 and response.json()["error"]["code"] == "BAD_USER_INPUT"
    assert get_public(platform, "/public/ocds/records.json", year="soon").status_code == 400


@pytest.mark.parametrize(("path", "name"), [
    ("organisation.name", "阳光\u202e中心"), ("organisation.name", "\u3000 \u3000"),
    ("contact.name", "王\u200b五"), ("leaders.0.name", "李\x00四"), ("leaders.0.name", "\x1b[31m李四")])
def test_a_bid_with_a_hidden_character_in_a_name_is_refused(platform, path, name):
    bid = bid_input(6)
    if path.startswith("leaders"):
        bid["leaders"][0]["name"] = name
    else:
        bid[path.split(".")[0]]["name"] = name
    error = platform.refused(RECORD_BID, {"tender": platform.ids["danyang_tender"], "input": bid}, "danyang")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["details"]) == {path}, error


def test_the_event_description_is_served_as_committed(platform):
    served = get_public(platform, "/public/asyncapi.json")
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("application/json")
    committed = (Path(__file__).resolve().parents[2] / "gateway" / "asyncapi.json").read_text(encoding="utf-8")
    assert served.json() == json.loads(committed)
    assert served.json()["asyncapi"] == "3.0.0"
