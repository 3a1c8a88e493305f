"""The funding part of the schema: enums in step with the service, money in whole fen, what
mutations hand to the service, public reads without a token, role scoping and typed errors."""
from __future__ import annotations

import json

import pytest
from graphql import get_named_type, is_leaf_type, parse

from gateway.execution import GraphQLEndpoint
from gateway.guards import measure_operation
from gateway.schema import COST_MODEL, schema
from gateway.schema.funding import enums as funding_schema
from services.common import config
from services.common.errors import RuleViolation
from services.funding import closing, contracts, earmarks, evaluation, procurement
from tests.support.gateway_fakes import FakeRegistry, gateway_request, token_for
from tests.support.gateway_funding_fakes import FakeFunding, registry_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=100_000)
ADMIN = token_for("admin")
COUNTY = token_for("county", user_id="danyang-official", region="321181")
OTHER_COUNTY = token_for("county", region="321102")
EVALUATOR = token_for("evaluator", user_id="evaluator-1", region="321100")


def run(query, variables=None, token=ADMIN, funding=None, registry=None):
    funding = funding if funding is not None else FakeFunding()
    registry = registry if registry is not None else registry_for(3)
    return gateway_request(ENDPOINT, registry, query, variables=variables, token=token, settings=SETTINGS,
                           funding=funding).json()


def values(enum) -> set:
    return {member.value for member in enum._meta.enum}


def test_enums_offer_exactly_what_the_funding_service_accepts():
    assert values(funding_schema.FundingSourceKind) == set(earmarks.SOURCE_KINDS)
    assert values(funding_schema.FundingDomain) == set(earmarks.DOMAINS)
    assert values(funding_schema.ProcurementMethod) == set(procurement.METHODS)
    assert values(funding_schema.BidLeaderRole) == set(procurement.LEADER_ROLES)
    assert values(funding_schema.ReviewChecklistItem) == set(procurement.CHECKLIST_CODES)
    assert values(funding_schema.TenderStatus) == {procurement.DRAFT, procurement.PUBLISHED, procurement.AWARDED,
                                                   procurement.CANCELLED}
    assert values(funding_schema.ContractStatus) == {contracts.ACTIVE, closing.CLOSED}
    assert values(funding_schema.MilestoneType) == set(contracts.MILESTONE_TYPES)
    assert values(funding_schema.PlatformMetric) == set(contracts.METRICS)
    assert values(funding_schema.DisbursementStatus) == {contracts.PAID, contracts.HELD, contracts.CANCELLED}
    assert values(funding_schema.EvaluationStatus) == {evaluation.COMMISSIONED, evaluation.IN_PROGRESS,
                                                       evaluation.COMPLETED}
    assert values(funding_schema.EvaluationSubjectKind) == set(evaluation.SUBJECT_KINDS)


def test_money_is_whole_fen_in_fields_named_fen():
    graphql_schema = schema.graphql_schema
    money_words = ("fen", "amount", "price", "pay", "wage", "cost")
    checked = 0
    for type_name in ("FundingSource", "BudgetLine", "Tender", "Bid", "Contract", "Milestone", "ContractFunding",
                      "Disbursement", "SupervisionRow", "SupervisionTotal", "SourceCost", "RegionCost",
                      "DisclosureRelease", "LotterySource", "LotteryUse", "StaffingPromise", "ReferenceWage",
                      "CreateFundingSourceInput", "AllocateBudgetInput", "CreateTenderInput", "RecordBidInput",
                      "MilestoneInput", "StaffingPromiseInput", "SignContractInput", "AmendContractInput",
                      "CommitFundingInput", "RecordDisbursementInput"):
        for name, field in graphql_schema.get_type(type_name).fields.items():
            named = get_named_type(field.type)
            if not is_leaf_type(named):
                continue
            assert name.endswith("Fen") == (named.name == "Fen"), f"{type_name}.{name}"
            if any(word in name.lower() for word in money_words):
                checked += 1
                assert name.endswith("Fen"), f"{type_name}.{name}"
    assert checked > 40
    # Every field of type Fen, anywhere, is named ...Fen.
    for type_name, graphql_type in graphql_schema.type_map.items():
        for name, field in (getattr(graphql_type, "fields", None) or {}).items():
            if get_named_type(field.type).name == "Fen":
                assert name.endswith("Fen"), f"{type_name}.{name}"


