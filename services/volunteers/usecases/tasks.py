"""Deciding proposals and the tasks they become: accept (reserving the candidate), decline, complete, cancel."""
from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, Conflict, NotFound, RuleViolation, ValidationFailed
from services.common.events import event_by
from services.common.rpc import load
from services.common.storage import retry_commuting
from services.contracts import volunteers as events

from .. import domain, schemas
from . import Volunteering, access
from .charity import return_distribution, take_from_stock
from .consistency import check_version
from .hours import hours_entry, record_hours
from .matching_runs import unmet_event


def _decision_payload(need: dict, proposal: dict, task_id: str | None, reason: str | None) -> dict:
    return {"need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
            "township_code": need["township_code"], "proposal_id": proposal["proposal_id"],
            "candidate_kind": proposal["kind"], "candidate_id": proposal["candidate_id"], "task_id": task_id,
            "reason": reason}


def _reserve_volunteer(ctx: Volunteering, need: dict, task: dict) -> None:
    def write():
        volunteer = ctx.repo.volunteers.get(task["candidate_id"])
        if volunteer is None:
            raise RuleViolation("the proposed volunteer no longer exists")
        held = domain.reserve_task(volunteer, task["task_id"], need["_id"], task["scheduled_start"],
                                   task["scheduled_end"], bool(need["child_related"]), clock.today())
        if held is not volunteer["open_tasks"]:
            ctx.repo.volunteers.update(volunteer["_id"], volunteer["_version"], {"open_tasks": held})
    retry_commuting(write)


def _reserve_resource(ctx: Volunteering, need: dict, task: dict) -> None:
    def write():
        resource = ctx.repo.resources.get(task["candidate_id"])
        if resource is None:
            raise RuleViolation("the proposed resource no longer exists")
        held = domain.reserve_service(resource, task["service_id"], task["task_id"], need["_id"])
        if held is not resource["open_tasks"]:
            ctx.repo.resources.update(resource["_id"], resource["_version"], {"open_tasks": held})
    retry_commuting(write)


def reserve(ctx: Volunteering, viewer: Viewer, need: dict, task: dict) -> None:
    """Hold the candidate for the task, re-checking its hard constraints on the current record."""
    if task["kind"] == "volunteer":
        _reserve_volunteer(ctx, need, task)
    elif task["kind"] == "resource":
        _reserve_resource(ctx, need, task)
    else:
        take_from_stock(ctx, viewer, task["candidate_id"], task["distribution_id"], {
            "quantity": task["quantity"], "domain": need["domain"],
            "region_code": need.get("community_code") or need["township_code"],
            "beneficiary_groups": need["beneficiary_groups"], "household_id": need["household_id"],
            "need_id": need["_id"], "distributed_on": clock.today()})
    ctx.index.mark_dirty()


def release(ctx: Volunteering, viewer: Viewer, task: dict) -> None:
    """Free what the task held (idempotent): a volunteer's or a resource's capacity, or the goods."""
    kind, candidate_id = task["kind"], task["candidate_id"]
    if kind == "charity":
        return_distribution(ctx, viewer, candidate_id, task["distribution_id"])
        return
    store = ctx.repo.volunteers if kind == "volunteer" else ctx.repo.resources

    def write():
        holder = store.get(candidate_id)
        if holder is not None and any(t["task_id"] == task["task_id"] for t in holder["open_tasks"]):
            store.update(candidate_id, holder["_version"], {"open_tasks": domain.release_task(holder, task["task_id"])})
    retry_commuting(write)
    ctx.index.mark_dirty()


def accept_proposal(ctx: Volunteering, viewer: Viewer, need_id: str, proposal_id: str, data: dict) -> dict:
    data = load(schemas.AcceptSchema, data)
    need = access.writable(ctx.repo.needs, need_id, viewer)
    check_version(need, data["expected_version"])
    proposal = domain.find_proposal(need, proposal_id)
    domain.require_decidable(need, proposal)
    start, end = domain.task_window(data["scheduled_start"], data["scheduled_end"])
    task_id = domain.derived_id("tsk", proposal_id)
    task = {"task_id": task_id, "proposal_id": proposal_id, "kind": proposal["kind"],
            "candidate_id": proposal["candidate_id"], "candidate_name": proposal["candidate_name"],
            "service_id": proposal["detail"].get("service_id"), "status": "open",
            "accepted_by": viewer.user_id, "accepted_at": clock.timestamp(clock.utcnow()), "scheduled_start": start,
            "scheduled_end": end, "note": data.get("note"), "quantity": None, "distribution_id": None,
            "completed_on": None, "hours": None, "notes": None, "service_type": None}
    if proposal["kind"] == "charity":
        if not data.get("quantity"):
            raise ValidationFailed.field("quantity", "how much of the stock goes to the household")
        task.update(quantity=data["quantity"], distribution_id=domain.derived_id("dst", proposal_id))
    reserve(ctx, viewer, need, task)
    decided = {**proposal, "state": "accepted", "decided_at": task["accepted_at"], "decided_by": viewer.user_id}
    state = {**need, "proposals": domain.replace(need["proposals"], "proposal_id", decided),
             "tasks": [*need["tasks"], task]}
    changes = {"proposals": state["proposals"], "tasks": state["tasks"], "unmet": None,
               "task_assignees": sorted({t["candidate_id"] for t in state["tasks"]}),
               "status": domain.status_of({**state, "unmet": None})}
    accepted = event_by(viewer, events.MATCH_ACCEPTED, _decision_payload(need, proposal, task_id, data.get("note")))
    try:
        ctx.repo.needs.update(need_id, data["expected_version"], changes, [accepted])
    except (ConcurrentModification, NotFound):
        release(ctx, viewer, task)
        raise
    return domain.need_view(ctx.repo.needs.require(need_id), viewer)


