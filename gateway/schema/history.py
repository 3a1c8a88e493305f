"""Event history in the schema: who changed a record and when, and the public chain heads.

Each service keeps every event it publishes in a hash-chained log (services/common/eventlog.py).
`history` reads one aggregate's events from the service that owns it, within the viewer's scope
(that service decides), with personal data in payloads masked or withheld. `eventLogHeads` and
`eventLogConsistency` are public: anyone may keep a head and later check that the history was
only appended to.
"""
from __future__ import annotations

import graphene

from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_size
from .scalars import JSON, DateTime

LIST_SIZES = {"Query.eventLogHeads": 4, "HistoryEntry.fields": 15}
LEAF_COSTS = {"HistoryField.value": 2}  # one value at one path of the payload (guards.py: CostModel)


class HistoryAggregate(graphene.Enum):
    """The records whose history can be read, and the service that owns each."""
    STATION = "station"
    HOUSEHOLD = "household"
    CASE = "case"
    CONTRACT = "contract"


# kind → (service, collection the relay records as the aggregate type)
OWNERS = {"station": ("registry", "stations"), "household": ("casework", "households"),
          "case": ("casework", "cases"), "contract": ("funding", "contracts")}


class EventLogService(graphene.Enum):
    """A service that keeps an event history."""
    REGISTRY = "registry"
    CASEWORK = "casework"
    VOLUNTEERS = "volunteers"
    FUNDING = "funding"


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


def _client(info, service: str):
    return getattr(info.context, service)


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
