"""Needs in matching (供需对接): from casework's assessments or explicit requests; withdrawals; queries."""
from __future__ import annotations

from collections import Counter

from services.common import clock
from services.common.auth import Viewer, region_prefix
from services.common.errors import ConcurrentModification, Conflict, ValidationFailed
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import load_for_write

from .. import domain, schemas
from ..storage import IN_MATCHING
from . import Volunteering, access
from .consistency import RETRIES
from .matching_runs import record_need, run_matching


def _withdrawn(need: dict) -> dict:
    """A need leaving matching: its open proposals are withdrawn with it."""
    return {"status": "withdrawn",
            "proposals": [{**p, "state": "withdrawn"} if p["state"] == "proposed" else p for p in need["proposals"]]}


def record_assessment(ctx: Volunteering, viewer: Viewer, payload: dict) -> list[str]:
    """casework's needs.assessed: match every need; a repeated need id never duplicates proposals."""
    for need in payload["needs"]:
        record_need(ctx, viewer, need, payload, source="needs.assessed")
    if payload.get("supersedes"):
        kept = {n["need_id"] for n in payload["needs"]}
        # Needs of the superseded assessment that the new one no longer names are withdrawn.
        for need in ctx.repo.needs.in_matching_from(payload["supersedes"]):
            if need["_id"] in kept:
                continue
            try:
                ctx.repo.needs.update(need["_id"], need["_version"], _withdrawn(need))
            except ConcurrentModification:  # someone acted on it meanwhile: leave it to them
                continue
    return [n["need_id"] for n in payload["needs"]]


def withdraw_for_consent(ctx: Volunteering, viewer: Viewer, payload: dict) -> list[str]:
    """casework's consent.withdrawn: needs the person no longer lets go to matching leave it. A need
    already matched keeps its task (the station cancels it with cancel_task if it must stop)."""
    withdrawn = []
    for need_id in payload.get("matching_need_ids") or []:
        for _ in range(RETRIES):
            need = ctx.repo.needs.get(need_id)
            if need is None or need["status"] not in IN_MATCHING:
                break
            try:
                ctx.repo.needs.update(need_id, need["_version"], _withdrawn(need))
                withdrawn.append(need_id)
                break
            except ConcurrentModification:
                continue
    return withdrawn


def request_matching(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    """An explicit request: a need that did not come from a casework assessment."""
    data = load(schemas.NeedRequestSchema, data)
    township = access.require_station_write(viewer, data["station_id"])
    if data["community_code"] and data["community_code"][:9] != township:
        raise ValidationFailed.field("community_code", "must lie in the station's township")
    need = {**data, "need_id": data["need_id"] or new_id("need")}
    context = {"household_id": data["household_id"], "station_id": data["station_id"], "township_code": township,
               "community_code": data["community_code"], "assessment_id": None,
               "assessed_on": clock.today().isoformat()}
    existing = ctx.repo.needs.get(need["need_id"])
    if existing is not None:
        # The need's own station decides, not the station stated beside its id.
        load_for_write(viewer, existing, "need", need["need_id"], field="need_id")
        if existing["household_id"] != data["household_id"] or existing["station_id"] != data["station_id"]:
            raise Conflict(f"need id {need['need_id']} belongs to another household or station")
    record_need(ctx, viewer, need, context, source="request")
    return domain.need_view(ctx.repo.needs.require(need["need_id"]), viewer)


def rematch_need(ctx: Volunteering, viewer: Viewer, need_id: str, data: dict) -> dict:
    data = load(schemas.RematchSchema, data)
    need = access.writable(ctx.repo.needs, need_id, viewer)
    if need["status"] in ("delivered", "withdrawn"):
        raise Conflict(f"the need is {need['status']}; nothing to match")
    changes, run_events = run_matching(ctx, viewer, need)
    ctx.repo.needs.update(need_id, data["expected_version"], changes, run_events)
    return domain.need_view(ctx.repo.needs.require(need_id), viewer)


def list_needs(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.NeedFilterSchema, filters or {})
    page = ctx.repo.needs.listing(access.readable(viewer), f, f["after"], f["limit"])
    return {"items": [domain.need_view(d, viewer) for d in page["docs"]], "next_cursor": page["next_cursor"],
            "total": page["total"]}


def get_needs(ctx: Volunteering, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = access.visible_batch(ctx.repo.needs, viewer, ids)
    return [domain.need_view(found[i], viewer) if i in found else None for i in ids]


def needs_for_households(ctx: Volunteering, viewer: Viewer, household_ids: list[str]) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {hid: [] for hid in household_ids}
    for need in ctx.repo.needs.of_households(access.readable(viewer), household_ids):
        result[need["household_id"]].append(domain.need_view(need, viewer))
    return result


def tasks_for_volunteers(ctx: Volunteering, viewer: Viewer, volunteer_ids: list[str]) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {vid: [] for vid in volunteer_ids}
    for need in ctx.repo.needs.assigned_to(access.readable(viewer), volunteer_ids):
        for task in need["tasks"]:
            if task["kind"] == "volunteer" and task["candidate_id"] in result:
                result[task["candidate_id"]].append(domain.task_view(need, task, viewer))
    return result


def unmet_rollup(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    """Unmet needs by the next region level down and by domain: what next year's plan should fund."""
    f = load(schemas.RollupSchema, data or {})
    prefix = region_prefix(f["region"]) if len(f["region"]) == 6 else f["region"]
    docs = ctx.repo.needs.unmet(access.readable(viewer), prefix, f["domain"])
    child_length = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}[len(prefix)]

    def child(need: dict) -> str:
        code = need.get("community_code") or need["township_code"]
        if child_length == 4:
            return code[:4] + "00"
        return code[:child_length] if len(code) >= child_length else code
    cells = Counter((child(n), n["domain"]) for n in docs)
    return {
        "region": f["region"], "total": len(docs),
        "by_domain": dict(sorted(Counter(n["domain"] for n in docs).items())),
        "by_need_type": dict(sorted(Counter(n["need_type"] for n in docs).items())),
        "by_region": [{"region_code": code, "domain": dom, "count": count}
                      for (code, dom), count in sorted(cells.items())],
    }
