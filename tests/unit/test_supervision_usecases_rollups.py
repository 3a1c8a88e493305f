"""Roll-ups of the read models per region, on the in-memory store (services/supervision/usecases/rollups.py)."""
from __future__ import annotations

import pytest

from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.supervision.usecases import rollups
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    TOWNSHIP,
    WORKER,
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
