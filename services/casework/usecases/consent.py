"""Consents and legal bases: recorded per person and purpose, withdrawn with what that takes out of matching."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas, views
from . import access
from .context import Casework, actor


def record_consent(casework: Casework, viewer: Viewer, household_id: str, data: dict) -> dict:
    data = load(schemas.ConsentSchema, data)
    household = access.household_for_write(casework, viewer, household_id)
    consent = domain.new_consent(household, data, new_id("cn"), actor(viewer).record(casework.now()),
                                 casework.today())
    casework.repo.households.update(household_id, data["expected_version"],
                                    {"consents": [*household.get("consents", []), consent]})
    return views.consent_view(consent)


def withdraw_consent(casework: Casework, viewer: Viewer, household_id: str, data: dict) -> dict:
    data = load(schemas.ConsentWithdrawalSchema, data)
    household = access.household_for_write(casework, viewer, household_id)
    consent = next((c for c in household.get("consents", []) if c["consent_id"] == data["consent_id"]), None)
    if consent is None:
        raise ValidationFailed.field("consent_id", "no such consent recorded for this household")
    today = casework.today()
    withdrawn = domain.withdraw_consent(consent, data["withdrawn_on"], data["reason"], today)
    consents = [withdrawn if c["consent_id"] == consent["consent_id"] else c for c in household["consents"]]
    dropped = domain.matching_needs_to_drop({**household, "consents": consents}, consent["person_id"], today)
    event = event_by(viewer, events.CONSENT_WITHDRAWN, {
        "consent_id": consent["consent_id"], "household_id": household_id, "person_id": consent["person_id"],
        "purposes": consent["purposes"], "withdrawn_on": withdrawn["withdrawn_on"], "matching_need_ids": dropped})
    casework.repo.households.update(household_id, data["expected_version"], {"consents": consents}, [event])
    return views.consent_view(withdrawn)
