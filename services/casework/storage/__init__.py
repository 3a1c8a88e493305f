"""Casework's repository over pymongo. Index declarations live here, once. The only place casework
writes a store query: the use cases ask for records by intention and pass a `Scope`.

Aggregates (each write is one document with its events in the outbox), each an AggregateStore with its queries:
- `households` (households.py): members (personal data encrypted), consents, the versioned needs archive,
  household-level visits and services, duplicate flags;
- `cases` (cases.py): lifecycle, plans and approvals, visits, services, referrals, crisis; the station queue;
- `campaigns` (campaigns.py): comprehensive-verification campaigns.

Supporting records:
- `identity_index`: one document per resident ID number, keyed by its blind index. It is the
  unique index that makes "one person, one record" hold across households (a unique index on an
  array inside documents would not: MongoDB's multikey uniqueness does not hold within one
  document and nx-27017 does not enforce it at all). A claim is written before the household and
  names it; a claim whose household never appeared (a crash in between) is taken over after a lease;
- `match_keys`: blind indexes of (name, birth date) and phone per person, to flag likely duplicates;
- `station_staff` and `stations`: casework's own copies of the registry's staff and stations,
  filled from the registry's events (never by calling the registry on a write);
- `access_log`: every unmasked read of personal data (who, what, when, why).
"""
from __future__ import annotations

from datetime import UTC, timedelta
from typing import TypeGuard

from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.common import clock
from services.common.accesslog import AccessLog
from services.common.storage import Index, outbox_indexes, page_key_indexes

from .campaigns import Campaigns
from .cases import CaseCriteria, Cases, QueuePosition
from .households import ArchiveCounts, HouseholdCriteria, Households
from .rosters import ROSTER_IMPORTS, RosterChunks, RosterImports, RosterMappings

__all__ = ["ArchiveCounts", "CaseCriteria", "CaseworkRepository", "HouseholdCriteria", "IdentityTaken",
           "QueuePosition", "registry_stations_of_city", "staff_is_current"]

HOUSEHOLDS, CASES, CAMPAIGNS = "households", "cases", "campaigns"
IDENTITY_INDEX, MATCH_KEYS, STATION_STAFF, STATIONS, ACCESS_LOG = (
    "identity_index", "match_keys", "station_staff", "stations", "access_log")
CLAIM_LEASE = timedelta(minutes=5)

INDEXES = [
    Index(HOUSEHOLDS, (("station_id", 1), ("review_due_on", 1))),
    Index(HOUSEHOLDS, (("region_code", 1),)),
    Index(HOUSEHOLDS, (("groups", 1),)),
    Index(HOUSEHOLDS, (("person_ids", 1),)),
    Index(HOUSEHOLDS, (("open_duplicate_flags", 1), ("station_id", 1))),
    Index(CASES, (("station_id", 1), ("queue_rank", 1), ("opened_at", 1))),
    Index(CASES, (("household_id", 1),)),
    Index(CASES, (("open_key", 1),), unique=True),
    Index(CASES, (("crisis_state", 1), ("crisis_contact_due_at", 1))),
    Index(CASES, (("assigned_staff_id", 1), ("stage", 1))),
    Index(CASES, (("service_task_ids", 1),)),
    Index(CAMPAIGNS, (("region_code", 1),)),
    Index(MATCH_KEYS, (("key", 1),)),
    Index(MATCH_KEYS, (("person_id", 1),)),
    Index(STATION_STAFF, (("station_id", 1),)),
    Index(ACCESS_LOG, (("subject_id", 1), ("at", -1))),
    Index(ACCESS_LOG, (("station_id", 1), ("at", -1))),
    Index(ACCESS_LOG, (("user_id", 1), ("at", -1))),
    Index(ROSTER_IMPORTS, (("status", 1),)),
    Index(ROSTER_IMPORTS, (("region_code", 1),)),
    Index(STATIONS, (("township_code", 1),)),
    *outbox_indexes(HOUSEHOLDS, CASES, ROSTER_IMPORTS),
    *page_key_indexes(HOUSEHOLDS, CASES, CAMPAIGNS, ROSTER_IMPORTS),
]
OUTBOX_COLLECTIONS = [HOUSEHOLDS, CASES, ROSTER_IMPORTS]


