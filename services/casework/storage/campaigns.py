"""Comprehensive-verification campaigns as the use cases ask for them."""
from __future__ import annotations

from services.common.filters import prefix_range
from services.common.storage import AggregateStore


class Campaigns(AggregateStore):
    def by_ids(self, campaign_ids: list[str]) -> list[dict]:
        return self.find({"_id": {"$in": list(campaign_ids)}})

    def in_region(self, prefix: str | None) -> list[dict]:
        """Campaigns whose region lies under the division-code `prefix` (all when None), in id order."""
        return self.find({"region_code": prefix_range(prefix)} if prefix else {}, sort=[("_id", 1)])
