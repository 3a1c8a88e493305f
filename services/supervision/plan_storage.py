"""County yearly plans: one aggregate per county and year (its id says which), its versions inside it."""
from __future__ import annotations

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

PLANS = "plans"

PLAN_INDEXES = [
    Index(PLANS, (("region_code", 1), ("year", 1))),
    *outbox_indexes(PLANS),
    *page_key_indexes(PLANS),
]


def plan_id(region_code: str, year: int) -> str:
    return f"plan-{region_code}-{year}"


class PlanRepository:
    def __init__(self, db):
        self.store = AggregateStore(db, PLANS, "plan")

    def of(self, region_code: str, year: int) -> dict | None:
        return self.store.get(plan_id(region_code, year))

    def page(self, scope: Scope, year: int | None, after: str | None, limit: int) -> Page:
        """Plans of the counties within `scope`, optionally of one year, in id order (county, year)."""
        return self.store.page(all_of(scope_filter(scope), {"year": year} if year else None), after, limit)

    def add(self, plan: dict, events=()) -> dict:
        return self.store.insert(plan, events, duplicate_message=f"plan {plan['_id']} exists already")

    def revise(self, region_code: str, year: int, expected_version: int, versions: list[dict], events=()) -> int:
        return self.store.update(plan_id(region_code, year), expected_version, {"versions": versions}, events)
