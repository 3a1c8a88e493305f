"""Supervision sessions and their follow-ups, on the in-memory store (services/supervision/usecases/sessions.py)."""
from __future__ import annotations

import pytest

from services.common.auth import Viewer
from services.common.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.supervision.storage import SESSIONS
from services.supervision.usecases import sessions, supervisors
from tests.support.supervision_usecases import (
    COUNTY,
    EVALUATOR,
    OTHER_COUNTY,
    OTHER_STATION,
    STATION,
    TOWNSHIP,
    WORKER,
    days_ago,
    events_of,
    seed_stations,
    supervision,
)


@pytest.fixture
def context():
    context = supervision()
    seed_stations(context)
    return context


@pytest.fixture
def supervisor(context) -> Viewer:
    registered = supervisors.register_supervisor(context, COUNTY, {
        "name": "王督导", "kind": "expert", "organisation": {"name": "督导中心"}, "region_code": "321181"})
    supervisors.assign_supervisor(context, COUNTY, registered["id"],
                                  {"station_id": STATION, "from": days_ago(60).isoformat()})
    return Viewer(registered["id"], "supervisor", station_ids=(STATION,))


def session_input(supervisor: Viewer, **changes) -> dict:
    return {"supervisor_id": supervisor.user_id, "station_id": STATION, "date": days_ago(10).isoformat(),
            "form": "on_site", "duration_minutes": 90, "topics": ["services", "management"],
            "problems": ["个案记录不完整"],
            "follow_ups": [{"description": "补齐个案记录", "owner": "刘社工", "due_on": days_ago(1).isoformat()}],
            **changes}


def test_the_assigned_supervisor_records_a_session_with_its_follow_ups(context, supervisor):
    session = sessions.record_session(context, supervisor, session_input(supervisor))

    assert session["region_code"] == TOWNSHIP and session["topics"] == ["management", "services"]
    assert [f["status"] for f in session["follow_ups"]] == ["overdue"]
    [event] = events_of(context, SESSIONS, session["id"])
    assert event["type"] == "supervision_session.recorded" and event["payload"]["follow_ups"] == 1


def test_sessions_are_listed_in_scope_and_evaluators_do_not_see_what_names_people(context, supervisor):
    session = sessions.record_session(context, supervisor, session_input(supervisor))

    assert sessions.list_sessions(context, WORKER, {"open_follow_ups": True})["total"] == 1
    assert sessions.list_sessions(context, OTHER_COUNTY)["items"] == []
    [seen] = sessions.list_sessions(context, EVALUATOR)["items"]
    assert seen["id"] == session["id"] and seen["problems"] is None and seen["follow_ups"][0]["description"] is None


def test_only_the_supervisor_or_the_county_records_a_session(context, supervisor):
    with pytest.raises(PermissionDenied):
        sessions.record_session(context, WORKER, session_input(supervisor))
    with pytest.raises(PermissionDenied):
        sessions.record_session(context, Viewer("sup-other", "supervisor", station_ids=(STATION,)),
                                session_input(supervisor))
    with pytest.raises(NotFound):
        sessions.record_session(context, supervisor, session_input(supervisor, station_id=OTHER_STATION))


def test_a_session_in_the_future_or_at_an_unassigned_station_is_refused(context, supervisor):
    with pytest.raises(ValidationFailed):
        sessions.record_session(context, supervisor, session_input(supervisor, date=days_ago(-1).isoformat()))
    with pytest.raises(PermissionDenied):
        sessions.record_session(context, COUNTY, session_input(supervisor, date=days_ago(90).isoformat()))


def test_the_station_completes_a_follow_up_once(context, supervisor):
    session = sessions.record_session(context, supervisor, session_input(supervisor))
    follow_up_id = session["follow_ups"][0]["follow_up_id"]
    done = {"expected_version": session["version"], "done_on": days_ago(0).isoformat(), "evidence": "记录已补齐"}

    completed = sessions.complete_follow_up(context, WORKER, session["id"], follow_up_id, done)

    assert completed["follow_ups"][0]["status"] == "done" and completed["follow_ups"][0]["done_by"] == WORKER.user_id
    assert events_of(context, SESSIONS, session["id"])[-1]["type"] == "supervision_follow_up.completed"
    with pytest.raises(RuleViolation):
        sessions.complete_follow_up(context, WORKER, session["id"], follow_up_id,
                                    {**done, "expected_version": completed["version"]})
    with pytest.raises(NotFound):
        sessions.complete_follow_up(context, OTHER_COUNTY, session["id"], follow_up_id, done)
