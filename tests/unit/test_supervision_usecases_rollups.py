"""Roll-ups of the read models per region, on the in-memory store (services/supervision/usecases/rollups.py)."""
from __future__ import annotations

from datetime import datetime

import pytest

from services.common.clock import CHINA_STANDARD_TIME, FrozenClock
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.supervision.usecases import rollups
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    OTHER_STATION,
    STATION,
    TOWNSHIP,
    WORKER,
    seed_read_model,
    seed_stations,
    supervision,
)


@pytest.fixture
def context():
    context = supervision()
    seed_stations(context)
    return context


def test_a_city_rollup_counts_both_counties_and_names_its_children(context):
    result = rollups.rollup(context, ADMIN, {"region": "321100"})

    assert result["region"]["name"] == "镇江市" and result["region"]["stations"]["registered"] == 2
    assert {c["region_code"]: c["stations"]["registered"] for c in result["children"]} == {"321181": 1, "321102": 1}
    assert all(c["level"] == "county" for c in result["children"])


def test_a_county_sees_its_own_figures_and_station_staff_only_their_township(context):
    county = rollups.rollup(context, COUNTY, {"region": "321181"})
    station = rollups.rollup(context, WORKER, {"region": "321100"})

    assert county["region"]["stations"]["townships_covered"] == 1
    assert station["region"]["stations"]["registered"] == 1
    assert [c["region_code"] for c in station["children"]] == ["321181"]
    assert rollups.rollup(context, COUNTY, {"region": TOWNSHIP, "children": False})["children"] == []


def test_a_region_outside_the_viewers_or_unknown_is_refused(context):
    with pytest.raises(PermissionDenied):
        rollups.rollup(context, OTHER_COUNTY, {"region": "321181"})
    with pytest.raises(NotFound):
        rollups.rollup(context, ADMIN, {"region": "321199"})
    with pytest.raises(ValidationFailed):
        rollups.rollup(context, ADMIN, {"region": "3"})


def test_a_rollup_writes_nothing(context):
    rollups.rollup(context, ADMIN, {"region": "321100"})

    assert all(context.repo.db[name].count_documents({}) == 0 for name in ("alerts", "supervisors", "sessions"))


def test_the_rollup_gives_the_volunteer_hours_approved_in_the_period_per_region(context):
    def approval(station: str, hours: float, day: str) -> dict:
        return {"station": station, "township": station[2:], "volunteer": "vol-1", "hours": hours, "approved_on": day}

    seed_read_model(context, "volunteer_hours", {"hours": {
        "h1": approval(STATION, 2.5, "2026-03-04"), "h2": approval("ST321181002", 1.5, "2026-04-01"),
        "h3": approval(OTHER_STATION, 4.0, "2026-05-06"), "h4": approval(STATION, 8.0, "2025-12-30")}})

    with FrozenClock(datetime(2026, 6, 15, 10, tzinfo=CHINA_STANDARD_TIME)):
        assert "volunteers" not in rollups.rollup(context, ADMIN, {"region": "321100"})["region"]  # not asked for
        city = rollups.rollup(context, ADMIN, {"region": "321100", "volunteers": True})  # this year by default
        assert city["region"]["volunteers"] == {"hours_approved": 8.0}
        assert {c["region_code"]: c["volunteers"]["hours_approved"] for c in city["children"]} == {
            "321181": 4.0, "321102": 4.0}
        last_year = rollups.rollup(context, COUNTY, {"region": "321181", "period": {"year": 2025}, "volunteers": True})
        assert last_year["region"]["volunteers"]["hours_approved"] == 8.0
        worker = rollups.rollup(context, WORKER, {"region": "321181", "volunteers": True})
        assert worker["region"]["volunteers"]["hours_approved"] == 2.5  # their station's only


ASKED = {"region": "321181", "volunteers": True}


def test_the_hours_document_is_read_again_only_after_an_approval_was_folded(context):
    def seed(position: int, hours: dict) -> None:
        context.repo.db["projections"].replace_one({"_id": "volunteer_hours"}, {
            "_id": "volunteer_hours", "positions": {"volunteers": position}, "state": {"hours": hours}}, upsert=True)

    approval = {"station": STATION, "township": TOWNSHIP, "volunteer": "vol-1", "approved_on": "2026-03-04"}
    reads = []
    read = context.repo.volunteer_hours
    context.repo.volunteer_hours = lambda: reads.append(1) or read()  # type: ignore[method-assign]
    with FrozenClock(datetime(2026, 6, 15, 10, tzinfo=CHINA_STANDARD_TIME)):
        seed(1, {"h1": {**approval, "hours": 2.5}})
        assert "volunteers" not in rollups.rollup(context, COUNTY, {"region": "321181"})["region"]
        assert reads == []  # not asked for: not read
        assert rollups.rollup(context, COUNTY, ASKED)["region"]["volunteers"]["hours_approved"] == 2.5
        assert rollups.rollup(context, COUNTY, ASKED)["region"]["volunteers"]["hours_approved"] == 2.5
        assert len(reads) == 1  # the second roll-up found the same position: nothing read again
        seed(2, {"h1": {**approval, "hours": 2.5}, "h2": {**approval, "hours": 4.0}})
        assert rollups.rollup(context, COUNTY, ASKED)["region"]["volunteers"]["hours_approved"] == 6.5
        assert len(reads) == 2
        # another scope or period over the same document: summed again, not read again
        assert rollups.rollup(context, WORKER, ASKED)["region"]["volunteers"]["hours_approved"] == 6.5
        assert len(reads) == 2
