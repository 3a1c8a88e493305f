"""The worker inbox's types: items from every source service with the supervisors' actions on them, and the
feed (a page sorted overdue first, then by due day) with its counts per kind."""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.inbox.enums import InboxActionKind, InboxKind, InboxSource, InboxStatus
from gateway.schema.registry.types import Station
from gateway.schema.scalars import Date, DateTime


class InboxAction(graphene.ObjectType):
    action_id = graphene.ID(required=True)
    action = InboxActionKind(required=True)
    by = graphene.String(required=True, description="The user id of who acted (a supervisor's id is theirs).")
    by_role = graphene.String(required=True)
    by_name = graphene.String(description="The supervisor's name (masked for evaluators); null for county staff.")
    at = DateTime(required=True)
    note = graphene.String(description="The comment, or the note given with a reminder or affirmation.")


class InboxLink(graphene.ObjectType):
    type = graphene.String(required=True, description="The GraphQL type of the record: Case, Volunteer, "
                                                      "StaffMember, SupervisionSession, Alert.")
    id = graphene.ID(required=True)


class InboxItem(graphene.ObjectType):
    key = graphene.ID(required=True, description="source:kind:id, the item's one name across services.")
    kind = InboxKind(required=True)
    id = graphene.ID(required=True, description="The id of what waits (a case, a volunteer, a staff member, a "
                                                "follow-up, an alert).")
    title = graphene.String(required=True, description="What waits; names no one the viewer may not see.")
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    region_code = graphene.String(required=True)
    due_on = Date(description="Null for approvals, which wait from `since`.")
    since = DateTime(description="When an approval started waiting.")
    status = InboxStatus(required=True)
    source = InboxSource(required=True)
    owner_id = graphene.ID(description="Whose work it is, when one person's (the assigned worker, the staff member).")
    link = graphene.Field(InboxLink, required=True)
    actions = graphene.List(graphene.NonNull(InboxAction), required=True,
                            description="Supervisors' reminders, affirmations and comments, oldest first.")
    last_reminder = graphene.Field(InboxAction, description="The latest reminder: reminded by whom, when.")

    @staticmethod
    def resolve_station(item, info):
        return loader(info, "registry.stations").load(item["station_id"])

    @staticmethod
    def resolve_actions(item, info):
        return item.get("actions") or []

    @staticmethod
    def resolve_last_reminder(item, info):
        return next((a for a in reversed(item.get("actions") or []) if a["action"] == "remind"), None)


class InboxKindCount(graphene.ObjectType):
    kind = InboxKind(required=True)
    count = graphene.Int(required=True)
    overdue = graphene.Int(required=True)


class WorkInbox(graphene.ObjectType):
    """One page of what waits for the signed-in viewer across services: overdue first, then due, then waiting
    approvals, each by due day (approvals by how long they wait). Pass `nextCursor` as `after` for the next
    page; it is null on the last."""
    items = graphene.List(graphene.NonNull(InboxItem), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True, description="Items of the asked kinds, all pages.")
    counts = graphene.List(graphene.NonNull(InboxKindCount), required=True,
                           description="Per kind, whatever the kind filter: the items and how many are overdue.")
    unavailable_sources = graphene.List(graphene.NonNull(InboxSource), required=True,
                                        description="Sources that did not answer in time: their items are missing.")
    truncated = graphene.Boolean(required=True, description="A source listed only its most urgent items "
                                                            "(services/contracts/inbox.py: INBOX_LIMIT).")

    @staticmethod
    def resolve_total_count(page, info):
        return page["total"]


class InboxItemActions(graphene.ObjectType):
    key = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    actions = graphene.List(graphene.NonNull(InboxAction), required=True)
