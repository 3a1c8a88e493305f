"""Unmasked reads of personal data and protected notes: who may ask, why, and the log of every one."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import PermissionDenied, ValidationFailed

from .. import domain
from . import access, people
from .context import Casework

PERSON_FIELDS = ["id_number", "birth_date", "phone", "disability", "health"]
CASE_NOTE_FIELDS = ["crisis_notes", "visit_notes", "service_notes"]


def _reason(reason: str | None) -> str:
    if not reason or len(reason.strip()) < 4:
        raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
    return reason.strip()


def _log_access(casework: Casework, viewer: Viewer, action: str, subject_type: str, subject_id: str, record: dict,
                fields: list[str], reason: str) -> None:
    casework.repo.access_log.record(viewer, action=action, subject_type=subject_type, subject_id=subject_id,
                                    fields=fields, reason=reason, station_id=record["station_id"],
                                    region_code=record["region_code"],
                                    household_id=record.get("household_id", record["_id"]))


def reveal_person(casework: Casework, viewer: Viewer, household_id: str, person_id: str, reason: str) -> dict:
    household = access.visible_household(casework, viewer, household_id)
    if not viewer.may_reveal_personal_data(household["station_id"], household["region_code"]):
        raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")
    reason = _reason(reason)
    member = domain.find_member(household, person_id)
    if access.protection(casework, viewer, [household]).person_hidden(household_id, person_id):
        raise PermissionDenied("this person is protected by a crisis case: only the case team may unmask them")
    _log_access(casework, viewer, "reveal_person", "person", person_id, household, PERSON_FIELDS, reason)
    cipher = casework.cipher
    return {"person_id": person_id, "name": member["name"], "birth_date": member["birth_date"],
            "id_number": cipher.decrypt(member.get("id_number_encrypted")),
            "phone": cipher.decrypt(member.get("phone_encrypted")),
            "disability": people.decrypt_details(cipher, member.get("disability_encrypted")),
            "health": people.decrypt_details(cipher, member.get("health_encrypted"))}


def reveal_case_notes(casework: Casework, viewer: Viewer, case_id: str, reason: str) -> dict:
    case = access.visible_case(casework, viewer, case_id)
    if not access.in_case_team(casework, viewer, case):
        raise PermissionDenied("only the case team (assigned worker, station lead, supervisors of the station) "
                               "may read protected case notes")
    reason = _reason(reason)
    _log_access(casework, viewer, "reveal_case_notes", "case", case_id, case, CASE_NOTE_FIELDS, reason)
    decrypt = casework.cipher.decrypt
    crises = [*case["crisis_history"], case["crisis"]] if case.get("crisis") else case["crisis_history"]
    return {"case_id": case_id,
            "crisis_notes": [{"episode": c["episode"], "notes": decrypt(c.get("notes_encrypted"))} for c in crises],
            "visits": [{"id": v["visit_id"], "notes": decrypt(v["notes_encrypted"])}
                       for v in case["visits"] if v.get("notes_encrypted")],
            "services": [{"id": s["service_id"], "notes": decrypt(s["notes_encrypted"])}
                         for s in case["services"] if s.get("notes_encrypted")]}


def access_log(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    """The kernel's access log; since/until may be whole days in China (services/common/accesslog.py)."""
    return casework.repo.access_log.page(viewer, filters or {})
