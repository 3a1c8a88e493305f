"""The volunteers service's repositories over pymongo: every query the use cases ask, by its intention,
taking a `Scope` for what the caller may read. Index declarations live here, once.

Array fields are queried with `$in` only: the development document store (nx-27017) matches
nothing for plain equality on an indexed array field (found while building this service).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from services.common.accesslog import AccessLog
from services.common.auth import region_prefix
from services.common.filters import prefix_range
from services.common.scope import Scope
from services.common.storage import AggregateStore, Index, all_of, outbox_indexes, page_key_indexes, scope_filter

VOLUNTEERS, RESOURCES, TEAMS, NEEDS, STOCK, CERTIFICATES, ACCESS_LOG = (
    "volunteers", "resources", "teams", "needs", "stock", "certificates", "access_log")
# The aggregates whose writes carry events: the outbox relay polls these (teams carry none; a certificate
# carries certificate.revoked).
EVENT_SOURCES = [VOLUNTEERS, RESOURCES, NEEDS, STOCK, CERTIFICATES]

INDEXES = [
    Index(VOLUNTEERS, (("id_index", 1),), unique=True),
    Index(VOLUNTEERS, (("station_id", 1),)),
    Index(VOLUNTEERS, (("region_code", 1),)),
    Index(VOLUNTEERS, (("_updated_at", 1),)),
    Index(RESOURCES, (("station_id", 1),)),
    Index(RESOURCES, (("region_code", 1),)),
    Index(RESOURCES, (("status", 1), ("next_review_due", 1))),
    Index(RESOURCES, (("_updated_at", 1),)),
    Index(TEAMS, (("station_id", 1),)),
    Index(TEAMS, (("member_ids", 1),)),
    Index(NEEDS, (("station_id", 1), ("status", 1))),
    Index(NEEDS, (("region_code", 1),)),
    Index(NEEDS, (("status", 1), ("county_code", 1))),
    Index(NEEDS, (("household_id", 1),)),
    Index(NEEDS, (("assessment_id", 1),)),
    Index(NEEDS, (("task_assignees", 1),)),
    Index(STOCK, (("station_id", 1),)),
    Index(STOCK, (("households", 1),)),
    Index(CERTIFICATES, (("verification_code", 1),), unique=True),
    Index(CERTIFICATES, (("volunteer_id", 1),)),
    Index(ACCESS_LOG, (("subject_id", 1), ("at", -1))),
    Index(ACCESS_LOG, (("user_id", 1), ("at", -1))),
    *outbox_indexes(*EVENT_SOURCES),
    *page_key_indexes(*EVENT_SOURCES, TEAMS),
]


# A need still in matching: a later assessment or a consent withdrawal may take it out.
IN_MATCHING = ("open", "proposed", "unmet")


def _in_region(region: str | None) -> dict:
    """Records of a region a caller filters by: a community (12 digits) exactly, else a division prefix."""
    if not region:
        return {}
    if len(region) == 12:
        return {"community_code": region}
    return {"region_code": prefix_range(region_prefix(region))}


def _any_of(field: str, values: Iterable[str]) -> dict:
    return {field: {"$in": list(values)}}


def _equal(**wanted) -> dict:
    """Equality on the fields whose value is given (a filter left empty is no condition)."""
    return {field: value for field, value in wanted.items() if value}


class Aggregates(AggregateStore):
    """An aggregate collection with the reads every volunteers aggregate answers."""

    def by_ids(self, ids: Iterable[object]) -> dict[str, dict]:
        """The records with these ids, by id (ids that are not strings match nothing)."""
        wanted = [i for i in ids if isinstance(i, str)]
        return {d["_id"]: d for d in self.find(_any_of("_id", wanted))}

    def any(self) -> bool:
        return bool(self.find({}, limit=1))

    def _page(self, conditions: list[dict], after: str | None, limit: int) -> dict:
        """One page sorted by id, the id of its last item as the cursor, and the total."""
        page = self.page(all_of(*conditions), after, limit)
        return {"docs": page.docs, "next_cursor": page.next_cursor, "total": page.total}


class Volunteers(Aggregates):
    def listing(self, scope: Scope, filters: dict, today: date, after: str | None, limit: int) -> dict:
        conditions = [scope_filter(scope), _in_region(filters.get("region")),
                      _equal(station_id=filters.get("station_id"), status=filters.get("status"))]
        if filters.get("skill"):
            conditions.append(_any_of("skills", [filters["skill"]]))
        if filters.get("domain"):
            conditions.append(_any_of("domains", [filters["domain"]]))
        if filters.get("background_checked") is not None:
            comparison = "$gte" if filters["background_checked"] else "$lt"
            conditions.append({"background_valid_until": {comparison: today.isoformat()}})
        return self._page(conditions, after, limit)


    def with_pending_hours(self, scope: Scope, limit: int) -> list[dict]:
        """Volunteers in `scope` with hours entries waiting for the station's decision, in id order (`$elemMatch`:
        nx-27017 matches nothing for `$in` on a field inside an array of subdocuments)."""
        return self.find(all_of(scope_filter(scope), {"hours": {"$elemMatch": {"status": "pending"}}}),
                         sort=[("_id", 1)], limit=limit)


class Teams(Aggregates):
    def listing(self, scope: Scope, station_id: str | None, after: str | None, limit: int) -> dict:
        return self._page([scope_filter(scope), _equal(station_id=station_id)], after, limit)

    def with_members(self, scope: Scope, volunteer_ids: Iterable[str]) -> list[dict]:
        return self.find(all_of(scope_filter(scope), _any_of("member_ids", volunteer_ids)))


class Resources(Aggregates):
    """The resource library. `active_only`: what the public reads (active entries, everywhere)."""

    @staticmethod
    def _conditions(scope: Scope, active_only: bool, filters: dict, today: date) -> list[dict]:
        conditions = [{"status": "active"} if active_only else scope_filter(scope), _in_region(filters.get("region")),
                      _equal(station_id=filters.get("station_id"), kind=filters.get("kind"),
                             status=filters.get("status"))]
        if filters.get("domain"):
            conditions.append(_any_of("domains", [filters["domain"]]))
        if filters.get("review_overdue") is not None:
            due = today.isoformat()
            conditions.append({"status": "active", "next_review_due": {"$lt": due}} if filters["review_overdue"]
                              else {"$or": [{"status": "closed"}, {"next_review_due": {"$gte": due}}]})
        return conditions

    def listing(self, scope: Scope, active_only: bool, filters: dict, today: date, after: str | None,
                limit: int) -> dict:
        return self._page(self._conditions(scope, active_only, filters, today), after, limit)

    def overdue_for_review(self, scope: Scope, active_only: bool, filters: dict, today: date) -> list[dict]:
        """Active entries past their yearly review, the most overdue first."""
        conditions = self._conditions(scope, active_only, {**filters, "review_overdue": True}, today)
        return self.find(all_of(*conditions), sort=[("next_review_due", 1), ("_id", 1)])

    def active(self, scope: Scope, active_only: bool, filters: dict, today: date) -> list[dict]:
        conditions = self._conditions(scope, active_only, {**filters, "status": "active"}, today)
        return self.find(all_of(*conditions), sort=[("_id", 1)])


class Stock(Aggregates):
    def listing(self, scope: Scope, station_id: str | None, category: str | None, after: str | None,
                limit: int) -> dict:
        return self._page([scope_filter(scope), _equal(station_id=station_id, category=category)], after, limit)

    def given_to(self, scope: Scope, household_ids: Iterable[str]) -> list[dict]:
        """Stock lines from which any of these households received something."""
        return self.find(all_of(scope_filter(scope), _any_of("households", household_ids)))

    def at_station(self, station_id: str) -> list[dict]:
        return self.find({"station_id": station_id})


class Needs(Aggregates):
    def listing(self, scope: Scope, filters: dict, after: str | None, limit: int) -> dict:
        conditions = [scope_filter(scope), _in_region(filters.get("region")),
                      _equal(**{key: filters.get(key) for key in ("station_id", "status", "domain", "household_id")})]
        return self._page(conditions, after, limit)

    def of_households(self, scope: Scope, household_ids: Iterable[str]) -> list[dict]:
        return self.find(all_of(scope_filter(scope), _any_of("household_id", household_ids)), sort=[("_id", 1)])

    def assigned_to(self, scope: Scope, volunteer_ids: Iterable[str]) -> list[dict]:
        """Needs with a task held by any of these volunteers."""
        return self.find(all_of(scope_filter(scope), _any_of("task_assignees", volunteer_ids)), sort=[("_id", 1)])

    def unmet(self, scope: Scope, region: str, domain: str | None) -> list[dict]:
        """Unmet needs in `region` (a division-code prefix; a community's 12 digits exactly)."""
        conditions = [scope_filter(scope), {"status": "unmet"}, {"region_code": prefix_range(region[:9])},
                      _equal(domain=domain)]
        if len(region) == 12:
            conditions.append({"community_code": region})
        return self.find(all_of(*conditions))

    def in_matching_from(self, assessment_id: str) -> list[dict]:
        """Needs of an assessment that are still being matched."""
        return self.find({"assessment_id": assessment_id, **_any_of("status", IN_MATCHING)})


class Certificates(Aggregates):
    def with_code(self, verification_code: str) -> dict | None:
        found = self.find({"verification_code": verification_code}, limit=1)
        return found[0] if found else None


class VolunteersRepository:
    def __init__(self, db):
        self.db = db
        self.volunteers = Volunteers(db, VOLUNTEERS, "volunteer")
        self.resources = Resources(db, RESOURCES, "resource")
        self.teams = Teams(db, TEAMS, "team")
        self.needs = Needs(db, NEEDS, "need")
        self.stock = Stock(db, STOCK, "stock line")
        self.certificates = Certificates(db, CERTIFICATES, "certificate")

    @property
    def access_log(self) -> AccessLog:
        return AccessLog(self.db[ACCESS_LOG])


def changed_since(db, collection: str, since: datetime | None, fields: dict):
    """Records of `collection` written since `since` (all of them when None), only `fields`, in small
    batches: a single-threaded store (nx-27017) can answer others between them."""
    query = {} if since is None else {"_updated_at": {"$gte": since}}
    return db[collection].find(query, fields, batch_size=2000)


def rotate_protected_fields(db, cipher) -> dict:
    """Re-encrypt with the first key and recompute blind indexes (for `shegong rotate-keys`).

    A record changed meanwhile fails with ConcurrentModification; running it again finishes the job."""
    volunteers = AggregateStore(db, VOLUNTEERS, "volunteer")
    rotated = {"volunteers": 0, "donors": 0}
    for volunteer in volunteers.find({}):
        volunteers.update(volunteer["_id"], volunteer["_version"], {
            "id_number_encrypted": cipher.rotate(volunteer["id_number_encrypted"]),
            "phone_encrypted": cipher.rotate(volunteer["phone_encrypted"]),
            "id_index": cipher.blind_index(cipher.decrypt(volunteer["id_number_encrypted"]))})
        rotated["volunteers"] += 1
    stock = AggregateStore(db, STOCK, "stock line")
    for line in stock.find({}):
        lots = []
        for lot in line["lots"]:
            encrypted = lot["donor"].get("phone_encrypted")
            if encrypted:
                lot = {**lot, "donor": {**lot["donor"], "phone_encrypted": cipher.rotate(encrypted)}}
                rotated["donors"] += 1
            lots.append(lot)
        stock.update(line["_id"], line["_version"], {"lots": lots})
    return rotated
