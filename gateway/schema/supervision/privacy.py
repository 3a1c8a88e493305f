"""Roll-ups with privacy in aggregates: `supervisionProtectedRollup`, the roll-up's counts of people with
small township counts suppressed and marked so (`value: null, suppressed: true`), never shown as zero.

The existing `supervisionRollup` keeps its types; this is the field for dashboards shown beyond the
county. Rules: services/supervision/domain/suppression.py and docs/supervision.md.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.supervision.loaders import rollup_key
from gateway.schema.supervision.queries import period_request
from gateway.schema.supervision.types.rollups import PeriodInput


class ProtectedFigure(graphene.ObjectType):
    key = graphene.String(required=True, description="households.registered, cases.by_domain.children.opened …")
    value = graphene.Float(description="null when suppressed.")
    suppressed = graphene.Boolean(required=True)
    reason = graphene.String(description="small_count, sensitive (crisis, domestic violence, children) or "
                                         "complementary (hidden so that a total does not give another away).")


class ProtectedRegionFigures(graphene.ObjectType):
    region_code = graphene.String(required=True)
    name = graphene.String()
    level = graphene.String()
    figures = graphene.List(graphene.NonNull(ProtectedFigure), required=True)


class ProtectedRollup(graphene.ObjectType):
    threshold = graphene.Int(required=True, description="Counts from 1 to threshold − 1 may be suppressed.")
    region = graphene.Field(ProtectedRegionFigures, required=True)
    children = graphene.List(graphene.NonNull(ProtectedRegionFigures), required=True)


class SupervisionPrivacyQuery(graphene.ObjectType):
    supervision_protected_rollup = graphene.Field(
        ProtectedRollup, region=graphene.String(required=True, description="Any level: 32, 3211, 321181 …"),
        period=PeriodInput(),
        description="The roll-up's counts of people, small township counts suppressed (privacy in aggregates).")

    @staticmethod
    def resolve_supervision_protected_rollup(root, info, region, period=None):
        # The same loader as supervisionRollup: both fields of one request are one call.
        return loader(info, "supervision.rollups").load(rollup_key("protected_rollup", region, period_request(period)))