def test_amounts_beyond_32_bits_come_through_exactly():
    # 600 million yuan: more than GraphQL's Int can carry (2,147,483,647 fen).
    data = run('{ fundSupervision(region: "321181") { total { allocatedFen remainingFen } } }', token=COUNTY)["data"]
    assert data["fundSupervision"]["total"] == {"allocatedFen": 60_000_000_000, "remainingFen": 59_998_500_000}


@pytest.mark.parametrize("amount", [12.5, "100", True, 2**53])
def test_amounts_not_in_whole_fen_are_refused_before_anything_is_sent(amount):
    funding = FakeFunding()
    body = run("""mutation ($amount: Fen!) { createFundingSource(input: {name: "丹阳市财政资金", kind: FISCAL,
        year: 2026, regionCode: "321181", funder: {name: "丹阳市财政局"}, amountFen: $amount}) { source { id } } }""",
               {"amount": amount}, funding=funding)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and funding.writes == []
    literal = run("""mutation { commitFunding(contractId: "ctr_001", input: {budgetLineId: "bl_1", amountFen: 10.5}) {
        contract { id } } }""", funding=funding)
    assert literal["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and funding.writes == []


def test_create_tender_passes_snake_case_data_with_enum_values():
    funding = FakeFunding()
    body = run("""mutation ($input: CreateTenderInput!) { createTender(input: $input) { tender { id status } } }""",
               {"input": {
                   "title": "2026年丹阳市社工站运营服务项目", "regionCode": "321181", "buyer": {"name": "丹阳市民政局"},
                   "project": {"name": "社工站运营", "year": 2026}, "stationIds": ["ST321181001"],
                   "serviceDomains": ["ELDERLY", "CHILDREN"], "method": "OPEN", "budgetFen": 120_000_000,
                   "deadline": "2026-02-10T09:00:00+08:00",
                   "contractPeriod": {"start": "2026-03-01", "end": "2026-12-31"}, "awardCriteria": "LOWEST_PRICE",
                   "documents": [{"title": "招标文件", "url": "https://example.org/t.pdf"}]}},
               token=COUNTY, funding=funding)
    assert body["data"]["createTender"]["tender"]["status"] == "AWARDED"
    [(name, (data,))] = funding.writes
    assert name == "create_tender" and data == {
        "title": "2026年丹阳市社工站运营服务项目", "region_code": "321181", "buyer": {"name": "丹阳市民政局"},
        "project": {"name": "社工站运营", "year": 2026}, "station_ids": ["ST321181001"],
        "service_domains": ["elderly", "children"], "method": "open", "budget_fen": 120_000_000,
        "deadline": "2026-02-10T01:00:00.000000Z", "contract_period": {"start": "2026-03-01", "end": "2026-12-31"},
        "award_criteria": "lowest_price", "documents": [{"title": "招标文件", "url": "https://example.org/t.pdf"}]}
    assert [c[1][0]["role"] for c in funding.calls] == ["county"]


REVIEW = """mutation ($input: ReviewBidInput!) { reviewBid(tenderId: "tdr_001", bidId: "bid_1", input: $input) {
    bid { id review { qualified } } tender { version } } }"""


def test_review_sends_the_checklist_keyed_by_item_and_refuses_an_item_twice():
    funding = FakeFunding()
    review = {"expectedVersion": 3,
              "checklist": [{"code": "LEGAL_REGISTRATION", "passed": True},
                            {"code": "CREDIT_RECORD", "passed": False, "note": "失信记录"}],
              "leaders": [{"leaderId": "L1", "politicalQuality": True, "workExperience": True,
                           "professionalEthics": True}],
              "scores": [{"criterion": "技术方案", "score": 50, "maxScore": 60}]}
    body = run(REVIEW, {"input": review}, token=COUNTY, funding=funding)
    assert body["data"]["reviewBid"] == {"bid": {"id": "bid_1", "review": {"qualified": True}},
                                         "tender": {"version": 2}}  # the tender as read after the write
    [(name, (tender_id, (bid_id, data)))] = funding.writes
    assert (name, tender_id, bid_id) == ("review_bid", "tdr_001", "bid_1")
    assert data["checklist"] == {"legal_registration": {"passed": True},
                                 "credit_record": {"passed": False, "note": "失信记录"}}
    assert data["leaders"] == [{"leader_id": "L1", "political_quality": True, "work_experience": True,
                                "professional_ethics": True}]
    twice = run(REVIEW, {"input": {**review, "checklist": review["checklist"] + [review["checklist"][0]]}},
                token=COUNTY, funding=funding)
    assert twice["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT",
                                                "details": {"checklist.2.code": ["legal_registration is listed twice"]}}
    assert len(funding.writes) == 1


def test_sign_contract_and_publish_send_what_the_service_takes():
    funding = FakeFunding()
    body = run("""mutation {
      publishTender(id: "tdr_001", expectedVersion: 1) { tender { version } }
      signContract(tenderId: "tdr_001", input: {signedOn: "2026-02-20",
        staffingPromise: {professionalSocialWorkersPerStation: 3, monthlyPayFen: 1150000},
        milestones: [{id: "M1", title: "养老服务入户", type: SERVICE_VOLUME, domain: ELDERLY, dueOn: "2026-06-30",
                      amountFen: 110000000, evidence: {metric: {name: SERVICES_DELIVERED, target: 2}}}]}) {
        contract { id staffingPromise { monthlyPayFen } } } }""", token=COUNTY, funding=funding)
    assert body["data"]["signContract"]["contract"] == {"id": "ctr_001", "staffingPromise": {"monthlyPayFen": 1150000}}
    assert funding.writes[0] == ("publish_tender", ("tdr_001", {"expected_version": 1}))
    assert funding.writes[1] == ("sign_contract", ("tdr_001", {
        "signed_on": "2026-02-20",
        "staffing_promise": {"professional_social_workers_per_station": 3, "monthly_pay_fen": 1150000},
        "milestones": [{"id": "M1", "title": "养老服务入户", "type": "service_volume", "domain": "elderly",
                        "due_on": "2026-06-30", "amount_fen": 110000000,
                        "evidence": {"metric": {"name": "services_delivered", "target": 2}}}]}))


def test_disbursement_payload_shows_the_contract_after_the_write():
    funding = FakeFunding()
    body = run("""mutation { recordDisbursement(contractId: "ctr_001", input: {milestoneId: "M4", budgetLineId: "bl_1",
        amountFen: 100, paidOn: "2026-04-01", voucherNumber: "V-9", evidence: {documents: [{title: "台账"}]}}) {
        disbursement { id status flagged } contract { version } } }""", token=COUNTY, funding=funding)
    assert body["data"]["recordDisbursement"] == {
        "disbursement": {"id": "dsb_001_2", "status": "HELD", "flagged": True}, "contract": {"version": 2}}
    assert funding.writes[0][1][1]["evidence"] == {"documents": [{"title": "台账"}]}


def test_service_refusals_come_back_typed_with_camel_case_details():
    funding = FakeFunding()
    funding.failures["record_disbursement"] = RuleViolation(
        "27.50 元 exceeds budget line bl_1", {"amount_fen": ["exceeds budget line bl_1"]})
    body = run("""mutation { recordDisbursement(contractId: "ctr_001", input: {milestoneId: "M4", budgetLineId: "bl_1",
        amountFen: 2750, paidOn: "2026-04-01", voucherNumber: "V-9"}) { disbursement { id } } }""", token=COUNTY,
               funding=funding)
    assert body["data"] == {"recordDisbursement": None}
    assert body["errors"][0]["message"] == "27.50 元 exceeds budget line bl_1"
    assert body["errors"][0]["extensions"] == {"code": "RULE_VIOLATION",
                                               "details": {"amountFen": ["exceeds budget line bl_1"]}}
    unknown = run("""mutation { amendContract(id: "ctr_999", input: {expectedVersion: 1, reason: "延长服务期",
        periodEnd: "2027-02-28"}) { contract { id } } }""", token=COUNTY)
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_close_contract_sends_what_the_service_takes_and_shows_the_returns():
    funding = FakeFunding()
    body = run("""mutation { closeContract(id: "ctr_001", input: {expectedVersion: 3, closedOn: "2026-03-31",
        reason: "服务期满，结余资金退回"}) { contract { status committedFen
          closure { closedOn reason returnedFen returns { budgetLineId amountFen } } } } }""",
               token=COUNTY, funding=funding)
    assert "errors" not in body, body["errors"]
    contract = body["data"]["closeContract"]["contract"]
    assert contract["status"] == "CLOSED"
    assert contract["closure"]["closedOn"] == "2026-03-31" and contract["closure"]["reason"] == "服务期满，结余资金退回"
    returned = contract["closure"]["returnedFen"]
    assert returned > 0 and contract["closure"]["returns"] == [{"budgetLineId": "bl_1", "amountFen": returned}]
    assert funding.writes == [("close_contract", ("ctr_001", {"expected_version": 3, "closed_on": "2026-03-31",
                                                             "reason": "服务期满，结余资金退回"}))]
    funding.failures["close_contract"] = RuleViolation("1 held payments wait for a decision",
                                                       {"status": ["held payments are open"]})
    refused = run("""mutation { closeContract(id: "ctr_001", input: {expectedVersion: 3, closedOn: "2026-03-31",
        reason: "结余退回"}) { contract { id } } }""", token=COUNTY, funding=funding)
    assert refused["data"] == {"closeContract": None}
    assert refused["errors"][0]["extensions"]["code"] == "RULE_VIOLATION"


# --- who may read and write -------------------------------------------------------------------
PUBLIC_QUERY = """{ disclosureFeed(first: 10) { totalCount package { version publisherName publishedDate
    publicationPolicy releasePackageUrl recordPackageUrl }
    items { ocid id date tag title buyerName regionCode tenderStatus procurementMethod budgetFen tenderValueFen
            numberOfTenderers supplierNames awardedFen contractValueFen paidFen
            withheld { field name rationale } release } }
  disclosureRelease(ocid: "ocds-sgjs21-tdr_002") { ocid paidFen }
  lotteryFundUse(year: 2026) { sources { name amountFen disbursedFen uses { operatorName paidFen
    release { ocid } } } } }"""


def test_the_public_reads_the_disclosure_feed_and_lottery_use_without_a_token():
    funding = FakeFunding(contracts_count=3)
    body = run(PUBLIC_QUERY, token=None, funding=funding)
    assert "errors" not in body, body.get("errors")
    feed = body["data"]["disclosureFeed"]
    assert feed["totalCount"] == 3 and feed["package"]["version"] == "1.1"
    release = feed["items"][0]
    assert release["tag"] == ["implementationUpdate"]  # the latest release: a payment held for review
    package = feed["package"]
    assert package["publicationPolicy"].endswith("/public/ocds/publication-policy")
    assert package["releasePackageUrl"].endswith("/public/ocds/releases.json")
    assert package["recordPackageUrl"].endswith("/public/ocds/records.json")
    assert (release["procurementMethod"], release["tenderStatus"], release["regionCode"]) == ("OPEN", "complete",
                                                                                               "321181")
    # Only the paid transaction is published; the held one is withheld, with the reason.
    assert (release["budgetFen"], release["awardedFen"], release["contractValueFen"], release["paidFen"]) == (
        120_000_000, 110_000_000, 110_000_000, 1_000_000)
    assert release["supplierNames"] == ["丹阳市第1社会工作服务中心"] and release["numberOfTenderers"] == 1
    assert {w["field"] for w in release["withheld"]} == {"parties/contactPoint", "bids/details/leaders",
                                                         "contracts/implementation/transactions"}
    assert release["release"]["ocid"] == release["ocid"] == "ocds-sgjs21-tdr_001"
    assert body["data"]["disclosureRelease"] == {"ocid": "ocds-sgjs21-tdr_002", "paidFen": 1_000_000}
    lottery = body["data"]["lotteryFundUse"]["sources"][0]
    assert lottery["uses"][0]["release"] == {"ocid": "ocds-sgjs21-tdr_001"}
    assert {v["role"] for v in funding.viewers()} == {"public"}
    text = json.dumps(body, ensure_ascii=False)
    for personal in ("李联系", "张负责", "王发起", "1391234", "321181198", "321181********"):
        assert personal not in text
    assert funding.count() == {"disclosure_feed": 1, "disclosure_releases": 1, "lottery_fund_use": 1}


def test_the_public_sees_nothing_else():
    body = run("""{ fundingSources { totalCount } contracts { totalCount } evaluations { totalCount }
        contract(id: "ctr_001") { id } fundSupervision(region: "321181") { regionCode } }""", token=None)
    data = body["data"]
    assert data == {"fundingSources": {"totalCount": 0}, "contracts": {"totalCount": 0},
                    "evaluations": {"totalCount": 0}, "contract": None, "fundSupervision": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def test_officials_see_their_region_only():
    query = """{ contracts { totalCount } fundSupervision(region: "321100") { regionCode rows { sourceId } } }"""
    own = run(query, token=COUNTY)["data"]
    assert own["contracts"]["totalCount"] == 3
    assert own["fundSupervision"]["regionCode"] == "321181"  # the city asked for, narrowed to the county
    other = run(query, token=OTHER_COUNTY)["data"]
    assert other["contracts"]["totalCount"] == 0 and other["fundSupervision"]["regionCode"] == "321102"
    assert run('{ fundSupervision(region: "321181") { rows { sourceId } } }', token=OTHER_COUNTY)["data"] == {
        "fundSupervision": {"rows": []}}


def test_evaluators_score_but_do_not_create_tenders_and_see_bidders_masked():
    funding = FakeFunding()
    refused = run("""mutation { createTender(input: {title: "评估方不能招标", regionCode: "321181",
        buyer: {name: "x"}, project: {name: "x", year: 2026}, stationIds: ["ST321181001"], serviceDomains: [ELDERLY],
        method: OPEN, budgetFen: 1, deadline: "2026-02-10T09:00:00Z",
        contractPeriod: {start: "2026-03-01", end: "2026-12-31"}}) { tender { id } } }""",
                  token=EVALUATOR, funding=funding)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and funding.writes == []
    scored = run("""mutation { scoreEvaluation(id: "evl_001", input: {expectedVersion: 1,
        scores: [{indicator: "A1", score: 9, comment: "制度健全", evidence: [{title: "制度汇编"}]}]}) {
        evaluation { id version } } }""", token=EVALUATOR, funding=funding)
    assert scored["data"]["scoreEvaluation"]["evaluation"] == {"id": "evl_001", "version": 2}
    assert funding.writes == [("score_evaluation", ("evl_001", {"expected_version": 1, "scores": [
        {"indicator": "A1", "score": 9.0, "comment": "制度健全", "evidence": [{"title": "制度汇编"}]}]}))]
    bids = run('{ tender(id: "tdr_001") { bids { contact { name phone } leaders { name idNumber } } } }',
               token=EVALUATOR)["data"]["tender"]["bids"][0]
    assert bids["leaders"][0]["name"] == "张*责" and "*" in bids["contact"]["phone"]
    assert "*" in bids["leaders"][0]["idNumber"]


def test_unmasked_bid_data_is_a_logged_mutation_for_allowed_roles():
    funding = FakeFunding()
    query = """mutation { revealBidPersonalData(tenderId: "tdr_001", bidId: "bid_1", reason: "负责人资格复核") {
        tenderId bidId contact { phone } leaders { role idNumber } } }"""
    data = run(query, token=COUNTY, funding=funding)["data"]["revealBidPersonalData"]
    assert data["leaders"] == [{"role": "RESPONSIBLE_PERSON", "idNumber": "321181198005010212"}]
    assert funding.writes == [("reveal_bid_personal_data", ("tdr_001", "bid_1", "负责人资格复核"))]
    city = run(query, token=token_for("city", region="321100"))
    assert city["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    log = run('{ fundingAccessLog(subjectId: "bid_1", first: 5) { userId fields reason at } }', token=COUNTY,
              funding=funding)["data"]["fundingAccessLog"]
    assert log[0]["reason"] == "资格复核"
    assert funding.calls[-1][1][1] == {"subject_id": "bid_1", "limit": 5}


# --- lists, filters, cost ------------------------------------------------------------------------
def test_filters_reach_the_service_by_value():
    funding = FakeFunding()
    run("""{ contracts(region: "321181", stationId: "ST321181001", flagged: true, first: 5, after: "ctr_000") {
               totalCount }
             disbursements(status: HELD, year: 2026, sourceId: "src_1") { totalCount }
             evaluations(status: IN_PROGRESS, subjectKind: CONTRACT, assignedToMe: true) { totalCount }
             fundingSources(kind: LOTTERY, year: 2026) { totalCount } }""", token=COUNTY, funding=funding)
    sent = {name: args[1] for name, args, _ in funding.calls}
    assert sent == {
        "list_contracts": {"region": "321181", "station_id": "ST321181001", "flagged": True, "after": "ctr_000",
                           "limit": 5},
        "list_disbursements": {"status": "held", "year": 2026, "source_id": "src_1", "limit": 50},
        "list_evaluations": {"status": "in_progress", "subject_kind": "contract", "assigned_to_me": True, "limit": 50},
        "list_sources": {"kind": "lottery", "year": 2026, "limit": 50}}


def test_page_sizes_are_bounded_top_level_and_inside_records():
    body = run("{ contracts(first: 101) { totalCount } }")
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT",
                                               "details": {"first": ["must be between 1 and 100"]}}
    nested = run("{ contracts(first: 2) { items { id disbursements(first: 0) { id } } } }")
    assert nested["data"]["contracts"]["items"][0] == {"id": "ctr_001", "disbursements": None}
    assert nested["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    one = run("{ contracts(first: 1) { nextCursor items { disbursements(first: 1) { id } } } }")["data"]
    assert one["contracts"] == {"nextCursor": "ctr_001", "items": [{"disbursements": [{"id": "dsb_001_1"}]}]}


def cost(query: str) -> int:
    document = parse(query)
    return measure_operation(schema.graphql_schema, document.definitions[0], {}, COST_MODEL).cost


def test_lists_are_priced_by_their_page_size_or_their_usual_length():
    assert cost("{ contracts(first: 10) { items { id disbursements { id } } } }") == 1 + 1 + 10 * (1 + 1 + 20)
    assert cost("{ contracts(first: 10) { items { id disbursements(first: 2) { id } } } }") == 1 + 1 + 10 * (1 + 1 + 2)
    assert cost("{ contracts { items { milestones { id } } } }") == 1 + 1 + 50 * (1 + 6)
    assert cost("{ stations(first: 5) { items { contracts { id } } } }") == 1 + 1 + 5 * (1 + 3)
    # a release is a whole OCDS document: priced by what it holds, so a page of 20 is about the most
    assert cost("{ disclosureFeed(first: 20) { items { ocid release } } }") == 1 + 1 + 20 * (1 + 240)


def test_without_a_funding_client_funding_fields_are_unavailable_and_the_rest_answers():
    query = "{ viewer { role } stations { totalCount } contracts { totalCount } }"
    body = gateway_request(ENDPOINT, FakeRegistry(), query, token=ADMIN).json()
    assert body["data"] == {"viewer": {"role": "ADMIN"}, "stations": {"totalCount": 3}, "contracts": None}
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
