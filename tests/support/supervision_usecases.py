"""The supervision use cases on the in-memory store: a `Supervision` context, read models seeded as the
projections would hold them, fake source services, and the events a use case left in the outbox."""
from __future__ import annotations

from datetime import date, timedelta

from services.common import clock
from services.common.auth import Viewer
from services.common.projections import PROJECTIONS
from services.common.storage import OUTBOX
from services.supervision import regiontree
from services.supervision.regiontree import RegionTree
from services.supervision.storage import INDEXES, SupervisionRepository
from services.supervision.usecases import Supervision
from tests.support.memory_store import memory_database

TOWNSHIP, OTHER_TOWNSHIP = "321181001", "321102001"  # 丹阳市云阳街道, 京口区正东路街道
STATION, OTHER_STATION = f"ST{TOWNSHIP}", f"ST{OTHER_TOWNSHIP}"
ADMIN = Viewer("ops", "admin")
COUNTY = Viewer("danyang-official", "county", "321181")
OTHER_COUNTY = Viewer("jingkou-official", "county", "321102")
WORKER = Viewer("worker-1", "station_staff", station_ids=(STATION,))
EVALUATOR = Viewer("evaluator-1", "evaluator", "321181")
PUBLIC = Viewer("anonymous", "public")

REGIONS = [("320000", "江苏省", "province", None), ("321100", "镇江市", "city", "320000"),
           ("321181", "丹阳市", "county", "321100"), ("321102", "京口区", "county", "321100"),
           (TOWNSHIP, "云阳街道", "township", "321181"), (OTHER_TOWNSHIP, "正东路街道", "township", "321102")]


class RegistryFake:
    """The registry's RPC surface as far as supervision reads it: the region tree, stations, staff."""

    def __init__(self, stations: list[dict] | None = None, staff: dict[str, list[dict]] | None = None):
        self.stations = stations or []
        self.staff = staff or {}

    def regions_under(self, viewer: dict, prefix: str) -> list[dict]:
        return [{"code": code, "name": name, "level": level, "parent_code": parent}
                for code, name, level, parent in REGIONS if code.startswith(prefix)]

    def list_stations(self, viewer: dict, filters: dict) -> dict:
        return _paged(self.stations, filters)

    def staff_for_stations(self, viewer: dict, station_ids: list[str]) -> dict:
        return {sid: self.staff.get(sid, []) for sid in station_ids}


class CaseworkFake:
    def __init__(self, households: list[dict] | None = None, cases: list[dict] | None = None,
                 visits: dict[str, list[dict]] | None = None, archives: dict[str, list[dict]] | None = None):
        self.households, self.cases, self.visits = households or [], cases or [], visits or {}
        self.archives = archives or {}

    def list_households(self, viewer: dict, filters: dict) -> dict:
        return _paged(self.households, filters)

    def list_cases(self, viewer: dict, filters: dict) -> dict:
        return _paged(self.cases, filters)

    def visits_for_households(self, viewer: dict, household_ids: list[str]) -> dict:
        return {hid: self.visits.get(hid, []) for hid in household_ids}

    def archive_history(self, viewer: dict, household_ids: list[str]) -> dict:
        return {hid: self.archives.get(hid, []) for hid in household_ids}


def _paged(items: list[dict], filters: dict) -> dict:
    after, limit = filters.get("after"), filters["limit"]
    rest = [i for i in items if after is None or i["id"] > after]
    return {"items": rest[:limit], "next_cursor": rest[limit - 1]["id"] if len(rest) > limit else None}


def supervision(registry: RegistryFake | None = None, casework: CaseworkFake | None = None) -> Supervision:
    """A fresh in-memory supervision database holding the service's indexes, and the use cases' context."""
    regiontree.forget()
    registry = registry or RegistryFake()
    repo = SupervisionRepository(memory_database("supervision", INDEXES))
    return Supervision(repo, RegionTree(registry), registry, casework or CaseworkFake())


def seed_read_model(context: Supervision, name: str, state: dict) -> None:
    """A read model as its projection would hold it after folding some events."""
    context.repo.db[PROJECTIONS].replace_one({"_id": name}, {"_id": name, "state": state, "positions": {}},
                                             upsert=True)


def seed_stations(context: Supervision, **extra: dict) -> None:
    stations = {STATION: {"township": TOWNSHIP, "status": "operating", "registered_on": "2024-03-01",
                          "compliance": "met", "rules": {}},
                OTHER_STATION: {"township": OTHER_TOWNSHIP, "status": "operating", "registered_on": "2024-03-01",
                                "compliance": "met", "rules": {}}}
    for station_id, changes in extra.items():
        stations[station_id] = {**stations[station_id], **changes}
    seed_read_model(context, "stations", {"stations": stations})


def events_of(context: Supervision, collection: str, doc_id: str) -> list[dict]:
    """The envelopes waiting in one aggregate's outbox, in the order the relay publishes them."""
    doc = context.repo.db[collection].find_one({"_id": doc_id}) or {}
    return [entry["envelope"] for entry in sorted((doc.get(OUTBOX) or {}).values(), key=lambda e: e["order"])]


def days_ago(days: int) -> date:
    return clock.today() - timedelta(days=days)
