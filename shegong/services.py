"""Which services the platform runs, in one place: the launcher, the CLI, migrations and the
demo seed all read this table. Adding a service is one line here.

Each backend service package follows the same layout, which this module relies on:
`services/<name>/storage.py` declares `INDEXES` (and may define `load_reference_data(db)`),
and `services/<name>/demo.py` may define `seed(rng)` for demo data.
"""
from __future__ import annotations

import importlib
import random
import sys
import time

# name → "module:Class", in start order: the gateway last, so what it calls is already listening.
SERVICES = {
    "registry": "services.registry.service:RegistryService",
    "casework": "services.casework.service:CaseworkService",
    "volunteers": "services.volunteers.service:VolunteersService",
    "funding": "services.funding.service:FundingService",
    "supervision": "services.supervision.service:SupervisionService",
    "identity": "services.identity.service:IdentityService",
    "webhooks": "services.webhooks.service:WebhooksService",
    "gateway": "gateway.service:GatewayService",
}
BACKENDS = [name for name in SERVICES if name != "gateway"]
MIGRATION_VERSION = 3  # 2: page keys on every aggregate; 3: compound keys (casework households)
DEMO_SEED = 2021


def service_class(name: str):
    if name not in SERVICES:
        raise SystemExit(f"unknown service {name!r}; choose one of {', '.join(SERVICES)}")
    module, cls = SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def migrate() -> dict:
    """Create every service's indexes and load reference data; idempotent."""
    from services.common import eventlog, storage
    from services.common.consumers import Inbox

    loaded = {}
    for name in BACKENDS:
        module = importlib.import_module(f"services.{name}.storage")
        db = storage.database(name)
        storage.ensure_indexes(db, [*module.INDEXES, *Inbox.indexes, *eventlog.INDEXES])
        storage.backfill_page_keys(db, module.INDEXES)
        storage.backfill_compound_keys(db, getattr(module, "COMPOUND_KEYS", ()))
        if hasattr(module, "load_reference_data"):
            loaded[name] = module.load_reference_data(db)
    storage.database("registry").meta.replace_one(
        {"_id": "migrations"}, {"_id": "migrations", "version": MIGRATION_VERSION}, upsert=True)
    return loaded


def migrations_complete() -> bool:
    from services.common import storage
    doc = storage.database("registry").meta.find_one({"_id": "migrations"})
    return bool(doc) and doc.get("version", 0) >= MIGRATION_VERSION


def seed(only_if_empty: bool = False) -> dict:
    """Demo data, service by service in table order (later services build on earlier ones)."""
    from services.common import storage
    meta = storage.database("registry").meta
    if only_if_empty and meta.find_one({"_id": "demo_seed"}):
        return {"seeded": False, "reason": "demo data was loaded before"}
    results = {}
    for name in BACKENDS:
        try:
            module = importlib.import_module(f"services.{name}.demo")
        except ModuleNotFoundError:
            continue
        started = time.monotonic()
        print(f"seeding {name} demo data...", file=sys.stderr, flush=True)
        results[name] = module.seed(random.Random(f"{DEMO_SEED}-{name}"))
        print(f"  {name}: done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    meta.replace_one({"_id": "demo_seed"}, {"_id": "demo_seed", "results": results}, upsert=True)
    return results
