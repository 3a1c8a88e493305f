"""Cases as the use cases ask for them: the station queue, crises to sweep, counts for dashboards."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.common import clock
from services.common.scope import Scope
from services.common.storage import AggregateStore, Page, all_of, scope_filter
from services.contracts.vocabulary import CRISIS_STATES

from ..domain import ACTIVE_CRISIS, OPEN_STAGES

QUEUE_ORDER = [("queue_rank", 1), ("opened_at", 1), ("_id", 1)]


@dataclass(frozen=True)
class CaseCriteria:
    """What the case queue may be narrowed to (every field optional); `stage` may be "open"."""

    station_id: str | None = None
    domain: str | None = None
    stage: str | None = None
    crisis: bool | None = None
    overdue: bool | None = None
    assigned_staff_id: str | None = None
    household_id: str | None = None


@dataclass(frozen=True)
class QueuePosition:
    """Where a queue page ends: the last case's rank, opening time and id."""

    rank: int
    opened_at: str
    case_id: str

    def cursor(self) -> str:
        return f"{self.rank}|{self.opened_at}|{self.case_id}"

    @classmethod
    def of(cls, case: dict) -> QueuePosition:
        return cls(case["queue_rank"], case["opened_at"], case["_id"])


def _overdue(now: datetime) -> dict:
    """Crises past their first contact (swept or not yet) and cases past their follow-up date."""
    return {"$or": [
        {"crisis_state": "overdue"},
        {"crisis_state": "awaiting_contact", "crisis_contact_due_at": {"$lt": clock.timestamp(now)}},
        {"follow_up_due_on": {"$gt": "", "$lt": clock.local_date(now).isoformat()}},
    ]}


