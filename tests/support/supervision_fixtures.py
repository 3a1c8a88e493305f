"""The registry, casework and supervision services running on the test broker, for supervision tests."""
from __future__ import annotations

import contextlib
import dataclasses
from datetime import date

from services.common import storage
from services.common.auth import SYSTEM, Viewer
from services.common.eventlog import EventLog
from services.common.projections import PROJECTIONS
from services.common.sharded_projections import SHARDS, generation_key
from services.supervision import projections
from tests.support.infrastructure import free_port
from tests.support.registry_fixtures import OTHER_TOWNSHIP, TOWNSHIP, staff_input, station_input
from tests.support.waiting import wait_for

ADMIN = SYSTEM.to_dict()
COUNTY = "321181"  # 丹阳市
STATION, OTHER_STATION = f"ST{TOWNSHIP}", f"ST{OTHER_TOWNSHIP}"
COMMUNITY = f"{TOWNSHIP}201"


def county_official(region: str = COUNTY) -> dict:
    return Viewer(f"official-{region}", "county", region).to_dict()


def household_input(station: str, sequence: int, **overrides) -> dict:
    from services.common.demo_identities import resident_id_number
    township = station[2:]
    return {"station_id": station, "community_code": f"{township}201", "community_name": "三里村",
            "address": f"三里村{sequence}号",
            "members": [{"name": "张德明", "relationship": "head",
                         "id_number": resident_id_number(township[:6], date(1944, 5, 6), sequence),
                         "tags": ["elderly_living_alone"]}], **overrides}


def set_up_stations(registry) -> dict:
    """Two stations in two counties, a professional worker at each; returns the workers' viewers."""
    workers = {}
    for township, county_name, township_name, sequence in ((TOWNSHIP, "丹阳市", "云阳街道", 1),
                                                           (OTHER_TOWNSHIP, "京口区", "正东路街道", 2)):
        station = registry.register_station(ADMIN, station_input(township, county_name, township_name))
        registry.add_staff(ADMIN, station["id"], staff_input(sequence))
        staff = registry.staff_for_stations(ADMIN, [station["id"]])[station["id"]]
        workers[station["id"]] = Viewer(staff[0]["id"], "station_staff", None, (station["id"],)).to_dict()
    return workers


def caught_up() -> bool:
    """Every read model has folded every event its producers logged so far (a producer not running has
    logged nothing)."""
    producers = {p for name in projections.NAMES for p in projections.producers_of(name)}
    if any(outbox_pending(name) for name in producers):
        return False  # an event written but not logged yet: the head below would not show it
    heads = {name: EventLog(storage.database(name)).head()["sequence"] for name in producers}
    docs = {d["_id"]: d for d in storage.database("supervision")[PROJECTIONS].find({})}
    for name in projections.NAMES:
        positions = docs.get(name, {}).get("positions", {})
        if any(positions.get(p, -1) < heads[p] for p in projections.producers_of(name)):
            return False
    return True


def outbox_pending(service: str) -> bool:
    db = storage.database(service)
    return any(db[name].find_one({storage.OUTBOX_PENDING: True}, {"_id": 1})
               for name in db.list_collection_names() if not name.startswith("system."))


def wait_until_caught_up(timeout: float = 30.0) -> None:
    wait_for(caught_up, timeout=timeout, interval=0.1)


def own_port(settings):
    """Each container its own HTTP port (all serve /health), never the fixed ports `make run` uses."""
    return dataclasses.replace(settings, http_port=free_port())


@contextlib.contextmanager
def producers_running(settings):
    """Migrated reference data, the registry and casework running, two staffed stations; yields
    (rpc client, {station id: its worker's viewer})."""
    from services.casework.service import CaseworkService
    from services.registry.service import RegistryService
    from services.supervision import regiontree
    from shegong.services import migrate
    from tests.support.containers import rpc_client, running

    migrate()
    regiontree.forget()
    with running(RegistryService, settings=own_port(settings)), \
            running(CaseworkService, settings=own_port(settings)), rpc_client(settings) as client:
        workers = set_up_stations(client.registry)
        wait_for(lambda: storage.database("casework").station_staff.count_documents({}) == 2)
        yield client, workers


# --- the read models as stored: a sharded one's shards merged (services/common/sharded_projections.py) --
def read_model_states() -> dict[str, dict]:
    """Read model → its whole state, as the repository reads it."""
    from services.supervision.storage import SupervisionRepository, merged_state
    repo = SupervisionRepository(storage.database("supervision"))
    return {name: merged_state(repo.shard_states(head).values()) if head.get("sharded") else head.get("state") or {}
            for name, head in repo.heads().items()}


def replace_read_model_state(name: str, state: dict) -> None:
    """Put `state` in the read model as it stands (a sharded one: in its first shard, the others emptied)."""
    db = storage.database("supervision")
    head = db[PROJECTIONS].find_one({"_id": name})
    if not head.get("sharded"):
        db[PROJECTIONS].update_one({"_id": name}, {"$set": {"state": state}})
        return
    shards = sorted(d["_id"] for d in db[SHARDS].find({"generation_key": generation_key(name, head["generation"])},
                                                      {"_id": 1}))
    for n, shard in enumerate(shards):
        db[SHARDS].update_one({"_id": shard}, {"$set": {"state": state if n == 0 else {}}})


def wipe_read_models() -> None:
    """Every read model's documents gone: heads and shards."""
    db = storage.database("supervision")
    db[PROJECTIONS].delete_many({})
    db[SHARDS].delete_many({})