class IdentityTaken(Exception):
    def __init__(self, id_index: str, household_id: str | None):
        super().__init__(id_index)
        self.id_index = id_index
        self.household_id = household_id


class CaseworkRepository:
    def __init__(self, db):
        self.db = db
        self.households = Households(db, HOUSEHOLDS, "household")
        self.cases = Cases(db, CASES, "case")
        self.campaigns = Campaigns(db, CAMPAIGNS, "campaign")
        self.roster_imports = RosterImports(db, ROSTER_IMPORTS, "roster import")
        self.roster_chunks = RosterChunks(db)
        self.roster_mappings = RosterMappings(db)

    # --- one person, one record ---------------------------------------------------------------
    def claim_identities(self, claims: list[tuple[str, str]], household_id: str) -> None:
        """Reserve each (id_index, person_id) for `household_id`; all or nothing.

        Raises IdentityTaken for the first number another household holds (claims made so far
        are released first)."""
        made: list[tuple[str, str]] = []
        for id_index, person_id in claims:
            try:
                self._claim(id_index, person_id, household_id)
            except IdentityTaken:
                self.release_identities([i for i, _ in made], household_id)
                raise
            made.append((id_index, person_id))

    def _claim(self, id_index: str, person_id: str, household_id: str) -> None:
        claim = {"_id": id_index, "person_id": person_id, "household_id": household_id, "claimed_at": clock.utcnow()}
        try:
            self.db[IDENTITY_INDEX].insert_one(claim)
            return
        except DuplicateKeyError:
            pass
        holder = self.db[IDENTITY_INDEX].find_one({"_id": id_index})
        if holder is None:  # released meanwhile
            return self._claim(id_index, person_id, household_id)
        if holder["household_id"] == household_id and holder["person_id"] == person_id:
            return
        if self._claim_is_live(holder):
            raise IdentityTaken(id_index, holder["household_id"])
        taken = self.db[IDENTITY_INDEX].update_one(
            {"_id": id_index, "household_id": holder["household_id"], "person_id": holder["person_id"]},
            {"$set": {"person_id": person_id, "household_id": household_id, "claimed_at": clock.utcnow()}})
        if taken.matched_count == 0:
            raise IdentityTaken(id_index, None)

    def _claim_is_live(self, holder: dict) -> bool:
        """A claim counts while its household holds the person, or while it may still be written."""
        if self.db[HOUSEHOLDS].count_documents({"_id": holder["household_id"], "person_ids": holder["person_id"]},
                                               limit=1):
            return True
        claimed_at = holder["claimed_at"]
        if claimed_at.tzinfo is None:
            claimed_at = claimed_at.replace(tzinfo=UTC)
        return clock.utcnow() - claimed_at < CLAIM_LEASE

    def identity_holders(self, id_indexes: list[str]) -> dict[str, dict]:
        """Who holds each of these ID numbers (by blind index): {id_index: {person_id, household_id}}."""
        if not id_indexes:
            return {}
        return {d["_id"]: d for d in self.db[IDENTITY_INDEX].find({"_id": {"$in": list(id_indexes)}})}

    def release_identities(self, id_indexes: list[str], household_id: str) -> None:
        for id_index in id_indexes:
            self.db[IDENTITY_INDEX].delete_one({"_id": id_index, "household_id": household_id})

    def move_identity(self, id_index: str, person_id: str, household_id: str) -> None:
        self.db[IDENTITY_INDEX].replace_one(
            {"_id": id_index}, {"_id": id_index, "person_id": person_id, "household_id": household_id,
                                "claimed_at": clock.utcnow()}, upsert=True)

    def claim_identities_bulk(self, claims: list[dict]) -> set[str]:
        """Insert many claims at once; return the ids that someone else holds (live claims)."""
        if not claims:
            return set()
        refused = set()
        try:
            self.db[IDENTITY_INDEX].insert_many(claims, ordered=False)
        except BulkWriteError as exc:
            for error in exc.details["writeErrors"]:
                if error["code"] != 11000:
                    raise
                claim = claims[error["index"]]
                try:
                    self._claim(claim["_id"], claim["person_id"], claim["household_id"])
                except IdentityTaken:
                    refused.add(claim["_id"])
        return refused

    # --- likely duplicates --------------------------------------------------------------------------
    def match_candidates(self, keys: list[str]) -> list[dict]:
        if not keys:
            return []
        return list(self.db[MATCH_KEYS].find({"key": {"$in": keys}}))

    def add_match_keys(self, entries: list[dict]) -> None:
        """Entries are keyed by (key, person): re-adding the same ones is harmless."""
        if not entries:
            return
        try:
            self.db[MATCH_KEYS].insert_many(entries, ordered=False)
        except BulkWriteError as exc:
            if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
                raise

    def remove_match_keys(self, person_id: str) -> None:
        self.db[MATCH_KEYS].delete_many({"person_id": person_id})

    # --- after a key rotation ------------------------------------------------------------------------
    def drop_claims_except(self, live_id_indexes: set[str]) -> int:
        """Forget every identity claim not in `live_id_indexes`; return how many went."""
        stale = [d["_id"] for d in self.db[IDENTITY_INDEX].find({}, {"_id": 1}) if d["_id"] not in live_id_indexes]
        self.db[IDENTITY_INDEX].delete_many({"_id": {"$in": stale}})
        return len(stale)

    def drop_match_keys_except(self, live_person_ids: set[str]) -> None:
        """Forget the match keys of every person not in `live_person_ids`."""
        orphans = [d["_id"] for d in self.db[MATCH_KEYS].find({}, {"_id": 1, "person_id": 1})
                   if d["person_id"] not in live_person_ids]
        self.db[MATCH_KEYS].delete_many({"_id": {"$in": orphans}})

    # --- the registry's staff and stations, as casework knows them ---------------------------------
    def record_station(self, station: dict) -> None:
        self.db[STATIONS].replace_one({"_id": station["_id"]}, station, upsert=True)

    def station(self, station_id: str) -> dict | None:
        return self.db[STATIONS].find_one({"_id": station_id})

    def stations_of_townships(self, township_codes: list[str]) -> list[dict]:
        return list(self.db[STATIONS].find({"township_code": {"$in": list(township_codes)}}).sort("_id", 1))

    def record_staff_joined(self, member: dict) -> None:
        """Idempotent and order-tolerant: a `staff.left` seen earlier keeps its end date."""
        self.db[STATION_STAFF].update_one({"_id": member["_id"]}, {"$set": member}, upsert=True)

    def record_staff_left(self, staff_id: str, station_id: str, employment_end: str) -> None:
        self.db[STATION_STAFF].update_one({"_id": staff_id},
                                          {"$set": {"station_id": station_id, "employment_end": employment_end}},
                                          upsert=True)

    def staff_member(self, staff_id: str) -> dict | None:
        return self.db[STATION_STAFF].find_one({"_id": staff_id})

    def staff_members(self, staff_ids: list[str]) -> dict[str, dict]:
        return {d["_id"]: d for d in self.db[STATION_STAFF].find({"_id": {"$in": list(staff_ids)}})}

    def staff_of_stations(self, station_ids: list[str]) -> list[dict]:
        return list(self.db[STATION_STAFF].find({"station_id": {"$in": list(station_ids)}}).sort("_id", 1))

    @property
    def access_log(self) -> AccessLog:
        return AccessLog(self.db[ACCESS_LOG])


def registry_stations_of_city(registry_db, city_code: str) -> list[dict]:
    """The registry's stations of a city with their staff, read from its database: for the demo seed only,
    which runs before casework has heard the registry's events."""
    return list(registry_db.stations.find({"city_code": city_code}, {"_outbox": 0}).sort("_id", 1))


def staff_is_current(member: dict | None, station_id: str, on: str) -> TypeGuard[dict]:
    """Current staff of `station_id` on the ISO date `on`, per casework's copy of the registry."""
    if member is None or member.get("station_id") != station_id or not member.get("employment_start"):
        return False
    if member["employment_start"] > on:
        return False
    return not member.get("employment_end") or member["employment_end"] >= on
