"""Event history in the schema: who changed a record and when, and the public chain heads.

Each service keeps every event it publishes in a hash-chained log (services/common/eventlog.py).
`history` reads one aggregate's events from the service that owns it, within the viewer's scope
(that service decides), with personal data in payloads masked or withheld. `eventLogHeads` and
`eventLogConsistency` are public: anyone may keep a head and later check that the history was
only appended to.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_size
from gateway.schema.history.enums import OWNERS, EventLogService, HistoryAggregate
from gateway.schema.history.types import EventLogConsistency, EventLogHead, HistoryPage


def _client(info, service: str):
    return info.context.service(service)


class HistoryQuery(graphene.ObjectType):
    history = graphene.Field(
        HistoryPage, aggregate_type=HistoryAggregate(required=True), aggregate_id=graphene.ID(required=True),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(description="The nextCursor of the previous page."),
        description="The events that changed one record, who caused them and when, within your scope. "
                    "Unknown and out-of-scope records are both NOT_FOUND.")
    event_log_heads = graphene.List(graphene.NonNull(EventLogHead), required=True,
                                    description="Every service's event-log head. No token needed.")
    event_log_head = graphene.Field(EventLogHead, service=EventLogService(required=True),
                                    description="One service's event-log head. No token needed.")
    event_log_consistency = graphene.Field(
        EventLogConsistency, service=EventLogService(required=True), sequence=graphene.Int(required=True),
        hash=graphene.String(required=True),
        description="Check an earlier head against today's log (append-only proof). No token needed.")

    @staticmethod
    def resolve_history(root, info, aggregate_type, aggregate_id, first=DEFAULT_PAGE_SIZE, after=None):
        kind = aggregate_type.value if hasattr(aggregate_type, "value") else aggregate_type
        service, collection = OWNERS[kind]
        filters = {"limit": page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)}
        if after is not None:
            filters["after"] = after
        return _client(info, service).aggregate_history(collection, aggregate_id, filters)

    @staticmethod
    def resolve_event_log_heads(root, info):
        replies = [_client(info, service.value).call_async("event_log_head") for service in EventLogService._meta.enum]
        return [reply.result() for reply in replies]

    @staticmethod
    def resolve_event_log_head(root, info, service):
        return _client(info, service.value if hasattr(service, "value") else service).event_log_head()

    @staticmethod
    def resolve_event_log_consistency(root, info, service, sequence, hash):
        name = service.value if hasattr(service, "value") else service
        return _client(info, name).event_log_consistency(sequence, hash)
