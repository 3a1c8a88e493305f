"""Re-encrypt protected fields after a new key was put first in SHEGONG_ENCRYPTION_KEY."""
from __future__ import annotations

from services.casework.keys import rotate_keys as rotate_casework_keys
from services.common import storage
from services.common.errors import ConcurrentModification
from services.common.protection import FieldCipher
from services.identity.storage import rotate_protected_fields as rotate_identity_fields
from services.registry.storage import STATIONS
from services.volunteers.storage import rotate_protected_fields as rotate_volunteer_fields


def rotate_keys() -> dict:
    cipher = FieldCipher()
    store = storage.AggregateStore(storage.database("registry"), STATIONS, "station")
    rotated = 0
    for station in store.find({}):
        staff = [{**m, "id_number_encrypted": cipher.rotate(m["id_number_encrypted"]),
                  "phone_encrypted": cipher.rotate(m["phone_encrypted"]),
                  "id_index": cipher.blind_index(cipher.decrypt(m["id_number_encrypted"]))}
                 for m in station.get("staff", [])]
        try:
            store.update(station["_id"], station["_version"], {"staff": staff})
        except ConcurrentModification:
            raise SystemExit(f"station {station['_id']} changed during rotation; run rotate-keys again") from None
        rotated += len(staff)
    return {"staff_records_rotated": rotated, **rotate_casework_keys(storage.database("casework"), cipher),
            "volunteers": rotate_volunteer_fields(storage.database("volunteers"), cipher),
            "identity": rotate_identity_fields(storage.database("identity"), cipher)}
