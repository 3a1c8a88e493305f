"""cases: a case moves through its stages; plans and closures are approved by a supervisor or the lead."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.casework.usecases import cases
from services.common import clock
from services.common.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import (
    COLLEAGUE,
    LEAD,
    OTHER_WORKER,
    SUPERVISOR,
    WORKER,
    case_event_types,
    casework,
    opened,
    registered,
)


def _in_plan(cw):
    case = opened(cw, registered(cw))
    case = cases.change_stage(cw, WORKER, case["id"], {"expected_version": case["version"], "to": "assessment"})
    case = cases.record_case_assessment(cw, WORKER, case["id"], {"expected_version": case["version"],
                                                                 "summary": "生活基本自理，社会支持弱"})
    case = cases.change_stage(cw, WORKER, case["id"], {"expected_version": case["version"], "to": "plan"})
    return cases.submit_plan(cw, WORKER, case["id"], {
        "expected_version": case["version"], "goals": ["每月探访一次"],
        "interventions": [{"activity_type": "resource_linking", "frequency": "每月"}],
        "review_on": (clock.today() + timedelta(days=90)).isoformat()})


def test_a_case_opens_and_moves_through_its_stages_with_events():
    cw = casework()
    case = _in_plan(cw)
    assert case["stage"] == "plan"
    assert case_event_types(cw, case["id"]) == ["case.opened", "case.stage_changed", "case.stage_changed"]


def test_a_plan_is_approved_by_the_lead_never_by_a_colleague():
    cw = casework()
    case = _in_plan(cw)
    decision = {"expected_version": case["version"], "decision": "approved"}
    with pytest.raises(PermissionDenied):
        cases.decide_plan(cw, COLLEAGUE, case["id"], decision)
    case = cases.decide_plan(cw, LEAD, case["id"], decision)
    case = cases.change_stage(cw, WORKER, case["id"], {"expected_version": case["version"], "to": "in_service"})
    assert case["stage"] == "in_service"


def test_a_closure_approved_by_the_supervisor_closes_the_case_and_it_can_reopen():
    cw = casework()
    case = _in_plan(cw)
    case = cases.decide_plan(cw, SUPERVISOR, case["id"], {"expected_version": case["version"], "decision": "approved"})
    case = cases.request_closure(cw, WORKER, case["id"], {"expected_version": case["version"],
                                                          "reason": "goals_achieved", "outcome": "achieved"})
    case = cases.decide_closure(cw, SUPERVISOR, case["id"], {"expected_version": case["version"],
                                                             "decision": "approved"})
    assert case["stage"] == "closed"
    assert case_event_types(cw, case["id"])[-2:] == ["case.stage_changed", "case.closed"]
    case = cases.reopen_case(cw, WORKER, case["id"], {"expected_version": case["version"], "reason": "情况反复"})
    assert case["stage"] == "assessment"
    case = cases.reassign_case(cw, WORKER, case["id"], {"expected_version": case["version"],
                                                        "staff_id": fx.COLLEAGUE, "reason": "工作调整"})
    assert case["assigned_staff_id"] == fx.COLLEAGUE


def test_the_worker_must_be_current_staff_and_the_case_in_scope():
    cw = casework()
    household = registered(cw)
    with pytest.raises(ValidationFailed) as caught:
        opened(cw, household, assigned_staff_id="stf_other")
    assert "assigned_staff_id" in caught.value.details
    case = opened(cw, household)
    with pytest.raises(Conflict):
        opened(cw, household)  # one open case per person and domain
    with pytest.raises(NotFound):
        cases.change_stage(cw, OTHER_WORKER, case["id"], {"expected_version": case["version"], "to": "assessment"})
    with pytest.raises(RuleViolation):
        cases.change_stage(cw, WORKER, case["id"], {"expected_version": case["version"], "to": "in_service"})
