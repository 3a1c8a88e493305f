"""Referrals of a case to an agency or resource, sharing personal data only on a recorded basis."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import RuleViolation, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas, views
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
    referral = clock.jsonable({
        "referral_id": new_id("rf"), "target": data["target"], "service_requested": data["service_requested"],
        "made_on": data["made_on"], "made_by": viewer.user_id, "shares_personal_data": data["shares_personal_data"],
        "sharing_basis": basis, "status": "sent", "answered_on": None,
        "history": [{"status": "sent", "on": data["made_on"], "note": None,
                     **actor(viewer).record(casework.now())}]})
    event = event_by(viewer, events.REFERRAL_MADE, {
        "referral_id": referral["referral_id"], "case_id": case_id, "station_id": case["station_id"],
        "domain": case["domain"], "target_kind": data["target"]["kind"], "target_name": data["target"]["name"],
        "service_requested": data["service_requested"], "made_on": referral["made_on"],
        "shares_personal_data": data["shares_personal_data"], "sharing_basis": basis["kind"] if basis else None})
    save_case(casework, viewer, case, data["expected_version"], {"referrals": [*case["referrals"], referral]}, [event])
    return views.referral_view(referral, case_id)


def answer_referral(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.ReferralAnswerSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    referral = next((r for r in case["referrals"] if r["referral_id"] == data["referral_id"]), None)
    if referral is None:
        raise ValidationFailed.field("referral_id", "no such referral on this case")
    answered = domain.answer_referral(referral, data, actor(viewer), casework.now(), casework.today())
    event = event_by(viewer, events.REFERRAL_ANSWERED, {
        "referral_id": referral["referral_id"], "case_id": case_id, "station_id": case["station_id"],
        "status": answered["status"], "answered_on": answered["answered_on"]})
    referrals = [answered if r is referral else r for r in case["referrals"]]
    save_case(casework, viewer, case, data["expected_version"], {"referrals": referrals}, [event])
    return views.referral_view(answered, case_id)


def referrals_for_cases(casework: Casework, viewer: Viewer, case_ids: list[str]) -> dict:
    found = access.visible_cases(casework, viewer, case_ids)
    return {cid: [views.referral_view(r, cid) for r in found[cid]["referrals"]] if cid in found else []
            for cid in case_ids}
