"""inbox: the case work waiting for a viewer (follow-ups due or overdue, crises awaiting first contact) and the
plans and closures waiting for their approval, on the in-memory store (services/casework/usecases/inbox.py)."""
from __future__ import annotations

from datetime import timedelta

from services.casework.usecases import cases, inbox, visits
from services.common import clock
from services.common.clock import FrozenClock
from tests.support import casework_fixtures as fx
from tests.support.casework_units import (
    COLLEAGUE,
    COUNTY,
    LEAD,
    OTHER_WORKER,
    SUPERVISOR,
    WORKER,
    casework,
    opened,
    registered,
)


def kinds(items: list[dict]) -> list[tuple[str, str]]:
    return [(i["kind"], i["status"]) for i in items]


def _visited(cw, case, next_visit_in_days: int) -> None:
    today = clock.today()
    visits.log_case_visit(cw, WORKER, case["id"], fx.visit(case["version"], today.isoformat(),
                                                           next_visit_on=(today + timedelta(days=next_visit_in_days))
                                                           .isoformat()))


def test_a_follow_up_due_this_week_is_in_the_assigned_workers_inbox_and_overdue_once_its_day_passed():
    with FrozenClock(clock.utcnow()) as frozen:
        cw = casework()
        case = opened(cw, registered(cw))
        _visited(cw, case, 3)

        [item] = inbox.inbox_items(cw, WORKER)["items"]
        assert (item["kind"], item["status"], item["id"], item["source"]) == ("case_follow_up", "due", case["id"],
                                                                              "casework")
        assert item["due_on"] == (clock.today() + timedelta(days=3)).isoformat()
        assert item["station_id"] == fx.STATION and item["link"] == {"type": "Case", "id": case["id"]}
        assert item["owner_id"] == fx.WORKER and "张" not in item["title"]  # no household or person named
        assert inbox.inbox_items(cw, COLLEAGUE)["items"] == []  # not theirs
        assert kinds(inbox.inbox_items(cw, LEAD)["items"]) == [("case_follow_up", "due")]  # the lead sees the station's
        assert inbox.inbox_items(cw, OTHER_WORKER)["items"] == [] and inbox.inbox_items(cw, COUNTY)["items"] == []

        frozen.advance(days=4)
        assert kinds(inbox.inbox_items(cw, WORKER)["items"]) == [("case_follow_up", "overdue")]


def test_a_follow_up_further_than_a_week_away_waits_outside_the_inbox():
    cw = casework()
    case = opened(cw, registered(cw))
    _visited(cw, case, 20)
    assert inbox.inbox_items(cw, WORKER)["items"] == []


def test_a_crisis_awaiting_first_contact_is_due_then_overdue_after_its_deadline():
    with FrozenClock(clock.utcnow()) as frozen:
        cw = casework()
        case = opened(cw, registered(cw), crisis={"notes": "家暴求助"})
        [item] = inbox.inbox_items(cw, WORKER)["items"]
        assert (item["kind"], item["status"]) == ("crisis_first_contact", "due")
        assert "家暴" not in item["title"]
        frozen.advance(hours=25)
        assert kinds(inbox.inbox_items(cw, WORKER)["items"]) == [("crisis_first_contact", "overdue")]
        assert kinds(inbox.inbox_items(cw, SUPERVISOR)["items"]) == [("crisis_first_contact", "overdue")]
        assert case["id"] in {i["id"] for i in inbox.inbox_items(cw, SUPERVISOR)["items"]}


def _in_plan(cw, worker=WORKER):
    case = opened(cw, registered(cw))
    case = cases.change_stage(cw, worker, case["id"], {"expected_version": case["version"], "to": "assessment"})
    case = cases.record_case_assessment(cw, worker, case["id"], {"expected_version": case["version"],
                                                                 "summary": "生活基本自理，社会支持弱"})
    case = cases.change_stage(cw, worker, case["id"], {"expected_version": case["version"], "to": "plan"})
    return cases.submit_plan(cw, worker, case["id"], {
        "expected_version": case["version"], "goals": ["每月探访一次"],
        "interventions": [{"activity_type": "resource_linking", "frequency": "每月"}],
        "review_on": (clock.today() + timedelta(days=90)).isoformat()})


def test_a_submitted_plan_waits_for_the_supervisor_and_the_lead_never_for_its_author_or_a_colleague():
    cw = casework()
    case = _in_plan(cw)
    for approver in (SUPERVISOR, LEAD):
        [item] = inbox.inbox_items(cw, approver)["items"]
        assert (item["kind"], item["status"], item["due_on"]) == ("case_plan_approval", "waiting", None)
        assert item["since"] and item["link"]["id"] == case["id"]
    assert [i["kind"] for i in inbox.inbox_items(cw, WORKER)["items"]] == []
    assert inbox.inbox_items(cw, COLLEAGUE)["items"] == []

    case = cases.decide_plan(cw, LEAD, case["id"], {"expected_version": case["version"], "decision": "approved"})
    assert inbox.inbox_items(cw, SUPERVISOR)["items"] == []


def test_a_closure_request_waits_for_approval_until_decided():
    cw = casework()
    case = _in_plan(cw)
    case = cases.decide_plan(cw, SUPERVISOR, case["id"], {"expected_version": case["version"], "decision": "approved"})
    case = cases.request_closure(cw, WORKER, case["id"], {"expected_version": case["version"],
                                                          "reason": "goals_achieved", "outcome": "achieved"})
    assert "case_closure_approval" in [i["kind"] for i in inbox.inbox_items(cw, SUPERVISOR)["items"]]
    cases.decide_closure(cw, SUPERVISOR, case["id"], {"expected_version": case["version"], "decision": "approved"})
    assert "case_closure_approval" not in [i["kind"] for i in inbox.inbox_items(cw, SUPERVISOR)["items"]]


def test_overdue_work_comes_first_then_due_then_waiting_approvals():
    with FrozenClock(clock.utcnow()) as frozen:
        cw = casework()
        waiting = _in_plan(cw)
        household = cw.repo.households.require(waiting["household_id"])
        late = opened(cw, {"id": household["_id"], "members": household["members"]}, domain="disability")
        _visited(cw, late, 1)
        frozen.advance(days=2)
        soon = opened(cw, {"id": household["_id"], "members": household["members"]}, domain="children")
        _visited(cw, soon, 2)

        items = inbox.inbox_items(cw, SUPERVISOR)["items"]
        assert [(i["kind"], i["status"], i["id"]) for i in items] == [
            ("case_follow_up", "overdue", late["id"]), ("case_follow_up", "due", soon["id"]),
            ("case_plan_approval", "waiting", waiting["id"])]
