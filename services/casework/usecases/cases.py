"""A case's lifecycle: opening, stages, assessment, plan and closure with their approvals, reopening."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas
from ..storage import staff_is_current
from . import access
from .case_changes import breach_events, crisis_event, save_case, stage_event
from .context import Casework, actor
from .presentation import case_views


def open_case(casework: Casework, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.CaseOpenSchema, data)
    household = access.household_for_write(casework, viewer, data["household_id"])
    access.require_current_worker(casework, data["assigned_staff_id"], household["station_id"], "assigned_staff_id")
    now, today, by = casework.now(), casework.today(), actor(viewer)
    data["opened_on"] = data.get("opened_on") or today
    case = domain.new_case(data, household, new_id("cs"), by, now, today)
    case_events = [event_by(viewer, events.CASE_OPENED, {
        "case_id": case["_id"], "household_id": household["_id"], "person_id": case["person_id"],
        "station_id": case["station_id"], "township_code": case["township_code"], "domain": case["domain"],
        "source": case["source"], "assigned_staff_id": case["assigned_staff_id"], "opened_on": case["opened_on"]})]
    if data.get("crisis"):
        case.update(domain.flag_crisis(case, casework.cipher.encrypt(data["crisis"]["notes"]), by, now))
        case_events.append(crisis_event(viewer, events.CRISIS_FLAGGED, case))
    subject = "this person" if case["person_id"] else "this household"
    casework.repo.cases.insert(case, case_events,
                               duplicate_message=f"{subject} already has an open {case['domain']} case")
    return case_views(casework, viewer, [casework.repo.cases.require(case["_id"])])[0]


def change_stage(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.StageChangeSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    changes = domain.change_stage(case, data["to"], data.get("note"), actor(viewer), casework.now(),
                                  access.worker_current(casework, case))
    return save_case(casework, viewer, case, data["expected_version"], changes, [stage_event(viewer, case, changes)])


def record_case_assessment(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.CaseAssessmentSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    household = casework.repo.households.require(case["household_id"])
    changes = domain.record_case_assessment(case, data, household, actor(viewer), casework.now())
    return save_case(casework, viewer, case, data["expected_version"], changes)


def submit_plan(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.PlanSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    changes = domain.submit_plan(case, data, new_id("pl"), actor(viewer), casework.now(), casework.today())
    return save_case(casework, viewer, case, data["expected_version"], changes)


def decide_plan(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.DecisionSchema, data)
    case = access.visible_case(casework, viewer, case_id)
    access.require_approver(casework, viewer, case)
    changes = domain.decide_plan(case, data["decision"], data.get("comment"), actor(viewer), casework.now())
    return save_case(casework, viewer, case, data["expected_version"], changes)


def request_closure(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.ClosureRequestSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    changes = domain.request_closure(case, data, actor(viewer), casework.now())
    return save_case(casework, viewer, case, data["expected_version"], changes)


def decide_closure(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.DecisionSchema, data)
    case = access.visible_case(casework, viewer, case_id)
    access.require_approver(casework, viewer, case)
    changes = domain.decide_closure(case, data["decision"], data.get("comment"), actor(viewer), casework.now(),
                                    casework.today())
    case_events = []
    if changes.get("stage") == "closed":
        closure = changes["closure"]
        case_events = [stage_event(viewer, case, changes, approved_by=viewer.user_id),
                       event_by(viewer, events.CASE_CLOSED, {
                           "case_id": case["_id"], "station_id": case["station_id"],
                           "township_code": case["township_code"], "domain": case["domain"],
                           "reason": closure["reason"], "outcome": closure["outcome"],
                           "opened_on": case["opened_on"], "closed_on": closure["closed_on"],
                           "approved_by": viewer.user_id})]
    case_events.extend(breach_events(viewer, case, changes))
    return save_case(casework, viewer, case, data["expected_version"], changes, case_events)


def reopen_case(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.ReopenSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    household = casework.repo.households.require(case["household_id"])
    worker = data.get("assigned_staff_id") or case["assigned_staff_id"]
    if worker != case["assigned_staff_id"]:
        access.require_current_worker(casework, worker, case["station_id"], "assigned_staff_id")
    worker_current = staff_is_current(casework.repo.staff_member(worker), case["station_id"],
                                      casework.today().isoformat())
    changes = domain.reopen(case, data["reason"], household, actor(viewer), casework.now(), worker_current, worker)
    return save_case(casework, viewer, case, data["expected_version"], changes, [stage_event(viewer, case, changes)])


def reassign_case(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.ReassignSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    access.require_current_worker(casework, data["staff_id"], case["station_id"], "staff_id")
    changes = domain.reassign(case, data["staff_id"], data["reason"], actor(viewer), casework.now())
    return save_case(casework, viewer, case, data["expected_version"], changes)
