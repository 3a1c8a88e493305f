"""Rules of volunteers, hours, stock, needs, certificates and the directory export (no I/O)."""
from datetime import date, datetime

import pytest

from services.common.demo_identities import credit_code
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.common.rpc import load
from services.volunteers import certificates, directory, domain, schemas
from services.volunteers.matching import Scored
from tests.support.volunteers_fixtures import resource_input, volunteer_input

TODAY = date(2026, 6, 1)


def a_volunteer(**overrides):
    doc = {"_id": "vol_1", "station_id": "ST321181001", "name": "王小明", "id_number_masked": "321181********1234",
           "status": "active", "max_open_tasks": 2, "open_tasks": [], "hours": [], "background_check": None,
           "_version": 3}
    doc.update(overrides)
    return doc


def entry(entry_id, start, end, status="pending", task_id="t1"):
    return {"entry_id": entry_id, "task_id": task_id, "need_id": "n1", "start": start, "end": end,
            "hours": domain.hours_between(datetime.fromisoformat(start), datetime.fromisoformat(end)),
            "activity": "探访", "status": status}


# --- hours ---------------------------------------------------------------------------------
def test_overlapping_hours_are_refused_with_the_reason():
    volunteer = a_volunteer(hours=[entry("e1", "2026-05-04T09:00+08:00", "2026-05-04T11:00+08:00")])
    with pytest.raises(RuleViolation, match=r"overlapping hours: 2026-05-04 09:00–11:00 is already logged for task t1"):
        domain.log_hours(volunteer, entry("e2", "2026-05-04T10:30+08:00", "2026-05-04T12:00+08:00"))
    # touching is not overlapping; a rejected entry does not block
    assert len(domain.log_hours(volunteer, entry("e3", "2026-05-04T11:00+08:00", "2026-05-04T12:00+08:00"))) == 2
    rejected = a_volunteer(hours=[entry("e1", "2026-05-04T09:00+08:00", "2026-05-04T11:00+08:00", "rejected")])
    assert len(domain.log_hours(rejected, entry("e2", "2026-05-04T10:00+08:00", "2026-05-04T11:00+08:00"))) == 2
    # the same entry again (a retried completion) changes nothing
    assert domain.log_hours(volunteer, volunteer["hours"][0]) is volunteer["hours"]


def test_hours_in_another_offset_are_compared_in_one_time_zone():
    volunteer = a_volunteer(hours=[entry("e1", "2026-05-04T09:00+08:00", "2026-05-04T11:00+08:00")])
    start = domain.service_time(datetime.fromisoformat("2026-05-04T02:00:00+00:00"))  # 10:00 in China
    assert start == "2026-05-04T10:00+08:00"
    with pytest.raises(RuleViolation):
        domain.log_hours(volunteer, entry("e2", start, "2026-05-04T12:00+08:00"))


def test_deciding_hours():
    volunteer = a_volunteer(hours=[entry("e1", "2026-05-04T09:00+08:00", "2026-05-04T11:00+08:00"),
                                   entry("e2", "2026-05-05T09:00+08:00", "2026-05-05T09:30+08:00")])
    hours, moved, total = domain.decide_hours(volunteer, ["e1", "e2"], True, "staff", "now", None)
    assert (moved, total) == (2.5, 2.5) and {e["status"] for e in hours} == {"approved"}
    with pytest.raises(Conflict, match="already approved"):
        domain.decide_hours({**volunteer, "hours": hours}, ["e1"], False, "staff", "now", "wrong")
    with pytest.raises(NotFound):
        domain.decide_hours(volunteer, ["nope"], True, "staff", "now", None)


def test_reserving_a_volunteer_checks_capacity_double_booking_and_background():
    volunteer = a_volunteer(open_tasks=[{"task_id": "t1", "need_id": "n1", "start": "2026-06-02T09:00+08:00",
                                         "end": "2026-06-02T11:00+08:00"}])
    with pytest.raises(RuleViolation, match="double booking: the volunteer is booked 2026-06-02 09:00–11:00"):
        domain.reserve_task(volunteer, "t2", "n2", "2026-06-02T10:00+08:00", "2026-06-02T12:00+08:00", False, TODAY)
    held = domain.reserve_task(volunteer, "t2", "n2", None, None, False, TODAY)
    assert [t["task_id"] for t in held] == ["t1", "t2"]
    with pytest.raises(RuleViolation, match="already holds 2 open tasks"):
        domain.reserve_task({**volunteer, "open_tasks": held}, "t3", "n3", None, None, False, TODAY)
    assert domain.reserve_task({**volunteer, "open_tasks": held}, "t2", "n2", None, None, False, TODAY) is held
    with pytest.raises(RuleViolation, match="no valid background check"):
        domain.reserve_task(a_volunteer(), "t4", "n4", None, None, True, TODAY)
    checked = a_volunteer(background_check={"result": "passed", "valid_until": "2027-01-01"})
    assert domain.reserve_task(checked, "t4", "n4", None, None, True, TODAY)
    with pytest.raises(RuleViolation, match="paused"):
        domain.reserve_task(a_volunteer(status="paused"), "t5", "n5", None, None, False, TODAY)


