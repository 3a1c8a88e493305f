"""Comprehensive verification (全面核查): campaigns over a region's target groups and who was visited."""
from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.auth import Viewer, region_prefix
from services.common.ids import new_id
from services.common.rpc import load

from .. import domain, schemas, views
from . import access
from .context import Casework, actor
from .presentation import campaign_view


def create_campaign(casework: Casework, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.CampaignSchema, data)
    viewer.require_write(region_code=data["region_code"])
    campaign = clock.jsonable({"_id": new_id("vc"), "name": data["name"], "region_code": data["region_code"],
                               "criteria": data["criteria"], "starts_on": data["starts_on"],
                               "ends_on": data["ends_on"], "created": actor(viewer).record(casework.now())})
    casework.repo.campaigns.insert(campaign)
    return campaign_view(casework.repo.campaigns.require(campaign["_id"]))


def get_campaigns(casework: Casework, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    docs = {d["_id"]: d for d in casework.repo.campaigns.by_ids(ids) if access.campaign_visible(viewer, d)}
    return [campaign_view(docs[i]) if i in docs else None for i in ids]


def list_campaigns(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.CampaignFilterSchema, filters or {})
    prefix = region_prefix(f["region"]) if f["region"] else None
    docs = [d for d in casework.repo.campaigns.in_region(prefix) if access.campaign_visible(viewer, d)]
    if f["after"]:
        docs = [d for d in docs if d["_id"] > f["after"]]
    page = docs[:f["limit"]]
    return {"items": [campaign_view(d) for d in page],
            "next_cursor": page[-1]["_id"] if len(docs) > f["limit"] else None, "total": len(docs)}


def campaign_progress(casework: Casework, viewer: Viewer, campaign_id: str, filters: dict | None = None) -> dict:
    """Who the campaign targets in the viewer's scope, and who has been visited for it."""
    f = load(schemas.CampaignProgressFilterSchema, filters or {})
    campaign = access.visible_campaign(casework, viewer, campaign_id)
    on = date.fromisoformat(campaign["starts_on"])
    targeted = []
    scope = access.scope(viewer, campaign["region_code"])
    for household in casework.repo.households.targeted_by_groups(scope, campaign["criteria"]["tags_any"]):
        people = domain.targeted_members(household, campaign["criteria"], on)
        if people:
            targeted.append((household, people, (household.get("campaign_visits") or {}).get(campaign_id)))
    by_station: dict[str, dict] = {}
    for household, _, visited_on in targeted:
        row = by_station.setdefault(household["station_id"], {"station_id": household["station_id"],
                                                              "targeted": 0, "visited": 0})
        row["targeted"] += 1
        row["visited"] += visited_on is not None
    chosen = [t for t in targeted
              if (not f["station_id"] or t[0]["station_id"] == f["station_id"])
              and (f["visited"] is None or (t[2] is not None) == f["visited"])
              and (not f["after"] or t[0]["_id"] > f["after"])]
    page = chosen[:f["limit"]]
    seen, today = access.protection(casework, viewer, [h for h, _, _ in page]), casework.today()
    items = [{"household_id": h["_id"], "station_id": h["station_id"], "community_code": h["community_code"],
              "community_name": h["community_name"], "visited_on": visited_on,
              "persons": [views.member_view(m, h["_id"], today, seen) for m in people]}
             for h, people, visited_on in page]
    visited = sum(1 for t in targeted if t[2] is not None)
    return {"campaign": campaign_view(campaign), "targeted": len(targeted), "visited": visited,
            "not_visited": len(targeted) - visited, "persons_targeted": sum(len(p) for _, p, _ in targeted),
            "by_station": [by_station[s] for s in sorted(by_station)],
            "items": items, "next_cursor": items[-1]["household_id"] if len(chosen) > f["limit"] else None}
