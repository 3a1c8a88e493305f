"""The supervision service's repository: the read models the projections keep, read whole for a roll-up.

Each read model is one projection document (`projections`, `_id` = its name; kernel eventlog.py);
the roll-up reads all of them in one query by primary key.
"""
from __future__ import annotations

from services.common import eventlog
from services.common.consumers import Inbox

from . import projections
from .domain.figures import ReadModels

INDEXES = [*Inbox.indexes, *eventlog.INDEXES]


class SupervisionRepository:
    def __init__(self, db):
        self.db = db

    def read_models(self) -> ReadModels:
        """The current state of every read model (empty ones before their first event)."""
        states = {d["_id"]: d.get("state") or {}
                  for d in self.db[eventlog.PROJECTIONS].find({"_id": {"$in": list(projections.NAMES)}},
                                                              {"state": 1})}
        cases = states.get(projections.CASES, {})
        return ReadModels(stations=states.get(projections.STATIONS, {}).get("stations", {}),
                          staff=states.get(projections.STAFF, {}).get("staff", {}),
                          households=states.get(projections.HOUSEHOLDS, {}).get("households", {}),
                          cases=cases.get("cases", {}), crisis=cases.get("crisis", {}),
                          visits=states.get(projections.VISITS, {}).get("visits", {}))

    def positions(self) -> dict[str, dict[str, int]]:
        """Read model → producer → the last event sequence folded in."""
        return {d["_id"]: d.get("positions", {})
                for d in self.db[eventlog.PROJECTIONS].find({"_id": {"$in": list(projections.NAMES)}},
                                                            {"positions": 1})}
