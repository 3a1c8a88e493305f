"""Referrals that reach a registered agency: named by id (casework's copy of identity's agencies), seen by the
agency's client only in its scopes and with personal data only where scopes and consent allow, answered with a
structured reason, expiring after the configured days, revocable by the station; each step an event on the case
(services/casework/usecases/referrals.py, agency_referrals.py; services/casework/domain/referrals.py)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.casework.usecases import agency_referrals, consent, households, referrals
from services.common import clock
from services.common.auth import SYSTEM, Viewer
from services.common.errors import NotFound, OutOfScope, PermissionDenied, RuleViolation, ValidationFailed
from tests.support.casework_units import (
    COUNTY,
    WORKER,
    case_event_types,
    casework,
    opened,
    registered,
)

AGENCY_ID = "ag-disabled-danyang"
START = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


def agency_viewer(agency_id=AGENCY_ID, regions=("321181",), domains=("elderly",), fields=("name", "phone"),
                  mutations=("answer_referral",)) -> Viewer:
    scopes = ([f"region:{r}" for r in regions] + [f"domain:{d}" for d in domains] + [f"field:{f}" for f in fields]
              + [f"mutation:{m}" for m in mutations])
    return Viewer(user_id="agc-1", role="agency", region="321181", agency_id=agency_id, scopes=tuple(scopes))


@pytest.fixture
def frozen():
    with clock.FrozenClock(START) as frozen_clock:
        yield frozen_clock


@pytest.fixture
def cw(frozen):
    cw = casework()
    agency_referrals.record_agency(cw, {"agency_id": AGENCY_ID, "name": "丹阳市残疾人联合会",
                                        "kind": "disabled_persons_federation", "region_code": "321181"})
    agency_referrals.record_agency(cw, {"agency_id": "ag-union", "name": "丹阳市总工会", "kind": "union",
                                        "region_code": "321181"})
    return cw


def refer(cw, case, agency_id=AGENCY_ID, **extra):
    return referrals.make_referral(cw, WORKER, case["id"], {
        "expected_version": cw.repo.cases.require(case["id"])["_version"],
        "target": {"kind": "agency", "agency_id": agency_id}, "service_requested": "康复评估",
        "made_on": clock.today().isoformat(), "shares_personal_data": False, **extra})


def sharing_consent(cw, household, kinds):
    current = households.get_households(cw, WORKER, [household["id"]])[0]
    return consent.record_consent(cw, WORKER, household["id"], {
        "expected_version": current["version"], "person_id": household["members"][0]["person_id"],
        "legal_basis": "consent", "purposes": ["referral_sharing"], "recipient_kinds": kinds,
        "given_by": {"person_id": household["members"][0]["person_id"]}, "given_on": clock.today().isoformat()})


def on_consent(recorded: dict) -> dict:
    return {"kind": "consent", "consent_id": recorded["consent_id"]}


def test_a_referral_to_an_agency_names_a_registered_one_and_gets_a_deadline(cw):
    case = opened(cw, registered(cw))
    with pytest.raises(ValidationFailed) as free_text:
        referrals.make_referral(cw, WORKER, case["id"], {
            "expected_version": case["version"], "target": {"kind": "agency", "name": "县残联"},
            "service_requested": "康复评估", "made_on": clock.today().isoformat(), "shares_personal_data": False})
    assert "target.agency_id" in free_text.value.details
    with pytest.raises(ValidationFailed):
        refer(cw, case, agency_id="ag-unknown")
    made = refer(cw, case)
    assert made["target"]["name"] == "丹阳市残疾人联合会" and made["target"]["agency_id"] == AGENCY_ID
    assert made["expires_on"] == (clock.today() + timedelta(days=cw.referral_expiry_days)).isoformat()
    event = cw.repo.db["cases"].find_one({"_id": case["id"]})["_outbox"]
    made_event = next(e["envelope"] for e in event.values() if e["envelope"]["type"] == "referral.made")
    assert made_event["version"] == 2 and made_event["payload"]["agency_id"] == AGENCY_ID


def test_an_agency_in_another_region_cannot_be_named(cw):
    agency_referrals.record_agency(cw, {"agency_id": "ag-jingkou", "name": "京口区妇联", "kind": "womens_federation",
                                        "region_code": "321102"})
    case = opened(cw, registered(cw))
    with pytest.raises(ValidationFailed):
        refer(cw, case, agency_id="ag-jingkou")


def test_the_agency_sees_only_its_referrals_in_its_scopes_without_personal_data_by_default(cw):
    case = opened(cw, registered(cw))
    ours = refer(cw, case)
    refer(cw, case, agency_id="ag-union")
    page = agency_referrals.agency_referrals(cw, agency_viewer())
    assert [item["id"] for item in page["items"]] == [ours["id"]]
    assert page["items"][0]["person"] is None and page["items"][0]["shared_fields"] == []
    assert agency_referrals.agency_referrals(cw, agency_viewer(domains=("disability",)))["items"] == []
    assert agency_referrals.agency_referrals(cw, agency_viewer(regions=("321102",)))["items"] == []
    logged = cw.repo.access_log.entries(SYSTEM, subject_id=ours["id"])
    assert [entry["action"] for entry in logged] == ["agency_read_referral"]
    with pytest.raises(PermissionDenied):
        agency_referrals.agency_referrals(cw, COUNTY)


def test_personal_data_needs_both_the_scope_and_a_consent_naming_the_agency_kind(cw):
    household = registered(cw)
    case = opened(cw, household)
    wrong_kind = sharing_consent(cw, household, ["union"])
    refer(cw, case, shares_personal_data=True, sharing_basis=on_consent(wrong_kind))
    assert agency_referrals.agency_referrals(cw, agency_viewer())["items"][0]["person"] is None
    right_kind = sharing_consent(cw, household, ["disabled_persons_federation"])
    refer(cw, case, shares_personal_data=True, sharing_basis=on_consent(right_kind))
    shown = agency_referrals.agency_referrals(cw, agency_viewer())["items"][1]
    assert shown["shared_fields"] == ["name", "phone"]
    assert shown["person"]["name"] == household["members"][0]["name"] and shown["person"]["age"] is None
    only_names = agency_referrals.agency_referrals(cw, agency_viewer(fields=("name",)))["items"][1]
    assert only_names["person"]["phone"] is None and only_names["person"]["name"]
    assert agency_referrals.agency_referrals(cw, agency_viewer(fields=()))["items"][1]["person"] is None


def test_the_agency_accepts_or_declines_with_a_structured_reason(cw):
    case = opened(cw, registered(cw))
    first, second = refer(cw, case), refer(cw, case)
    agency = agency_viewer()
    with pytest.raises(ValidationFailed) as no_reason:
        agency_referrals.answer_as_agency(cw, agency, {"case_id": case["id"], "referral_id": first["id"],
                                                       "status": "declined"})
    assert "reason_code" in no_reason.value.details
    declined = agency_referrals.answer_as_agency(cw, agency, {"case_id": case["id"], "referral_id": first["id"],
                                                              "status": "declined", "reason_code": "outside_remit"})
    assert (declined["status"], declined["reason_code"]) == ("declined", "outside_remit")
    accepted = agency_referrals.answer_as_agency(cw, agency, {"case_id": case["id"], "referral_id": second["id"],
                                                              "status": "accepted"})
    assert accepted["status"] == "accepted"
    with pytest.raises(RuleViolation):
        agency_referrals.answer_as_agency(cw, agency, {"case_id": case["id"], "referral_id": first["id"],
                                                       "status": "accepted"})
    assert case_event_types(cw, case["id"])[-2:] == ["referral.answered", "referral.answered"]
    stored = cw.repo.db["cases"].find_one({"_id": case["id"]})
    answered = [e["envelope"] for e in stored["_outbox"].values() if e["envelope"]["type"] == "referral.answered"]
    assert all(e["payload"]["answered_by_agency"] for e in answered)


def test_an_agency_cannot_answer_outside_its_scopes(cw):
    case = opened(cw, registered(cw))
    ours, theirs = refer(cw, case), refer(cw, case, agency_id="ag-union")
    with pytest.raises(OutOfScope):
        agency_referrals.answer_as_agency(cw, agency_viewer(mutations=()), {
            "case_id": case["id"], "referral_id": ours["id"], "status": "accepted"})
    with pytest.raises(NotFound):
        agency_referrals.answer_as_agency(cw, agency_viewer(), {
            "case_id": case["id"], "referral_id": theirs["id"], "status": "accepted"})
    with pytest.raises(NotFound):
        agency_referrals.answer_as_agency(cw, agency_viewer(regions=("321102",)), {
            "case_id": case["id"], "referral_id": ours["id"], "status": "accepted"})


def test_an_unanswered_referral_expires_after_the_configured_days(cw, frozen):
    cw.referral_expiry_days = 3
    case = opened(cw, registered(cw))
    waiting, answered = refer(cw, case), refer(cw, case)
    agency_referrals.answer_as_agency(cw, agency_viewer(), {"case_id": case["id"], "referral_id": answered["id"],
                                                            "status": "accepted"})
    frozen.at = START + timedelta(days=3)
    assert agency_referrals.expire_referrals(cw, SYSTEM) == 0  # the deadline day itself still counts
    frozen.at = START + timedelta(days=4)
    assert agency_referrals.expire_referrals(cw, SYSTEM) == 1
    assert agency_referrals.expire_referrals(cw, SYSTEM) == 0  # nothing twice
    statuses = {r["id"]: r["status"] for r in referrals.referrals_for_cases(cw, WORKER, [case["id"]])[case["id"]]}
    assert statuses == {waiting["id"]: "expired", answered["id"]: "accepted"}
    assert case_event_types(cw, case["id"])[-1] == "referral.expired"
    with pytest.raises(RuleViolation):
        agency_referrals.answer_as_agency(cw, agency_viewer(), {"case_id": case["id"], "referral_id": waiting["id"],
                                                                "status": "accepted"})
    with pytest.raises(PermissionDenied):
        agency_referrals.expire_referrals(cw, COUNTY)


def test_the_station_revokes_an_open_referral_and_the_agency_sees_it_revoked(cw):
    case = opened(cw, registered(cw))
    made = refer(cw, case)
    version = cw.repo.cases.require(case["id"])["_version"]
    revoked = referrals.revoke_referral(cw, WORKER, case["id"], {
        "expected_version": version, "referral_id": made["id"], "reason_code": "sent_in_error"})
    assert revoked["status"] == "revoked"
    assert case_event_types(cw, case["id"])[-1] == "referral.revoked"
    with pytest.raises(RuleViolation):
        referrals.revoke_referral(cw, WORKER, case["id"], {
            "expected_version": version + 1, "referral_id": made["id"], "reason_code": "sent_in_error"})
    assert agency_referrals.agency_referrals(cw, agency_viewer())["items"][0]["status"] == "revoked"
    assert cw.repo.db["cases"].find_one({"_id": case["id"]})["referral_expiry_due"] == ""
