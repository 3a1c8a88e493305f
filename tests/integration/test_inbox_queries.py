"""The inbox's repository queries over the real pymongo driver and document store (nx-27017, or MongoDB at
MONGO_URI): cases waiting for approval and volunteers with hours waiting match array fields of subdocuments,
and the cases due match a range beside an `$or`, which nx-27017 handles differently from MongoDB."""
from __future__ import annotations

from datetime import UTC, datetime

from services.casework.storage import INDEXES as CASEWORK_INDEXES
from services.casework.storage import CaseworkRepository
from services.common import storage
from services.common.auth import Viewer
from services.common.scope import Scope
from services.volunteers.storage import INDEXES as VOLUNTEERS_INDEXES
from services.volunteers.storage import VolunteersRepository

STATION, OTHER_STATION = "ST321181001", "ST321102001"
NOW = datetime(2026, 7, 2, 4, 0, tzinfo=UTC)


def case(number: int, station: str = STATION, stage: str = "plan", plans=(), closures=(), follow_up: str = "",
         crisis: str = "none", worker: str = "stf-1") -> dict:
    return storage.aggregate_document({
        "_id": f"cs{number:03d}", "station_id": station, "region_code": station[2:], "stage": stage,
        "assigned_staff_id": worker, "plans": [{"status": s} for s in plans],
        "closure_requests": [{"status": s} for s in closures], "follow_up_due_on": follow_up,
        "crisis_state": crisis, "open_key": f"k{number}"})


def test_cases_waiting_for_approval_and_cases_due_are_found_on_the_real_store(isolated_settings):
    db = storage.database("casework")
    storage.ensure_indexes(db, CASEWORK_INDEXES)
    cases = CaseworkRepository(db).cases
    assert cases.insert_many([
        case(1, plans=("withdrawn", "submitted")), case(2, plans=("approved",)),
        case(3, stage="review", closures=("rejected", "pending")), case(4, stage="closed", closures=("pending",)),
        case(5, station=OTHER_STATION, plans=("submitted",)),
        case(6, stage="in_service", follow_up="2026-07-05"), case(7, stage="in_service", follow_up="2026-07-20"),
        case(8, stage="in_service", follow_up="2026-06-20", worker="stf-2"),
        case(9, stage="assessment", crisis="awaiting_contact"), case(10, stage="closed", follow_up="2026-06-01"),
    ]) == set()

    assert [c["_id"] for c in cases.awaiting_approval([STATION], 10)] == ["cs001", "cs003"]
    station = Scope.of(Viewer("stf-1", "station_staff", None, (STATION,)))
    assert {c["_id"] for c in cases.inbox_due(station, None, "2026-07-09", NOW, 10)} == {"cs006", "cs008", "cs009"}
    assert {c["_id"] for c in cases.inbox_due(station, "stf-1", "2026-07-09", NOW, 10)} == {"cs006", "cs009"}


def test_volunteers_with_pending_hours_are_found_on_the_real_store(isolated_settings):
    db = storage.database("volunteers")
    storage.ensure_indexes(db, VOLUNTEERS_INDEXES)
    volunteers = VolunteersRepository(db).volunteers
    docs = [storage.aggregate_document({"_id": f"vol{n}", "station_id": station, "region_code": station[2:],
                                        "id_index": f"i{n}", "hours": [{"status": s} for s in statuses]})
            for n, station, statuses in ((1, STATION, ("approved", "pending")), (2, STATION, ("approved",)),
                                         (3, STATION, ()), (4, OTHER_STATION, ("pending",)))]
    assert volunteers.insert_many(docs) == set()
    station = Scope.of(Viewer("stf-1", "station_staff", None, (STATION,)))
    assert [v["_id"] for v in volunteers.with_pending_hours(station, 10)] == ["vol1"]
