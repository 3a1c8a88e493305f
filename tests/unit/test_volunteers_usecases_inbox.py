"""usecases/inbox.py on the in-memory store: hours waiting for the station's approval, one item per volunteer."""
from __future__ import annotations

from services.volunteers.usecases import hours, inbox, volunteers
from tests.support.volunteers_fixtures import volunteer_input
from tests.support.volunteers_unit import (
    ADMIN,
    COUNTY,
    OTHER_STAFF,
    STAFF,
    STATION,
    accepted_volunteer_task,
    hours_ago,
    use_cases,
)


def _logged(ctx, started: float, ended: float) -> tuple[dict, list[dict]]:
    volunteer = volunteers.register_volunteer(ctx, ADMIN, volunteer_input())
    need, task = accepted_volunteer_task(ctx, volunteer["id"])
    entries = [hours.log_hours(ctx, STAFF, volunteer["id"], {
        "need_id": need["id"], "task_id": task["task_id"], "started_at": hours_ago(start),
        "ended_at": hours_ago(end), "activity": "上门探访"}) for start, end in ((started, ended), (ended - 0.5, 0.5))]
    return volunteer, entries


def test_pending_hours_wait_in_the_station_staffs_inbox_until_approved():
    ctx = use_cases()
    volunteer, entries = _logged(ctx, 4, 2)

    [item] = inbox.inbox_items(ctx, STAFF)["items"]
    assert (item["kind"], item["status"], item["id"], item["source"]) == (
        "volunteer_hours_approval", "waiting", volunteer["id"], "volunteers")
    assert item["station_id"] == STATION and item["link"] == {"type": "Volunteer", "id": volunteer["id"]}
    assert "2 hours entries (3.0 h)" in item["title"] and item["since"] == entries[0]["logged_at"]
    for viewer in (OTHER_STAFF, COUNTY):
        assert inbox.inbox_items(ctx, viewer)["items"] == []

    current = volunteers.get_volunteers(ctx, STAFF, [volunteer["id"]])[0]
    hours.approve_hours(ctx, STAFF, volunteer["id"], {"expected_version": current["version"],
                                                      "entry_ids": [e["entry_id"] for e in entries]})
    assert inbox.inbox_items(ctx, STAFF) == {"items": [], "truncated": False}
