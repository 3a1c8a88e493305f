"""Service hours: logged against a volunteer's task, approved or rejected by the station."""
from __future__ import annotations

from datetime import datetime

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.storage import retry_commuting
from services.contracts import volunteers as events

from .. import domain, schemas
from . import Volunteering, access


def hours_entry(entry_id: str, need: dict, task: dict, started_at: datetime, ended_at: datetime, activity: str,
                viewer: Viewer) -> dict:
    """A pending entry for `task` of `need`; refuses an end before the start or in the future."""
    start, end = domain.service_time(started_at), domain.service_time(ended_at)
    if end <= start:
        raise ValidationFailed.field("ended_at", "must be after the start")
    if domain.as_aware(ended_at) > clock.utcnow():
        raise ValidationFailed.field("ended_at", "hours are logged after the service, not in advance")
    return {"entry_id": entry_id, "task_id": task["task_id"], "need_id": need["_id"],
            "station_id": need["station_id"], "start": start, "end": end,
            "hours": domain.hours_between(started_at, ended_at), "activity": activity, "status": "pending",
            "logged_by": viewer.user_id, "logged_at": clock.timestamp(clock.utcnow()), "decided_by": None,
            "decided_at": None, "reason": None}


def record_hours(ctx: Volunteering, volunteer_id: str, entry: dict, release_task_id: str | None) -> None:
    """Add `entry` to the volunteer's hours (once), and free the task it completes if given."""
    def write():
        volunteer = ctx.repo.volunteers.require(volunteer_id)
        changes = {"hours": domain.log_hours(volunteer, entry)}
        if release_task_id:
            changes["open_tasks"] = domain.release_task(volunteer, release_task_id)
        if changes["hours"] is volunteer["hours"] and changes.get("open_tasks", volunteer["open_tasks"]) \
                == volunteer["open_tasks"]:
            return  # already recorded by an earlier attempt
        ctx.repo.volunteers.update(volunteer_id, volunteer["_version"], changes)
    retry_commuting(write)
    ctx.index.mark_dirty()


def log_hours(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    data = load(schemas.LogHoursSchema, data)
    access.writable(ctx.repo.volunteers, volunteer_id, viewer)
    need = ctx.repo.needs.get(data["need_id"])
    task = next((t for t in (need or {}).get("tasks", []) if t["task_id"] == data["task_id"]), None)
    if need is None or task is None or task["kind"] != "volunteer" or task["candidate_id"] != volunteer_id:
        raise ValidationFailed.field("task_id", "not a task of this volunteer")
    entry = hours_entry(new_id("hrs"), need, task, data["started_at"], data["ended_at"], data["activity"], viewer)
    record_hours(ctx, volunteer_id, entry, release_task_id=None)
    return domain.hours_view(ctx.repo.volunteers.require(volunteer_id), entry)


def _decide(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict, approve: bool) -> dict:
    volunteer = access.writable(ctx.repo.volunteers, volunteer_id, viewer)
    if not approve and not data.get("reason"):
        raise ValidationFailed.field("reason", "say why the hours are rejected")
    hours, moved, total = domain.decide_hours(volunteer, data["entry_ids"], approve, viewer.user_id,
                                              clock.timestamp(clock.utcnow()), data.get("reason"))
    decided = []
    if approve:
        decided.append(event_by(viewer, events.HOURS_APPROVED, {
            "volunteer_id": volunteer_id, "station_id": volunteer["station_id"],
            "township_code": volunteer["region_code"], "entry_ids": sorted(data["entry_ids"]), "hours": moved,
            "total_approved_hours": total}))
    ctx.repo.volunteers.update(volunteer_id, data["expected_version"], {"hours": hours, "approved_hours": total},
                               decided)
    return domain.volunteer_view(ctx.repo.volunteers.require(volunteer_id), viewer)


def approve_hours(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    return _decide(ctx, viewer, volunteer_id, load(schemas.DecideHoursSchema, data), approve=True)


def reject_hours(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    return _decide(ctx, viewer, volunteer_id, load(schemas.DecideHoursSchema, data), approve=False)


def hours_for_volunteers(ctx: Volunteering, viewer: Viewer, volunteer_ids: list[str]) -> dict[str, list[dict]]:
    found = access.visible_batch(ctx.repo.volunteers, viewer, volunteer_ids)
    return {vid: [domain.hours_view(found[vid], e) for e in found[vid]["hours"]] if vid in found else []
            for vid in volunteer_ids}
