"""Pure rules of referrals that reach a registered agency: deadline, expiry, revocation, what the agency's
client sees.

A referral to an agency names the agency by its registered id (casework knows agencies from identity's
`agency.registered`). It waits `referral_expiry_days` for an answer: the agency's client accepts or declines it
(declining needs a structured reason), or it expires; the station may revoke it while it is still open. The
agency's client sees only the referrals made to its agency, in its client's regions and case domains, and
personal data only field by field: the field must be in its client's scopes AND the referral must share
personal data on a basis that covers this kind of agency (a `referral_sharing` consent naming the agency's
kind in `recipient_kinds`, in force today, or a recorded legal basis)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from services.common.errors import RuleViolation, ValidationFailed

from .archive import consent_in_force
from .cases import Actor, referral_subjects
from .people import age_on, find_member

SENT, EXPIRED, REVOKED = "sent", "expired", "revoked"
REVOCABLE = ("sent", "accepted")


def deadline(made_on: date, days: int) -> str:
    return (made_on + timedelta(days=days)).isoformat()


def agency_index(referrals: list[dict]) -> dict:
    """The case's fields the agency queries and the expiry sweep read: which agencies it was referred to, and
    the earliest deadline of a referral still waiting ("" when none: the store misses nulls)."""
    to_agencies = [r for r in referrals if r.get("agency_id")]
    waiting = [r["expires_on"] for r in to_agencies if r["status"] == SENT and r.get("expires_on")]
    return {"referral_agency_ids": sorted({r["agency_id"] for r in to_agencies}),
            "referral_expiry_due": min(waiting) if waiting else ""}


def expire(referral: dict, at: datetime, today: date) -> dict | None:
    """The referral expired, if it is still waiting and its deadline has passed; None otherwise."""
    if referral["status"] != SENT or not referral.get("expires_on") or referral["expires_on"] >= today.isoformat():
        return None
    entry = {"status": EXPIRED, "on": today.isoformat(), "note": None, **Actor("system", "system").record(at)}
    return {**referral, "status": EXPIRED, "history": [*referral["history"], entry]}


def revoke(referral: dict, data: dict, actor: Actor, at: datetime, today: date) -> dict:
    if referral["status"] not in REVOCABLE:
        raise RuleViolation(f"a {referral['status']} referral cannot be revoked",
                            {"referral_id": [f"only {' or '.join(REVOCABLE)} referrals are revoked"]})
    entry = {"status": REVOKED, "on": today.isoformat(), "note": data.get("note"),
             "reason_code": data["reason_code"], **actor.record(at)}
    return {**referral, "status": REVOKED, "reason_code": data["reason_code"],
            "history": [*referral["history"], entry]}


def require_decline_reason(data: dict) -> None:
    if data["status"] == "declined" and not data.get("reason_code"):
        raise ValidationFailed.field("reason_code", "say why the referral is declined (a reason code)")


def agency_sees(case: dict, referral: dict, agency_id: str, scopes) -> bool:
    """Whether the agency's client (its AgencyScopes) sees this referral at all."""
    return (referral.get("agency_id") == agency_id and scopes.covers_domain(case["domain"])
            and scopes.covers_region(case.get("township_code") or case.get("region_code")))


def shared_fields(referral: dict, case: dict, household: dict, agency_kind: str | None, scopes,
                  today: date) -> tuple[str, ...]:
    """The personal-data fields the agency's client may be shown for this referral (none by default)."""
    if not referral.get("shares_personal_data") or not scopes.fields_allowed or referral["status"] in (
            EXPIRED, REVOKED):
        return ()
    basis = referral.get("sharing_basis") or {}
    if basis.get("consent_id"):
        consent = next((c for c in household.get("consents", []) if c["consent_id"] == basis["consent_id"]), None)
        if consent is None or not any(consent_in_force(consent, pid, "referral_sharing", today)
                                      for pid in referral_subjects(case, household)):
            return ()
        if consent["legal_basis"] == "consent" and agency_kind not in (consent.get("recipient_kinds") or []):
            return ()
    elif basis.get("kind") != "legal_basis":
        return ()
    return tuple(field for field in scopes.fields_allowed)


def subject_data(case: dict, household: dict, fields: tuple[str, ...], phone_of, today: date) -> dict:
    """The referral's person as the agency may see them: only `fields`, every other one None."""
    person = find_member(household, referral_subjects(case, household)[0])
    shown = {"name": person["name"], "sex": person.get("sex"), "age": age_on(person["birth_date"], today)
             if person.get("birth_date") else None, "phone": phone_of(person) if "phone" in fields else None}
    return {name: (value if name in fields else None) for name, value in shown.items()}
