"""The supervision service's repositories: the read models the projections keep, alerts, alert policies.

Each read model is one projection document (`projections`, `_id` = its name; kernel projections.py);
the roll-up reads all of them in one query by primary key. Alerts are aggregates with an outbox
(their events go out through the relay); index declarations live here, once.
"""
from __future__ import annotations

from datetime import date

from services.common import eventlog, sharded_projections
from services.common.consumers import Inbox
from services.common.projections import PROJECTIONS
from services.common.scope import Scope
from services.common.storage import (
    AggregateStore,
    Index,
    Page,
    all_of,
    outbox_indexes,
    page_key_indexes,
    scope_filter,
)
from services.contracts.supervision import ESCALATION_LEVELS

from . import projections
from .domain import folds
from .domain.alerts import DEFAULT_POLICY, AlertPolicy
from .domain.figures import ReadModels
from .inbox_storage import INBOX_INDEXES
from .plan_storage import PLAN_INDEXES, PlanRepository
from .report_storage import REPORT_INDEXES
from .scorecard_storage import REVIEW_INDEXES, ReviewRepository

ALERTS, ALERT_POLICIES, SUPERVISORS, SESSIONS = "alerts", "alert_policies", "supervisors", "sessions"
ACTIVE = ("open", "acknowledged")

INDEXES = [
    *Inbox.indexes, *eventlog.INDEXES, *sharded_projections.INDEXES,
    Index(ALERTS, (("region_code", 1),)),
    Index(ALERTS, (("station_id", 1),)),
    Index(ALERTS, (("status", 1),)),
    Index(ALERT_POLICIES, (("region_code", 1), ("effective_from", 1)), unique=True),
    Index(SUPERVISORS, (("region_code", 1),)),
    Index(SUPERVISORS, (("station_ids", 1),)),
    Index(SESSIONS, (("region_code", 1),)),
    Index(SESSIONS, (("station_id", 1),)),
    Index(SESSIONS, (("supervisor_id", 1),)),
    Index(SESSIONS, (("open_follow_ups", 1),)),
    *outbox_indexes(ALERTS, SUPERVISORS, SESSIONS),
    *page_key_indexes(ALERTS, SUPERVISORS, SESSIONS),
    *REPORT_INDEXES,
    *PLAN_INDEXES,
    *REVIEW_INDEXES,
    *INBOX_INDEXES,
]


