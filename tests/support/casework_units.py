"""Casework's use cases over the in-memory store, for the unit tests (tests/unit/test_casework_usecases_*):
casework's copy of the registry's two stations and their staff, the viewers who act on them, and the events
an aggregate has waiting in its outbox."""
from __future__ import annotations

from datetime import timedelta

from services.casework.storage import CASES, HOUSEHOLDS, INDEXES, CaseworkRepository
from services.casework.usecases import Casework, archives, cases, consent, households, inbound
from services.common import clock
from services.common.auth import SYSTEM, Viewer
from tests.support import casework_fixtures as fx
from tests.support.memory_store import memory_database

ADMIN = SYSTEM
WORKER = Viewer(fx.WORKER, "station_staff", None, (fx.STATION,))
COLLEAGUE = Viewer(fx.COLLEAGUE, "station_staff", None, (fx.STATION,))
LEAD = Viewer(fx.LEAD, "station_staff", None, (fx.STATION,))
OTHER_WORKER = Viewer("stf_other", "station_staff", None, (fx.OTHER_STATION,))
SUPERVISOR = Viewer("supervisor-1", "supervisor", None, (fx.STATION,))
COUNTY = Viewer("county-official", "county", fx.COUNTY)
OTHER_COUNTY = Viewer("other-official", "county", "321102")
EVALUATOR = Viewer("evaluator", "evaluator", "321100")


def casework() -> Casework:
    """A fresh casework that has heard the registry's stations and staff (tests/support/casework_fixtures)."""
    cw = Casework(CaseworkRepository(memory_database("casework", INDEXES)))
    for envelope in fx.registry_events():
        if envelope["type"] == "station.registered":
            inbound.record_station(cw, envelope["payload"], envelope["occurred_at"])
        else:
            inbound.record_staff_joined(cw, envelope["payload"])
    return cw


def outbox(cw: Casework, doc_id: str, collection: str = HOUSEHOLDS) -> list[dict]:
    """The events waiting in an aggregate's outbox, oldest first, as envelopes."""
    stored = cw.repo.db[collection].find_one({"_id": doc_id})
    return [entry["envelope"] for entry in sorted(stored["_outbox"].values(), key=lambda e: e["order"])]


def event_types(cw: Casework, doc_id: str, collection: str = HOUSEHOLDS) -> list[str]:
    return [envelope["type"] for envelope in outbox(cw, doc_id, collection)]


def case_event_types(cw: Casework, case_id: str) -> list[str]:
    return event_types(cw, case_id, CASES)


def days_ago(days: int) -> str:
    return (clock.today() - timedelta(days=days)).isoformat()


def registered(cw: Casework, data: dict | None = None, viewer: Viewer = WORKER, basis: bool = True) -> dict:
    """A household registered by `viewer` (the elderly man of the fixtures unless `data`), with a statutory
    basis for its head when `basis`."""
    household = households.register_household(cw, viewer, data or fx.elderly_household())
    if basis:
        consent.record_consent(cw, viewer, household["id"], {
            "expected_version": household["version"], "person_id": household["members"][0]["person_id"],
            "legal_basis": "statutory_duty", "purposes": ["archive", "casework", "volunteer_matching",
                                                          "referral_sharing"],
            "given_on": "2024-01-01", "basis_note": "《社会救助暂行办法》第十条：核查与建档"})
        household = households.get_households(cw, viewer, [household["id"]])[0]
    return household


def assessed(cw: Casework, household: dict, viewer: Viewer = WORKER) -> dict:
    """The household's needs assessed (one medium home-visit need of its head); returns the archive version."""
    return archives.assess_needs(cw, viewer, household["id"], {
        "expected_version": household["version"], "assessed_on": days_ago(10), "assessor_staff_id": fx.WORKER,
        "needs": [fx.need(person_ids=[household["members"][0]["person_id"]])]})


def opened(cw: Casework, household: dict, viewer: Viewer = WORKER, **extra) -> dict:
    """An elderly case on the household's head, assigned to the worker."""
    return cases.open_case(cw, viewer, {
        "household_id": household["id"], "person_id": household["members"][0]["person_id"], "domain": "elderly",
        "source": "needs_assessment", "summary": "独居老人定期探访", "assigned_staff_id": fx.WORKER, **extra})
