"""Which services the platform runs, in one place (the launcher, the CLI and migrations read it)."""
from __future__ import annotations

import importlib

# name → "module:Class". The gateway starts last so the services it calls are already listening.
SERVICES = {
    "registry": "services.registry.service:RegistryService",
    "gateway": "gateway.service:GatewayService",
}


def service_class(name: str):
    if name not in SERVICES:
        raise SystemExit(f"unknown service {name!r}; choose one of {', '.join(SERVICES)}")
    module, cls = SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def migrate() -> dict:
    """Create every service's indexes and load reference data; idempotent."""
    from services.common import storage
    from services.common.consumers import Inbox
    from services.registry.storage import INDEXES as REGISTRY_INDEXES, RegistryRepository
    from services.registry.usecases import Registry

    registry_db = storage.database("registry")
    storage.ensure_indexes(registry_db, [*REGISTRY_INDEXES, *Inbox.indexes])
    loaded = Registry(RegistryRepository(registry_db)).load_reference_data()
    registry_db.meta.replace_one({"_id": "migrations"}, {"_id": "migrations", "version": MIGRATION_VERSION},
                                 upsert=True)
    return loaded


MIGRATION_VERSION = 1


def migrations_complete() -> bool:
    from services.common import storage
    doc = storage.database("registry").meta.find_one({"_id": "migrations"})
    return bool(doc) and doc.get("version", 0) >= MIGRATION_VERSION