class Cases(AggregateStore):
    def by_ids(self, case_ids: list[str]) -> list[dict]:
        return self.find({"_id": {"$in": list(case_ids)}})

    def of_households(self, household_ids: list[str]) -> list[dict]:
        """Every case of these households, oldest first."""
        return self.find({"household_id": {"$in": list(household_ids)}}, sort=[("opened_at", 1)])

    def crises_of_households(self, household_ids: list[str]) -> list[dict]:
        """Cases of these households that are, or were, crises (they protect their person)."""
        return self.find({"household_id": {"$in": list(household_ids)}, "crisis_state": {"$in": list(CRISIS_STATES)}},
                         sort=[("opened_at", 1)])

    def person_has_open_case(self, person_id: str) -> bool:
        return bool(self.find({"person_id": person_id, "stage": {"$in": list(OPEN_STAGES)}}, limit=1))

    def task_recorded(self, task_id: str) -> bool:
        """Whether a delivery with this task id is recorded on any case already."""
        return bool(self.find({"service_task_ids": task_id}, limit=1))

    def referred_to_agency(self, agency_id: str, after: str | None, limit: int) -> Page:
        """Cases with a referral to this agency, in id order (`$in`: equality on an array field misses on
        nx-27017)."""
        return self.page({"referral_agency_ids": {"$in": [agency_id]}}, after, limit)

    def referrals_expiring_by(self, day: str, limit: int = 200) -> list[dict]:
        """Cases holding a waiting agency referral whose deadline is before `day`."""
        return self.find({"referral_expiry_due": {"$gt": "", "$lt": day}}, limit=limit)

    def awaiting_contact_past(self, now: datetime) -> list[dict]:
        """Crises still waiting for their first contact whose deadline is before `now`."""
        return self.find({"crisis_state": "awaiting_contact", "crisis_contact_due_at": {"$lt": clock.timestamp(now)}})

    def queue_page(self, scope: Scope, criteria: CaseCriteria, now: datetime, after: QueuePosition | None,
                   limit: int) -> Page:
        """The station queue (active crises first, then by opening time), keyset-paged after `after`."""
        conditions: list[dict] = [scope_filter(scope)]
        if criteria.station_id:
            conditions.append({"station_id": criteria.station_id})
        if criteria.domain:
            conditions.append({"domain": criteria.domain})
        if criteria.stage == "open":
            conditions.append({"stage": {"$in": list(OPEN_STAGES)}})
        elif criteria.stage:
            conditions.append({"stage": criteria.stage})
        if criteria.crisis is not None:
            conditions.append({"crisis_state": {"$in": list(ACTIVE_CRISIS)}} if criteria.crisis
                              else {"crisis_state": {"$in": ["none", "resolved"]}})
        if criteria.overdue is not None:
            overdue = _overdue(now)
            conditions.append(overdue if criteria.overdue else {"$nor": [overdue]})
        if criteria.assigned_staff_id:
            conditions.append({"assigned_staff_id": criteria.assigned_staff_id})
        if criteria.household_id:
            conditions.append({"household_id": criteria.household_id})
        base = all_of(*conditions)
        after_filter = None
        if after is not None:
            after_filter = {"$or": [
                {"queue_rank": {"$gt": after.rank}},
                {"queue_rank": after.rank, "opened_at": {"$gt": after.opened_at}},
                {"queue_rank": after.rank, "opened_at": after.opened_at, "_id": {"$gt": after.case_id}}]}
        docs = self.find(all_of(base, after_filter), sort=QUEUE_ORDER, limit=limit + 1)
        page = docs[:limit]
        next_cursor = QueuePosition.of(page[-1]).cursor() if page and len(docs) > limit else None
        return Page(page, next_cursor, self.count(base))

    def summary_counts(self, scope: Scope, station_id: str | None, now: datetime) -> dict[str, dict[str, int]]:
        """Per figure, per station: `open:<stage>` for each open stage, `crisis_active`,
        `crisis_contact_overdue`, `overdue` (open cases) and `crisis_breaches` (a sum of recorded breaches)."""
        base = all_of(scope_filter(scope), {"station_id": station_id} if station_id else None)

        def within(extra: dict) -> dict:
            return {"$and": [base, extra]} if base else extra

        overdue = _overdue(now)
        counts = {f"open:{stage}": self._count_by(within({"stage": stage}), "station_id") for stage in OPEN_STAGES}
        counts["crisis_breaches"] = self._sum_by(within({"crisis_breach_count": {"$gt": 0}}), "station_id",
                                                 "crisis_breach_count")
        counts["crisis_active"] = self._count_by(within({"crisis_state": {"$in": list(ACTIVE_CRISIS)}}),
                                                 "station_id")
        counts["crisis_contact_overdue"] = self._count_by(within({"$or": overdue["$or"][:2]}), "station_id")
        counts["overdue"] = self._count_by(within({"$and": [{"stage": {"$in": list(OPEN_STAGES)}}, overdue]}),
                                           "station_id")
        return counts

    def caseloads(self, station_ids: list[str]) -> tuple[dict[str, int], dict[str, int]]:
        """Per assigned staff member of these stations: open cases, and active crises."""
        stations = {"station_id": {"$in": list(station_ids)}}
        open_cases = self._count_by({**stations, "stage": {"$in": list(OPEN_STAGES)}}, "assigned_staff_id")
        crises = self._count_by({**stations, "crisis_state": {"$in": list(ACTIVE_CRISIS)}}, "assigned_staff_id")
        return open_cases, crises

    def inbox_due(self, scope: Scope, assigned_staff_id: str | None, due_by: str, now: datetime,
                  limit: int) -> list[dict]:
        """Open cases in `scope` (of one worker when given) with a follow-up due by `due_by` (ISO day) or a
        crisis waiting for its first contact, earliest first."""
        due = {"$or": [{"follow_up_due_on": {"$gt": "", "$lte": due_by}},
                       {"crisis_state": {"$in": ["awaiting_contact", "overdue"]}}]}
        return self.find(all_of(scope_filter(scope), {"stage": {"$in": list(OPEN_STAGES)}}, due,
                                {"assigned_staff_id": assigned_staff_id} if assigned_staff_id else None),
                         sort=[("follow_up_due_on", 1), ("_id", 1)], limit=limit)

    def awaiting_approval(self, station_ids: list[str], limit: int) -> list[dict]:
        """Open cases of these stations holding a submitted plan or a pending closure request. `$elemMatch` with
        equality: nx-27017 matches nothing for `$in` on a field inside an array of subdocuments
        (tests/integration/test_inbox_queries.py)."""
        return self.find(all_of({"station_id": {"$in": list(station_ids)}, "stage": {"$in": list(OPEN_STAGES)}},
                                {"$or": [{"plans": {"$elemMatch": {"status": "submitted"}}},
                                         {"closure_requests": {"$elemMatch": {"status": "pending"}}}]}),
                         sort=[("_id", 1)], limit=limit)

    def every(self) -> list[dict]:
        return self.find({})

    def _count_by(self, match: dict, key: str) -> dict[str, int]:
        pipeline = [{"$match": match}, {"$group": {"_id": f"${key}", "n": {"$sum": 1}}}]
        return {row["_id"]: row["n"] for row in self.collection.aggregate(pipeline)}

    def _sum_by(self, match: dict, key: str, field: str) -> dict[str, int]:
        pipeline = [{"$match": match}, {"$group": {"_id": f"${key}", "n": {"$sum": f"${field}"}}}]
        return {row["_id"]: int(row["n"]) for row in self.collection.aggregate(pipeline)}
