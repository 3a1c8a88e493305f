"""One access-log filter (services/common/accesslog.py: AccessLogFilterSchema) for every service: casework,
funding and volunteers answer `access_log` with the kernel's filters, whole China days or instants alike."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from services.casework.usecases import audit
from services.common.accesslog import COLLECTION, AccessLog
from services.common.auth import Viewer
from services.common.clock import CHINA_STANDARD_TIME, FrozenClock
from services.common.errors import ValidationFailed
from services.funding.usecases import bids
from services.volunteers.usecases import volunteers
from tests.support.memory_store import memory_database

COUNTY = Viewer("danyang-official", "county", "321181")
STATION = "ST321181001"


def _context() -> SimpleNamespace:
    log = AccessLog(memory_database()[COLLECTION])
    # Just after midnight in China on 1 June is still 31 May in UTC: the day filters are China's.
    for at, subject_type, subject_id in (((2026, 6, 1, 0, 30), "bid", "b-1"),
                                         ((2026, 5, 31, 23, 30), "volunteer", "v-1"),
                                         ((2026, 6, 2, 9, 0), "person", "p-1")):
        with FrozenClock(datetime(*at, tzinfo=CHINA_STANDARD_TIME)):
            log.record(COUNTY, subject_type=subject_type, subject_id=subject_id, fields=["phone"], reason="核实身份",
                       station_id=STATION, region_code="321181")
    return SimpleNamespace(repo=SimpleNamespace(access_log=log))


def _ids(entries: list[dict]) -> list[str]:
    return [e["subject_id"] for e in entries]


def test_every_service_takes_the_kernels_filters():
    context = _context()
    june_first = {"since": "2026-06-01", "until": "2026-06-01", "station_id": STATION}
    assert _ids(audit.access_log(context, COUNTY, june_first)["items"]) == ["b-1"]
    assert _ids(bids.access_log(context, COUNTY, june_first)) == ["b-1"]
    assert _ids(volunteers.access_log(context, COUNTY, june_first)) == ["b-1"]
    instants = {"since": "2026-05-31T23:00:00+08:00", "subject_type": "volunteer"}
    for answer in (audit.access_log(context, COUNTY, instants)["items"], bids.access_log(context, COUNTY, instants),
                   volunteers.access_log(context, COUNTY, instants)):
        assert _ids(answer) == ["v-1"]
    assert _ids(bids.access_log(context, COUNTY, {"until": "2026-06-01"})) == ["b-1", "v-1"]  # newest first


@pytest.mark.parametrize("filters", [{"limit": 101}, {"since": "01/06/2026"}, {"since": "2026-06-01T00:00:00"},
                                     {"colour": "red"}])
def test_each_service_refuses_what_the_kernel_refuses(filters):
    context = _context()
    for answer in (audit.access_log, bids.access_log, volunteers.access_log):
        with pytest.raises(ValidationFailed):
            answer(context, COUNTY, filters)
