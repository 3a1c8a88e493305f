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

from services.common import storage
from services.common.accesslog import AccessLog
from services.common.errors import ConcurrentModification, Conflict
from services.common.scope import Scope
from services.common.storage import AggregateStore, Index, Page, all_of, outbox_indexes, page_key_indexes

from . import staffing
from .domain import region_match
from .evaluation import COMPLETED
from .procurement import DRAFT

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


def scope_condition(scope: Scope) -> dict:
    """A `Scope` as a condition on funding records, which carry the region codes whose officials see them
    (`scope_codes`, domain.scope_codes) and the stations they concern (`station_ids`), not one region field."""
    if scope.empty:
        return {"_id": {"$in": []}}
    if scope.station_ids is not None:
        return {"station_ids": {"$in": list(scope.station_ids)}}
    if scope.region_prefix is not None:
        return in_region(six_digit_code(scope.region_prefix))
    return {}


def six_digit_code(prefix: str) -> str:
    """A region prefix as the code stored in `scope_codes`: 32 → 320000, 3211 → 321100, 321181 → 321181."""
    return prefix + "0" * (6 - len(prefix)) if len(prefix) < 6 else prefix


def in_region(code: str | None) -> dict:
    """Records the officials of division `code` may see (one `$in` on the stored codes); None: anywhere."""
    return {"scope_codes": {"$in": [code]}} if code else {}


def _equal(**fields) -> dict:
    return {name: value for name, value in fields.items() if value is not None}


def _year_prefix(year: int | None) -> dict:
    return {"$regex": f"^{year}"} if year else {}


