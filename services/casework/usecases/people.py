"""The stored shape of a person: personal data encrypted with masked copies for display, the blind
indexes that keep one person to one record (identity claims) and flag likely duplicates (match keys)."""
from __future__ import annotations

import json
from datetime import date

from services.common.errors import Conflict
from services.common.ids import new_id
from services.common.protection import FieldCipher, mask_id_number, mask_phone

from .. import domain
from ..storage import IdentityTaken

# What a survivor of a merge takes from the duplicate when it lacks it: each encrypted value with its companions.
_ABSORBED_FIELDS = {
    "id_number_encrypted": ("id_number_encrypted", "id_index", "id_number_masked"),
    "phone_encrypted": ("phone_encrypted", "phone_index", "phone_masked"),
    "disability_encrypted": ("disability_encrypted",),
    "health_encrypted": ("health_encrypted",),
}


def build_member(cipher: FieldCipher, data: dict, field: str, today: date) -> tuple[dict, dict]:
    """The stored member and its match keys."""
    birth, sex = domain.settle_identity(data, field)
    domain.check_birth_date(birth, today, field)
    domain.check_tags(data.get("tags", []), birth, bool(data.get("disability")), today, field)
    member = {"person_id": new_id("ps"), "name": data["name"].strip(), "relationship": data["relationship"],
              "sex": sex, "birth_date": birth, "tags": list(data.get("tags", [])), "joined_on": today.isoformat(),
              **identity_fields(cipher, data.get("id_number")), **phone_fields(cipher, data.get("phone")),
              **detail_fields(cipher, data)}
    return member, person_match_keys(cipher, member)


def identity_fields(cipher: FieldCipher, id_number: str | None) -> dict:
    if not id_number:
        return {"id_number_encrypted": None, "id_index": None, "id_number_masked": None}
    return {"id_number_encrypted": cipher.encrypt(id_number), "id_index": cipher.blind_index(id_number),
            "id_number_masked": mask_id_number(id_number)}


def phone_fields(cipher: FieldCipher, phone: str | None) -> dict:
    if not phone:
        return {"phone_encrypted": None, "phone_index": None, "phone_masked": None}
    return {"phone_encrypted": cipher.encrypt(phone), "phone_index": cipher.blind_index(f"phone:{phone}"),
            "phone_masked": mask_phone(phone)}


def detail_fields(cipher: FieldCipher, data: dict) -> dict:
    fields = {}
    for name in ("disability", "health"):
        if name in data:
            value = data[name]
            fields[f"{name}_encrypted"] = cipher.encrypt(json.dumps(value, ensure_ascii=False)) if value else None
    return fields


def decrypt_details(cipher: FieldCipher, token: str | None):
    return json.loads(cipher.decrypt(token)) if token else None


def person_match_keys(cipher: FieldCipher, member: dict) -> dict:
    """Match keys that flag likely duplicates: (name, birth date) and phone, as blind indexes."""
    keys = {"same_name_and_birth_date": cipher.blind_index(f"name-birth:{member['name']}|{member['birth_date']}")}
    if member.get("phone_index"):
        keys["same_phone"] = member["phone_index"]
    return keys


def match_key_entries(person_id: str, household_id: str, station_id: str, keys: dict) -> list[dict]:
    return [{"_id": f"{key}:{person_id}", "key": key, "kind": kind, "person_id": person_id,
             "household_id": household_id, "station_id": station_id} for kind, key in keys.items()]


def key_index(entries: list[dict], into: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
    by_key = into if into is not None else {}
    for entry in entries:
        by_key.setdefault(entry["key"], []).append(entry)
    return by_key


def duplicate_flags(household_id: str, people: list[tuple[dict, dict]], by_key: dict[str, list[dict]],
                    today: date) -> list[dict]:
    """A review flag per new person who shares a key with someone already recorded (a shared phone
    inside one household is normal and not flagged)."""
    flags = []
    for member, keys in people:
        matches = []
        for reason, key in keys.items():
            for other in by_key.get(key, []):
                if other["person_id"] == member["person_id"]:
                    continue
                if reason == "same_phone" and other["household_id"] == household_id:
                    continue
                matches.append({"household_id": other["household_id"], "person_id": other["person_id"],
                                "reason": reason})
        if matches:
            flags.append(domain.duplicate_flag(new_id("df"), member["person_id"], matches, today))
    return flags


def identity_claims(members: list[dict]) -> list[tuple[str, str]]:
    return [(m["id_index"], m["person_id"]) for m in members if m.get("id_index")]


def identity_conflict(members: list[dict], taken: IdentityTaken, prefix: str = "members") -> Conflict:
    index = next(i for i, m in enumerate(members) if m.get("id_index") == taken.id_index)
    return Conflict("this ID number is already registered (one person, one record)",
                    {f"{prefix}.{index}.id_number": ["already registered in another household"
                                                     if taken.household_id else "being registered right now"]})


def identity_taken() -> Conflict:
    return Conflict("this ID number is already registered (one person, one record)",
                    {"id_number": ["already registered in another household"]})


def absorb(survivor: dict, duplicate: dict) -> dict:
    """The survivor keeps its own data and gains what only the duplicate recorded."""
    merged = dict(survivor)
    for present, group in _ABSORBED_FIELDS.items():
        if not survivor.get(present) and duplicate.get(present):
            merged.update({name: duplicate.get(name) for name in group})
    merged["tags"] = sorted(set(survivor.get("tags", [])) | set(duplicate.get("tags", [])))
    merged["merged_from"] = [*survivor.get("merged_from", []), duplicate["person_id"]]
    return merged
