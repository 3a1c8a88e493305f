"""The volunteers service's repository over pymongo. Index declarations live here, once.

Array fields are queried with `$in` only: the development document store (nx-27017) matches
nothing for plain equality on an indexed array field (found while building this service).
"""
from __future__ import annotations

from services.common.accesslog import AccessLog
from services.common.storage import AggregateStore, Index, outbox_indexes, page_key_indexes

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


class VolunteersRepository:
    def __init__(self, db):
        self.db = db
        self.volunteers = AggregateStore(db, VOLUNTEERS, "volunteer")
        self.resources = AggregateStore(db, RESOURCES, "resource")
        self.teams = AggregateStore(db, TEAMS, "team")
        self.needs = AggregateStore(db, NEEDS, "need")
        self.stock = AggregateStore(db, STOCK, "stock line")
        self.certificates = AggregateStore(db, CERTIFICATES, "certificate")

    def page(self, store: AggregateStore, query: dict, after: str | None, limit: int) -> dict:
        """One page sorted by id, the id of its last item as the cursor, and the total."""
        page = store.page(query, after, limit)
        return {"docs": page.docs, "next_cursor": page.next_cursor, "total": page.total}

    @property
    def access_log(self) -> AccessLog:
        return AccessLog(self.db[ACCESS_LOG])


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
