"""A supervisor's scope follows their current assignments (services/supervision/usecases/access.py:
current_viewer, supervisor_scope), on the in-memory store with a controllable clock: an assigned station's
sessions and follow-ups are seen, an unassigned one's are not, whatever the token named, and access ends
with the assignment's end date and begins with a new assignment."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.common.errors import NotFound, PermissionDenied
from services.supervision.usecases import sessions, supervisors
from services.supervision.usecases.access import current_viewer, supervisor_scope
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    OTHER_STATION,
    STATION,
    seed_stations,
    supervision,
)

NOW = datetime(2026, 6, 15, 2, tzinfo=UTC)


def day(offset: int) -> str:
    return (clock.today() + timedelta(days=offset)).isoformat()


def _register(context, county: Viewer, region: str) -> dict:
    return supervisors.register_supervisor(context, county, {
        "name": "王督导", "kind": "expert", "organisation": {"name": "督导中心"}, "region_code": region})


def _session(context, recorder: Viewer, supervisor_id: str, station_id: str) -> dict:
    return sessions.record_session(context, recorder, {
        "supervisor_id": supervisor_id, "station_id": station_id, "date": day(-3), "form": "on_site",
        "duration_minutes": 60, "topics": ["services"], "problems": ["记录不全"],
        "follow_ups": [{"description": "补齐记录", "owner": "刘社工", "due_on": day(10)}]})


@pytest.fixture
def frozen():
    with FrozenClock(NOW) as frozen:
        yield frozen


@pytest.fixture
def world(frozen):
    context = supervision()
    seed_stations(context)
    mine = _register(context, COUNTY, "321181")
    supervisors.assign_supervisor(context, COUNTY, mine["id"], {"station_id": STATION, "from": day(-30), "to": day(5)})
    other = _register(context, OTHER_COUNTY, "321102")
    supervisors.assign_supervisor(context, OTHER_COUNTY, other["id"], {"station_id": OTHER_STATION, "from": day(-30)})
    assigned = _session(context, COUNTY, mine["id"], STATION)
    unassigned = _session(context, OTHER_COUNTY, other["id"], OTHER_STATION)
    # The token names the other station (issued before a change of assignments): it does not count.
    token = Viewer(mine["id"], "supervisor", station_ids=(OTHER_STATION,))
    return context, token, assigned, unassigned


def _seen(context, viewer: Viewer) -> list[str]:
    return [s["id"] for s in sessions.list_sessions(context, current_viewer(context, viewer))["items"]]


def test_a_supervisor_sees_the_assigned_station_and_not_the_one_the_token_named(world):
    context, token, assigned, unassigned = world
    assert current_viewer(context, token).station_ids == (STATION,)
    assert supervisor_scope(context, token) == {"registered": True, "station_ids": [STATION]}
    assert _seen(context, token) == [assigned["id"]]
    [session] = sessions.list_sessions(context, current_viewer(context, token))["items"]
    assert session["follow_ups"][0]["description"] == "补齐记录"  # the follow-ups with it
    done = {"expected_version": assigned["version"], "done_on": day(0), "evidence": "已补齐"}
    with pytest.raises(NotFound):  # the unassigned station's follow-up is as if unknown
        sessions.complete_follow_up(context, current_viewer(context, token), unassigned["id"],
                                    unassigned["follow_ups"][0]["follow_up_id"], done)
    closed = sessions.complete_follow_up(context, current_viewer(context, token), assigned["id"],
                                         assigned["follow_ups"][0]["follow_up_id"], done)
    assert closed["follow_ups"][0]["status"] == "done"


def test_access_ends_with_the_assignment_and_a_new_assignment_grants_it(world, frozen):
    context, token, assigned, unassigned = world
    frozen.advance(days=5)
    assert _seen(context, token) == [assigned["id"]]  # the last day of the assignment
    frozen.advance(days=1)
    assert current_viewer(context, token).station_ids == ()
    assert _seen(context, token) == []
    with pytest.raises(NotFound):
        sessions.complete_follow_up(context, current_viewer(context, token), assigned["id"],
                                    assigned["follow_ups"][0]["follow_up_id"],
                                    {"expected_version": assigned["version"], "done_on": day(0), "evidence": "晚了"})

    supervisors.assign_supervisor(context, ADMIN, token.user_id, {"station_id": OTHER_STATION, "from": day(0)})
    assert _seen(context, token) == [unassigned["id"]]


def test_other_roles_and_unregistered_supervisors_keep_their_token_s_scope(world):
    context, _, _, _ = world
    stranger = Viewer("sup-unregistered", "supervisor", station_ids=(STATION,))
    assert current_viewer(context, stranger) == stranger
    assert supervisor_scope(context, stranger) == {"registered": False, "station_ids": [STATION]}
    assert current_viewer(context, COUNTY) == COUNTY
    with pytest.raises(PermissionDenied):
        supervisor_scope(context, COUNTY)
