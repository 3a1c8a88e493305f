"""The funding service's repository over pymongo: aggregates with outbox (sources, budget lines,
tenders, contracts, evaluations, indicator schemes), projections of other services' events
(station staffing, service activity), reference data (average wages) and the personal-data access
log. Index declarations live here, once."""
from __future__ import annotations

import csv
import io
import json
from importlib import resources

from pymongo.errors import DuplicateKeyError

from services.common.accesslog import AccessLog
from services.common.errors import ConcurrentModification, Conflict
from services.common.storage import AggregateStore, Index, all_of, outbox_indexes, page_key_indexes

from . import staffing

SOURCES, LINES, TENDERS, CONTRACTS = "sources", "budget_lines", "tenders", "contracts"
EVALUATIONS, SCHEMES = "evaluations", "indicator_schemes"
STAFFING, ACTIVITY, WAGES, ACCESS_LOG = "station_staffing", "service_activity", "average_wages", "access_log"
POSITIONS = "funding_positions"
OUTBOX_COLLECTIONS = [SOURCES, LINES, TENDERS, CONTRACTS, EVALUATIONS]

INDEXES = [
    Index(SOURCES, (("scope_codes", 1), ("year", 1))),
    Index(SOURCES, (("province_code", 1),)),
    Index(SOURCES, (("city_code", 1),)),
    Index(SOURCES, (("county_code", 1),)),
    Index(SOURCES, (("pending_count", 1),)),
    Index(LINES, (("region_code", 1),)),
    Index(LINES, (("province_code", 1),)),
    Index(LINES, (("city_code", 1),)),
    Index(LINES, (("county_code", 1),)),
    Index(LINES, (("source_id", 1),)),
    Index(LINES, (("station_id", 1),)),
    Index(LINES, (("scope_codes", 1),)),
    Index(LINES, (("pending_count", 1),)),
    Index(TENDERS, (("scope_codes", 1), ("status", 1))),
    Index(TENDERS, (("status", 1),)),
    Index(CONTRACTS, (("scope_codes", 1),)),
    Index(CONTRACTS, (("station_ids", 1),)),
    Index(CONTRACTS, (("tender_id", 1),)),
    Index(CONTRACTS, (("open_flags", 1),)),
    Index(EVALUATIONS, (("scope_codes", 1), ("status", 1))),
    Index(EVALUATIONS, (("contract_id", 1),)),
    Index(EVALUATIONS, (("station_ids", 1),)),
    Index(EVALUATIONS, (("evaluator_user_ids", 1),)),
    Index(SCHEMES, (("region_code", 1),)),
    Index(POSITIONS, (("region_code", 1),)),
    Index(POSITIONS, (("province_code", 1),)),
    Index(POSITIONS, (("city_code", 1),)),
    Index(POSITIONS, (("county_code", 1),)),
    Index(POSITIONS, (("station_id", 1),)),
    Index(POSITIONS, (("source_id", 1),)),
    Index(ACTIVITY, (("station_id", 1), ("date", 1))),
    Index(ACTIVITY, (("township_code", 1), ("year", 1))),
    Index(WAGES, (("region_code", 1), ("year", 1)), unique=True),
    Index(ACCESS_LOG, (("subject_id", 1), ("at", -1))),
    Index(ACCESS_LOG, (("user_id", 1), ("at", -1))),
    *outbox_indexes(*OUTBOX_COLLECTIONS),
    *page_key_indexes(*OUTBOX_COLLECTIONS, SCHEMES),
]

PROJECTION_RETRIES = 20


