"""`workInbox`: what waits for the signed-in viewer across the services, merged into one feed.

Each source service answers its `inbox_items` RPC once per request whatever the page size: casework,
volunteers and the registry at once (fan-out), then supervision with the keys of their items, so that it
returns its own items and the supervisors' actions on all of them. The feed is sorted and paged here.
A source that does not answer in time leaves its items out and is named in `unavailableSources`: the rest of
the inbox is still worth reading.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_args, page_size, service_data
from gateway.schema.inbox.enums import InboxKind
from gateway.schema.inbox.types import WorkInbox
from services.common.errors import PermissionDenied, UpstreamUnavailable, ValidationFailed
from services.contracts import inbox as vocabulary

FIRST_SOURCES = ("casework", "volunteers", "registry")
RANK = {status: index for index, status in enumerate(vocabulary.INBOX_STATUSES)}


def position(item: dict) -> tuple[int, str, str]:
    """Where an item sits in the feed (vocabulary.most_urgent's order); the cursor is the last one's."""
    return RANK[item["status"]], item["due_on"] or item["since"] or "", item["key"]


def cursor_of(item: dict) -> str:
    rank, day, key = position(item)
    return f"{rank}|{day}|{key}"


def after_position(cursor: str) -> tuple[int, str, str]:
    rank, separator, rest = cursor.partition("|")
    day, separator_2, key = rest.partition("|")
    if not (separator and separator_2 and rank.isdigit()):
        raise ValidationFailed.field("after", "not a cursor of this feed")
    return int(rank), day, key


NOTHING = {"items": [], "truncated": False, "actions": {}}


def answered(reply, name: str, unavailable: list[str]) -> dict:
    """The source's answer, or nothing (named in `unavailable`) when it did not answer in time."""
    try:
        return reply.result()
    except UpstreamUnavailable:
        unavailable.append(name)
        return NOTHING


def inbox_feed(answers: dict[str, dict], actions: dict[str, list[dict]], kinds: set[str] | None,
               after: str | None, limit: int) -> dict:
    """The merged, sorted page of the sources' items with their actions, and the counts per kind."""
    items = vocabulary.most_urgent([{**item, "actions": actions.get(item["key"], [])}
                                    for answer in answers.values() for item in answer["items"]])
    counts = [{"kind": kind, "count": sum(1 for i in items if i["kind"] == kind),
               "overdue": sum(1 for i in items if i["kind"] == kind and i["status"] == vocabulary.OVERDUE)}
              for kind in vocabulary.INBOX_KINDS]
    wanted = [i for i in items if kinds is None or i["kind"] in kinds]
    start = after_position(after) if after else None
    rest = [i for i in wanted if start is None or position(i) > start]
    page = rest[:limit]
    return {"items": page, "next_cursor": cursor_of(page[-1]) if len(rest) > limit else None,
            "total": len(wanted), "counts": counts,
            "truncated": any(answer.get("truncated") for answer in answers.values())}


class InboxQuery(graphene.ObjectType):
    work_inbox = graphene.Field(
        WorkInbox, required=True,
        **page_args(kind=graphene.List(graphene.NonNull(InboxKind), description="Only these kinds.")),
        description="What waits for you across services: case follow-ups and crises due, plans and closures to "
                    "approve, volunteer hours to approve, training behind, supervision follow-ups and open "
                    "alerts; overdue first, then by due day; with supervisors' reminders and comments.")

    @staticmethod
    def resolve_work_inbox(root, info, first=DEFAULT_PAGE_SIZE, after=None, kind=None):
        viewer = info.context.viewer
        if viewer.is_public or viewer.is_agency:
            raise PermissionDenied("the work inbox is a signed-in person's")
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        unavailable: list[str] = []
        replies = {name: info.context.service(name).call_async("inbox_items") for name in FIRST_SOURCES}
        answers = {name: answered(reply, name, unavailable) for name, reply in replies.items()}
        listed = [{"key": i["key"], "station_id": i["station_id"]} for answer in answers.values()
                  for i in answer["items"]]
        answers["supervision"] = answered(info.context.service("supervision").call_async("inbox_items",
                                                                                         {"items": listed}),
                                          "supervision", unavailable)
        if len(unavailable) == len(answers):
            raise UpstreamUnavailable("no service answered for the work inbox; try again shortly")
        kinds = set(service_data(kind)) if kind else None
        feed = inbox_feed(answers, answers["supervision"]["actions"], kinds, after, limit)
        return {**feed, "unavailable_sources": unavailable}
