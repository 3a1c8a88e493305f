"""archives: the needs archive is versioned, needs a basis, and its overdue reviews are counted per station."""
from __future__ import annotations

import pytest

from services.casework.usecases import archives
from services.common.errors import NotFound, RuleViolation, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_WORKER,
    WORKER,
    assessed,
    casework,
    days_ago,
    outbox,
    registered,
)


def test_an_assessment_is_a_version_in_force_and_is_published():
    cw = casework()
    household = registered(cw)
    version = assessed(cw, household)
    assert (version["risk_level"], version["risk_score"]) == ("medium", 6)  # medium need 4, vulnerable +2
    event = outbox(cw, household["id"])[-1]
    assert event["type"] == "needs.assessed" and event["payload"]["household_id"] == household["id"]
    in_force = archives.archives_for_households(cw, COUNTY, [household["id"]])[household["id"]]
    assert in_force["assessment_id"] == version["assessment_id"]
    assert archives.archive_history(cw, OTHER_COUNTY, [household["id"]]) == {household["id"]: []}
    assert archives.archives_for_households(cw, COUNTY, [household["id"]], days_ago(400)) == {household["id"]: None}


def test_an_archive_needs_a_basis_for_the_people_it_names():
    cw = casework()
    household = registered(cw, basis=False)
    with pytest.raises(RuleViolation) as caught:
        assessed(cw, household)
    assert "consents" in caught.value.details


def test_the_assessor_must_be_staff_and_the_household_in_scope():
    cw = casework()
    household = registered(cw)
    data = {"expected_version": household["version"], "assessed_on": days_ago(1), "assessor_staff_id": "stf_other",
            "needs": [fx.need()]}
    with pytest.raises(ValidationFailed):
        archives.assess_needs(cw, WORKER, household["id"], data)
    with pytest.raises(NotFound):
        archives.assess_needs(cw, OTHER_WORKER, household["id"], {**data, "assessor_staff_id": "stf_other"})
    with pytest.raises(ValidationFailed):
        archives.archives_for_households(cw, COUNTY, [household["id"]], "yesterday")


def test_the_overdue_summary_counts_never_assessed_households_per_station():
    cw = casework()
    assessed(cw, registered(cw))
    registered(cw, fx.elderly_household(2))
    summary = archives.archive_overdue_summary(cw, COUNTY, {})
    assert (summary["households"], summary["never_assessed"]) == (2, 1)
    assert [row["station_id"] for row in summary["stations"]] == [fx.STATION]
    assert archives.archive_overdue_summary(cw, OTHER_COUNTY, {})["households"] == 0