class FundingRepository:
    def __init__(self, db):
        self.db = db
        self.sources = AggregateStore(db, SOURCES, "funding source")
        self.lines = AggregateStore(db, LINES, "budget line")
        self.tenders = AggregateStore(db, TENDERS, "tender")
        self.contracts = AggregateStore(db, CONTRACTS, "contract")
        self.evaluations = AggregateStore(db, EVALUATIONS, "evaluation")
        self.schemes = AggregateStore(db, SCHEMES, "indicator scheme")

    # paging ----------------------------------------------------------------------------------------
    @staticmethod
    def page(store: AggregateStore, conditions: list[dict], after: str | None,
             limit: int) -> tuple[list[dict], str | None, int]:
        """One page in id order: (documents, next cursor, total matching)."""
        page = store.page(all_of(*conditions), after, limit)
        return page.docs, page.next_cursor, page.total

    # supervision sums, computed by the store -------------------------------------------------------
    def line_totals(self, match: dict) -> list[dict]:
        return list(self.db[LINES].aggregate([
            {"$match": match},
            {"$group": {"_id": "$source_id", "allocated_fen": {"$sum": "$amount_fen"},
                        "contracted_fen": {"$sum": "$committed_fen"}}}]))

    def position_totals(self, match: dict) -> list[dict]:
        return list(self.db[POSITIONS].aggregate([
            {"$match": match},
            {"$group": {"_id": "$source_id", "paid_fen": {"$sum": "$paid_fen"}, "held_fen": {"$sum": "$held_fen"}}}]))

    def save_positions(self, positions: list[dict]) -> None:
        """Store the contract's funding positions unless a newer copy of them is already stored."""
        collection = self.db[POSITIONS]
        for position in positions:
            for _ in range(PROJECTION_RETRIES):
                current = collection.find_one({"_id": position["_id"]}, {"contract_version": 1})
                if current is None:
                    try:
                        collection.insert_one(position)
                        break
                    except DuplicateKeyError:
                        continue
                if current["contract_version"] >= position["contract_version"]:
                    break
                if collection.replace_one({"_id": position["_id"], "contract_version": current["contract_version"]},
                                          position).matched_count:
                    break

    def payments(self, contract_match: dict, payment_match: dict) -> list[dict]:
        """One row per disbursement matching: the contract's id, ocid, operator and stations, and the
        disbursement under `disbursements`."""
        stages = [{"$match": contract_match}] if contract_match else []
        return list(self.db[CONTRACTS].aggregate([
            *stages, {"$project": {"disbursements": 1, "ocid": 1, "operator": 1, "station_ids": 1}},
            {"$unwind": "$disbursements"}, *([{"$match": payment_match}] if payment_match else [])]))

    def source_summaries(self, match: dict) -> dict[str, dict]:
        """Name, kind, domain, year, region and amounts of the matching sources, by id (a projection in
        the store: several times cheaper here than reading whole documents)."""
        return {d["_id"]: d for d in self.db[SOURCES].aggregate([
            {"$match": match},
            {"$project": {"name": 1, "kind": 1, "domain": 1, "year": 1, "region_code": 1, "amount_fen": 1,
                          "allocated_fen": 1}}])}

    # reference data ---------------------------------------------------------------------------------
    def wages(self) -> dict[tuple[str, int], dict]:
        return {(d["region_code"], d["year"]): d for d in self.db[WAGES].find({}, {"_id": 0})}

    def save_wage(self, wage: dict) -> None:
        key = f"{wage['region_code']}:{wage['year']}"
        self.db[WAGES].replace_one({"_id": key}, {"_id": key, **wage}, upsert=True)

    # projections of other services' events -------------------------------------------------------------
    def merge_staffing(self, station_id: str, change) -> None:
        """Apply `change(doc) -> doc` to a station's staffing projection without losing a concurrent merge."""
        collection = self.db[STAFFING]
        for _ in range(PROJECTION_RETRIES):
            doc = collection.find_one({"_id": station_id})
            if doc is None:
                try:
                    collection.insert_one({**change(staffing.empty(station_id)), "_rev": 1})
                    return
                except DuplicateKeyError:
                    continue
            revision = doc.pop("_rev")
            replaced = collection.replace_one({"_id": station_id, "_rev": revision},
                                              {**change(doc), "_rev": revision + 1})
            if replaced.matched_count:
                return
        raise ConcurrentModification(f"station staffing {station_id} kept changing; the event will be retried")

    def staffing_for(self, station_ids: list[str]) -> dict[str, dict]:
        return {d["_id"]: {k: v for k, v in d.items() if k != "_rev"}
                for d in self.db[STAFFING].find({"_id": {"$in": list(station_ids)}})}

    def record_activity(self, row: dict) -> None:
        """Keyed by the event id: recording the same event again changes nothing."""
        self.db[ACTIVITY].replace_one({"_id": row["_id"]}, row, upsert=True)

    def activity_at(self, station_ids: list[str], start: str, end: str) -> list[dict]:
        rows = self.db[ACTIVITY].find({"station_id": {"$in": list(station_ids)}, "date": {"$gte": start, "$lte": end}})
        return list(rows)

    def activity_in(self, township_prefix: str, year: int) -> list[dict]:
        return list(self.db[ACTIVITY].find({"township_code": {"$regex": "^" + township_prefix}, "year": year}))

    # access log -----------------------------------------------------------------------------------------
    @property
    def access_log(self) -> AccessLog:
        return AccessLog(self.db[ACCESS_LOG])


def default_schemes() -> list[dict]:
    text = (resources.files("services.funding").joinpath("reference", "indicator_schemes.json")
            .read_text(encoding="utf-8"))
    return json.loads(text)


def load_reference_data(db) -> dict:
    """The local average wages (the registry's published table, for the pay promise of contracts) and
    the default indicator scheme. Idempotent: an existing scheme is left as its owners edited it."""
    repository = FundingRepository(db)
    wages = shipped_average_wages()
    for wage in wages:
        repository.save_wage({"region_code": wage["region_code"], "year": wage["year"],
                              "monthly_wage_fen": wage["monthly_wage_fen"], "source": wage["source"]})
    added = 0
    for scheme in default_schemes():
        doc = {k: v for k, v in scheme.items() if k != "id"}
        try:
            repository.schemes.insert({"_id": scheme["id"], **doc,
                                       "grades": sorted(doc["grades"], key=lambda g: -g["min_total"])})
        except Conflict:  # loaded before; its owners may have edited it since
            continue
        added += 1
    return {"average_wages": len(wages), "indicator_schemes": added}


def shipped_average_wages() -> list[dict[str, object]]:
    """The local average monthly wage per region and year, in fen, as shipped (reference/average_wages.csv,
    the same published table the registry ships): the pay promise of a contract is checked against it."""
    text = resources.files(__package__).joinpath("reference", "average_wages.csv").read_text(encoding="utf-8")
    return [{"region_code": row["region_code"], "year": int(row["year"]),
             "monthly_wage_fen": int(row["monthly_wage_fen"]), "source": row["source"]}
            for row in csv.DictReader(io.StringIO(text))]
