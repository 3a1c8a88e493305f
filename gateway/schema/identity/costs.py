"""Cost declarations of the identity fields (guards.py: CostModel)."""
from __future__ import annotations

LIST_SIZES: dict[str, int] = {"User.grants": 10, "Session.grants": 10,
                               "UsageReport.regions": 100,  # the counties of a province, and then some
                               "UsageReport.users": 200}  # usage.MAX_USERS
LEAF_COSTS: dict[str, int] = {"Grant.stationIds": 5}  # a list of ids: a few stations per grant
