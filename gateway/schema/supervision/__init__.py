"""Supervision: regional rollups, alerts, supervisors and their sessions, county yearly plans, scorecards,
contract outcomes.

The domain's face for gateway/schema/__init__.py: its query and mutation fields (ObjectTypes to mix
into the root types), the cost declarations of its fields and its loaders (registered on import).
"""
from __future__ import annotations

from gateway.schema.supervision import loaders
from gateway.schema.supervision.costs import LEAF_COSTS, LIST_SIZES
from gateway.schema.supervision.mutations import AlertsMutation, SupervisionWorkMutation
from gateway.schema.supervision.outcomes import OutcomeQuery
from gateway.schema.supervision.plans import SupervisionPlanMutation, SupervisionPlanQuery
from gateway.schema.supervision.privacy import SupervisionPrivacyQuery
from gateway.schema.supervision.queries import AlertsQuery, SupervisionQuery, SupervisionWorkQuery
from gateway.schema.supervision.scorecards import ScorecardMutation, ScorecardQuery
from gateway.schema.supervision.trends import SupervisionTrendQuery

__all__ = ["AlertsMutation", "AlertsQuery", "LEAF_COSTS", "LIST_SIZES", "OutcomeQuery", "ScorecardMutation",
           "ScorecardQuery",
           "SupervisionPlanMutation", "SupervisionPlanQuery", "SupervisionPrivacyQuery", "SupervisionQuery",
           "SupervisionTrendQuery", "SupervisionWorkMutation", "SupervisionWorkQuery", "loaders"]
