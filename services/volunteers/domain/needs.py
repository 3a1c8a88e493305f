"""A need in matching (from casework's needs.assessed or an explicit request) with its proposals and tasks."""
from __future__ import annotations

from datetime import date, datetime

from services.common import masking
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import Conflict, NotFound, ValidationFailed

from .. import matching
from .common import as_aware, service_time


def new_need(need: dict, context: dict, source: str) -> dict:
    township = context["township_code"]
    community = context.get("community_code")
    if community and community[:9] != township:
        raise ValidationFailed.field("community_code", "must lie in the township")
    return jsonable({
        "_id": need["need_id"],
        "assessment_id": context.get("assessment_id"),
        "household_id": context["household_id"],
        "station_id": context["station_id"],
        "region_code": township,
        "township_code": township,
        "county_code": township[:6],
        "community_code": community,
        "assessed_on": context.get("assessed_on"),
        "source": source,
        "domain": need["domain"],
        "need_type": need["need_type"],
        "severity": need["severity"],
        "description": need["description"],
        "beneficiary_groups": sorted(set(need["beneficiary_groups"])),
        "child_related": bool(need["child_related"]),
        "needed_by": need.get("needed_by"),
        "status": "open",
        "proposals": [],
        "tasks": [],
        "task_assignees": [],
        "unmet": None,
        "matching_runs": 0,
    })


def matching_need(doc: dict) -> matching.Need:
    return matching.Need(
        need_id=doc["_id"], domain=doc["domain"], need_type=doc["need_type"], severity=doc["severity"],
        beneficiary_groups=frozenset(doc["beneficiary_groups"]), child_related=bool(doc["child_related"]),
        needed_by=date.fromisoformat(doc["needed_by"]) if doc.get("needed_by") else None,
        township_code=doc["township_code"], community_code=doc.get("community_code"))


def proposal_id(need_id: str, kind: str, candidate_id: str) -> str:
    return f"{need_id}:{kind}:{candidate_id}"


def merge_proposals(need: dict, ranked: list, proposed_at: str) -> tuple[list[dict], list[dict]]:
    """Existing proposals stay as they are; a candidate already proposed is never proposed twice."""
    existing = {p["proposal_id"] for p in need["proposals"]}
    added = []
    for scored in ranked:
        pid = proposal_id(need["_id"], scored.kind, scored.candidate_id)
        if pid in existing:
            continue
        existing.add(pid)
        added.append({"proposal_id": pid, "kind": scored.kind, "candidate_id": scored.candidate_id,
                      "candidate_name": scored.candidate_name, "score": scored.score,
                      "breakdown": scored.breakdown, "reasons": scored.reasons, "detail": scored.detail,
                      "state": "proposed", "proposed_at": proposed_at, "decided_at": None, "decided_by": None,
                      "decision_reason": None})
    base = len(need["proposals"])
    for offset, proposal in enumerate(added, start=1):
        proposal["rank"] = base + offset
    return [*need["proposals"], *added], added


def find_proposal(need: dict, pid: str) -> dict:
    for proposal in need["proposals"]:
        if proposal["proposal_id"] == pid:
            return proposal
    raise NotFound(f"need {need['_id']} has no proposal {pid}", {"proposal_id": ["unknown proposal"]})


def find_task(need: dict, task_id: str) -> dict:
    for task in need["tasks"]:
        if task["task_id"] == task_id:
            return task
    raise NotFound(f"need {need['_id']} has no task {task_id}", {"task_id": ["unknown task"]})


