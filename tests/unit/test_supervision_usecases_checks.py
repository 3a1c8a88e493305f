"""A read model checked against its source services (services/supervision/usecases/checks.py), on the
in-memory store with the sources faked."""
from __future__ import annotations

import dataclasses

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
        checks.check_read_model(context, ADMIN, "nonsense")


# --- needs: casework's archives and volunteers' deliveries ---------------------------------------------
class VolunteersNeedsFake:
    def __init__(self, needs: list[dict]):
        self.needs = sorted(needs, key=lambda n: n["id"])

    def list_needs(self, viewer: dict, filters: dict) -> dict:
        return {"items": self.needs, "next_cursor": None}  # one page


def _version(assessed_on: str, *needs: tuple[str, str], withheld: tuple[str, ...] = ()) -> dict:
    return {"assessed_on": assessed_on, "needs": [{"need_id": n, "domain": d} for n, d in needs],
            "withheld_from_matching": list(withheld)}


def _task(completed_on: str | None, status: str = "completed") -> dict:
    return {"task_id": f"t-{completed_on}", "status": status, "completed_on": completed_on}


@pytest.fixture
def needs_context():
    household = {"id": "hh-1", "station_id": STATION, "township_code": TOWNSHIP}
    archives = {"hh-1": [_version("2026-01-10", ("nd-1", "elderly"), ("nd-2", "elderly")),
                         # nd-2 dropped, nd-3 withheld from matching (never sent to supervision)
                         _version("2026-03-02", ("nd-1", "elderly"), ("nd-3", "health"), withheld=("nd-3",))]}
    volunteers = VolunteersNeedsFake([
        {"id": "nd-1", "tasks": [_task("2026-04-08"), _task("2026-03-20"), _task(None, "open")]},
        {"id": "nd-req", "tasks": [_task("2026-05-01")]},  # asked for in volunteers only, delivered
        {"id": "nd-open", "tasks": [_task(None, "open")]}])
    context = dataclasses.replace(supervision(casework=CaseworkFake(households=[household], archives=archives)),
                                  volunteers=volunteers)
    need = {"household": "hh-1", "station": STATION, "township": TOWNSHIP, "need_type": "daily_care",
            "severity": "normal", "unmet_reports": 0, "last_unmet_reason": None}
    seed_read_model(context, "needs", {"needs": {
        "nd-1": {**need, "domain": "elderly", "first_assessed_on": "2026-01-10", "current": True,
                 "delivered_on": "2026-03-20"},
        "nd-2": {**need, "domain": "elderly", "first_assessed_on": "2026-01-10", "current": False,
                 "delivered_on": None},
        "nd-req": {"current": False, "delivered_on": "2026-05-01", "unmet_reports": 0, "last_unmet_reason": None},
        # known only from "matching found nobody" reports: no source keeps those, so it is not compared
        "nd-unmet": {"current": False, "delivered_on": None, "unmet_reports": 2, "last_unmet_reason": "no_volunteer"}}})
    return context


def test_the_needs_read_model_in_step_with_archives_and_deliveries_has_no_differences(needs_context):
    result = checks.check_read_model(needs_context, ADMIN, "needs")

    assert result["records"] == {"read_model": 3, "source": 3}
    assert result["differences"] == []


def test_a_needs_check_names_the_need_and_field_the_read_model_is_wrong_by(needs_context):
    state = needs_context.repo.db["projections"].find_one({"_id": "needs"})["state"]
    state["needs"]["nd-1"]["delivered_on"] = None  # a service.delivered lost
    state["needs"]["nd-2"]["current"] = True  # a re-assessment that dropped it lost
    del state["needs"]["nd-req"]
    seed_read_model(needs_context, "needs", state)

    assert checks.check_read_model(needs_context, ADMIN, "needs")["differences"] == [
        {"id": "nd-1", "field": "delivered_on", "read_model": None, "source": "2026-03-20"},
        {"id": "nd-2", "field": "current", "read_model": True, "source": False},
        {"id": "nd-req", "field": None, "read_model": None, "source": {"delivered_on": "2026-05-01"}}]
