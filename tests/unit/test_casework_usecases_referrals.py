"""referrals: made on open cases, sharing personal data only on a recorded basis, and answered."""
from __future__ import annotations

import pytest

from services.casework.usecases import referrals
from services.common import clock
from services.common.errors import NotFound, ValidationFailed
from tests.support.casework_units import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_WORKER,
    WORKER,
    case_event_types,
    casework,
    opened,
    registered,
)


def _referral(case: dict, **extra) -> dict:
    return {"expected_version": case["version"], "target": {"kind": "organisation", "name": "丹阳市人民医院"},
            "service_requested": "上门体检", "made_on": clock.today().isoformat(), "shares_personal_data": False,
            **extra}


def test_a_referral_is_made_and_answered_with_its_events():
    cw = casework()
    case = opened(cw, registered(cw))
    referral = referrals.make_referral(cw, WORKER, case["id"], _referral(case))
    assert referral["status"] == "sent"
    answered = referrals.answer_referral(cw, WORKER, case["id"], {
        "expected_version": case["version"] + 1, "referral_id": referral["id"], "status": "accepted",
        "answered_on": clock.today().isoformat()})
    assert answered["status"] == "accepted"
    assert case_event_types(cw, case["id"])[-2:] == ["referral.made", "referral.answered"]
    assert [r["id"] for r in referrals.referrals_for_cases(cw, COUNTY, [case["id"]])[case["id"]]] == [referral["id"]]
    assert referrals.referrals_for_cases(cw, OTHER_COUNTY, [case["id"]]) == {case["id"]: []}


def test_sharing_personal_data_needs_a_basis_and_an_answer_a_known_referral():
    cw = casework()
    case = opened(cw, registered(cw))
    with pytest.raises(ValidationFailed) as caught:
        referrals.make_referral(cw, WORKER, case["id"], _referral(case, shares_personal_data=True))
    assert "sharing_basis" in caught.value.details
    with pytest.raises(ValidationFailed):
        referrals.answer_referral(cw, WORKER, case["id"], {"expected_version": case["version"],
                                                           "referral_id": "rf_none", "status": "accepted",
                                                           "answered_on": clock.today().isoformat()})
    with pytest.raises(NotFound):
        referrals.make_referral(cw, OTHER_WORKER, case["id"], _referral(case))
