"""The volunteers service's RPC surface is declared (use_case_rpc) with exactly the names and argument lists
the gateway calls, and every declared method reaches a use case."""
from __future__ import annotations

import inspect

import pytest

from services.common.errors import ConcurrentModification
from services.volunteers.service import VolunteersService
from services.volunteers.usecases import access, consistency
from tests.support.volunteers_fixtures import STATION, volunteer_input
from tests.support.volunteers_in_process import declared_rpc, in_process
from tests.support.volunteers_unit import ADMIN, COUNTY, OTHER_COUNTY, PUBLIC, STAFF, use_cases

# As the hand-written service declared them before its entrypoints were generated from the use cases.
SURFACE = {
    'catalogue' : 'viewer',
    'register_volunteer' : 'viewer, data',
    'update_volunteer' : 'viewer, volunteer_id, data',
    'record_volunteer_training' : 'viewer, volunteer_id, data',
    'record_volunteer_certificate' : 'viewer, volunteer_id, data',
    'record_background_check' : 'viewer, volunteer_id, data',
    'reveal_volunteer_identity' : 'viewer, volunteer_id, reason',
    'access_log' : 'viewer, filters=None',
    'list_volunteers' : 'viewer, filters=None',
    'get_volunteers' : 'viewer, ids',
    'log_hours' : 'viewer, volunteer_id, data',
    'approve_hours' : 'viewer, volunteer_id, data',
    'reject_hours' : 'viewer, volunteer_id, data',
    'hours_for_volunteers' : 'viewer, volunteer_ids',
    'inbox_items' : 'viewer',
    'issue_certificate' : 'viewer, volunteer_id, data',
    'revoke_certificate' : 'viewer, certificate_id, data',
    'verify_certificate' : 'viewer, data',
    'create_team' : 'viewer, data',
    'update_team' : 'viewer, team_id, data',
    'record_team_training' : 'viewer, team_id, data',
    'record_supervision' : 'viewer, team_id, data',
    'list_teams' : 'viewer, filters=None',
    'get_teams' : 'viewer, ids',
    'teams_for_volunteers' : 'viewer, volunteer_ids',
    'register_resource' : 'viewer, data',
    'update_resource' : 'viewer, resource_id, data',
    'review_resource' : 'viewer, resource_id, data',
    'list_resources' : 'viewer, filters=None',
    'get_resources' : 'viewer, ids',
    'overdue_reviews' : 'viewer, filters=None',
    'export_directory' : 'viewer, filters=None',
    'receive_donation' : 'viewer, data',
    'distribute' : 'viewer, data',
    'list_stock' : 'viewer, filters=None',
    'get_stock' : 'viewer, ids',
    'donations_for_stock' : 'viewer, stock_ids',
    'distributions_for_households' : 'viewer, household_ids',
    'request_matching' : 'viewer, data',
    'rematch_need' : 'viewer, need_id, data',
    'accept_proposal' : 'viewer, need_id, proposal_id, data',
    'decline_proposal' : 'viewer, need_id, proposal_id, data',
    'complete_task' : 'viewer, need_id, task_id, data',
    'cancel_task' : 'viewer, need_id, task_id, data',
    'list_needs' : 'viewer, filters=None',
    'get_needs' : 'viewer, ids',
    'needs_for_households' : 'viewer, household_ids',
    'tasks_for_volunteers' : 'viewer, volunteer_ids',
    'unmet_rollup' : 'viewer, data',
}


def test_every_rpc_method_keeps_its_name_and_arguments():
    declared = {name for name in dir(VolunteersService) if declared_rpc(name)}
    assert set(SURFACE) <= declared
    for name, arguments in SURFACE.items():
        parameters = list(inspect.signature(getattr(VolunteersService, name)).parameters.values())[1:]
        assert ", ".join(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
                         for p in parameters) == arguments, name


def test_a_declared_method_turns_the_wire_viewer_into_a_viewer():
    client = in_process(use_cases())
    volunteer = client.register_volunteer(STAFF.to_dict(), volunteer_input())
    assert client.get_volunteers(COUNTY.to_dict(), [volunteer["id"]])[0]["station_id"] == STATION
    assert client.get_volunteers(OTHER_COUNTY.to_dict(), [volunteer["id"]]) == [None]


def test_the_public_reads_active_resources_everywhere_and_nothing_else():
    scope, active_only = access.resource_readers(PUBLIC)
    assert scope.unlimited and active_only
    assert access.resource_readers(ADMIN) == (access.readable(ADMIN), False)
    assert access.sees_resource(PUBLIC, {"status": "closed", "station_id": STATION, "region_code": STATION[2:]}) \
        is False
    assert access.readable(PUBLIC).empty


def test_a_stale_version_fails_before_any_side_effect():
    consistency.check_version({"_id": "vol_1", "_version": 2}, 2)
    with pytest.raises(ConcurrentModification):
        consistency.check_version({"_id": "vol_1", "_version": 3}, 2)
