"""Idempotency records have a retention: old ones are purged by each service's timer, recent ones keep
answering retries (SHEGONG_IDEMPOTENCY_RETENTION_HOURS, default 48)."""
from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest

from services.casework.service import CaseworkService
from services.common import clock, config, storage
from services.common.auth import SYSTEM
from services.common.errors import Conflict
from services.common.retention import IdempotencyRetention
from services.common.rpc_client import KernelRpcClient
from services.common.storage import IDEMPOTENCY_KEY, REQUEST_RESULTS
from services.funding.service import FundingService
from services.registry.service import RegistryService
from services.supervision.service import SupervisionService
from services.volunteers.service import VolunteersService
from shegong.services import migrate
from tests.support.containers import running
from tests.support.registry_fixtures import staff_input, station_input

ADMIN = SYSTEM.to_dict()


def keyed_client(settings, key):
    return KernelRpcClient(uri=settings.amqp_uri, timeout=60, context_data={IDEMPOTENCY_KEY: key})


def age(db, key_prefix: str, hours: float) -> int:
    """Make the records of one request look `hours` old (the keys stored are `key` or `key/…`)."""
    at = clock.utcnow() - timedelta(hours=hours)
    keys = [d["_id"] for d in db[REQUEST_RESULTS].find({}, {"_id": 1}) if d["_id"].startswith(key_prefix)]
    for key in keys:
        db[REQUEST_RESULTS].update_one({"_id": key}, {"$set": {storage.REMEMBERED_AT: at}})
    return len(keys)


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_old_records_go_recent_ones_stay_and_answer_retries(isolated_settings):
    assert isolated_settings.idempotency_retention_hours == 48  # the default under test
    migrate()
    db = storage.database("registry")
    with running(RegistryService, settings=isolated_settings):
        with keyed_client(isolated_settings, "station-1") as keyed:
            station = keyed.registry.register_station(ADMIN, station_input())
        with keyed_client(isolated_settings, "kept-1") as keyed:
            kept = keyed.registry.add_staff(ADMIN, station["id"], staff_input(1))
        with keyed_client(isolated_settings, "purged-1") as keyed:
            keyed.registry.add_staff(ADMIN, station["id"], staff_input(2))
    assert age(db, "kept-1", hours=47) == 1
    assert age(db, "purged-1", hours=49) == 1

    # The timer is eager: a service that starts purges at once, then every hour.
    with running(RegistryService, settings=isolated_settings):
        assert wait_until(lambda: db[REQUEST_RESULTS].count_documents({"_id": "purged-1"}) == 0)
        assert db[REQUEST_RESULTS].count_documents({"_id": "kept-1"}) == 1
        assert db[REQUEST_RESULTS].count_documents({"_id": "station-1"}) == 1
        with keyed_client(isolated_settings, "kept-1") as keyed:
            again = keyed.registry.add_staff(ADMIN, station["id"], staff_input(1))
        assert again == kept  # a retry inside the retention: the first result, not CONFLICT
        # Past the retention the reply is forgotten: the retry is refused like a new command would be.
        with keyed_client(isolated_settings, "purged-1") as keyed, pytest.raises(Conflict):
            keyed.registry.add_staff(ADMIN, station["id"], staff_input(2))


def test_the_retention_setting_decides_what_is_old(isolated_settings):
    short = dataclasses.replace(isolated_settings, idempotency_retention_hours=2)
    config.override(short)
    db = storage.database("volunteers")
    now = clock.utcnow()
    db[REQUEST_RESULTS].insert_many([
        {"_id": "three-hours", "result": "null", storage.REMEMBERED_AT: now - timedelta(hours=3)},
        {"_id": "one-hour", "result": "null", storage.REMEMBERED_AT: now - timedelta(hours=1)},
    ])
    with running(VolunteersService, settings=short):
        assert wait_until(lambda: db[REQUEST_RESULTS].count_documents({"_id": "three-hours"}) == 0)
    assert [d["_id"] for d in db[REQUEST_RESULTS].find({})] == ["one-hour"]


@pytest.mark.parametrize("service",
                         [RegistryService, CaseworkService, VolunteersService, FundingService, SupervisionService])
def test_every_service_purges_on_an_indexed_field(service):
    assert issubclass(service, IdempotencyRetention)
    assert storage.Index(REQUEST_RESULTS, ((storage.REMEMBERED_AT, 1),)) in storage.REQUEST_RESULT_INDEXES


def test_the_purge_uses_the_index(isolated_settings):
    db = storage.database("funding")
    storage.ensure_indexes(db, storage.REQUEST_RESULT_INDEXES)
    plan = db.command("explain", {"find": REQUEST_RESULTS, "filter": {storage.REMEMBERED_AT: {"$lt": clock.utcnow()}}})
    assert "INDEX" in str(plan["queryPlanner"]["winningPlan"]).upper(), plan
