"""The volunteers part of the schema through the fake volunteers service (the service's own use cases
in memory): scoping and masking, the public's reads, typed refusals of writes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.execution import GraphQLEndpoint
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.errors import UpstreamUnavailable
from tests.support.gateway_volunteers_fakes import ADMIN, STATION, seeded, tokens, volunteers_request

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
SETTINGS = config.Settings(graphql_max_cost=1_000_000)
TOKENS = tokens()


def run(fake, query, variables=None, token=None):
    return volunteers_request(ENDPOINT, query, volunteers=fake, variables=variables,
                              token=TOKENS[token] if token else None, settings=SETTINGS).json()


def ok(fake, query, variables=None, token=None):
    body = run(fake, query, variables, token)
    assert "errors" not in body, body["errors"]
    return body["data"]


def refused(fake, query, variables=None, token=None):
    body = run(fake, query, variables, token)
    assert not any((body.get("data") or {}).values()), body
    return {**body["errors"][0]["extensions"], "message": body["errors"][0]["message"]}


LIST = "{ volunteers { totalCount items { id name idNumber phone stationId } } }"


def test_officials_see_their_region_with_id_numbers_and_phones_masked():
    fake = seeded(volunteers=2)
    danyang = ok(fake, LIST, token="danyang")["volunteers"]
    assert danyang["totalCount"] == 2 and {v["stationId"] for v in danyang["items"]} == {STATION}
    for volunteer in danyang["items"]:
        assert "*" in volunteer["idNumber"] and "*" in volunteer["phone"] and volunteer["name"].startswith("志愿者")
    jingkou = ok(fake, LIST, token="jingkou")["volunteers"]
    assert [v["id"] for v in jingkou["items"]] == [fake.ids["jingkou_volunteer"]]
    assert ok(fake, LIST, token="city")["volunteers"]["totalCount"] == 3


def test_out_of_scope_records_are_null_like_unknown_ones():
    fake = seeded(volunteers=1)
    query = "query ($id: ID!) { volunteer(id: $id) { id } }"
    assert ok(fake, query, {"id": fake.ids["jingkou_volunteer"]}, token="danyang") == {"volunteer": None}
    assert ok(fake, query, {"id": "vol_unknown"}, token="danyang") == {"volunteer": None}
    assert ok(fake, query, {"id": fake.ids["jingkou_volunteer"]}, token="jingkou_worker")["volunteer"]


def test_evaluators_see_names_masked_and_write_nothing():
    fake = seeded(volunteers=1)
    [volunteer] = ok(fake, LIST, token="evaluator")["volunteers"]["items"]
    assert volunteer["name"] != "志愿者" and "*" in volunteer["name"]
    error = refused(fake, """mutation ($id: ID!) { recordVolunteerTraining(id: $id, input: {expectedVersion: 1,
        date: "2026-01-05", topic: "急救培训", hours: 4, provider: "红十字会"}) { volunteer { id } } }""",
                    {"id": fake.ids["volunteers"][0]}, token="evaluator")
    assert error["code"] == "FORBIDDEN"


def test_the_public_reads_the_resource_directory_and_nothing_personal():
    fake = seeded(volunteers=1)
    data = ok(fake, "{ communityResources { totalCount items { name kindLabel contact { phone } } } "
                    "volunteers { totalCount } }")
    assert data["communityResources"]["totalCount"] == 1
    assert data["volunteers"]["totalCount"] == 0


ISSUE = """mutation ($id: ID!, $input: IssueVolunteerCertificateInput!) {
    issueVolunteerCertificate(volunteerId: $id, input: $input) { certificateId content verificationCode } }"""
VERIFY = """query ($content: JSON!, $code: String!) { verifyVolunteerCertificate(content: $content,
    verificationCode: $code) { valid reason volunteerName totalHours } }"""


def test_a_certificate_is_verified_by_anyone_and_a_forged_one_is_not():
    fake = seeded(volunteers=1)
    volunteer_id = fake.ids["volunteers"][0]
    volunteer = fake.service.get_volunteers(ADMIN, [volunteer_id])[0]
    entry = fake.service.hours_for_volunteers(ADMIN, [volunteer_id])[volunteer_id][0]
    fake.service.approve_hours(ADMIN, volunteer_id, {"expected_version": volunteer["version"],
                                                     "entry_ids": [entry["entry_id"]]})
    today = datetime.now(UTC).date()
    issued = ok(fake, ISSUE, {"id": volunteer_id, "input": {"from": (today - timedelta(days=30)).isoformat(),
                                                            "to": today.isoformat()}}, token="worker")
    certificate = issued["issueVolunteerCertificate"]
    check = ok(fake, VERIFY, {"content": certificate["content"], "code": certificate["verificationCode"]})
    assert check["verifyVolunteerCertificate"]["valid"] is True
    assert check["verifyVolunteerCertificate"]["totalHours"] == 0.75
    forged = {**certificate["content"], "total_hours": 500}
    check = ok(fake, VERIFY, {"content": forged, "code": certificate["verificationCode"]})
    assert check["verifyVolunteerCertificate"]["valid"] is False


LOG = """mutation ($id: ID!, $input: LogVolunteerHoursInput!) { logVolunteerHours(volunteerId: $id, input: $input) {
    entry { id hours status } } }"""


def test_overlapping_hours_are_refused_with_the_reason():
    fake = seeded(volunteers=1)
    volunteer_id, need_id = fake.ids["volunteers"][0], fake.ids["needs"][0]
    entry = fake.service.hours_for_volunteers(ADMIN, [volunteer_id])[volunteer_id][0]
    error = refused(fake, LOG, {"id": volunteer_id, "input": {
        "needId": need_id, "taskId": entry["task_id"], "startedAt": entry["start"], "endedAt": entry["end"],
        "activity": "上门探访"}}, token="worker")
    assert error["code"] == "RULE_VIOLATION" and "overlapping hours" in error["message"]
    assert error["details"] == {"startedAt": ["overlaps hours already logged"]}


def test_bad_input_names_the_field_in_camel_case():
    fake = seeded(volunteers=1)
    error = refused(fake, """mutation { registerVolunteer(input: {stationId: "ST321181001", name: "李四",
        idNumber: "not an id", phone: "13912345678", communityCode: "321181001001", skills: [COMPANIONSHIP],
        domains: [ELDERLY]}) { volunteer { id } } }""", token="worker")
    assert error["code"] == "BAD_USER_INPUT" and "idNumber" in error["details"]


def test_a_distribution_beyond_stock_is_refused():
    fake = seeded(volunteers=1)
    error = refused(fake, """mutation ($stock: ID!) { distributeCharity(input: {stockId: $stock, householdId: "hh-1",
        domain: ELDERLY, regionCode: "321181001001", quantity: 500, distributedOn: "2026-01-05"}) {
        distribution { id } } }""", {"stock": fake.ids["stock"]}, token="worker")
    assert error["code"] == "RULE_VIOLATION"


def test_accepting_and_declining_proposals_and_the_unmet_rollup():
    fake = seeded(volunteers=1)
    need_id = fake.ids["needs"][0]
    need = ok(fake, """query ($id: ID!) { matchNeed(id: $id) { version status proposals { id state } } }""",
              {"id": need_id}, token="worker")["matchNeed"]
    assert need["status"] == "MATCHED"
    open_proposal = next(p for p in need["proposals"] if p["state"] == "PROPOSED")
    declined = ok(fake, """mutation ($need: ID!, $p: ID!, $v: Int!) { declineMatchProposal(needId: $need,
        proposalId: $p, input: {expectedVersion: $v, reason: "距离太远"}) {
          need { version proposals { id state } } } }""",
                  {"need": need_id, "p": open_proposal["id"], "v": need["version"]}, token="worker")
    states = {p["id"]: p["state"] for p in declined["declineMatchProposal"]["need"]["proposals"]}
    assert states[open_proposal["id"]] == "DECLINED"
    stale = refused(fake, """mutation ($need: ID!, $p: ID!) { acceptMatchProposal(needId: $need, proposalId: $p,
        input: {expectedVersion: 1}) { need { id } } }""", {"need": need_id, "p": open_proposal["id"]}, token="worker")
    assert stale["code"] in ("CONCURRENT_MODIFICATION", "CONFLICT", "RULE_VIOLATION")
    rollup = ok(fake, '{ unmetNeeds(region: "321181") { region total byDomain { key count } } }', token="danyang")
    assert rollup["unmetNeeds"]["region"] == "321181"


def test_reveal_is_logged_and_the_service_being_down_fails_only_its_fields():
    fake = seeded(volunteers=1)
    volunteer_id = fake.ids["volunteers"][0]
    revealed = ok(fake, """mutation ($id: ID!) { revealVolunteerIdentity(id: $id, reason: "核实身份") {
        idNumber phone } }""", {"id": volunteer_id}, token="admin")["revealVolunteerIdentity"]
    assert "*" not in revealed["idNumber"]
    log = ok(fake, "{ volunteersAccessLog { subjectId reason } }", token="admin")["volunteersAccessLog"]
    assert log[0] == {"subjectId": volunteer_id, "reason": "核实身份"}
    fake.failures["list_volunteers"] = UpstreamUnavailable("volunteers down")
    body = run(fake, "{ volunteers { totalCount } communityResources { totalCount } }", token="danyang")
    assert body["data"]["volunteers"] is None and body["data"]["communityResources"]["totalCount"] == 1
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


REVOKE = """mutation ($id: ID!, $input: RevokeVolunteerCertificateInput!) {
    revokeVolunteerCertificate(certificateId: $id, input: $input) { certificateId revoked revokedOn reason } }"""
VERIFY_REVOKED = """query ($content: JSON!, $code: String!) { verifyVolunteerCertificate(content: $content,
    verificationCode: $code) { valid revoked revokedOn reason } }"""


def test_a_revoked_certificate_is_reported_revoked_to_anyone_who_verifies_it():
    fake = seeded(volunteers=1)
    volunteer_id = fake.ids["volunteers"][0]
    volunteer = fake.service.get_volunteers(ADMIN, [volunteer_id])[0]
    entry = fake.service.hours_for_volunteers(ADMIN, [volunteer_id])[volunteer_id][0]
    fake.service.approve_hours(ADMIN, volunteer_id, {"expected_version": volunteer["version"],
                                                     "entry_ids": [entry["entry_id"]]})
    today = datetime.now(UTC).date()
    certificate = ok(fake, ISSUE, {"id": volunteer_id, "input": {"from": (today - timedelta(days=30)).isoformat(),
                                                                 "to": today.isoformat()}},
                     token="worker")["issueVolunteerCertificate"]
    assert refused(fake, REVOKE, {"id": certificate["certificateId"], "input": {"reason": "时长登记有误"}},
                   token="evaluator")["code"] == "FORBIDDEN"
    revoked = ok(fake, REVOKE, {"id": certificate["certificateId"], "input": {"reason": "时长登记有误"}},
                 token="worker")["revokeVolunteerCertificate"]
    assert revoked["revoked"] is True and revoked["reason"] == "时长登记有误"
    check = ok(fake, VERIFY_REVOKED, {"content": certificate["content"],
                                      "code": certificate["verificationCode"]})["verifyVolunteerCertificate"]
    assert check["valid"] is False and check["revoked"] is True and check["revokedOn"] == revoked["revokedOn"]
    assert refused(fake, REVOKE, {"id": certificate["certificateId"], "input": {"reason": "再次撤销"}},
                   token="worker")["code"] == "CONFLICT"


CANCEL = """mutation ($need: ID!, $task: ID!, $input: CancelMatchTaskInput!) {
    cancelMatchTask(needId: $need, taskId: $task, input: $input) { need { status tasks { status
      cancellationReason cancelledAt } } } }"""


def test_cancelling_a_task_through_the_gateway_frees_the_volunteer():
    fake = seeded(volunteers=1)
    volunteer_id, need_id = fake.ids["volunteers"][0], fake.ids["needs"][0]
    need = fake.service.get_needs(ADMIN, [need_id])[0]
    task_id = need["tasks"][0]["task_id"]
    data = ok(fake, CANCEL, {"need": need_id, "task": task_id,
                             "input": {"expectedVersion": need["version"], "reason": "老人住院，暂停探访"}},
              token="worker")["cancelMatchTask"]["need"]
    assert data["tasks"][0]["status"] == "CANCELLED" and data["tasks"][0]["cancellationReason"] == "老人住院，暂停探访"
    assert data["tasks"][0]["cancelledAt"] and data["status"] != "MATCHED"
    assert fake.service.get_volunteers(ADMIN, [volunteer_id])[0]["open_tasks"] == 0
    again = refused(fake, CANCEL, {"need": need_id, "task": task_id,
                                   "input": {"expectedVersion": need["version"] + 1, "reason": "再次取消"}},
                    token="worker")
    assert again["code"] == "CONFLICT"


REVIEW = """mutation ($id: ID!, $input: ReviewCommunityResourceInput!) { reviewCommunityResource(id: $id,
    input: $input) { resource { reviews { outcome notes } } } }"""


def test_a_resource_s_review_history_shows_every_outcome_the_service_stores():
    fake = seeded(volunteers=1)
    resource = fake.ids["resource"]
    registered = ok(fake, "query ($id: ID!) { communityResource(id: $id) { version reviews { outcome } } }",
                    {"id": resource})["communityResource"]
    assert registered["reviews"] == [{"outcome": "REGISTERED"}]  # stored by the registration itself
    reviewed = ok(fake, REVIEW, {"id": resource, "input": {"expectedVersion": registered["version"],
                                                           "reviewedOn": "2026-02-01", "outcome": "UPDATED",
                                                           "notes": "电话已更新"}}, "admin")
    assert reviewed["reviewCommunityResource"]["resource"]["reviews"] == [
        {"outcome": "REGISTERED", "notes": None}, {"outcome": "UPDATED", "notes": "电话已更新"}]


def test_a_reviewer_cannot_claim_the_registration_outcome():
    fake = seeded(volunteers=1)
    body = run(fake, REVIEW, {"id": fake.ids["resource"], "input": {
        "expectedVersion": 1, "reviewedOn": "2026-02-01", "outcome": "REGISTERED"}}, "admin")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "REGISTERED" in body["errors"][0]["message"]


def test_the_review_enums_are_the_volunteers_service_s_own_values():
    from gateway.schema.volunteers.enums import ResourceReviewDecision, ResourceReviewOutcome
    from services.volunteers import domain
    assert {m.value for m in ResourceReviewOutcome} == set(domain.REVIEW_OUTCOMES)
    assert {m.value for m in ResourceReviewDecision} == set(domain.REVIEW_DECISIONS)
    assert set(domain.REVIEW_DECISIONS) < set(domain.REVIEW_OUTCOMES)
