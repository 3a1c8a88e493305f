"""Supervisors' actions on an inbox item: remind its owner, affirm the work, comment (supervision service)."""
from __future__ import annotations

import graphene

from gateway.schema.base import service_data
from gateway.schema.inbox.enums import InboxKind, InboxSource
from gateway.schema.inbox.types import InboxItemActions


class InboxItemRefInput(graphene.InputObjectType):
    """The item as workInbox listed it."""
    source = InboxSource(required=True)
    kind = InboxKind(required=True)
    item_id = graphene.ID(required=True, description="The item's `id`.")
    station_id = graphene.ID(required=True)
    owner_id = graphene.ID()


class InboxActionInput(graphene.InputObjectType):
    item = graphene.InputField(InboxItemRefInput, required=True)
    note = graphene.String(description="2 to 2000 characters; required for a comment.")


class InboxMutation(graphene.ObjectType):
    remind_inbox_item = graphene.Field(InboxItemActions, input=InboxActionInput(required=True),
                                       description="Remind the item's owner again (the station's current "
                                                   "supervisors and its county).")
    affirm_inbox_item = graphene.Field(InboxItemActions, input=InboxActionInput(required=True),
                                       description="Acknowledge and endorse the work behind the item.")
    comment_inbox_item = graphene.Field(InboxItemActions, input=InboxActionInput(required=True),
                                        description="Add a comment to the item.")

    @staticmethod
    def resolve_remind_inbox_item(root, info, input):
        return info.context.service("supervision").remind_inbox_item(service_data(input))

    @staticmethod
    def resolve_affirm_inbox_item(root, info, input):
        return info.context.service("supervision").affirm_inbox_item(service_data(input))

    @staticmethod
    def resolve_comment_inbox_item(root, info, input):
        return info.context.service("supervision").comment_inbox_item(service_data(input))
