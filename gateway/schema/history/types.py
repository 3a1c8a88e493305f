"""History entries, their fields and actors; the event logs' heads and consistency."""
from __future__ import annotations

import graphene

from gateway.schema.history.enums import EventLogService
from gateway.schema.scalars import JSON, DateTime


class HistoryActor(graphene.ObjectType):
    """Who caused the event: the signed-in user's id and role at the time."""
    user_id = graphene.String(required=True)
    role = graphene.String(required=True)


class HistoryField(graphene.ObjectType):
    """One payload value. Names, ID numbers and phones are masked; free text is withheld."""
    path = graphene.String(required=True, description="Where the value sits in the payload: `needs.0.severity`.")
    value = JSON(description="The value as stored, or its masked form.")
    masked = graphene.Boolean(required=True)


class HistoryEntry(graphene.ObjectType):
    sequence = graphene.Int(required=True, description="Position in the owning service's event log.")
    event_type = graphene.String(required=True)
    event_version = graphene.Int()
    occurred_at = DateTime(required=True)
    recorded_at = DateTime(description="When the event entered the log (just before it was published).")
    actor = graphene.Field(HistoryActor, description="Null for changes the system made on its own.")
    correlation_id = graphene.String(description="Ties the event to the request that caused it.")
    fields = graphene.List(graphene.NonNull(HistoryField), required=True)

    @staticmethod
    def resolve_event_type(entry, info):
        return entry["type"]

    @staticmethod
    def resolve_event_version(entry, info):
        return entry.get("version")


class HistoryPage(graphene.ObjectType):
    """One page of an aggregate's events, oldest first. Pass `nextCursor` as `after` for the next."""
    items = graphene.List(graphene.NonNull(HistoryEntry), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(page, info):
        return page.get("total", 0)


class EventLogHead(graphene.ObjectType):
    """The newest entry of a service's log: keep it to check later that history was only appended to."""
    service = EventLogService(required=True)
    sequence = graphene.Int(required=True, description="How many events the log holds (0: none yet).")
    hash = graphene.String(required=True, description="SHA-256 chain hash of that entry, hex.")
    updated_at = DateTime()


class EventLogConsistency(graphene.ObjectType):
    """Whether today's log still holds an earlier head, with an intact chain from it to the current head."""
    service = EventLogService(required=True)
    consistent = graphene.Boolean(required=True)
    head = graphene.Field(EventLogHead, required=True)
    reason = graphene.String(description="Why not, when not.")

    @staticmethod
    def resolve_head(result, info):
        return {"service": result["service"], **result["head"]}
