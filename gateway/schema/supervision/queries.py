"""Supervision queries: roll-ups (`supervisionRollup`, one RPC for a region and its children), the
alert feed and policies, supervisors and their sessions.
"""
from __future__ import annotations

import graphene
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

from gateway.loaders import loader, then
from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size
from gateway.schema.supervision.enums import AlertRule, AlertSeverity, AlertStatusFilter
from gateway.schema.supervision.loaders import rollup_key
from gateway.schema.supervision.types.alerts import AlertPage, AlertPolicy
from gateway.schema.supervision.types.rollups import PeriodInput, SupervisionRollup
from gateway.schema.supervision.types.work import SupervisionSessionPage, SupervisorPage


def period_request(period) -> dict | None:
    """The period input as the service reads it (`from` is a Python keyword: graphene names it from_)."""
    if period is None:
        return None
    return {("from" if key == "from_" else key): value for key, value in period.items() if value is not None}


class SupervisionQuery(graphene.ObjectType):
    supervision_rollup = graphene.Field(
        SupervisionRollup,
        region=graphene.String(required=True, description="32, 3211, 321181 or 321181001 (any level)."),
        period=PeriodInput(),
        description="Supervision figures of a region and its child regions, within the viewer's scope.")

    @staticmethod
    def resolve_supervision_rollup(root, info, region, period=None):
        # The hours are asked for only when selected: they cost a read of a whole read-model document.
        key = rollup_key("rollup", region, period_request(period), _selects(info, info.field_nodes, "volunteers"))
        return then(loader(info, "supervision.rollups").load(key),
                    lambda answer: {**answer["region"], "children": answer["children"]})


def _selects(info, nodes, name: str) -> bool:
    """Whether `name` is selected anywhere below `nodes` (through fragments too)."""
    for node in nodes:
        if isinstance(node, FragmentSpreadNode):
            fragment = info.fragments.get(node.name.value)
            if fragment and _selects(info, fragment.selection_set.selections, name):
                return True
            continue
        if isinstance(node, FieldNode) and node.name.value == name:
            return True
        selections = node.selection_set.selections if getattr(node, "selection_set", None) else ()
        if isinstance(node, FieldNode | InlineFragmentNode) and _selects(info, selections, name):
            return True
    return False


class AlertsQuery(graphene.ObjectType):
    alerts = graphene.Field(
        AlertPage, region=graphene.String(description="Region code or prefix within your scope."),
        station_id=graphene.ID(), rule=AlertRule(), severity=AlertSeverity(), status=AlertStatusFilter(),
        escalated=graphene.Boolean(description="true: alerts escalated above their county (the next level's feed)."),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(description="The nextCursor of the previous page."),
        description="Supervision alerts the viewer may see, one page at a time, in id order.")
    alert_policies = graphene.List(graphene.NonNull(AlertPolicy), required=True)

    @staticmethod
    def resolve_alerts(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.service("supervision").list_alerts({**given(**filters), "limit": limit})

    @staticmethod
    def resolve_alert_policies(root, info):
        return info.context.service("supervision").alert_policies()


def _page_args():
    return {"first": graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
            "after": graphene.String(description="The nextCursor of the previous page.")}


class SupervisionWorkQuery(graphene.ObjectType):
    supervisors = graphene.Field(SupervisorPage, region=graphene.String(), **_page_args(),
                                 description="Supervisors registered in, or assigned within, the viewer's scope.")
    supervision_sessions = graphene.Field(
        SupervisionSessionPage, region=graphene.String(), station_id=graphene.ID(), supervisor_id=graphene.ID(),
        open_follow_ups=graphene.Boolean(description="true: sessions with follow-ups not done yet."), **_page_args(),
        description="Supervision sessions at the stations the viewer may see, in id order.")

    @staticmethod
    def resolve_supervisors(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.service("supervision").list_supervisors({**given(**filters), "limit": limit})

    @staticmethod
    def resolve_supervision_sessions(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.service("supervision").list_sessions({**given(**filters), "limit": limit})
