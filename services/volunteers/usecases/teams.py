"""Volunteer teams: members of one station, their training sessions and supervision records."""
from __future__ import annotations

from collections.abc import Callable

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.ids import new_id
from services.common.rpc import load

from .. import domain, schemas
from . import Volunteering, access


def _checked_members(ctx: Volunteering, viewer: Viewer, station_id: str, leader_id: str,
                     member_ids: list[str]) -> list[str]:
    """The leader and members, all volunteers of `station_id` the viewer sees."""
    members = sorted(set(member_ids) | {leader_id})
    found = access.visible_batch(ctx.repo.volunteers, viewer, members)
    unknown = [m for m in members if m not in found]
    if unknown:
        raise ValidationFailed.field("member_ids", f"unknown volunteer(s): {', '.join(unknown)}")
    elsewhere = [m for m in members if found[m]["station_id"] != station_id]
    if elsewhere:
        raise ValidationFailed.field("member_ids", f"registered at another station: {', '.join(elsewhere)}")
    return members


def create_team(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.TeamInputSchema, data)
    township = access.require_station_write(viewer, data["station_id"])
    members = _checked_members(ctx, viewer, data["station_id"], data["leader_id"], data["member_ids"])
    team = {"_id": new_id("team"), "station_id": data["station_id"], "region_code": township,
            "name": data["name"], "domains": sorted(set(data["domains"])), "leader_id": data["leader_id"],
            "member_ids": members, "status": "active", "training_sessions": [], "supervision_records": []}
    ctx.repo.teams.insert(team)
    return domain.team_view(ctx.repo.teams.require(team["_id"]))


def _edit(ctx: Volunteering, viewer: Viewer, team_id: str, expected: int, changes_to: Callable[[dict], dict]) -> dict:
    team = access.writable(ctx.repo.teams, team_id, viewer)
    ctx.repo.teams.update(team_id, expected, clock.jsonable(changes_to(team)))
    return domain.team_view(ctx.repo.teams.require(team_id))


def update_team(ctx: Volunteering, viewer: Viewer, team_id: str, data: dict) -> dict:
    data = load(schemas.TeamUpdateSchema, data)
    expected = data.pop("expected_version")
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")

    def changes_to(team: dict) -> dict:
        changes = dict(data)
        if "leader_id" in data or "member_ids" in data:
            changes["leader_id"] = data.get("leader_id", team["leader_id"])
            changes["member_ids"] = _checked_members(ctx, viewer, team["station_id"], changes["leader_id"],
                                                     data.get("member_ids", team["member_ids"]))
        return changes
    return _edit(ctx, viewer, team_id, expected, changes_to)


def record_team_training(ctx: Volunteering, viewer: Viewer, team_id: str, data: dict) -> dict:
    data = load(schemas.TeamTrainingSchema, data)
    if data["date"] > clock.today():
        raise ValidationFailed.field("date", "training cannot be recorded for a future date")

    def changes_to(team: dict) -> dict:
        outsiders = sorted(set(data["attendee_ids"]) - set(team["member_ids"]))
        if outsiders:
            raise ValidationFailed.field("attendee_ids", f"not members of the team: {', '.join(outsiders)}")
        session = {"session_id": new_id("tss"), **{k: v for k, v in data.items() if k != "expected_version"}}
        return {"training_sessions": [*team["training_sessions"], session]}
    return _edit(ctx, viewer, team_id, data["expected_version"], changes_to)


def record_supervision(ctx: Volunteering, viewer: Viewer, team_id: str, data: dict) -> dict:
    data = load(schemas.SupervisionSchema, data)
    if data["date"] > clock.today():
        raise ValidationFailed.field("date", "cannot be in the future")

    def changes_to(team: dict) -> dict:
        record = {"record_id": new_id("sup"), "recorded_by": viewer.user_id,
                  **{k: v for k, v in data.items() if k != "expected_version"}}
        return {"supervision_records": [*team["supervision_records"], record]}
    return _edit(ctx, viewer, team_id, data["expected_version"], changes_to)


def list_teams(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.TeamFilterSchema, filters or {})
    page = ctx.repo.teams.listing(access.readable(viewer), f["station_id"], f["after"], f["limit"])
    return {"items": [domain.team_view(d) for d in page["docs"]], "next_cursor": page["next_cursor"],
            "total": page["total"]}


def get_teams(ctx: Volunteering, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = access.visible_batch(ctx.repo.teams, viewer, ids)
    return [domain.team_view(found[i]) if i in found else None for i in ids]


def teams_for_volunteers(ctx: Volunteering, viewer: Viewer, volunteer_ids: list[str]) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {vid: [] for vid in volunteer_ids}
    for team in ctx.repo.teams.with_members(access.readable(viewer), volunteer_ids):
        for vid in team["member_ids"]:
            if vid in result:
                result[vid].append(domain.team_view(team))
    return result
