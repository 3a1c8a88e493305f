"""One matching run over a need: rank the candidates, merge the proposals, say why a need stays unmet."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, Conflict
from services.common.events import Envelope, event_by
from services.contracts import volunteers as events

from .. import domain, matching
from . import Volunteering
from .consistency import RETRIES


def _rank(ctx: Volunteering, need_doc: dict) -> matching.Ranking:
    need = domain.matching_need(need_doc)
    stocks = []
    if matching.item_categories_for(need):
        stocks = [domain.stock_candidate(d) for d in ctx.repo.stock.at_station(need_doc["station_id"])]
    return matching.rank(need, ctx.index.volunteers_for(need), ctx.index.resources_for(need), stocks,
                         clock.today())


def unmet_event(viewer: Viewer, need: dict, reason: str, refusals: dict) -> Envelope:
    return event_by(viewer, events.NEED_UNMET, {
        "need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
        "township_code": need["township_code"], "county_code": need["county_code"], "domain": need["domain"],
        "need_type": need["need_type"], "severity": need["severity"], "reason": reason, "refusals": refusals})


def run_matching(ctx: Volunteering, viewer: Viewer, need: dict) -> tuple[dict, list[Envelope]]:
    """The changes and events of one matching run over `need` (new or stored)."""
    ranking = _rank(ctx, need)
    proposals, added = domain.merge_proposals(need, ranking.proposals, clock.timestamp(clock.utcnow()))
    state = {**need, "proposals": proposals, "matching_runs": need.get("matching_runs", 0) + 1}
    run_events = []
    if added:
        state["unmet"] = None
        run_events.append(event_by(viewer, events.MATCH_PROPOSED, {
            "need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
            "township_code": need["township_code"], "domain": need["domain"], "need_type": need["need_type"],
            "proposals": [{"proposal_id": p["proposal_id"], "candidate_kind": p["kind"],
                           "candidate_id": p["candidate_id"], "rank": p["rank"], "score": p["score"],
                           "breakdown": p["breakdown"], "reasons": p["reasons"]} for p in added]}))
    elif domain.status_of({**state, "unmet": None}) == "open":
        reason = ranking.unmet_reason()
        if (need.get("unmet") or {}).get("reason") != reason:
            state["unmet"] = {"reason": reason, "refusals": dict(ranking.refusals),
                              "since": clock.today().isoformat()}
            run_events.append(unmet_event(viewer, need, reason, dict(ranking.refusals)))
    state["status"] = domain.status_of(state)
    return {k: state[k] for k in ("proposals", "matching_runs", "unmet", "status")}, run_events


def record_need(ctx: Volunteering, viewer: Viewer, need_input: dict, context: dict, source: str) -> None:
    """Store a need (new, or named again) and match it; a repeated need id never duplicates proposals."""
    for _ in range(RETRIES):
        existing = ctx.repo.needs.get(need_input["need_id"])
        if existing is None:
            need = domain.new_need(need_input, context, source)
            changes, run_events = run_matching(ctx, viewer, need)
            try:
                ctx.repo.needs.insert({**need, **changes}, run_events)
                return
            except Conflict:  # the same need arrived through another delivery meanwhile
                continue
        fresh = domain.new_need(need_input, context, source)
        details = {k: fresh[k] for k in ("severity", "description", "beneficiary_groups", "child_related",
                                         "needed_by", "community_code")}
        if fresh["assessment_id"]:
            details.update(assessment_id=fresh["assessment_id"], assessed_on=fresh["assessed_on"])
        state = {**existing, **details}
        if existing["status"] == "withdrawn":
            state["status"] = "open"  # a later assessment names the need again
        changes, run_events = dict(details), []
        if state["status"] in ("open", "proposed", "unmet"):
            run_changes, run_events = run_matching(ctx, viewer, state)
            changes.update(run_changes)
        try:
            ctx.repo.needs.update(existing["_id"], existing["_version"], changes, run_events)
            return
        except ConcurrentModification:
            continue
    raise ConcurrentModification(f"need {need_input['need_id']} is changing too fast; try again")
