"""What waits for a viewer in volunteers, for the worker inbox: service hours logged at the viewer's stations and
waiting for the station's approval, one item per volunteer (approving is the station's work: access.writable)."""
from __future__ import annotations

from services.common import clock, masking
from services.common.auth import STATION_STAFF, Viewer
from services.common.scope import Scope
from services.contracts import inbox as vocabulary

from . import Volunteering

SOURCE = "volunteers"


def inbox_items(ctx: Volunteering, viewer: Viewer) -> dict:
    """{items, truncated}: a waiting item per volunteer of the viewer's stations with pending hours."""
    if viewer.role != STATION_STAFF or not viewer.station_ids:
        return {"items": [], "truncated": False}
    limit, today = vocabulary.INBOX_LIMIT, clock.today()
    found = ctx.repo.volunteers.with_pending_hours(Scope.of(viewer), limit + 1)
    items = [_item(volunteer, viewer, today) for volunteer in found[:limit]]
    return {"items": vocabulary.most_urgent(items), "truncated": len(found) > limit}


def _item(volunteer: dict, viewer: Viewer, today) -> dict:
    pending = [e for e in volunteer["hours"] if e["status"] == "pending"]
    hours = round(sum(e["hours"] for e in pending), 2)
    name = masking.shown("Volunteer.name", viewer, volunteer["name"])
    return vocabulary.inbox_item(
        source=SOURCE, kind=vocabulary.HOURS_APPROVAL, item_id=volunteer["_id"],
        title=f"{len(pending)} hours entries ({hours} h) of volunteer {name} wait for approval",
        station_id=volunteer["station_id"], region_code=volunteer["region_code"], due_on=None, today=today,
        link_type="Volunteer", link_id=volunteer["_id"], since=min(e["logged_at"] for e in pending))
