"""The Scope value: what each role may read, and its one translation into a store query."""
from __future__ import annotations

import pytest

from services.common.auth import Viewer
from services.common.scope import Scope
from services.common.storage import scope_filter
from tests.support.memory_store import memory_database

COUNTY = Viewer("c", "county", region="321181")
STAFF = Viewer("s", "station_staff", region="321181", station_ids=("st-1",))


@pytest.mark.parametrize(("viewer", "within", "expected"), [
    (Viewer("a", "admin"), None, Scope.everything()),
    (Viewer("a", "admin"), "3211", Scope(region_prefix="3211")),
    (COUNTY, None, Scope(region_prefix="321181")),
    (COUNTY, "3211", Scope(region_prefix="321181")),          # wider than the caller: their own region
    (COUNTY, "321181001", Scope(region_prefix="321181001")),  # narrower: the narrower one
    (COUNTY, "321102", Scope.nothing()),                       # a neighbour: nothing
    (STAFF, None, Scope(station_ids=("st-1",))),
    (Viewer("p", "public"), None, Scope.nothing()),
])
def test_each_role_reads_what_its_scope_says(viewer, within, expected):
    assert Scope.of(viewer, within) == expected


def test_the_translation_selects_exactly_the_records_in_scope():
    records = memory_database()["records"]
    records.insert_many([
        {"_id": "1", "station_id": "st-1", "region_code": "321181001"},
        {"_id": "2", "station_id": "st-2", "region_code": "321181002"},
        {"_id": "3", "station_id": "st-3", "region_code": "321102001"},
        {"_id": "4", "station_id": "st-4", "region_code": "3211810|"},  # an injection-shaped code stays literal
    ])

    def selected(scope: Scope) -> set[str]:
        return {d["_id"] for d in records.find(scope_filter(scope))}

    assert selected(Scope.of(COUNTY)) == {"1", "2", "4"}
    assert selected(Scope.of(COUNTY, "321181001")) == {"1"}
    assert selected(Scope.of(STAFF)) == {"1"}
    assert selected(Scope.nothing()) == set()
    assert selected(Scope.everything()) == {"1", "2", "3", "4"}
