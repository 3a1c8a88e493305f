"""Registry rotates its own protected fields (services/registry/storage.py: rotate_protected_fields), as
casework, volunteers and identity do, for `shegong rotate-keys`: after it, the new key alone reads them."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from services.common.auth import SYSTEM
from services.common.config import settings
from services.common.errors import ConcurrentModification
from services.common.protection import FieldCipher
from services.registry.storage import INDEXES, RegistryRepository, load_reference_data, rotate_protected_fields
from services.registry.usecases import Registry, staff, stations
from tests.support.memory_store import memory_database
from tests.support.registry_fixtures import staff_input, station_input


def _registry_with_staff() -> tuple[Registry, str]:
    db = memory_database("registry", INDEXES)
    load_reference_data(db)  # the township the station is registered in
    registry = Registry(RegistryRepository(db))
    station = stations.register_station(registry, SYSTEM, station_input())
    for sequence in (1, 2):
        staff.add_staff(registry, SYSTEM, station["id"], staff_input(sequence))
    return registry, station["id"]


def test_rotation_re_encrypts_staff_fields_and_their_blind_index_with_the_new_key():
    registry, station_id = _registry_with_staff()
    new_key = Fernet.generate_key().decode()

    rotated = rotate_protected_fields(registry.repo.stations.collection.database,
                                      FieldCipher((new_key, *settings().encryption_keys)))

    assert rotated == {"staff": 2}
    only_new = FieldCipher((new_key,))
    members = registry.repo.stations.collection.find_one({"_id": station_id})["staff"]
    assert sorted(only_new.decrypt(m["id_number_encrypted"]) for m in members) == sorted(
        staff_input(s)["id_number"] for s in (1, 2))
    assert sorted(only_new.decrypt(m["phone_encrypted"]) for m in members) == sorted(
        staff_input(s)["phone"] for s in (1, 2))
    assert all(m["id_index"] == only_new.blind_index(only_new.decrypt(m["id_number_encrypted"])) for m in members)


def test_a_station_changed_during_rotation_is_reported_not_overwritten(monkeypatch):
    registry, _ = _registry_with_staff()
    collection = registry.repo.stations.collection
    found = list(collection.find({}))
    collection.update_one({}, {"$inc": {"_version": 1}})  # a write lands after the rotation read the station
    monkeypatch.setattr("services.registry.storage.AggregateStore.find", lambda self, query: iter(found))

    with pytest.raises(ConcurrentModification):
        rotate_protected_fields(collection.database, FieldCipher((Fernet.generate_key().decode(),
                                                                  *settings().encryption_keys)))