def decline_proposal(ctx: Volunteering, viewer: Viewer, need_id: str, proposal_id: str, data: dict) -> dict:
    data = load(schemas.DeclineSchema, data)
    need = access.writable(ctx.repo.needs, need_id, viewer)
    proposal = domain.find_proposal(need, proposal_id)
    domain.require_decidable(need, proposal)
    decided = {**proposal, "state": "declined", "decided_at": clock.timestamp(clock.utcnow()),
               "decided_by": viewer.user_id, "decision_reason": data["reason"]}
    state = {**need, "proposals": domain.replace(need["proposals"], "proposal_id", decided)}
    decision_events = [event_by(viewer, events.MATCH_DECLINED, _decision_payload(need, proposal, None, data["reason"]))]
    changes = {"proposals": state["proposals"]}
    if domain.status_of(state) == "open":
        # Nothing acceptable is left: the need is unmet, and the declines are the reason.
        reason = domain.declined_reason(state)
        changes["unmet"] = {"reason": reason, "refusals": {"declined": sum(
            1 for p in state["proposals"] if p["state"] == "declined")}, "since": clock.today().isoformat()}
        decision_events.append(unmet_event(viewer, need, reason, changes["unmet"]["refusals"]))
        state["unmet"] = changes["unmet"]
    changes["status"] = domain.status_of(state)
    ctx.repo.needs.update(need_id, data["expected_version"], changes, decision_events)
    return domain.need_view(ctx.repo.needs.require(need_id), viewer)


def complete_task(ctx: Volunteering, viewer: Viewer, need_id: str, task_id: str, data: dict) -> dict:
    data = load(schemas.CompleteTaskSchema, data)
    need = access.writable(ctx.repo.needs, need_id, viewer)
    check_version(need, data["expected_version"])
    task = domain.find_task(need, task_id)
    if task["status"] != "open":
        raise Conflict(f"the task is already {task['status']}", {"task_id": [f"already {task['status']}"]})
    service_type = data.get("service_type") or need["need_type"]
    if data.get("delivered_on") and data["delivered_on"] > clock.today():
        raise ValidationFailed.field("delivered_on", "a service cannot be recorded before it happened")
    if task["kind"] == "volunteer":
        if not data.get("started_at") or not data.get("ended_at"):
            raise ValidationFailed.field("started_at", "a volunteer's task records when the service started and ended")
        entry = hours_entry(domain.derived_id("hrs", task_id, "completion"), need, task, data["started_at"],
                            data["ended_at"], service_type, viewer)
        record_hours(ctx, task["candidate_id"], entry, release_task_id=task_id)
        hours = entry["hours"]
        delivered_on = data.get("delivered_on") or date.fromisoformat(entry["start"][:10])
    else:
        if task["kind"] == "resource":
            release(ctx, viewer, task)
        hours = data.get("hours") or 0.0
        delivered_on = data.get("delivered_on") or clock.today()
    completed = {**task, "status": "completed", "completed_on": delivered_on.isoformat(), "hours": hours,
                 "notes": data.get("notes"), "service_type": service_type}
    state = {**need, "tasks": domain.replace(need["tasks"], "task_id", completed)}
    delivered = event_by(viewer, events.SERVICE_DELIVERED, {
        "task_id": task_id, "match_id": task["proposal_id"], "need_id": need_id,
        "assessment_id": need.get("assessment_id"), "household_id": need["household_id"],
        "station_id": need["station_id"], "township_code": need["township_code"],
        "delivered_by": {"kind": task["kind"], "id": task["candidate_id"], "name": task["candidate_name"]},
        "service_type": service_type, "domain": need["domain"], "delivered_on": delivered_on,
        "hours": hours, "notes": data.get("notes")})
    ctx.repo.needs.update(need_id, data["expected_version"],
                          {"tasks": state["tasks"], "status": domain.status_of(state)}, [delivered])
    return domain.need_view(ctx.repo.needs.require(need_id), viewer)


def cancel_task(ctx: Volunteering, viewer: Viewer, need_id: str, task_id: str, data: dict) -> dict:
    """Cancel an open task: the need goes back to matching and the candidate's hold is released
    (a volunteer's or a resource's capacity; charity goods return to their stock lots).
    The need is written first; if the release is lost to a crash, the consumer of the
    task.cancelled event releases it (releasing is idempotent)."""
    data = load(schemas.CancelTaskSchema, data)
    need = access.writable(ctx.repo.needs, need_id, viewer)
    check_version(need, data["expected_version"])
    at = clock.timestamp(clock.utcnow())
    changes, task = domain.cancel_task(need, task_id, data["reason"], viewer.user_id, at)
    cancelled = event_by(viewer, events.TASK_CANCELLED, {
        "task_id": task_id, "match_id": task["proposal_id"], "need_id": need_id,
        "household_id": need["household_id"], "station_id": need["station_id"],
        "township_code": need["township_code"], "candidate_kind": task["kind"],
        "candidate_id": task["candidate_id"], "reason": data["reason"], "cancelled_at": at})
    ctx.repo.needs.update(need_id, data["expected_version"], changes, [cancelled])
    release(ctx, viewer, task)
    return domain.need_view(ctx.repo.needs.require(need_id), viewer)


def release_cancelled_task(ctx: Volunteering, viewer: Viewer, payload: dict) -> None:
    """task.cancelled: make sure the cancelled task's candidate is free (nothing if it already is)."""
    need = ctx.repo.needs.get(payload["need_id"])
    task = next((t for t in (need or {}).get("tasks", []) if t["task_id"] == payload["task_id"]), None)
    if task is not None and task["status"] == "cancelled":
        release(ctx, viewer, task)
