"""Re-encrypt casework's protected fields after a new key was put first in SHEGONG_ENCRYPTION_KEY,
and recompute the blind indexes that derive from the key (ID-number claims, duplicate match keys).

Run by `shegong rotate-keys` while writes are paused; a record changed meanwhile is reported and
the command can simply run again (every step is idempotent).
"""
from __future__ import annotations

from services.common.errors import ConcurrentModification
from services.common.protection import FieldCipher

from .storage import CaseworkRepository
from .usecases.people import match_key_entries, person_match_keys

_MEMBER_TOKENS = ("id_number_encrypted", "phone_encrypted", "disability_encrypted", "health_encrypted")


def rotate_keys(db, cipher: FieldCipher | None = None) -> dict:
    cipher = cipher or FieldCipher()
    repo = CaseworkRepository(db)
    people = notes = 0
    for household in repo.households.every():
        def rotate_member(member):
            rotated = {k: cipher.rotate(v) if k in _MEMBER_TOKENS and v else v for k, v in member.items()}
            if member.get("id_number_encrypted"):
                rotated["id_index"] = cipher.blind_index(cipher.decrypt(member["id_number_encrypted"]))
            if member.get("phone_encrypted"):
                rotated["phone_index"] = cipher.blind_index(f"phone:{cipher.decrypt(member['phone_encrypted'])}")
            return rotated

        members = [rotate_member(m) for m in household["members"]]
        changes: dict[str, object] = {
            "members": members,
            "former_members": [rotate_member(m) for m in household.get("former_members", [])],
            "merged_members": [{**t, "record": rotate_member(t["record"])}
                               for t in household.get("merged_members", [])],
            "visits": [_rotate_notes(cipher, v) for v in household.get("visits", [])],
            "services": [_rotate_notes(cipher, s) for s in household.get("services", [])],
        }
        _save(repo.households, household, changes)
        for member in members:
            repo.remove_match_keys(member["person_id"])
            repo.add_match_keys(match_key_entries(member["person_id"], household["_id"], household["station_id"],
                                                  person_match_keys(cipher, member)))
            if member.get("id_index"):
                repo.move_identity(member["id_index"], member["person_id"], household["_id"])
        people += len(members)
    for case in repo.cases.every():
        crisis = case.get("crisis")
        if not crisis and not case.get("crisis_history"):
            continue  # only crisis cases hold encrypted notes
        changes = {
            "crisis": _rotate_notes(cipher, crisis, "notes_encrypted") if crisis else crisis,
            "crisis_history": [_rotate_notes(cipher, c, "notes_encrypted") for c in case.get("crisis_history", [])],
            "visits": [_rotate_notes(cipher, v) for v in case["visits"]],
            "services": [_rotate_notes(cipher, s) for s in case["services"]],
        }
        _save(repo.cases, case, changes)
        notes += 1
    # Claims and match keys under the old key's indexes no longer match anything: drop them.
    households = repo.households.every()
    stale = repo.drop_claims_except({m["id_index"] for h in households for m in h["members"] if m.get("id_index")})
    repo.drop_match_keys_except({m["person_id"] for h in households for m in h["members"]})
    return {"people_rotated": people, "crisis_cases_rotated": notes, "stale_claims_removed": stale}


def _rotate_notes(cipher: FieldCipher, entry: dict, field: str = "notes_encrypted") -> dict:
    return {**entry, field: cipher.rotate(entry[field])} if entry.get(field) else entry


def _save(store, doc: dict, changes: dict) -> None:
    try:
        store.update(doc["_id"], doc["_version"], changes)
    except ConcurrentModification:
        raise SystemExit(f"{store.label} {doc['_id']} changed during rotation; run rotate-keys again") from None
