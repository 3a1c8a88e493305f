"""The kernel's access log is read in the scope of the records it describes (issue 14, security 3).

The real AccessLog over pymongo to the wire-protocol store. Three reveals are logged: a volunteer at 丹阳
(ST321181001), a staff member at 京口 (ST321102001), a bid in a 丹阳 tender (no station), plus an entry from
before entries carried a scope. Each reading role sees exactly the entries of its scope.
"""
from __future__ import annotations

import uuid

import pytest

from services.common import clock, config, storage
from services.common.accesslog import AccessLog
from services.common.auth import Viewer
from services.common.errors import PermissionDenied

DANYANG_STATION, JINGKOU_STATION = "ST321181001", "ST321102001"
READERS = {
    "admin": (Viewer("ops", "admin"), {"volunteer", "staff", "bid", "legacy"}),
    "province": (Viewer("p", "province", region="320000"), {"volunteer", "staff", "bid"}),
    "city": (Viewer("c", "city", region="321100"), {"volunteer", "staff", "bid"}),
    "danyang county": (Viewer("d", "county", region="321181"), {"volunteer", "bid"}),
    "jingkou county": (Viewer("j", "county", region="321102"), {"staff"}),
    "other city": (Viewer("o", "city", region="320100"), set()),
    "danyang supervisor": (Viewer("s", "supervisor", station_ids=(DANYANG_STATION,)), {"volunteer"}),
}


@pytest.fixture(scope="module")
def log(mongo_server, rabbit_vhost):
    config.override(config.Settings(amqp_uri=rabbit_vhost, mongo_uri=mongo_server,
                                    database_prefix=f"t{uuid.uuid4().hex[:10]}"))
    collection = storage.database("accesslog").access_log
    access_log = AccessLog(collection)
    admin = Viewer("ops", "admin")
    access_log.record(admin, subject_type="volunteer", subject_id="volunteer", fields=["phone"], reason="核实身份",
                      station_id=DANYANG_STATION, region_code="321181001")
    access_log.record(admin, subject_type="staff", subject_id="staff", fields=["id_number"], reason="核实身份",
                      station_id=JINGKOU_STATION, region_code="321102001")
    access_log.record(admin, subject_type="bid", subject_id="bid", fields=["contact.phone"], reason="资格审查",
                      station_id=None, region_code="321181")
    collection.insert_one({"at": clock.utcnow(), "user_id": "ops", "role": "admin",
        "subject_type": "staff", "subject_id": "legacy", "fields": ["phone"], "reason": "旧记录"})
    yield access_log
    config.override(None)


@pytest.mark.parametrize("reader", READERS)
def test_each_reader_sees_the_entries_of_its_scope_only(log, reader):
    viewer, wanted = READERS[reader]
    assert {e["subject_id"] for e in log.entries(viewer)} == wanted


@pytest.mark.parametrize("role", ["station_staff", "evaluator", "public"])
def test_roles_that_do_not_audit_are_refused(log, role):
    viewer = Viewer("x", role, region="321181" if role == "evaluator" else None,
                    station_ids=(DANYANG_STATION,) if role == "station_staff" else ())
    with pytest.raises(PermissionDenied):
        log.entries(viewer)


def test_filters_narrow_within_the_scope_and_never_widen_it(log):
    danyang = READERS["danyang county"][0]
    assert [e["subject_id"] for e in log.entries(danyang, subject_id="staff")] == []
    assert [e["subject_id"] for e in log.entries(danyang, subject_id="bid")] == ["bid"]
