"""`personalDataAccessLog`: the one access log, merged from every service that reveals personal data.

Each service keeps its reveals in its own store (services/common/accesslog.py) and scopes them by the viewer;
the gateway asks all of them at once (RPC fan-out) and merges by time. The kernel's cursor, (at, id) of the last
entry, orders every service's entries the same way, so the merged page's cursor is passed on unchanged.
"""
from __future__ import annotations

from datetime import datetime

import graphene

from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_args, page_size
from .scalars import DateTime

SERVICES = ("registry", "casework", "funding", "volunteers")
LIST_SIZES: dict[str, int] = {}  # the page's items follow `first`
LEAF_COSTS = {"PersonalDataAccess.fields": 20}


class PersonalDataService(graphene.Enum):
    """The service whose records were revealed."""
    REGISTRY = "registry"
    CASEWORK = "casework"
    FUNDING = "funding"
    VOLUNTEERS = "volunteers"


class PersonalDataAccess(graphene.ObjectType):
    """One read of unmasked personal data: who, what, when, why, and the scope of the record read."""
    id = graphene.ID(required=True)
    at = DateTime(required=True)
    service = PersonalDataService(required=True)
    user_id = graphene.String(required=True)
    role = graphene.String(required=True)
    action = graphene.String()
    subject_type = graphene.String(required=True)
    subject_id = graphene.String(required=True)
    household_id = graphene.ID(description="For a person: their household.")
    station_id = graphene.ID(description="The station of the record read (none for a bid).")
    region_code = graphene.String(description="The region of the record read.")
    fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    reason = graphene.String()


class PersonalDataAccessPage(graphene.ObjectType):
    """One page of the access log, newest first. Pass `nextCursor` as `after` for the next page."""
    items = graphene.List(graphene.NonNull(PersonalDataAccess), required=True)
    next_cursor = graphene.String()


def _moment(entry: dict) -> datetime:
    return datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))


def merged_page(pages: dict[str, dict], limit: int) -> dict:
    """The newest `limit` entries of the services' pages (each newest first, at most `limit` long)."""
    entries = [{**entry, "service": service} for service, page in pages.items() for entry in page["items"]]
    entries.sort(key=lambda e: (_moment(e), e["id"]), reverse=True)
    items = entries[:limit]
    more = len(entries) > limit or any(page["next_cursor"] for page in pages.values())
    return {"items": items, "next_cursor": f"{items[-1]['at']}|{items[-1]['id']}" if more and items else None}


class AccessLogQuery(graphene.ObjectType):
    personal_data_access_log = graphene.Field(
        PersonalDataAccessPage, required=True, **page_args(
            subject_id=graphene.ID(), user_id=graphene.String(),
            subject_type=graphene.String(description="person, case, staff, volunteer, bid …"),
            service=PersonalDataService(), **{"from": DateTime(description="At or after this moment.")},
            to=DateTime(description="Before this moment.")),
        description="Every read of unmasked personal data in your scope, across services, newest first: county "
                    "and city staff see their region's, supervisors their stations', administrators all; other "
                    "roles are refused.")

    @staticmethod
    def resolve_personal_data_access_log(root, info, first=DEFAULT_PAGE_SIZE, after=None, service=None, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        moments = {"since": filters.pop("from", None), "until": filters.pop("to", None)}
        query = {**{k: v for k, v in filters.items() if v is not None},
                 **{k: v if isinstance(v, str) else v.isoformat() for k, v in moments.items() if v is not None},
                 "after": after, "limit": limit}
        wanted = [service.value if hasattr(service, "value") else service] if service else SERVICES
        replies = {name: getattr(info.context, name).call_async("access_log_page", query) for name in wanted}
        return merged_page({name: reply.result() for name, reply in replies.items()}, limit)