def cancel_task(need: dict, task_id: str, reason: str, by: str, at: str) -> tuple[dict, dict]:
    """(changes to the need, the cancelled task). Only an open task is cancelled; its proposal is
    marked cancelled so matching does not offer the same candidate again, and the need goes back to
    matching (its other proposals, or open/unmet). The candidate's hold is released by the caller."""
    task = find_task(need, task_id)
    if task["status"] != "open":
        raise Conflict(f"the task is already {task['status']}", {"task_id": [f"already {task['status']}"]})
    cancelled = {**task, "status": "cancelled", "cancelled_at": at, "cancelled_by": by, "cancellation_reason": reason}
    proposals = [{**p, "state": "cancelled"} if p["proposal_id"] == task["proposal_id"] else p
                 for p in need["proposals"]]
    state = {**need, "tasks": replace(need["tasks"], "task_id", cancelled), "proposals": proposals}
    return {"tasks": state["tasks"], "proposals": proposals, "status": status_of(state)}, cancelled


def replace(items: list[dict], key: str, updated: dict) -> list[dict]:
    return [updated if item[key] == updated[key] else item for item in items]


def status_of(need: dict) -> str:
    if need["status"] == "withdrawn":
        return "withdrawn"
    tasks = need["tasks"]
    if any(t["status"] == "open" for t in tasks):
        return "matched"
    if any(t["status"] == "completed" for t in tasks):
        return "delivered"
    if any(p["state"] == "proposed" for p in need["proposals"]):
        return "proposed"
    if need.get("unmet"):
        return "unmet"
    return "open"


def require_decidable(need: dict, proposal: dict) -> None:
    if need["status"] == "withdrawn":
        raise Conflict("the need was withdrawn by a re-assessment")
    if proposal["state"] != "proposed":
        raise Conflict(f"proposal was already {proposal['state']}", {"proposal_id": [f"already {proposal['state']}"]})


def declined_reason(need: dict) -> str:
    # Candidates by kind and id, never by name: this text is stored, shown and sent in events to anyone
    # who may read the need, where names are masked by role (services/common/masking.py).
    reasons = [f"{p['kind']} {p['candidate_id']}: {p['decision_reason']}" for p in need["proposals"]
               if p["state"] == "declined"]
    return "all proposals declined (" + "; ".join(reasons) + ")"


def need_view(need: dict, viewer: Viewer) -> dict:
    return {
        "id": need["_id"], "assessment_id": need.get("assessment_id"), "household_id": need["household_id"],
        "station_id": need["station_id"], "township_code": need["township_code"],
        "community_code": need.get("community_code"), "source": need["source"], "domain": need["domain"],
        "need_type": need["need_type"], "severity": need["severity"], "description": need["description"],
        "beneficiary_groups": need["beneficiary_groups"], "child_related": bool(need["child_related"]),
        "needed_by": need.get("needed_by"), "status": need["status"], "unmet": need.get("unmet"),
        "proposals": [proposal_view(need, p, viewer) for p in sorted(need["proposals"], key=lambda p: p["rank"])],
        "tasks": [task_view(need, t, viewer) for t in need["tasks"]],
        "version": need["_version"],
    }


def _candidate_name(field: str, candidate: dict, viewer: Viewer) -> str | None:
    # Only a volunteer is a person; resources and charity stock carry organisation and item names.
    if candidate["kind"] != "volunteer":
        return candidate["candidate_name"]
    return masking.shown(field, viewer, candidate["candidate_name"])


def proposal_view(need: dict, proposal: dict, viewer: Viewer) -> dict:
    return {"need_id": need["_id"], "station_id": need["station_id"], **proposal,
            "candidate_name": _candidate_name("MatchProposal.candidateName", proposal, viewer)}


def task_view(need: dict, task: dict, viewer: Viewer) -> dict:
    return {"need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
            "domain": need["domain"], "need_type": need["need_type"], **task,
            "candidate_name": _candidate_name("MatchTask.candidateName", task, viewer)}


def task_window(start: datetime | None, end: datetime | None) -> tuple[str | None, str | None]:
    if (start is None) != (end is None):
        raise ValidationFailed.field("scheduled_end", "give both the scheduled start and end, or neither")
    if start is None or end is None:
        return None, None
    if as_aware(end) <= as_aware(start):
        raise ValidationFailed.field("scheduled_end", "must be after the start")
    return service_time(start), service_time(end)