class SupervisionRepository:
    def __init__(self, db):
        self.db = db
        self.alerts = AlertRepository(db)
        self.supervisors = SupervisorRepository(db)
        self.sessions = SessionRepository(db)
        self.plans = PlanRepository(db)
        self.reviews = ReviewRepository(db)

    def heads(self, names=projections.NAMES, fields=None) -> dict[str, dict]:
        """Read model → its projection document (a sharded one's head: positions, generation, shard tokens),
        only `fields` of it when given."""
        return {d["_id"]: d for d in self.db[PROJECTIONS].find({"_id": {"$in": list(names)}}, fields)}

    def shard_states(self, head: dict, keys=None) -> dict[str, dict]:
        return sharded_projections.read_shards(self.db, head, keys)

    def read_models(self) -> ReadModels:
        """The current state of every read model (empty ones before their first event); a sharded read
        model's shards merged (each record lives in one shard)."""
        states = {}
        for name, head in self.heads().items():
            states[name] = merged_state(self.shard_states(head).values()) if head.get("sharded") else \
                head.get("state") or {}
        cases = states.get(projections.CASES, {})
        withdrawn = {digest: alias for state in states.values()
                     for digest, alias in state.get(folds.WITHDRAWN, {}).items()}
        return ReadModels(stations=states.get(projections.STATIONS, {}).get("stations", {}),
                          staff=states.get(projections.STAFF, {}).get("staff", {}),
                          households=states.get(projections.HOUSEHOLDS, {}).get("households", {}),
                          cases=cases.get("cases", {}), crisis=cases.get("crisis", {}),
                          visits=states.get(projections.VISITS, {}).get("visits", {}),
                          needs=states.get(projections.NEEDS, {}).get("needs", {}),
                          hours=states.get(projections.HOURS, {}).get("hours", {}),
                          contracts=states.get(projections.EVALUATIONS, {}).get("contracts", {}),
                          evaluations=states.get(projections.EVALUATIONS, {}).get("evaluations", {}),
                          withdrawn_households=withdrawn)

    def volunteer_hours(self) -> dict:
        """The volunteer-hours read model's approvals by event id, alone (one document: it is not sharded)."""
        doc = self.db[PROJECTIONS].find_one({"_id": projections.HOURS}, {"state": 1}) or {}
        return (doc.get("state") or {}).get("hours", {})

    def volunteer_hours_positions(self) -> dict[str, int]:
        """Where the volunteer-hours read model stands in its producer's log (a few bytes; {} before any)."""
        doc = self.db[PROJECTIONS].find_one({"_id": projections.HOURS}, {"positions": 1}) or {}
        return doc.get("positions") or {}

    def positions(self) -> dict[str, dict[str, int]]:
        """Read model → producer → the last event sequence folded in."""
        return {d["_id"]: d.get("positions", {})
                for d in self.db[PROJECTIONS].find({"_id": {"$in": list(projections.NAMES)}},
                                                            {"positions": 1})}

    def station(self, station_id: str) -> dict | None:
        """One station of the stations read model (its township, status, compliance)."""
        doc = self.db[PROJECTIONS].find_one({"_id": projections.STATIONS}) or {}
        if not doc.get("sharded"):
            return (doc.get("state") or {}).get("stations", {}).get(station_id)
        shard = doc.get("routes", {}).get(station_id)
        states = self.shard_states(doc, [shard]) if shard else {}
        return next((s.get("stations", {}).get(station_id) for s in states.values()), None)

    # alert policies ------------------------------------------------------------------------
    def alert_policies(self) -> list[AlertPolicy]:
        return [AlertPolicy(region_code=d["region_code"], effective_from=date.fromisoformat(d["effective_from"]),
                            crisis_first_contact_hours=d["crisis_first_contact_hours"],
                            need_unmet_days=d["need_unmet_days"], archive_review_months=d["archive_review_months"],
                            critical_escalation_hours=d.get("critical_escalation_hours",
                                                            DEFAULT_POLICY.critical_escalation_hours),
                            small_count_threshold=d.get("small_count_threshold", DEFAULT_POLICY.small_count_threshold),
                            source=d["source"])
                for d in self.db[ALERT_POLICIES].find({})]

    def save_alert_policy(self, policy: dict) -> None:
        key = f"{policy['region_code']}:{policy['effective_from']}"
        self.db[ALERT_POLICIES].replace_one({"_id": key}, {"_id": key, **policy}, upsert=True)


def merged_state(states) -> dict:
    """One read model's state from its shards' states: each section's records side by side."""
    merged: dict[str, dict] = {}
    for state in states:
        for section, records in state.items():
            merged.setdefault(section, {}).update(records)
    return merged


