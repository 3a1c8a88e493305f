"""Households as the use cases ask for them: by id, by person, in a scope, with counts for dashboards."""
from __future__ import annotations

import re
from dataclasses import dataclass

from services.common.scope import Scope
from services.common.storage import AggregateStore, Page, all_of, scope_filter


@dataclass(frozen=True)
class HouseholdCriteria:
    """What a household list may be narrowed to (every field optional)."""

    station_id: str | None = None
    community_code: str | None = None
    group: str | None = None
    archive_overdue: bool | None = None
    risk_level: str | None = None
    duplicates_open: bool | None = None
    head_name: str | None = None


@dataclass(frozen=True)
class ArchiveCounts:
    """Active households per station, those whose archive is overdue, those never assessed."""

    households: dict[str, int]
    overdue: dict[str, int]
    never_assessed: dict[str, int]


class Households(AggregateStore):
    def by_ids(self, household_ids: list[str]) -> list[dict]:
        return self.find({"_id": {"$in": list(household_ids)}})

    def holding(self, person_ids: list[str]) -> list[dict]:
        """The households these people are members of."""
        return self.find({"person_ids": {"$in": list(person_ids)}})

    def page_in(self, scope: Scope, criteria: HouseholdCriteria, today: str, after: str | None,
                limit: int) -> Page:
        """Active households of `scope` matching `criteria`, in id order; `today` (ISO date) decides overdue."""
        conditions: list[dict] = [scope_filter(scope), {"status": "active"}]
        if criteria.station_id:
            conditions.append({"station_id": criteria.station_id})
        if criteria.community_code:
            conditions.append({"community_code": criteria.community_code})
        if criteria.group:
            # `$in`, not equality: nx-27017 misses an element of an indexed array on equality (contract suite)
            conditions.append({"groups": {"$in": [criteria.group]}})
        if criteria.archive_overdue is not None:
            conditions.append({"review_due_on": {"$lt": today}} if criteria.archive_overdue
                              else {"review_due_on": {"$gte": today}})
        if criteria.risk_level:
            conditions.append({"risk_level": criteria.risk_level})
        if criteria.duplicates_open is not None:
            conditions.append({"open_duplicate_flags": {"$gt": 0}} if criteria.duplicates_open
                              else {"open_duplicate_flags": 0})
        if criteria.head_name:
            conditions.append({"head_name": {"$regex": "^" + re.escape(criteria.head_name)}})
        return self.page(all_of(*conditions), after, limit)

    def with_open_duplicate_flags(self, scope: Scope, station_id: str | None, after: str | None,
                                  limit: int) -> Page:
        conditions = [scope_filter(scope), {"open_duplicate_flags": {"$gt": 0}},
                      {"station_id": station_id} if station_id else None]
        return self.page(all_of(*conditions), after, limit)

    def targeted_by_groups(self, scope: Scope, groups: list[str]) -> list[dict]:
        """Active households of `scope` with a member in any of `groups`, in id order (campaign targets)."""
        return self.find(all_of(scope_filter(scope), {"groups": {"$in": list(groups)}}, {"status": "active"}),
                         sort=[("_id", 1)])

    def archive_counts(self, scope: Scope, station_id: str | None, today: str) -> ArchiveCounts:
        active = all_of(scope_filter(scope), {"station_id": station_id} if station_id else None,
                        {"status": "active"})
        return ArchiveCounts(
            households=self._count_by_station(active),
            overdue=self._count_by_station({"$and": [active, {"review_due_on": {"$lt": today}}]}),
            never_assessed=self._count_by_station({"$and": [active, {"last_assessed_on": ""}]}))

    def _count_by_station(self, match: dict) -> dict[str, int]:
        pipeline = [{"$match": match}, {"$group": {"_id": "$station_id", "n": {"$sum": 1}}}]
        return {row["_id"]: row["n"] for row in self.collection.aggregate(pipeline)}

    def every(self) -> list[dict]:
        """All households (key rotation reads them all)."""
        return self.find({})
