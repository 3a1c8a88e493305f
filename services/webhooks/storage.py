"""The webhooks service's repositories: subscriptions (aggregates), deliveries and their attempts (the
delivery log), the consent withdrawals it has seen and the replay jobs. Every store query lives here.

Moments are stored as the kernel's fixed-width UTC text (clock.timestamp), so comparing them as strings
compares the moments on every store.
"""
from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common import storage
from services.common.consumers import Inbox
from services.common.storage import AggregateStore, Index, Page

SUBSCRIPTIONS = "subscriptions"
DELIVERIES = "deliveries"
ATTEMPTS = "delivery_attempts"
WITHDRAWALS = "withdrawals"
REPLAYS = "replays"
CLIENTS = "agency_clients"

PENDING, SENDING, DELIVERED, DEAD = "pending", "sending", "delivered", "dead"
DELIVERY_STATES = (PENDING, SENDING, DELIVERED, DEAD)
LOG_KEY = "log_key"  # created-at + id: the delivery log's order and its page cursor

INDEXES = [
    *Inbox.indexes,
    Index(SUBSCRIPTIONS, (("status", 1),)),
    Index(SUBSCRIPTIONS, (("agency_client_id", 1),)),
    *storage.page_key_indexes(SUBSCRIPTIONS),
    Index(DELIVERIES, (("state", 1),)),
    Index(DELIVERIES, (("subscription_id", 1),)),
    Index(DELIVERIES, ((LOG_KEY, 1),)),
    Index(DELIVERIES, (("delivered_at", 1),)),
    Index(DELIVERIES, (("created_at", 1),)),
    Index(ATTEMPTS, (("delivery_id", 1),)),
    Index(REPLAYS, (("status", 1),)),
]
LISTED_STATUSES = ["active", "paused", "revoked"]


class Subscriptions(AggregateStore):
    def __init__(self, db):
        super().__init__(db, SUBSCRIPTIONS, "webhook subscription")

    def active(self) -> list[dict]:
        return self.find({"status": "active"})

    def listing(self, agency_client_id: str | None, after: str | None, limit: int) -> Page:
        return self.page(storage.all_of({"status": {"$in": LISTED_STATUSES}},
                                        {"agency_client_id": agency_client_id} if agency_client_id else None),
                         after, limit)

    def many(self, ids: list[str]) -> dict[str, dict]:
        return {d["_id"]: d for d in self.find({"_id": {"$in": list(ids)}})} if ids else {}

    def of_client(self, agency_client_id: str) -> list[dict]:
        return self.find({"agency_client_id": agency_client_id})


class AgencyClients:
    """identity's agency clients as its events describe them (agency.client_created, agency.client_revoked):
    which exist, which are active, which event types each may receive. `_id` = the client id."""

    def __init__(self, db):
        self.collection = db[CLIENTS]

    def created(self, client_id: str, agency_id: str, region_code: str, event_types: list[str],
                regions: list[str], fields_allowed: list[str]) -> None:
        # $setOnInsert: a revocation read before the creation (events of two queues) is not undone by it.
        self.collection.update_one({"_id": client_id}, {
            "$set": {"agency_id": agency_id, "region_code": region_code, "event_types": sorted(event_types),
                     "regions": sorted(regions), "fields_allowed": sorted(fields_allowed)},
            "$setOnInsert": {"status": "active"}}, upsert=True)

    def revoked(self, client_id: str, agency_id: str, region_code: str) -> None:
        self.collection.update_one({"_id": client_id}, {
            "$set": {"agency_id": agency_id, "region_code": region_code, "status": "revoked"},
            "$setOnInsert": {"event_types": []}}, upsert=True)

    def get(self, client_id: str) -> dict | None:
        return self.collection.find_one({"_id": client_id})


