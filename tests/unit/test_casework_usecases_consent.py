"""consent: bases recorded per person and purpose; a withdrawal says which needs leave matching."""
from __future__ import annotations

import pytest

from services.casework.usecases import consent, households
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from tests.support.casework_units import (
    OTHER_WORKER,
    SUPERVISOR,
    WORKER,
    assessed,
    casework,
    event_types,
    outbox,
    registered,
)


def test_a_consent_is_recorded_and_its_withdrawal_takes_the_needs_out_of_matching():
    cw = casework()
    household = registered(cw, basis=False)
    head = household["members"][0]["person_id"]
    consent.record_consent(cw, WORKER, household["id"], {
        "expected_version": household["version"], "person_id": head, "legal_basis": "statutory_duty",
        "purposes": ["archive", "casework"], "given_on": "2024-01-01", "basis_note": "《社会救助暂行办法》第十条"})
    household = households.get_households(cw, WORKER, [household["id"]])[0]
    matching = consent.record_consent(cw, WORKER, household["id"], {
        "expected_version": household["version"], "person_id": head, "legal_basis": "consent",
        "purposes": ["volunteer_matching"], "given_by": {"person_id": head}, "given_on": "2024-02-01"})
    assert matching["legal_basis"] == "consent" and matching["purposes"] == ["volunteer_matching"]
    household = households.get_households(cw, WORKER, [household["id"]])[0]
    version = assessed(cw, household)
    household = households.get_households(cw, WORKER, [household["id"]])[0]
    withdrawn = consent.withdraw_consent(cw, WORKER, household["id"], {
        "expected_version": household["version"], "consent_id": matching["consent_id"],
        "withdrawn_on": "2024-03-01", "reason": "本人要求撤回"})
    assert withdrawn["withdrawn_on"] == "2024-03-01"
    assert event_types(cw, household["id"])[-1] == "consent.withdrawn"
    assert outbox(cw, household["id"])[-1]["payload"]["matching_need_ids"] == [version["needs"][0]["need_id"]]


def test_an_unknown_consent_cannot_be_withdrawn():
    cw = casework()
    household = registered(cw)
    with pytest.raises(ValidationFailed) as caught:
        consent.withdraw_consent(cw, WORKER, household["id"], {
            "expected_version": household["version"], "consent_id": "cn_none", "withdrawn_on": "2025-01-01",
            "reason": "本人要求撤回"})
    assert "consent_id" in caught.value.details


def test_consent_is_recorded_only_by_who_may_write_the_household():
    cw = casework()
    household = registered(cw, basis=False)
    data = {"expected_version": household["version"], "person_id": household["members"][0]["person_id"],
            "legal_basis": "statutory_duty", "purposes": ["archive"], "given_on": "2024-01-01",
            "basis_note": "《社会救助暂行办法》第十条"}
    with pytest.raises(NotFound):
        consent.record_consent(cw, OTHER_WORKER, household["id"], data)
    with pytest.raises(PermissionDenied):
        consent.record_consent(cw, SUPERVISOR, household["id"], data)
    assert consent.record_consent(cw, WORKER, household["id"], data)["purposes"] == ["archive"]
