"""Key rotation over the real document store: data stays readable under the new key alone, and the
blind indexes (one person, one record; duplicate flags) keep working."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from services.casework.keys import rotate_keys
from services.casework.storage import INDEXES, CaseworkRepository
from services.casework.usecases import Casework
from services.common import storage
from services.common.auth import SYSTEM, Viewer
from services.common.config import DEVELOPMENT_ENCRYPTION_KEY
from services.common.errors import Conflict
from services.common.protection import FieldCipher
from tests.support.casework_fixtures import (
    STATION,
    WORKER,
    elderly_household,
    family_household,
    staff_joined,
    station_registered,
)
from tests.support.casework_use_cases import CaseworkUseCases


def test_rotation_re_encrypts_and_recomputes_blind_indexes(isolated_settings):
    db = storage.database("casework")
    storage.ensure_indexes(db, INDEXES)
    old = CaseworkUseCases(Casework(CaseworkRepository(db), FieldCipher((DEVELOPMENT_ENCRYPTION_KEY,))))
    old.record_station(station_registered())
    old.record_staff_joined(staff_joined(WORKER))
    alone = elderly_household(1)
    household = old.register_household(SYSTEM, alone)
    family = old.register_household(SYSTEM, family_household())
    victim = family["members"][1]["person_id"]
    worker = Viewer(WORKER, "station_staff", None, (STATION,))
    old.open_case(worker, {"household_id": family["id"], "person_id": victim, "domain": "marriage_family",
                           "source": "hotline", "summary": "家暴求助", "assigned_staff_id": WORKER,
                           "crisis": {"notes": "需要临时庇护"}})

    new_key = Fernet.generate_key().decode()
    report = rotate_keys(db, FieldCipher((new_key, DEVELOPMENT_ENCRYPTION_KEY)))
    assert report["people_rotated"] == 4 and report["crisis_cases_rotated"] == 1

    new = CaseworkUseCases(Casework(CaseworkRepository(db), FieldCipher((new_key,))))
    person = household["members"][0]["person_id"]
    revealed = new.reveal_person(SYSTEM, household["id"], person, "轮换后核对")
    assert revealed["id_number"] == alone["members"][0]["id_number"]
    case_id = new.list_cases(SYSTEM, {"crisis": True})["items"][0]["id"]
    assert new.reveal_case_notes(SYSTEM, case_id, "轮换后核对")["crisis_notes"][0]["notes"] == "需要临时庇护"
    with pytest.raises(Conflict):
        new.register_household(SYSTEM, alone)
    duplicate = {**elderly_household(2), "members": [{"name": "张德明", "relationship": "head",
                                                      "birth_date": "1944-05-06", "sex": "male"}]}
    assert new.register_household(SYSTEM, duplicate)["open_duplicate_flags"] == 1
