"""`personalDataAccessLog`: the one access log, merged from every service that reveals personal data.

Each service keeps its reveals in its own store (services/common/accesslog.py) and scopes them by the viewer;
the gateway asks all of them at once (RPC fan-out) and merges by time. The kernel's cursor, (at, id) of the last
entry, orders every service's entries the same way, so the merged page's cursor is passed on unchanged.
"""
from __future__ import annotations

from datetime import datetime

import graphene

from gateway.schema.accesslog.enums import SERVICES, PersonalDataService
from gateway.schema.accesslog.types import PersonalDataAccessPage
from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_args, page_size
from gateway.schema.scalars import DateTime


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
        replies = {name: info.context.service(name).call_async("access_log_page", query) for name in wanted}
        return merged_page({name: reply.result() for name, reply in replies.items()}, limit)
