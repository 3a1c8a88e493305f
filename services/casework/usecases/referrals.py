"""Referrals of a case to a resource, an organisation or a registered agency, sharing personal data only on a
recorded basis; answered by the station (or, for an agency, by its own client: agency_referrals.py), revoked
by the station while open. Every step is an event on the case, so it shows in the case's history."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer, region_prefix
from services.common.errors import RuleViolation, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas, views
from ..domain import referrals as rules
from . import access
from .case_changes import save_case
from .context import Casework, actor


def make_referral(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.ReferralSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    if case["stage"] == "closed":
        raise RuleViolation("referrals are made on open cases", {"case_id": ["closed"]})
    today = casework.today()
    if data["made_on"] > today:
        raise ValidationFailed.field("made_on", "cannot be in the future")
    household = casework.repo.households.require(case["household_id"])
    basis = domain.check_sharing_basis(data, case, household, today)
    target = _target(casework, data["target"], case)
    agency_id = target.get("agency_id")
    referral = clock.jsonable({
        "referral_id": new_id("rf"), "target": target, "service_requested": data["service_requested"],
        "made_on": data["made_on"], "made_by": viewer.user_id, "shares_personal_data": data["shares_personal_data"],
        "sharing_basis": basis, "status": "sent", "answered_on": None, "agency_id": agency_id,
        "expires_on": rules.deadline(data["made_on"], casework.referral_expiry_days) if agency_id else None,
        "reason_code": None,
        "history": [{"status": "sent", "on": data["made_on"], "note": None,
                     **actor(viewer).record(casework.now())}]})
    event = event_by(viewer, events.REFERRAL_MADE, {
        "referral_id": referral["referral_id"], "case_id": case_id, "station_id": case["station_id"],
        "domain": case["domain"], "target_kind": target["kind"], "target_name": target["name"],
        "service_requested": data["service_requested"], "made_on": referral["made_on"],
        "shares_personal_data": data["shares_personal_data"], "sharing_basis": basis["kind"] if basis else None,
        "agency_id": agency_id, "township_code": case.get("township_code"), "expires_on": referral["expires_on"]})
    referrals = [*case["referrals"], referral]
    save_case(casework, viewer, case, data["expected_version"],
              {"referrals": referrals, **rules.agency_index(referrals)}, [event])
    return views.referral_view(referral, case_id)


def _target(casework: Casework, target: dict, case: dict) -> dict:
    """A resource or organisation as named; an agency as registered (casework's copy of identity's agencies)."""
    if target["kind"] != "agency":
        return {"kind": target["kind"], "name": target["name"], "resource_id": target.get("resource_id")}
    agency = casework.repo.agency(target["agency_id"])
    if agency is None:
        raise ValidationFailed.field("target.agency_id", "no such registered agency")
    if not (case.get("township_code") or case["region_code"]).startswith(region_prefix(agency["region_code"])):
        raise ValidationFailed.field("target.agency_id", f"the agency works in {agency['region_code']}, "
                                                         "not where this case is")
    return {"kind": "agency", "name": agency["name"], "resource_id": None, "agency_id": agency["_id"],
            "agency_kind": agency["kind"]}


def answer_referral(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    """The station records the receiver's answer (an agency without a client of its own answers by phone)."""
    data = load(schemas.ReferralAnswerSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    referral = _referral_of(case, data["referral_id"])
    answered = domain.answer_referral(referral, data, actor(viewer), casework.now(), casework.today())
    save_answer(casework, viewer, case, data["expected_version"], referral, answered, by_agency=False)
    return views.referral_view(answered, case_id)


def save_answer(casework: Casework, viewer: Viewer, case: dict, expected: int, referral: dict, answered: dict,
                by_agency: bool) -> None:
    event = event_by(viewer, events.REFERRAL_ANSWERED, {
        "referral_id": referral["referral_id"], "case_id": case["_id"], "station_id": case["station_id"],
        "status": answered["status"], "answered_on": answered["answered_on"], "agency_id": referral.get("agency_id"),
        "answered_by_agency": by_agency, "reason_code": answered.get("reason_code")})
    referrals = [answered if r is referral else r for r in case["referrals"]]
    save_case(casework, viewer, case, expected, {"referrals": referrals, **rules.agency_index(referrals)}, [event])


def revoke_referral(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    """The station withdraws a referral it made, before it is answered or while it is accepted."""
    data = load(schemas.ReferralRevocationSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    referral = _referral_of(case, data["referral_id"])
    today = casework.today()
    revoked = rules.revoke(referral, data, actor(viewer), casework.now(), today)
    event = event_by(viewer, events.REFERRAL_REVOKED, {
        "referral_id": referral["referral_id"], "case_id": case_id, "station_id": case["station_id"],
        "agency_id": referral.get("agency_id"), "reason_code": data["reason_code"], "revoked_on": today.isoformat()})
    referrals = [revoked if r is referral else r for r in case["referrals"]]
    save_case(casework, viewer, case, data["expected_version"],
              {"referrals": referrals, **rules.agency_index(referrals)}, [event])
    return views.referral_view(revoked, case_id)


def _referral_of(case: dict, referral_id: str) -> dict:
    referral = next((r for r in case["referrals"] if r["referral_id"] == referral_id), None)
    if referral is None:
        raise ValidationFailed.field("referral_id", "no such referral on this case")
    return referral


def referrals_for_cases(casework: Casework, viewer: Viewer, case_ids: list[str]) -> dict:
    found = access.visible_cases(casework, viewer, case_ids)
    return {cid: [views.referral_view(r, cid) for r in found[cid]["referrals"]] if cid in found else []
            for cid in case_ids}
