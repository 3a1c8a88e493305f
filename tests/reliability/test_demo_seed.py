"""Fault: a fresh install started with dead letters because the volunteers demo delivered services to
households casework never created. The seed must not announce deliveries casework cannot record."""
from __future__ import annotations

import random

from services.common import storage
from services.volunteers import demo
from services.volunteers.storage import VolunteersRepository
from services.volunteers.usecases import Volunteering


def outbox_events(db) -> list[dict]:
    return [entry["envelope"] for name in db.list_collection_names()
            for doc in db[name].find({storage.OUTBOX_PENDING: True}, {storage.OUTBOX: 1})
            for entry in (doc.get(storage.OUTBOX) or {}).values()]


def test_volunteers_demo_seed_delivers_nothing_to_households_it_invented(isolated_settings):
    db = storage.database("volunteers")
    volunteering = Volunteering(VolunteersRepository(db))
    result = demo.seed_city(volunteering, random.Random("shegong-demo-volunteers"), demo.townships()[:3])
    assert result["needs"] > 0

    events = outbox_events(db)
    deliveries = [e for e in events if e["type"] == "service.delivered"]
    assert deliveries == [], [e["payload"]["household_id"] for e in deliveries]
    # the seed still matches needs (tasks were created), it just does not claim they were delivered
    assert any(e["type"] == "needs.assessed" or "task" in e["type"] or "match" in e["type"] for e in events)
    # and volunteers' first visits are logged and approved (the year's service hours are not empty)
    approved = [e for e in events if e["type"] == "hours.approved"]
    assert approved and all(e["payload"]["hours"] > 0 for e in approved)