# --- charity stock -------------------------------------------------------------------------
def stock(*lots):
    return {"_id": "stk", "item": "大米", "unit": "袋", "lots": list(lots)}


def lot(donation_id, remaining, received_on="2026-01-01", **restrictions):
    return {"donation_id": donation_id, "remaining": remaining, "received_on": received_on,
            "restrictions": {"domains": restrictions.get("domains", []), "region_code": restrictions.get("region"),
                             "beneficiary_groups": restrictions.get("groups", [])}}


def test_distribution_never_goes_below_zero():
    line = stock(lot("d1", 3), lot("d2", 2))
    with pytest.raises(RuleViolation, match="only 5 袋 of 大米 on hand; 6 requested"):
        domain.allocate(line, 6, "elderly", "321181001001", set())
    taken, lots = domain.allocate(line, 5, "elderly", "321181001001", set())
    assert taken == [{"donation_id": "d1", "quantity": 3}, {"donation_id": "d2", "quantity": 2}]
    assert domain.on_hand({**line, "lots": lots}) == 0
    with pytest.raises(ValidationFailed):
        domain.allocate(line, 0, "elderly", "321181001001", set())


def test_earmarks_are_enforced_and_used_first_for_their_purpose():
    line = stock(lot("old-general", 4, "2025-12-01"), lot("for-elderly", 3, "2026-02-01", domains=["elderly"]),
                 lot("for-children", 5, domains=["children"]))
    with pytest.raises(RuleViolation) as refused:
        domain.allocate(line, 8, "elderly", "321181001001", set())
    assert ("earmark: only 7 of 12 袋 on hand may go to this household (5 袋 earmarked for children)"
            in str(refused.value))
    taken, _ = domain.allocate(line, 4, "elderly", "321181001001", set())
    assert taken == [{"donation_id": "for-elderly", "quantity": 3}, {"donation_id": "old-general", "quantity": 1}]


def test_stock_lines_are_per_station_and_item():
    assert domain.stock_id_for("ST321181001", "money", "善款", "fen") == "ST321181001:money"
    rice = domain.stock_id_for("ST321181001", "food", "大米", "袋")
    assert rice == domain.stock_id_for("ST321181001", "food", " 大米 ", "袋")
    assert rice != domain.stock_id_for("ST321181002", "food", "大米", "袋")
    assert rice != domain.stock_id_for("ST321181001", "food", "大米", "kg")


# --- needs and proposals -------------------------------------------------------------------
def scored(kind, candidate_id, score):
    return Scored(kind, candidate_id, candidate_id, score, (25.0, 25.0, 20.0, 15.0, 15.0))


def test_rematching_never_duplicates_a_proposal():
    need = {"_id": "n1", "proposals": []}
    proposals, added = domain.merge_proposals(need, [scored("volunteer", "v1", 90), scored("resource", "r1", 80)], "t")
    assert [p["proposal_id"] for p in added] == ["n1:volunteer:v1", "n1:resource:r1"]
    assert [p["rank"] for p in proposals] == [1, 2]
    declined = [{**proposals[0], "state": "declined"}, proposals[1]]
    again, added = domain.merge_proposals({"_id": "n1", "proposals": declined},
                                          [scored("volunteer", "v1", 95), scored("volunteer", "v2", 70)], "t2")
    assert [p["proposal_id"] for p in added] == ["n1:volunteer:v2"]
    assert [p["state"] for p in again] == ["declined", "proposed", "proposed"] and again[2]["rank"] == 3


def test_need_status_follows_proposals_and_tasks():
    need = {"status": "open", "proposals": [], "tasks": [], "unmet": None}
    assert domain.status_of(need) == "open"
    assert domain.status_of({**need, "unmet": {"reason": "x"}}) == "unmet"
    assert domain.status_of({**need, "proposals": [{"state": "proposed"}]}) == "proposed"
    assert domain.status_of({**need, "tasks": [{"status": "open"}, {"status": "completed"}]}) == "matched"
    assert domain.status_of({**need, "tasks": [{"status": "completed"}]}) == "delivered"
    assert domain.status_of({**need, "status": "withdrawn", "proposals": [{"state": "proposed"}]}) == "withdrawn"


