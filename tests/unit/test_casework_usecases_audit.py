"""audit: unmasked reads need a reason and the right role, and each one is in the access log."""
from __future__ import annotations

import pytest

from services.casework.usecases import audit
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import (
    COLLEAGUE,
    COUNTY,
    OTHER_COUNTY,
    SUPERVISOR,
    WORKER,
    casework,
    opened,
    registered,
)


def test_an_unmasked_read_is_logged_and_the_log_is_scoped():
    cw = casework()
    household = registered(cw)
    head = household["members"][0]["person_id"]
    revealed = audit.reveal_person(cw, COUNTY, household["id"], head, "核实低保资格")
    assert revealed["id_number"] == fx.elderly_household()["members"][0]["id_number"]
    assert revealed["health"] == {"conditions": ["高血压"], "notes": "每日服药"}
    [entry] = audit.access_log(cw, SUPERVISOR, {})["items"]
    assert (entry["user_id"], entry["subject_id"], entry["reason"]) == ("county-official", head, "核实低保资格")
    assert audit.access_log(cw, OTHER_COUNTY, {})["items"] == []


def test_an_unmasked_read_needs_a_reason_and_a_role_that_may_ask():
    cw = casework()
    household = registered(cw)
    head = household["members"][0]["person_id"]
    with pytest.raises(ValidationFailed):
        audit.reveal_person(cw, WORKER, household["id"], head, "看")
    with pytest.raises(PermissionDenied):
        audit.reveal_person(cw, SUPERVISOR, household["id"], head, "核实低保资格")
    with pytest.raises(NotFound):
        audit.reveal_person(cw, OTHER_COUNTY, household["id"], head, "核实低保资格")


def test_protected_case_notes_are_for_the_case_team():
    cw = casework()
    case = opened(cw, registered(cw), crisis={"notes": "丈夫酒后施暴"})
    with pytest.raises(PermissionDenied):
        audit.reveal_case_notes(cw, COLLEAGUE, case["id"], "接手个案")
    notes = audit.reveal_case_notes(cw, WORKER, case["id"], "准备家访")
    assert notes["crisis_notes"] == [{"episode": 1, "notes": "丈夫酒后施暴"}]