class FundingRepository:
    def __init__(self, db):
        self.db = db
        self.sources = AggregateStore(db, SOURCES, "funding source")
        self.lines = AggregateStore(db, LINES, "budget line")
        self.tenders = AggregateStore(db, TENDERS, "tender")
        self.contracts = AggregateStore(db, CONTRACTS, "contract")
        self.evaluations = AggregateStore(db, EVALUATIONS, "evaluation")
        self.schemes = AggregateStore(db, SCHEMES, "indicator scheme")

    # reading aggregates -------------------------------------------------------------------------------
    @staticmethod
    def by_ids(store: AggregateStore, ids: list[str]) -> list[dict]:
        return store.find({"_id": {"$in": list(ids)}})

    def source_page(self, scope: Scope, *, region: str | None, year: int | None, kind: str | None,
                    after: str | None, limit: int) -> Page:
        return self.sources.page(all_of(scope_condition(scope), in_region(region), _equal(year=year, kind=kind)),
                                 after, limit)

    def line_page(self, scope: Scope, *, region: str | None, year: int | None, source_id: str | None,
                  station_id: str | None, after: str | None, limit: int) -> Page:
        return self.lines.page(all_of(scope_condition(scope), in_region(region),
                                      _equal(year=year, source_id=source_id, station_id=station_id)), after, limit)

    def lines_by(self, field: str, parent_ids: list[str]) -> list[dict]:
        """Budget lines whose `field` (source_id, station_id) is one of `parent_ids`, in id order."""
        return self.lines.find({field: {"$in": list(parent_ids)}}, sort=[("_id", 1)])

    def tender_page(self, scope: Scope, *, region: str | None, year: int | None, status: str | None,
                    after: str | None, limit: int) -> Page:
        return self.tenders.page(all_of(scope_condition(scope), in_region(region),
                                        _equal(**{"project.year": year, "status": status})), after, limit)

    def disclosed_tender_page(self, *, region: str | None, year: int | None, after: str | None, limit: int) -> Page:
        """Tenders the public reads: published at some point (a draft cancelled before was never public)."""
        return self.tenders.page(all_of(_DISCLOSED, in_region(region), _equal(**{"project.year": year})),
                                 after, limit)

    def disclosed_tenders(self, tender_ids: list[str]) -> list[dict]:
        return self.tenders.find({"_id": {"$in": list(tender_ids)}, **_DISCLOSED})

    def existing_contract_ids(self, contract_ids: list[str]) -> set[str]:
        return {d["_id"] for d in self.contracts.collection.find({"_id": {"$in": list(contract_ids)}}, {"_id": 1})}

    def contract_page(self, scope: Scope, *, region: str | None, station_id: str | None, flagged: bool | None,
                      after: str | None, limit: int) -> Page:
        flags: dict = {}
        if flagged is not None:
            flags = {"open_flags": {"$gt": 0}} if flagged else {"open_flags": 0}
        stations = {"station_ids": {"$in": [station_id]}} if station_id else {}
        return self.contracts.page(all_of(scope_condition(scope), in_region(region), stations, flags), after, limit)

    def contracts_of_stations(self, station_ids: list[str]) -> list[dict]:
        return self.contracts.find({"station_ids": {"$in": list(station_ids)}}, sort=[("_id", 1)])

    def scheme_page(self, *, after: str | None, limit: int) -> Page:
        return self.schemes.page({}, after, limit)

    def evaluation_page(self, scope: Scope, *, assigned_to: str | None, region: str | None, status: str | None,
                        subject_kind: str | None, assigned_to_me: str | None, after: str | None, limit: int) -> Page:
        """Evaluations in `scope`, and those assigned to the evaluator `assigned_to` wherever they are."""
        return self.evaluations.page(all_of(
            _in_scope_or_assigned(scope, assigned_to), in_region(region),
            _equal(status=status, **{"subject.kind": subject_kind}),
            {"evaluator_user_ids": {"$in": [assigned_to_me]}} if assigned_to_me else {}), after, limit)

    def evaluations_by(self, field: str, ids: list[str]) -> list[dict]:
        """Evaluations whose `field` (_id, contract_id, station_ids) holds one of `ids`, in id order."""
        return self.evaluations.find({field: {"$in": list(ids)}}, sort=[("_id", 1)])

    def latest_completed_evaluation(self, contract_id: str) -> dict | None:
        latest = self.evaluations.find({"contract_id": contract_id, "status": COMPLETED},
                                       sort=[("completed_on", -1), ("_id", -1)], limit=1)
        return latest[0] if latest else None

    # reservations left pending --------------------------------------------------------------------
    def sources_with_reservations(self) -> list[dict]:
        return self.sources.find({"pending_count": {"$gt": 0}})

    def lines_with_reservations(self) -> list[dict]:
        return self.lines.find({"pending_count": {"$gt": 0}})

    # supervision sums, computed by the store -------------------------------------------------------
    def money_cells(self, *, region: str | None, station_ids: list[str] | None = None, year: int | None = None,
                    source_kind: str | None = None) -> tuple[list[dict], list[dict]]:
        """Per source: what its budget lines allocated and committed, and what the contracts paid and hold from
        them (funding positions), for the lines of `region` (and `station_ids`, `year`, `source_kind`)."""
        match = {**(region_match(region) if region else {}), **_equal(source_kind=source_kind, year=year)}
        if station_ids is not None:
            match["station_id"] = {"$in": list(station_ids)}
        return self.line_totals(match), self.position_totals(dict(match))

    def source_summaries_in(self, region: str, year: int | None) -> dict[str, dict]:
        return self.source_summaries({**region_match(region), **_equal(year=year)})

    def source_summaries_of(self, source_ids: list[str]) -> dict[str, dict]:
        return self.source_summaries({"_id": {"$in": list(source_ids)}}) if source_ids else {}

    def disbursement_rows(self, scope: Scope | None = None, *, region: str | None = None,
                          station_ids: list[str] | None = None, status: str | None = None,
                          paid_in_year: int | None = None, year: int | None = None, region_prefix: str | None = None,
                          source_kind: str | None = None, source_id: str | None = None) -> list[dict]:
        """One row per disbursement of the contracts in `scope`, seen by officials of `region` or running one of
        `station_ids`, narrowed by the disbursement's status, paid-on year, budget year, region, source."""
        contract_match = all_of(scope_condition(scope) if scope is not None else {}, in_region(region),
                                {"station_ids": {"$in": list(station_ids)}} if station_ids is not None else {})
        payment_match = {f"disbursements.{name}": value for name, value in _equal(
            source_kind=source_kind, status=status, source_id=source_id, year=year).items()}
        if paid_in_year:
            payment_match["disbursements.paid_on"] = _year_prefix(paid_in_year)
        if region_prefix is not None:
            payment_match["disbursements.region_code"] = {"$regex": "^" + region_prefix}
        return self.payments(contract_match, payment_match)

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

    # demo seeding ---------------------------------------------------------------------------------------
    def has_sources_in(self, region_code: str) -> bool:
        return bool(self.sources.count(in_region(region_code)))

    # access log -----------------------------------------------------------------------------------------
    @property
    def access_log(self) -> AccessLog:
        return AccessLog(self.db[ACCESS_LOG])


_DISCLOSED = {"status": {"$ne": DRAFT}, "published_at": {"$gt": ""}}  # a null published_at sorts below ""


def _in_scope_or_assigned(scope: Scope, evaluator_id: str | None) -> dict:
    condition = scope_condition(scope)
    if evaluator_id is None:
        return condition
    return {"$or": [condition, {"evaluator_user_ids": {"$in": [evaluator_id]}}]}


def registry_demo_stations(city_code: str) -> list[dict]:
    """The registry's stations of the demo city, read from its database: demo seeding only (demo.py says why)."""
    return list(storage.database("registry").stations.find({"city_code": city_code}).sort("_id", 1))


def registry_county_names() -> dict[str, str]:
    """The registry's county names by code (demo seeding only)."""
    return {r["_id"]: r["name"] for r in storage.database("registry").regions.find({"level": "county"})}


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
