"""What the volunteers use-case unit tests share: the use cases on an in-memory database, viewers in and out
of scope, and the events a write left in an aggregate's outbox."""
from __future__ import annotations

from datetime import timedelta

from services.common import clock
from services.common.auth import Viewer
from services.common.storage import OUTBOX
from services.volunteers.candidates import CandidateIndex
from services.volunteers.storage import INDEXES, VolunteersRepository
from services.volunteers.usecases import Volunteering, needs, tasks
from tests.support.memory_store import memory_database
from tests.support.volunteers_fixtures import STATION

OTHER_STATION = "ST321102001"  # 京口区正东路街道, another county
ADMIN = Viewer("ops", "admin")
STAFF = Viewer("worker-1", "station_staff", None, (STATION,))
OTHER_STAFF = Viewer("worker-2", "station_staff", None, (OTHER_STATION,))
COUNTY = Viewer("danyang-official", "county", "321181")
OTHER_COUNTY = Viewer("jingkou-official", "county", "321102")
EVALUATOR = Viewer("evaluator-1", "evaluator", "321181")
PUBLIC = Viewer("anonymous", "public")


def use_cases() -> Volunteering:
    """The volunteers use cases over a fresh in-memory database (the service's indexes, unique ones too)."""
    repository = VolunteersRepository(memory_database("volunteers", INDEXES))
    return Volunteering(repository, CandidateIndex(repository.db))


def outbox(ctx: Volunteering, collection: str, record_id: str) -> list[dict]:
    """The envelopes waiting in a record's outbox, in the order they were written."""
    stored = ctx.repo.db[collection].find_one({"_id": record_id}) or {}
    return [entry["envelope"] for entry in sorted((stored.get(OUTBOX) or {}).values(), key=lambda e: e["order"])]


def event_types(ctx: Volunteering, collection: str, record_id: str) -> list[str]:
    return [envelope["type"] for envelope in outbox(ctx, collection, record_id)]


def hours_ago(hours: float) -> str:
    return (clock.utcnow() - timedelta(hours=hours)).isoformat()


def accepted_volunteer_task(ctx: Volunteering, volunteer_id: str, household_id: str = "hh-1") -> tuple[dict, dict]:
    """A need whose proposal for `volunteer_id` was accepted: (need view, its task)."""
    need = needs.request_matching(ctx, ADMIN, {
        "household_id": household_id, "station_id": STATION, "domain": "elderly", "need_type": "home_visit",
        "severity": "medium", "description": "独居老人需要定期探访", "beneficiary_groups": ["elderly_living_alone"]})
    proposal = next(p for p in need["proposals"] if p["candidate_id"] == volunteer_id)
    need = tasks.accept_proposal(ctx, ADMIN, need["id"], proposal["proposal_id"], {"expected_version": need["version"]})
    return need, need["tasks"][0]
