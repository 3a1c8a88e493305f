"""A read model checked against its source services (services/supervision/usecases/checks.py), on the
in-memory store with the sources faked."""
from __future__ import annotations

import pytest

from services.common.errors import NotFound, PermissionDenied
from services.supervision.usecases import checks
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    OTHER_STATION,
    OTHER_TOWNSHIP,
    STATION,
    TOWNSHIP,
    CaseworkFake,
    RegistryFake,
    seed_read_model,
    seed_stations,
    supervision,
)


def registry_station(station_id: str, township: str, status: str = "operating") -> dict:
    return {"id": station_id, "township_code": township, "status": status, "compliance_status": "met"}


@pytest.fixture
def context():
    registry = RegistryFake(
        stations=[registry_station(STATION, TOWNSHIP), registry_station(OTHER_STATION, OTHER_TOWNSHIP, "suspended")],
        staff={STATION: [{"id": "sf1", "station_id": STATION, "professional": True, "employment_end": None}]})
    context = supervision(registry, CaseworkFake())
    seed_stations(context)
    seed_read_model(context, "staff", {"staff": {"sf1": {"station": STATION, "professional": True, "left": None}}})
    return context


def test_a_check_names_the_record_and_field_the_read_model_is_wrong_by(context):
    result = checks.check_read_model(context, ADMIN, "stations")

    assert result["records"] == {"read_model": 2, "source": 2}
    assert result["differences"] == [{"id": OTHER_STATION, "field": "status", "read_model": "operating",
                                      "source": "suspended"}]


def test_a_read_model_in_step_with_its_source_has_no_differences(context):
    assert checks.check_read_model(context, ADMIN, "staff")["differences"] == []
    assert checks.check_read_model(context, ADMIN, "households") == {
        "name": "households", "records": {"read_model": 0, "source": 0}, "positions": {}, "differences": []}


def test_only_administrators_check_and_only_checkable_models(context):
    with pytest.raises(PermissionDenied):
        checks.check_read_model(context, COUNTY, "stations")
    with pytest.raises(NotFound):
        checks.check_read_model(context, ADMIN, "needs")
