"""What waits for a viewer in the registry, for the worker inbox: staff behind the pro-rata path to the yearly
training minimum (30 hours, compliance.training_status). A staff member sees their own standing, the station
lead (站点负责人) every current member of their station, county staff every member in their county."""
from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.auth import COUNTY, STATION_STAFF, Viewer
from services.common.scope import Scope
from services.contracts import inbox as vocabulary
from services.registry import compliance as rules

from .context import Registry

SOURCE = "registry"
BEHIND = (rules.AT_RISK, rules.NOT_MET)


def inbox_items(context: Registry, viewer: Viewer) -> dict:
    """{items, truncated}: a training item per staff member behind their pro-rata share of this year's minimum."""
    if viewer.role not in (STATION_STAFF, COUNTY):
        return {"items": [], "truncated": False}
    today = clock.today()
    policies = context.repo.policies()
    items = []
    for station in context.repo.stations_in(Scope.of(viewer)):
        staff = rules.current_staff(station, today)
        if viewer.role == STATION_STAFF and not _leads(staff, viewer.user_id):
            staff = [m for m in staff if m["staff_id"] == viewer.user_id]
        policy = rules.policy_in_force(policies, station["region_code"], today)
        for member in staff:
            standing = rules.training_status(member, policy, today)
            if standing["status"] in BEHIND:
                items.append(_item(station, member, standing, today))
    limit = vocabulary.INBOX_LIMIT
    return {"items": vocabulary.most_urgent(items)[:limit], "truncated": len(items) > limit}


def _leads(staff: list[dict], staff_id: str) -> bool:
    return any(m["staff_id"] == staff_id and m.get("role") == "station_lead" for m in staff)


def _item(station: dict, member: dict, standing: dict, today: date) -> dict:
    year_end = date(today.year, 12, 31)
    left = member.get("employment_end")
    end = min(year_end, date.fromisoformat(str(left)[:10])) if left else year_end
    expected = standing.get("expected_by_now", standing["target"])
    # Staff names are shown in clear to everyone who reads the station's staff (registry domain.staff_view).
    return vocabulary.inbox_item(
        source=SOURCE, kind=vocabulary.TRAINING_BEHIND, item_id=member["staff_id"],
        title=f"Training of {member['name']}: {standing['hours']:g} of {expected:g} hours expected by now "
              f"({standing['target']:g} this year)",
        station_id=station["_id"], region_code=station["region_code"], due_on=end.isoformat(), today=today,
        link_type="StaffMember", link_id=member["staff_id"], owner_id=member["staff_id"],
        status=vocabulary.OVERDUE if standing["status"] == rules.NOT_MET else vocabulary.DUE)
