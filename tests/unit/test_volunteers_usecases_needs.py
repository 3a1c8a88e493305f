"""usecases/needs.py and matching_runs.py on the in-memory store: needs in, matched, withdrawn, rolled up."""
from __future__ import annotations

import pytest

from services.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.volunteers.usecases import needs, volunteers
from tests.support.volunteers_fixtures import COMMUNITY, STATION, assessment_payload, need, volunteer_input
from tests.support.volunteers_unit import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    OTHER_STAFF,
    STAFF,
    accepted_volunteer_task,
    event_types,
    outbox,
    use_cases,
)


def request(**overrides) -> dict:
    return {"household_id": "hh-1", "station_id": STATION, "community_code": COMMUNITY, "domain": "elderly",
            "need_type": "home_visit", "severity": "medium", "description": "独居老人需要定期探访",
            "beneficiary_groups": ["elderly_living_alone"], **overrides}


def test_an_assessed_need_is_matched_and_the_proposals_announced():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    assert needs.record_assessment(ctx, ADMIN, assessment_payload([need("need-a")])) == ["need-a"]
    stored = needs.get_needs(ctx, STAFF, ["need-a"])[0]
    assert stored["status"] == "proposed" and stored["proposals"][0]["candidate_id"] == volunteer["id"]
    assert event_types(ctx, "needs", "need-a") == ["match.proposed"]
    needs.record_assessment(ctx, ADMIN, assessment_payload([need("need-a")]))  # redelivered
    again = needs.get_needs(ctx, STAFF, ["need-a"])[0]
    assert len(again["proposals"]) == len(stored["proposals"])


def test_a_need_nobody_can_serve_is_unmet_with_its_reason():
    ctx = use_cases()
    needs.record_assessment(ctx, ADMIN, assessment_payload([need("need-alone")]))
    unmet = needs.get_needs(ctx, COUNTY, ["need-alone"])[0]
    assert unmet["status"] == "unmet" and unmet["unmet"]["reason"]
    assert event_types(ctx, "needs", "need-alone") == ["need.unmet"]
    assert outbox(ctx, "needs", "need-alone")[0]["payload"]["county_code"] == "321181"
    rollup = needs.unmet_rollup(ctx, COUNTY, {"region": "321181"})
    assert rollup["total"] == 1 and rollup["by_region"] == [{"region_code": STATION[2:], "domain": "elderly",
                                                             "count": 1}]
    assert needs.unmet_rollup(ctx, OTHER_COUNTY, {"region": "321102"})["total"] == 0


def test_a_later_assessment_withdraws_the_needs_it_no_longer_names():
    ctx = use_cases()
    volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    needs.record_assessment(ctx, ADMIN, assessment_payload([need("need-kept"), need("need-dropped")],
                                                           assessment_id="asm-1"))
    needs.record_assessment(ctx, ADMIN, assessment_payload([need("need-kept")], assessment_id="asm-2",
                                                           supersedes="asm-1"))
    kept, dropped = needs.get_needs(ctx, ADMIN, ["need-kept", "need-dropped"])
    assert kept["status"] == "proposed" and dropped["status"] == "withdrawn"
    assert {p["state"] for p in dropped["proposals"]} == {"withdrawn"}


def test_withdrawn_consent_takes_needs_out_of_matching_but_not_matched_ones():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    matched, _ = accepted_volunteer_task(ctx, volunteer["id"])
    needs.record_assessment(ctx, ADMIN, assessment_payload([need("need-open")]))
    withdrawn = needs.withdraw_for_consent(ctx, ADMIN, {"matching_need_ids": ["need-open", matched["id"], "gone"]})
    assert withdrawn == ["need-open"]
    assert needs.get_needs(ctx, ADMIN, [matched["id"]])[0]["status"] == "matched"


def test_an_explicit_request_is_checked_against_the_station_and_its_need_id():
    ctx = use_cases()
    with pytest.raises(ValidationFailed):
        needs.request_matching(ctx, STAFF, request(community_code="321181002001"))
    with pytest.raises(PermissionDenied):
        needs.request_matching(ctx, OTHER_STAFF, request())
    first = needs.request_matching(ctx, STAFF, request(need_id="need-explicit"))
    assert first["household_id"] == "hh-1"
    with pytest.raises(Conflict):
        needs.request_matching(ctx, STAFF, request(need_id="need-explicit", household_id="hh-2"))
    with pytest.raises(NotFound):
        needs.request_matching(ctx, OTHER_STAFF, request(need_id="need-explicit", station_id="ST321102001",
                                                         community_code=None))


def test_rematching_finds_new_candidates_without_duplicating_and_stops_at_delivery():
    ctx = use_cases()
    first = needs.request_matching(ctx, STAFF, request())
    assert first["status"] == "unmet"
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    rematched = needs.rematch_need(ctx, STAFF, first["id"], {"expected_version": first["version"]})
    assert [p["candidate_id"] for p in rematched["proposals"]] == [volunteer["id"]]
    twice = needs.rematch_need(ctx, STAFF, first["id"], {"expected_version": rematched["version"]})
    assert len(twice["proposals"]) == 1
    with pytest.raises(NotFound):
        needs.rematch_need(ctx, OTHER_STAFF, first["id"], {"expected_version": twice["version"]})
    withdrawn = ctx.repo.needs.require(first["id"])
    ctx.repo.needs.update(first["id"], withdrawn["_version"], {"status": "withdrawn"})
    with pytest.raises(Conflict):
        needs.rematch_need(ctx, STAFF, first["id"], {"expected_version": withdrawn["_version"] + 1})


def test_the_need_queries_answer_within_scope():
    ctx = use_cases()
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    matched, task = accepted_volunteer_task(ctx, volunteer["id"], household_id="hh-9")
    assert [n["id"] for n in needs.needs_for_households(ctx, COUNTY, ["hh-9"])["hh-9"]] == [matched["id"]]
    assert needs.needs_for_households(ctx, OTHER_COUNTY, ["hh-9"]) == {"hh-9": []}
    held = needs.tasks_for_volunteers(ctx, STAFF, [volunteer["id"]])[volunteer["id"]]
    assert [t["task_id"] for t in held] == [task["task_id"]]
    assert needs.list_needs(ctx, COUNTY, {"household_id": "hh-9"})["total"] == 1
    assert needs.list_needs(ctx, OTHER_COUNTY, {})["total"] == 0
    assert needs.list_needs(ctx, ADMIN, {"region": STATION[2:], "status": "matched"})["total"] == 1
