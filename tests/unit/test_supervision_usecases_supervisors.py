"""Supervisors and their assignments, on the in-memory store (services/supervision/usecases/supervisors.py)."""
from __future__ import annotations

import pytest

from services.common.auth import Viewer
from services.common.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.supervision.storage import SUPERVISORS
from services.supervision.usecases import supervisors
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    OTHER_STATION,
    PUBLIC,
    STATION,
    TOWNSHIP,
    WORKER,
    events_of,
    seed_stations,
    supervision,
)

EXPERT = {"name": "王督导", "kind": "expert", "organisation": {"name": "江苏社会工作督导中心"}, "region_code": "321181"}


@pytest.fixture
def context():
    context = supervision()
    seed_stations(context)
    return context


def registered(context, viewer=COUNTY) -> dict:
    return supervisors.register_supervisor(context, viewer, EXPERT)


def test_a_county_registers_a_supervisor_and_assigns_them_to_its_station(context):
    supervisor = registered(context)
    assigned = supervisors.assign_supervisor(context, COUNTY, supervisor["id"],
                                             {"station_id": STATION, "from": "2026-01-01"})

    assert assigned["assignments"][0]["station_id"] == STATION and assigned["version"] == 2
    assert assigned["current_station_ids"] == [STATION]
    [event] = events_of(context, SUPERVISORS, supervisor["id"])
    assert event["type"] == "supervisor.assigned" and event["actor"]["user_id"] == COUNTY.user_id
    assert event["payload"] == {"supervisor_id": supervisor["id"], "assignment_id": assigned["assignments"][0][
        "assignment_id"], "station_id": STATION, "region_code": TOWNSHIP, "from": "2026-01-01", "to": None}


def test_the_supervisor_is_listed_where_registered_and_where_assigned(context):
    supervisor = registered(context)
    supervisors.assign_supervisor(context, COUNTY, supervisor["id"], {"station_id": STATION, "from": "2026-01-01"})

    assert [s["id"] for s in supervisors.list_supervisors(context, COUNTY)["items"]] == [supervisor["id"]]
    assert supervisors.list_supervisors(context, WORKER)["total"] == 1
    assert supervisors.list_supervisors(context, OTHER_COUNTY)["items"] == []
    assert supervisors.get_supervisors(context, OTHER_COUNTY, [supervisor["id"], "sup-unknown"]) == [None, None]
    assert supervisors.get_supervisors(context, Viewer(supervisor["id"], "supervisor"), [supervisor["id"]])[0]


def test_an_assignment_to_a_station_out_of_scope_reads_as_unknown(context):
    supervisor = registered(context, ADMIN)

    with pytest.raises(NotFound):
        supervisors.assign_supervisor(context, COUNTY, supervisor["id"],
                                      {"station_id": OTHER_STATION, "from": "2026-01-01"})
    with pytest.raises(NotFound):
        supervisors.assign_supervisor(context, OTHER_COUNTY, "sup-unknown", {"station_id": STATION,
                                                                            "from": "2026-01-01"})


def test_station_staff_may_not_register_and_the_public_may_not_list(context):
    with pytest.raises(PermissionDenied):
        registered(context, WORKER)
    with pytest.raises(PermissionDenied):
        supervisors.list_supervisors(context, PUBLIC)


def test_overlapping_assignments_and_bad_input_are_refused(context):
    supervisor = registered(context)
    supervisors.assign_supervisor(context, COUNTY, supervisor["id"], {"station_id": STATION, "from": "2026-01-01"})

    with pytest.raises(RuleViolation):
        supervisors.assign_supervisor(context, COUNTY, supervisor["id"], {"station_id": STATION,
                                                                         "from": "2026-03-01"})
    with pytest.raises(ValidationFailed):
        supervisors.register_supervisor(context, COUNTY, {**EXPERT, "kind": "astrologer"})


def test_ending_an_assignment_records_its_end_and_tells_the_others(context):
    supervisor = registered(context)
    assigned = supervisors.assign_supervisor(context, COUNTY, supervisor["id"],
                                             {"station_id": STATION, "from": "2026-01-01"})
    assignment_id = assigned["assignments"][0]["assignment_id"]

    ended = supervisors.end_supervisor_assignment(context, COUNTY, supervisor["id"], {
        "expected_version": assigned["version"], "assignment_id": assignment_id, "to": "2026-02-01"})

    assert ended["assignments"][0]["to"] == "2026-02-01" and ended["current_station_ids"] == []
    last = events_of(context, SUPERVISORS, supervisor["id"])[-1]
    assert last["payload"]["to"] == "2026-02-01"
    with pytest.raises(PermissionDenied):
        supervisors.end_supervisor_assignment(context, WORKER, supervisor["id"], {
            "expected_version": ended["version"], "assignment_id": assignment_id, "to": "2026-01-15"})
