"""Re-encrypt protected fields after a new key was put first in SHEGONG_ENCRYPTION_KEY: each service rotates
its own records (the command knows no service's storage layout)."""
from __future__ import annotations

from services.casework.keys import rotate_keys as rotate_casework_keys
from services.common import storage
from services.common.errors import ConcurrentModification
from services.common.protection import FieldCipher
from services.identity.storage import rotate_protected_fields as rotate_identity_fields
from services.registry.storage import rotate_protected_fields as rotate_registry_fields
from services.volunteers.storage import rotate_protected_fields as rotate_volunteer_fields


def rotate_keys() -> dict:
    cipher = FieldCipher()
    try:
        registry = rotate_registry_fields(storage.database("registry"), cipher)
        return {"staff_records_rotated": registry["staff"],
                **rotate_casework_keys(storage.database("casework"), cipher),
                "volunteers": rotate_volunteer_fields(storage.database("volunteers"), cipher),
                "identity": rotate_identity_fields(storage.database("identity"), cipher)}
    except ConcurrentModification as exc:
        raise SystemExit(f"{exc}: a record changed during rotation; run rotate-keys again") from None