class Deliveries:
    """One document per (event, subscription), `_id` = the message id: written once, whatever the
    redeliveries of the event; state, attempt count and the next attempt's moment change as it is sent."""

    def __init__(self, db):
        self.collection = db[DELIVERIES]

    def add_many(self, docs: list[dict]) -> int:
        """Insert the deliveries that do not exist yet; the number written."""
        if not docs:
            return 0
        existing = self.collection.find({"_id": {"$in": [d["_id"] for d in docs]}}, {"_id": 1})
        known = {d["_id"] for d in existing}
        fresh = [d for d in docs if d["_id"] not in known]
        written = 0
        for doc in fresh:  # one by one: a concurrent writer's duplicate is refused by the primary key alone
            try:
                self.collection.insert_one(doc)
                written += 1
            except DuplicateKeyError:
                continue
        return written

    def get(self, delivery_id: str) -> dict | None:
        return self.collection.find_one({"_id": delivery_id})

    def due(self, now: str, busy_subscriptions: list[str], limit: int) -> list[dict]:
        """Deliveries whose next attempt is due (and sends whose lease ran out), oldest first, leaving out
        the subscriptions that already have as many in flight as they may."""
        exclude = {"subscription_id": {"$nin": busy_subscriptions}} if busy_subscriptions else None
        pending = self.collection.find(storage.all_of({"state": PENDING, "next_at": {"$lte": now}}, exclude),
                                       {"payload": 0}).sort("next_at", 1).limit(limit)
        stale = self.collection.find(storage.all_of({"state": SENDING, "lease_until": {"$lt": now}}, exclude),
                                     {"payload": 0}).limit(limit)
        return [*pending, *stale][:limit]

    def claim(self, doc: dict, now: str, lease_until: str) -> dict | None:
        """Take one due delivery for sending, in one conditional write; None when another sender took it first
        (or it changed since it was found due)."""
        condition = ({"_id": doc["_id"], "state": PENDING, "next_at": doc["next_at"]} if doc["state"] == PENDING
                     else {"_id": doc["_id"], "state": SENDING, "lease_until": doc["lease_until"]})
        return self.collection.find_one_and_update(
            condition, {"$set": {"state": SENDING, "lease_until": lease_until, "claimed_at": now}},
            return_document=ReturnDocument.AFTER)

    def finish(self, delivery_id: str, changes: dict) -> None:
        self.collection.update_one({"_id": delivery_id, "state": SENDING}, {"$set": changes})

    def reset(self, delivery_id: str, now: str) -> bool:
        """Send again (a replay): pending now, with a fresh allowance of attempts."""
        done = self.collection.update_one({"_id": delivery_id, "state": {"$in": [DELIVERED, DEAD, PENDING]}},
                                          {"$set": {"state": PENDING, "next_at": now, "round_attempts": 0,
                                                    "replayed_at": now}})
        return done.matched_count == 1

    def reset_since(self, subscription_id: str, since: str, now: str) -> int:
        return self.collection.update_many(
            {"subscription_id": subscription_id, "occurred_at": {"$gte": since},
             "state": {"$in": [DELIVERED, DEAD]}},
            {"$set": {"state": PENDING, "next_at": now, "round_attempts": 0, "replayed_at": now}}).modified_count

    def log(self, subscription_id: str, state: str | None, after: str | None,
            limit: int) -> tuple[list[dict], str | None]:
        """The delivery log of a subscription, newest first, cut on the log key."""
        query = storage.all_of({"subscription_id": subscription_id}, {"state": state} if state else None,
                               {LOG_KEY: {"$lt": after}} if after else None)
        docs = list(self.collection.find(query, {"payload": 0, "person_refs": 0})
                    .sort(LOG_KEY, -1).limit(limit + 1))
        return docs[:limit], (docs[limit - 1][LOG_KEY] if len(docs) > limit else None)

    def expired(self, state: str, moment_field: str, before: str, limit: int) -> list[str]:
        """Ids of up to `limit` deliveries in `state` whose `moment_field` is before `before` (retention)."""
        return [d["_id"] for d in self.collection.find({"state": state, moment_field: {"$lt": before}},
                                                       {"_id": 1}).limit(limit)]

    def remove(self, delivery_ids: list[str]) -> int:
        """Forget these deliveries, if they are still in a final state (a replay may have reset one since)."""
        if not delivery_ids:
            return 0
        return self.collection.delete_many({"_id": {"$in": list(delivery_ids)},
                                            "state": {"$in": [DELIVERED, DEAD]}}).deleted_count

    def count(self, subscription_id: str, state: str | None) -> int:
        query = storage.all_of({"subscription_id": subscription_id}, {"state": state} if state else None)
        counted = list(self.collection.aggregate([{"$match": query}, {"$count": "n"}]))
        return int(counted[0]["n"]) if counted else 0


class Attempts:
    def __init__(self, db):
        self.collection = db[ATTEMPTS]

    def add(self, doc: dict) -> None:
        self.collection.insert_one(doc)

    def remove_of(self, delivery_ids: list[str]) -> int:
        if not delivery_ids:
            return 0
        return self.collection.delete_many({"delivery_id": {"$in": list(delivery_ids)}}).deleted_count

    def of(self, delivery_ids: list[str]) -> list[dict]:
        if not delivery_ids:
            return []
        return list(self.collection.find({"delivery_id": {"$in": list(delivery_ids)}}).sort("at", 1))


class Withdrawals:
    """The people and households whose consent was withdrawn (`_id` = filtering.person_ref/household_ref)."""

    def __init__(self, db):
        self.collection = db[WITHDRAWALS]

    def record(self, refs: list[str], withdrawn_on: str, consent_id: str) -> None:
        for ref in refs:
            self.collection.update_one({"_id": ref}, {"$setOnInsert": {"withdrawn_on": withdrawn_on,
                                                                       "consent_id": consent_id}}, upsert=True)

    def any_of(self, refs: list[str]) -> bool:
        return bool(refs) and self.collection.find_one({"_id": {"$in": list(refs)}}, {"_id": 1}) is not None


class Replays:
    """Replay jobs: a subscription's events since a moment, taken again from each producer's event history."""

    def __init__(self, db):
        self.collection = db[REPLAYS]

    def add(self, doc: dict) -> None:
        self.collection.insert_one(doc)

    def running(self) -> list[dict]:
        return list(self.collection.find({"status": "running"}))

    def advance(self, job_id: str, producer: str, old: int, new: int, done: bool) -> None:
        changes: dict = {f"positions.{producer}": new}
        if done:
            changes[f"finished.{producer}"] = True
        self.collection.update_one({"_id": job_id, f"positions.{producer}": old}, {"$set": changes})

    def finish(self, job_id: str, at: str) -> None:
        self.collection.update_one({"_id": job_id}, {"$set": {"status": "done", "finished_at": at}})
