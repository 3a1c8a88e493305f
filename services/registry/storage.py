"""The registry's repository over pymongo: stations (aggregates with outbox), regions, wages,
policies and the personal-data access log. Index declarations live here, once."""
from __future__ import annotations

import re
from datetime import date

from services.common.accesslog import AccessLog
from services.common.filters import prefix_range
from services.common.scope import Scope
from services.common.storage import AggregateStore, Index, Page, outbox_indexes, page_key_indexes, scope_filter

from .compliance import Policy
from .regions import Region, load_average_wages, load_demo_townships, load_reference_regions

STATIONS, REGIONS, WAGES, POLICIES, ACCESS_LOG = "stations", "regions", "average_wages", "policies", "access_log"

INDEXES = [
    Index(STATIONS, (("region_code", 1),)),
    Index(STATIONS, (("status", 1), ("region_code", 1))),
    Index(STATIONS, (("compliance.status", 1), ("region_code", 1))),
    Index(REGIONS, (("parent_code", 1),)),
    Index(REGIONS, (("level", 1),)),
    Index(WAGES, (("region_code", 1), ("year", 1)), unique=True),
    Index(POLICIES, (("region_code", 1), ("effective_from", 1)), unique=True),
    Index(ACCESS_LOG, (("subject_id", 1), ("at", -1))),
    Index(ACCESS_LOG, (("user_id", 1), ("at", -1))),
    *outbox_indexes(STATIONS),
    *page_key_indexes(STATIONS),
]


# A failing rule is one the station does not meet today or will soon miss.
FAILING = ("not_met", "at_risk")


class RegistryRepository:
    def __init__(self, db):
        self.db = db
        self.stations = AggregateStore(db, STATIONS, "station")

    # stations --------------------------------------------------------------------------
    def station_page(self, scope: Scope, *, status: str | None = None, compliance: str | None = None,
                     failing_rule: str | None = None, name_contains: str | None = None,
                     after: str | None = None, limit: int = 50) -> Page:
        """Stations in `scope` in id order, narrowed by status, overall compliance, a rule they fail and a name."""
        query = _station_scope(scope)
        if status:
            query["status"] = status
        if compliance:
            query["compliance.status"] = compliance
        if failing_rule:
            query[f"compliance.rules.{failing_rule}.status"] = {"$in": list(FAILING)}
        if name_contains:
            query["name"] = {"$regex": re.escape(name_contains)}
        return self.stations.page(query, after, limit)

    def stations_in(self, scope: Scope) -> list[dict]:
        return self.stations.find(_station_scope(scope))

    def stations_by_id(self, station_ids: list[str]) -> list[dict]:
        return self.stations.find({"_id": {"$in": list(station_ids)}})

    def every_station(self) -> list[dict]:
        return self.stations.find({})

    # regions ---------------------------------------------------------------------------
    def region(self, code: str) -> Region | None:
        doc = self.db[REGIONS].find_one({"_id": code})
        return _region(doc) if doc else None

    def regions_by_code(self, codes: list[str]) -> dict[str, Region]:
        return {d["_id"]: _region(d) for d in self.db[REGIONS].find({"_id": {"$in": list(codes)}})}

    def child_regions(self, parent_code: str | None) -> list[Region]:
        query = {"parent_code": parent_code} if parent_code else {"level": "province"}
        return [_region(d) for d in self.db[REGIONS].find(query).sort("_id", 1)]

    def regions_under(self, prefix: str) -> list[Region]:
        return [_region(d) for d in self.db[REGIONS].find({"_id": prefix_range(prefix)}).sort("_id", 1)]

    def all_regions(self) -> dict[str, Region]:
        return {d["_id"]: _region(d) for d in self.db[REGIONS].find({})}

    def save_regions(self, regions: list[Region]) -> None:
        for region in regions:
            self.db[REGIONS].replace_one({"_id": region.code},
                                         {"_id": region.code, "name": region.name, "level": region.level,
                                          "parent_code": region.parent_code}, upsert=True)

    # wages and policies ------------------------------------------------------------------
    def wages(self) -> dict[tuple[str, int], dict]:
        return {(d["region_code"], d["year"]): d for d in self.db[WAGES].find({}, {"_id": 0})}

    def save_wage(self, wage: dict) -> None:
        self.db[WAGES].replace_one({"_id": f"{wage['region_code']}:{wage['year']}"},
                                   {"_id": f"{wage['region_code']}:{wage['year']}", **wage}, upsert=True)

    def policies(self) -> list[Policy]:
        return [Policy(region_code=d["region_code"], effective_from=date.fromisoformat(d["effective_from"]),
                       min_venue_m2=d["min_venue_m2"], min_professional_staff=d["min_professional_staff"],
                       population_threshold=d["population_threshold"], min_training_hours=d["min_training_hours"],
                       min_professional_staff_large_town=d.get("min_professional_staff_large_town",
                                                               Policy.min_professional_staff_large_town),
                       min_salary_ratio_percent=d["min_salary_ratio_percent"], source=d["source"])
                for d in self.db[POLICIES].find({})]

    def save_policy(self, policy: dict) -> None:
        key = f"{policy['region_code']}:{policy['effective_from']}"
        self.db[POLICIES].replace_one({"_id": key}, {"_id": key, **policy}, upsert=True)

    # access log ---------------------------------------------------------------------------
    @property
    def access_log(self) -> AccessLog:
        return AccessLog(self.db[ACCESS_LOG])


def _station_scope(scope: Scope) -> dict:
    # a station's own id is its station id
    return scope_filter(scope, region_field="region_code", station_field="_id")


def _region(doc: dict) -> Region:
    return Region(code=doc["_id"], name=doc["name"], level=doc["level"], parent_code=doc.get("parent_code"))


def load_reference_data(db) -> dict:
    """Jiangsu's divisions, the demo city's townships and the average wage table (idempotent)."""
    repository = RegistryRepository(db)
    regions = load_reference_regions() + load_demo_townships()
    repository.save_regions(regions)
    wages = load_average_wages()
    for wage in wages:
        repository.save_wage({"region_code": wage["region_code"], "year": wage["year"],
                              "monthly_wage_fen": wage["monthly_wage_fen"], "source": wage["source"]})
    return {"regions": len(regions), "average_wages": len(wages)}


def rotate_protected_fields(db, cipher) -> dict:
    """Re-encrypt the staff's protected fields with the first key and recompute their blind indexes (for
    `shegong rotate-keys`). A station changed meanwhile fails with ConcurrentModification; running it again
    finishes the job (a rotated field rotates again harmlessly)."""
    stations = AggregateStore(db, STATIONS, "station")
    rotated = 0
    for station in stations.find({}):
        staff = [{**m, "id_number_encrypted": cipher.rotate(m["id_number_encrypted"]),
                  "phone_encrypted": cipher.rotate(m["phone_encrypted"]),
                  "id_index": cipher.blind_index(cipher.decrypt(m["id_number_encrypted"]))}
                 for m in station.get("staff", [])]
        stations.update(station["_id"], station["_version"], {"staff": staff})
        rotated += len(staff)
    return {"staff": rotated}
