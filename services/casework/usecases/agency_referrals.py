"""Referrals as a registered agency's own client sees and answers them, the expiry of unanswered ones, and
casework's copy of identity's agencies.

The agency's client (role `agency`, its scopes in the token) sees the referrals made to its agency on cases in
its client's regions and domains; nothing else of casework. Personal data only field by field, where its
scopes name the field and the referral's basis covers this kind of agency (domain/referrals.py). Every read and
every answer is written to the access log, with the fields shown. A referral left unanswered past its deadline
expires (`expire_referrals`, the service's timer)."""
from __future__ import annotations

import functools

from services.common import storage
from services.common.agency import AgencyScopes
from services.common.auth import ADMIN, Viewer
from services.common.errors import NotFound, PermissionDenied
from services.common.events import event_by
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas
from ..domain import referrals as rules
from .context import Casework, actor
from .referrals import save_answer


def record_agency(casework: Casework, payload: dict) -> None:
    """identity's agency.registered: a referral may name this agency from now on."""
    casework.repo.record_agency({"_id": payload["agency_id"], "name": payload["name"], "kind": payload["kind"],
                                 "region_code": payload["region_code"]})


def agency_referrals(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    """A page of the referrals made to the caller's agency (cases in id order; a page may hold fewer referrals
    than `limit` when cases outside the client's regions or domains are skipped)."""
    scopes = AgencyScopes.of(viewer)
    filters = load(schemas.AgencyReferralFilterSchema, filters or {})
    page = casework.repo.cases.referred_to_agency(viewer.agency_id or "", filters["after"], filters["limit"])
    agency = casework.repo.agency(viewer.agency_id or "") or {}
    today = casework.today()
    shown: list[tuple[dict, dict]] = [(case, referral) for case in page.docs for referral in case["referrals"]
                                      if rules.agency_sees(case, referral, viewer.agency_id or "", scopes)
                                      and (filters["status"] is None or referral["status"] == filters["status"])]
    households = {h["_id"]: h for h in casework.repo.households.by_ids(
        sorted({case["household_id"] for case, _ in shown}))} if shown else {}
    items = []
    for case, referral in shown:
        household = households.get(case["household_id"], {"consents": [], "members": []})
        fields = rules.shared_fields(referral, case, household, agency.get("kind"), scopes, today)
        items.append(_agency_view(casework, case, referral, household, fields, today))
        _log(casework, viewer, "agency_read_referral", case, referral, list(fields))
    return {"items": items, "next_cursor": page.next_cursor}


def answer_as_agency(casework: Casework, viewer: Viewer, data: dict) -> dict:
    """The agency's client accepts, declines (with a reason code) or completes a referral made to it."""
    scopes = AgencyScopes.of(viewer)
    scopes.require_mutation("answer_referral")
    data = load(schemas.AgencyAnswerSchema, data)
    rules.require_decline_reason(data)

    def answer() -> dict:
        case = casework.repo.cases.get(data["case_id"])
        referral = next((r for r in (case or {}).get("referrals", []) if r["referral_id"] == data["referral_id"]),
                        None)
        if case is None or referral is None or not rules.agency_sees(case, referral, viewer.agency_id or "", scopes):
            raise NotFound(f"unknown referral {data['referral_id']}",
                           {"referral_id": ["no referral to your agency with this id"]})
        answered = domain.answer_referral(referral, {**data, "answered_on": casework.today()}, actor(viewer),
                                          casework.now(), casework.today())
        save_answer(casework, viewer, case, case["_version"], referral, answered, by_agency=True)
        _log(casework, viewer, "agency_answer_referral", case, referral, [])
        return {"case": case, "referral": answered}

    done = storage.retry_commuting(answer)
    agency = casework.repo.agency(viewer.agency_id or "") or {}
    household = casework.repo.households.get(done["case"]["household_id"]) or {"consents": [], "members": []}
    fields = rules.shared_fields(done["referral"], done["case"], household, agency.get("kind"), scopes,
                                 casework.today())
    return _agency_view(casework, done["case"], done["referral"], household, fields, casework.today())


def expire_referrals(casework: Casework, viewer: Viewer) -> int:
    """Expire every waiting agency referral past its deadline, one case write each; returns how many expired."""
    if viewer.role != ADMIN:
        raise PermissionDenied("referrals expire by the service's timer (or an administrator)")
    today = casework.today()
    expired = 0
    for found in casework.repo.cases.referrals_expiring_by(today.isoformat()):
        expired += storage.retry_commuting(functools.partial(_expire_case, casework, viewer, found["_id"]))
    return expired


def _expire_case(casework: Casework, viewer: Viewer, case_id: str) -> int:
    case = casework.repo.cases.require(case_id)
    today, now = casework.today(), casework.now()
    changed, case_events = [], []
    for referral in case["referrals"]:
        ended = rules.expire(referral, now, today)
        changed.append(ended or referral)
        if ended is not None:
            case_events.append(event_by(viewer, events.REFERRAL_EXPIRED, {
                "referral_id": referral["referral_id"], "case_id": case_id, "station_id": case["station_id"],
                "agency_id": referral["agency_id"], "expires_on": referral["expires_on"]}))
    casework.repo.cases.update(case_id, case["_version"], {"referrals": changed, **rules.agency_index(changed)},
                               case_events)
    return len(case_events)


def _agency_view(casework: Casework, case: dict, referral: dict, household: dict, fields: tuple[str, ...],
                 today) -> dict:
    person = None
    if fields and household.get("members"):
        person = rules.subject_data(case, household, fields, lambda member: _phone(casework, member), today)
    return {"id": referral["referral_id"], "case_id": case["_id"], "domain": case["domain"],
            "township_code": case.get("township_code"), "station_id": case["station_id"],
            "service_requested": referral["service_requested"], "made_on": referral["made_on"],
            "status": referral["status"], "expires_on": referral.get("expires_on"),
            "answered_on": referral.get("answered_on"), "reason_code": referral.get("reason_code"),
            "shares_personal_data": referral["shares_personal_data"], "shared_fields": list(fields),
            "person": person}


def _phone(casework: Casework, member: dict) -> str | None:
    token = member.get("phone_encrypted")
    return casework.cipher.decrypt(token) if token else None


def _log(casework: Casework, viewer: Viewer, action: str, case: dict, referral: dict, fields: list[str]) -> None:
    casework.repo.access_log.record(viewer, action=action, subject_type="referral", subject_id=referral["referral_id"],
                                    fields=fields, reason=f"agency {viewer.agency_id}", station_id=case["station_id"],
                                    region_code=case["region_code"], case_id=case["_id"])
