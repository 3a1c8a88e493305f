"""Cost declarations of the identity fields (guards.py: CostModel)."""
from __future__ import annotations

LIST_SIZES: dict[str, int] = {"User.grants": 10, "Session.grants": 10,
                               "UsageReport.regions": 100,  # the counties of a province, and then some
                               "UsageReport.users": 200,  # usage.MAX_USERS
                               "Agency.clients": 3, "AgencyClient.secrets": 2}  # a rotation overlaps two secrets
LEAF_COSTS: dict[str, int] = {"Grant.stationIds": 5,  # a list of ids: a few stations per grant
                              "AgencyClientScopes.eventTypes": 6, "AgencyClientScopes.regions": 5,
                              "AgencyClientScopes.domains": 6, "AgencyClientScopes.fieldsAllowed": 4,
                              "AgencyClientScopes.mutations": 2, "AgencyClientScopes.rosterSources": 3}
