"""The funding use cases on the in-memory store: a fresh context per test, viewers, and the outbox of a record."""
from __future__ import annotations

import pytest

from services.common import clock
from services.common.auth import SYSTEM, Viewer
from services.common.storage import AggregateStore
from services.funding.storage import INDEXES, FundingRepository, load_reference_data
from services.funding.usecases import Funding, budgets, contracts, projections, sources
from tests.support import funding_fixtures as fx
from tests.support.memory_store import memory_database

ADMIN = SYSTEM
COUNTY = Viewer("county-dy", "county", fx.COUNTY)
OTHER_COUNTY = Viewer("county-jk", "county", "321102")
STATION_WORKER = Viewer("worker-1", "station_staff", None, (fx.STATION,))
EVALUATOR = Viewer("evaluator-1", "evaluator", None)
PUBLIC = Viewer.from_dict({})


@pytest.fixture
def frozen():
    """The clock frozen at the fixtures' start (2026-01-05), for the test to move on."""
    with clock.FrozenClock(fx.START) as frozen_clock:
        yield frozen_clock


@pytest.fixture
def funding(frozen) -> Funding:
    return memory_funding()


def memory_funding() -> Funding:
    db = memory_database("funding", INDEXES)
    load_reference_data(db)
    return Funding(FundingRepository(db))


def outbox_types(store: AggregateStore, doc_id: str) -> list[str]:
    """The types of the events written with a record, in the order they were written."""
    doc = store.collection.find_one({"_id": doc_id})
    return [e["envelope"]["type"] for e in sorted(doc["_outbox"].values(), key=lambda e: e["order"])]


def funded_line(funding: Funding, amount_fen: int = 60_000_000, station_id: str = fx.STATION) -> dict:
    source = sources.create_source(funding, COUNTY, fx.source_input())
    return budgets.allocate_budget(funding, COUNTY, source["id"], {"station_id": station_id, "amount_fen": amount_fen})


def staffed(funding: Funding, *station_ids: str) -> None:
    """The staffing projection as the registry's events leave it."""
    for station_id in station_ids:
        for event in fx.staffed_station_events(station_id):
            project = projections.project_staff_joined if event.type == "staff.joined" \
                else projections.project_compliance
            project(funding, event)


def signed_contract(funding: Funding, frozen: clock.FrozenClock, **overrides) -> dict:
    """Tender → two bids → review → award → contract, as the county (moves the clock 40 days)."""
    return fx.awarded_contract(funding, COUNTY, frozen, **overrides)


def committed_contract(funding: Funding, frozen: clock.FrozenClock) -> tuple[dict, dict]:
    line = funded_line(funding)
    contract = signed_contract(funding, frozen)
    contract = contracts.commit_funding(funding, COUNTY, contract["id"], {"budget_line_id": line["id"],
                                                                          "amount_fen": 60_000_000})
    return contract, line