def test_derived_ids_are_stable():
    assert domain.derived_id("tsk", "n1:volunteer:v1") == domain.derived_id("tsk", "n1:volunteer:v1")
    assert domain.derived_id("tsk", "n1:volunteer:v1") != domain.derived_id("tsk", "n1:volunteer:v2")


# --- resource library ----------------------------------------------------------------------
def test_yearly_review_dates_and_overdue():
    assert domain.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert domain.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    data = load(schemas.ResourceInputSchema, resource_input(reviewed_on="2025-05-31"))
    resource = domain.new_resource(data, "res_1", ["svc_1"], TODAY)
    assert resource["next_review_due"] == "2026-05-31"
    assert domain.review_overdue(resource, date(2026, 5, 31)) is False
    assert domain.review_overdue(resource, TODAY) is True
    changes = domain.review({**resource, "_version": 1}, TODAY, "confirmed", None, TODAY)
    assert changes["next_review_due"] == "2027-06-01" and not domain.review_overdue({**resource, **changes}, TODAY)
    with pytest.raises(ValidationFailed, match="before the last review"):
        domain.review(resource, date(2025, 1, 1), "confirmed", None, TODAY)
    closed = domain.review(resource, TODAY, "closed", "moved away", TODAY)
    assert closed["status"] == "closed" and closed["next_review_due"] is None


def test_resource_input_validation():
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.ResourceInputSchema, resource_input(kind="charity_organisation",
                                                         credit_code=credit_code("321181", 3)[:-1] + "0"))
    assert "credit_code" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.ResourceInputSchema, resource_input(kind="karaoke"))
    assert "kind" in caught.value.details
    data = load(schemas.ResourceInputSchema, resource_input(community_code="321181002001"))
    with pytest.raises(ValidationFailed, match="community_code"):
        domain.new_resource(data, "res_1", ["svc_1"], TODAY)
    data = load(schemas.ResourceInputSchema, resource_input(station_id="ST321102001"))
    with pytest.raises(ValidationFailed, match="own county"):
        domain.new_resource(data, "res_1", ["svc_1"], TODAY)


def test_volunteer_and_donation_input_validation():
    good = volunteer_input()
    wrong_check_digit = good["id_number"][:-1] + ("1" if good["id_number"][-1] != "1" else "2")
    with pytest.raises(ValidationFailed) as caught:
        load(schemas.VolunteerInputSchema, {**good, "id_number": wrong_check_digit, "skills": ["juggling"],
                                            "community_code": "3211810010"})
    assert {"id_number", "skills.0", "community_code"} <= set(caught.value.details)
    base = {"station_id": "ST321181001", "donor": {"kind": "individual", "name": "李女士"}, "received_on": "2026-05-01"}
    with pytest.raises(ValidationFailed, match="amount_fen"):
        load(schemas.DonationInputSchema, {**base, "kind": "money"})
    with pytest.raises(ValidationFailed, match="amount_fen"):
        load(schemas.DonationInputSchema, {**base, "kind": "money", "amount_fen": 10.5})
    with pytest.raises(ValidationFailed, match="goods"):
        load(schemas.DonationInputSchema, {**base, "kind": "goods"})
    with pytest.raises(ValidationFailed, match="name"):
        load(schemas.DonationInputSchema, {**base, "kind": "money", "amount_fen": 100, "donor": {"kind": "individual"}})
    with pytest.raises(ValidationFailed, match="valid_until"):
        load(schemas.BackgroundCheckSchema, {"expected_version": 1, "result": "passed", "checked_on": "2026-01-01",
                                             "authority": "派出所"})


# --- certificates and the directory --------------------------------------------------------
def test_certificate_code_detects_any_change():
    key = certificates.certificate_key("secret")
    volunteer = a_volunteer()
    entries = [{**entry("e1", "2026-05-04T09:00+08:00", "2026-05-04T11:00+08:00", "approved"), "station_id": "ST1"}]
    content = certificates.build_content("cert_1", volunteer, entries, ("2026-01-01", "2026-12-31"), "2026-06-01",
                                         "ST321181001")
    assert content["total_hours"] == 2.0 and content["title"] == "志愿服务记录证明"
    code = certificates.verification_code(key, content)
    assert certificates.verify(key, content, code)
    assert certificates.verify(key, content, code.lower())
    assert not certificates.verify(key, {**content, "total_hours": 20.0}, code)
    assert not certificates.verify(certificates.certificate_key("other"), content, code)
    text = certificates.render_text(content, code)
    assert "志愿服务记录证明" in text and code in text and "321181********1234" in text