class AlertRepository:
    def __init__(self, db):
        self.store = AggregateStore(db, ALERTS, "alert")

    def page(self, scope: Scope, filters: dict, after: str | None, limit: int) -> Page:
        """Alerts within `scope` matching the filters, in id order."""
        wanted = {key: filters[key] for key in ("station_id", "rule", "severity") if filters.get(key)}
        if filters.get("status") == "active":
            wanted["status"] = {"$in": list(ACTIVE)}
        elif filters.get("status"):
            wanted["status"] = filters["status"]
        if filters.get("escalated") is not None:
            # Not `$ne: null`: the test store (nx-27017) mishandles null comparisons.
            wanted["escalation_level"] = {"$in" if filters["escalated"] else "$nin": list(ESCALATION_LEVELS)}
        return self.store.page(all_of(scope_filter(scope), wanted), after, limit)

    def open_critical(self) -> list[dict]:
        """Critical alerts nobody acknowledged yet: the ones that may escalate."""
        return self.store.find({"status": "open", "severity": "critical"})

    def get(self, alert_id: str) -> dict | None:
        return self.store.get(alert_id)

    def active(self) -> list[dict]:
        return self.store.find({"status": {"$in": list(ACTIVE)}})

    def about_household(self, household_id: str) -> list[dict]:
        """Alerts whose subject is the household, or whose evidence names it (a need of the household)."""
        found = {d["_id"]: d for d in self.store.find({"subject_type": "household", "subject_id": household_id})}
        found.update({d["_id"]: d for d in self.store.find({"evidence.household_id": household_id})})
        return [found[key] for key in sorted(found)]

    def known(self, alert_ids: list[str]) -> set[str]:
        return {d["_id"] for d in self.store.collection.find({"_id": {"$in": alert_ids}}, {"_id": 1})}

    def raise_alert(self, alert: dict, events) -> dict:
        return self.store.insert(alert, events)

    def change(self, alert_id: str, expected_version: int, changes: dict, events=()) -> int:
        return self.store.update(alert_id, expected_version, changes, events)


class SupervisorRepository:
    def __init__(self, db):
        self.store = AggregateStore(db, SUPERVISORS, "supervisor")

    def page(self, scope: Scope, after: str | None, limit: int) -> Page:
        """Supervisors registered in a region scope, or assigned to one of a scope's stations."""
        return self.store.page(scope_filter(scope, station_field="station_ids"), after, limit)

    def get(self, supervisor_id: str) -> dict | None:
        return self.store.get(supervisor_id)

    def require(self, supervisor_id: str) -> dict:
        return self.store.require(supervisor_id)

    def by_ids(self, ids: list[str]) -> dict[str, dict]:
        return {d["_id"]: d for d in self.store.find({"_id": {"$in": list(ids)}})}

    def add(self, supervisor: dict, events=()) -> dict:
        return self.store.insert(supervisor, events)

    def change(self, supervisor_id: str, expected_version: int, changes: dict, events=()) -> int:
        return self.store.update(supervisor_id, expected_version, changes, events)


class SessionRepository:
    def __init__(self, db):
        self.store = AggregateStore(db, SESSIONS, "supervision session")

    def page(self, scope: Scope, filters: dict, after: str | None, limit: int) -> Page:
        """Sessions within `scope` matching the filters (station, supervisor, with or without open follow-ups)."""
        wanted = {key: filters[key] for key in ("station_id", "supervisor_id") if filters.get(key)}
        if filters.get("open_follow_ups") is True:
            wanted["open_follow_ups"] = {"$gt": 0}
        elif filters.get("open_follow_ups") is False:
            wanted["open_follow_ups"] = 0
        return self.store.page(all_of(scope_filter(scope), wanted), after, limit)

    def get(self, session_id: str) -> dict | None:
        return self.store.get(session_id)

    def require(self, session_id: str) -> dict:
        return self.store.require(session_id)

    def held(self, scope: Scope, start: str, end: str) -> int:
        """Sessions within `scope` held from `start` to `end` (ISO days, both included)."""
        return self.store.count(all_of(scope_filter(scope), {"date": {"$gte": start, "$lte": end}}))

    def held_at(self, station_ids: list[str], start: str, end: str) -> list[dict]:
        """Sessions held at the stations from `start` to `end` (ISO days, both included), oldest first."""
        return [{"id": d["_id"], "station_id": d["station_id"], "date": d["date"]}
                for d in self.store.find({"station_id": {"$in": list(station_ids)},
                                          "date": {"$gte": start, "$lte": end}}, sort=[("date", 1), ("_id", 1)])]

    def with_open_follow_ups(self) -> list[dict]:
        return self.store.find({"open_follow_ups": {"$gt": 0}})

    def add(self, session: dict, events=()) -> dict:
        return self.store.insert(session, events)

    def change(self, session_id: str, expected_version: int, changes: dict, events=()) -> int:
        return self.store.update(session_id, expected_version, changes, events)
