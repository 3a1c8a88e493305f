"""One hot station: concurrent commuting changes are retried in the service, not refused (issue 14, faults 6)."""
from __future__ import annotations

import pytest

from services.common import storage
from services.common.auth import SYSTEM
from services.common.errors import ConcurrentModification
from services.registry.service import RegistryService
from shegong.services import migrate
from tests.support.containers import rpc_client, running
from tests.support.registry_fixtures import staff_input, station_input

ADMIN = SYSTEM.to_dict()
CONCURRENT = 20


@pytest.fixture
def registry(isolated_settings):
    migrate()
    with running(RegistryService, settings=isolated_settings), rpc_client(isolated_settings, timeout=120) as client:
        yield client.registry


def add_staff_concurrently(registry, station_id, sequences):
    calls = [registry.add_staff.call_async(ADMIN, station_id, staff_input(n)) for n in sequences]
    refused = 0
    for call in calls:
        try:
            call.result()
        except ConcurrentModification:
            refused += 1
    return refused


def test_concurrent_add_staff_to_one_station_all_succeed(registry, monkeypatch, capsys):
    station = registry.register_station(ADMIN, station_input())

    # Without retries (the behaviour before): a share of the calls is refused for a race.
    monkeypatch.setattr(storage, "COMMUTING_ATTEMPTS", 1)
    refused_before = add_staff_concurrently(registry, station["id"], range(1, CONCURRENT + 1))
    monkeypatch.undo()

    refused_after = add_staff_concurrently(registry, station["id"], range(CONCURRENT + 1, 2 * CONCURRENT + 1))
    with capsys.disabled():
        print(f"\nconcurrent addStaff x{CONCURRENT}: refused {refused_before / CONCURRENT:.0%} without retry, "
              f"{refused_after / CONCURRENT:.0%} with")

    assert refused_after == 0
    members = registry.staff_for_stations(ADMIN, [station["id"]])[station["id"]]
    assert len(members) == 2 * CONCURRENT - refused_before  # every accepted member is there, once


def test_recording_training_is_not_refused_for_a_version_moved_on_by_a_commuting_change(registry):
    station = registry.register_station(ADMIN, station_input())
    first = registry.add_staff(ADMIN, station["id"], staff_input(1))
    read_version = first["version"]
    registry.add_staff(ADMIN, station["id"], staff_input(2))  # someone else changed the station since
    staff_id = next(m["id"] for m in registry.staff_for_stations(ADMIN, [station["id"]])[station["id"]]
                    if m["name"] == staff_input(1)["name"])
    after = registry.record_training(ADMIN, station["id"], staff_id,
                                     {"expected_version": read_version, "date": "2025-05-01", "hours": 8,
                                      "topic": "case work", "provider": "丹阳市民政局"})
    assert after["version"] == read_version + 2