def test_directory_export_has_the_hsds_shape():
    data = load(schemas.ResourceInputSchema, resource_input(kind="community_social_organisation",
                                                            credit_code=credit_code("321181", 9)))
    resource = domain.new_resource(data, "res_1", ["svc_1"], TODAY)
    export = directory.hsds_directory([resource], datetime(2026, 6, 1))
    assert set(export) == {"hsds_version", "exported_at", "organizations", "services", "locations",
                           "service_at_locations"}
    organisation, service, location = export["organizations"][0], export["services"][0], export["locations"][0]
    assert organisation["tax_id"] == data["credit_code"]
    assert organisation["organization_identifiers"][0]["identifier_scheme"] == "CN-USCI"
    assert service["organization_id"] == organisation["id"] and location["organization_id"] == organisation["id"]
    assert export["service_at_locations"][0] == {"id": directory.hsds_id("service_at_location", "svc_1"),
                                                 "service_id": service["id"], "location_id": location["id"]}
    assert service["schedules"][0] | {} == {**service["schedules"][0], "freq": "WEEKLY", "byday": "MO"}
    assert ("shegong:domain", "elderly") in {(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"])
                                             for a in service["attributes"]}
    assert location["addresses"][0]["country"] == "CN"
    assert directory.hsds_directory([resource], datetime(2026, 6, 2))["services"][0]["id"] == service["id"]


# --- cancelling a task, revoking a certificate ------------------------------------------------
def need_with_task(task_status="open"):
    proposals = [{"proposal_id": "n1:volunteer:v1", "state": "accepted"}, {"proposal_id": "n1:volunteer:v2",
                                                                            "state": "proposed"}]
    tasks = [{"task_id": "tsk_1", "proposal_id": "n1:volunteer:v1", "kind": "volunteer", "candidate_id": "v1",
              "status": task_status}]
    return {"_id": "n1", "status": "matched", "proposals": proposals, "tasks": tasks, "unmet": None}


def test_cancelling_an_open_task_returns_the_need_to_matching_and_retires_its_proposal():
    changes, task = domain.cancel_task(need_with_task(), "tsk_1", "志愿者生病", "stf_1", "2026-06-30T02:00:00Z")
    assert task["status"] == "cancelled" and task["cancellation_reason"] == "志愿者生病"
    assert task["cancelled_by"] == "stf_1" and task["cancelled_at"] == "2026-06-30T02:00:00Z"
    assert changes["status"] == "proposed"  # the other candidate is still on offer
    assert [p["state"] for p in changes["proposals"]] == ["cancelled", "proposed"]
    alone = {**need_with_task(), "proposals": need_with_task()["proposals"][:1]}
    assert domain.cancel_task(alone, "tsk_1", "取消", "stf_1", "2026-06-30T02:00:00Z")[0]["status"] == "open"


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_only_an_open_task_is_cancelled(status):
    with pytest.raises(Conflict, match=f"already {status}"):
        domain.cancel_task(need_with_task(status), "tsk_1", "取消", "stf_1", "2026-06-30T02:00:00Z")
    with pytest.raises(NotFound):
        domain.cancel_task(need_with_task(), "tsk_9", "取消", "stf_1", "2026-06-30T02:00:00Z")


def test_a_revoked_certificate_says_so_when_verified_and_is_revoked_once():
    certificate = {"_id": "cert_1"}
    changes = certificates.revoke(certificate, "服务时长登记有误", "stf_1", "2026-06-29T17:00:00Z", "2026-06-30")
    assert changes == {"revoked": {"reason": "服务时长登记有误", "by": "stf_1", "at": "2026-06-29T17:00:00Z",
                                   "on": "2026-06-30"}}
    answer = certificates.revoked_answer({**certificate, **changes})
    assert answer["valid"] is False and answer["revoked"] is True and answer["revoked_on"] == "2026-06-30"
    assert "服务时长登记有误" in answer["reason"]
    with pytest.raises(Conflict, match="already revoked"):
        certificates.revoke({**certificate, **changes}, "again", "stf_1", "2026-07-01T00:00:00Z", "2026-07-01")


def test_an_unmet_reason_after_declines_names_candidates_by_id_never_by_name():
    need = {"proposals": [
        {"kind": "volunteer", "candidate_id": "vol-1", "candidate_name": "欧阳建国", "state": "declined",
         "decision_reason": "时间冲突"},
        {"kind": "resource", "candidate_id": "res-2", "candidate_name": "阳光中心", "state": "declined",
         "decision_reason": "距离太远"},
        {"kind": "volunteer", "candidate_id": "vol-3", "candidate_name": "李四", "state": "proposed"}]}
    reason = domain.declined_reason(need)
    assert "欧阳建国" not in reason and "李四" not in reason
    assert reason == "all proposals declined (volunteer vol-1: 时间冲突; resource res-2: 距离太远)"
