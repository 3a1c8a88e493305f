"""visits: visits and services are logged by current staff, published, and read back per case and household."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.casework.usecases import case_reads, visits
from services.common import clock
from services.common.errors import NotFound, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_WORKER,
    WORKER,
    assessed,
    case_event_types,
    casework,
    event_types,
    opened,
    registered,
)


def test_a_case_visit_is_published_and_read_back():
    cw = casework()
    case = opened(cw, registered(cw))
    visit = visits.log_case_visit(cw, WORKER, case["id"], fx.visit(case["version"], clock.today().isoformat(),
                                                                     notes="精神状态良好"))
    assert visit["case_id"] == case["id"]
    assert case_event_types(cw, case["id"])[-1] == "visit.logged"
    assert [v["id"] for v in visits.visits_for_cases(cw, COUNTY, [case["id"]])[case["id"]]] == [visit["id"]]
    assert visits.visits_for_households(cw, OTHER_COUNTY, [case["household_id"]]) == {case["household_id"]: []}


def test_a_visit_in_the_future_or_by_someone_not_on_staff_is_refused():
    cw = casework()
    case = opened(cw, registered(cw))
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed):
        visits.log_case_visit(cw, WORKER, case["id"], fx.visit(case["version"], tomorrow))
    with pytest.raises(ValidationFailed) as caught:
        visits.log_case_visit(cw, WORKER, case["id"], fx.visit(case["version"], clock.today().isoformat(),
                                                               staff_ids=["stf_other"]))
    assert "staff_ids.0" in caught.value.details
    with pytest.raises(NotFound):
        visits.log_case_visit(cw, OTHER_WORKER, case["id"], fx.visit(case["version"], clock.today().isoformat()))


def test_a_household_visit_is_published_on_the_household():
    cw = casework()
    household = registered(cw)
    visit = visits.log_household_visit(cw, WORKER, household["id"], fx.visit(household["version"],
                                                                               clock.today().isoformat()))
    assert visit["case_id"] is None and event_types(cw, household["id"])[-1] == "visit.logged"
    assert len(visits.visits_for_households(cw, WORKER, [household["id"]])[household["id"]]) == 1


def test_a_service_names_needs_of_the_archive():
    cw = casework()
    household = registered(cw)
    need_id = assessed(cw, household)["needs"][0]["need_id"]
    case = opened(cw, household)
    service = {"expected_version": case["version"], "activity_type": "psychosocial_support",
               "delivered_on": clock.today().isoformat(), "duration_minutes": 30, "staff_ids": [fx.WORKER]}
    with pytest.raises(ValidationFailed) as caught:
        visits.record_service(cw, WORKER, case["id"], {**service, "need_ids": ["nd_unknown"]})
    assert "need_ids.0" in caught.value.details
    recorded = visits.record_service(cw, WORKER, case["id"], {**service, "need_ids": [need_id]})
    shown = visits.services_for_cases(cw, COUNTY, [case["id"]])[case["id"]]
    assert [s["id"] for s in shown] == [recorded["id"]]
    assert case_reads.get_cases(cw, WORKER, [case["id"]])[0]["version"] == case["version"] + 1
