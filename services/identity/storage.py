"""The identity service's repositories: accounts (aggregates with their events), refresh-token sessions,
signing keys and the sign-in attempts the rate limits count. Every store query lives here."""
from __future__ import annotations

import functools
from datetime import datetime

from services.common import storage
from services.common.scope import Scope
from services.common.storage import AggregateStore, Index, Page

USERS = "users"
SESSIONS = "sessions"
SIGNING_KEYS = "signing_keys"
ATTEMPTS = "sign_in_attempts"
AUDIT = "sign_in_log"
AGENCIES = "agencies"
AGENCY_CLIENTS = "agency_clients"

INDEXES = [
    Index(USERS, (("username", 1),), unique=True),
    Index(USERS, (("region_code", 1),)),
    Index(SESSIONS, (("family", 1),)),
    Index(SESSIONS, (("user_id", 1),)),
    Index(ATTEMPTS, (("key", 1), ("at", 1))),
    Index(AUDIT, (("region_code", 1), ("at", 1))),
    Index(AUDIT, (("user_id", 1), ("at", 1))),
    *storage.outbox_indexes(USERS),
    *storage.page_key_indexes(USERS),
    Index(AGENCIES, (("region_code", 1),)),
    Index(AGENCY_CLIENTS, (("agency_id", 1),)),
    *storage.outbox_indexes(AGENCIES),
    *storage.outbox_indexes(AGENCY_CLIENTS),
    *storage.page_key_indexes(AGENCIES),
]

ACTIVE, USED, REVOKED = "active", "used", "revoked"


class Users(AggregateStore):
    def __init__(self, db):
        super().__init__(db, USERS, "user")

    def by_username(self, username: str) -> dict | None:
        found = self.find({"username": username}, limit=1)
        return found[0] if found else None

    def page_in(self, scope: Scope, after: str | None, limit: int) -> Page:
        return self.page(storage.scope_filter(scope, region_field="region_code", station_field="station_ids"),
                            after, limit)

    def in_scope(self, scope: Scope) -> list[dict]:
        return self.find(storage.scope_filter(scope, region_field="region_code", station_field="station_ids"),
                         sort=[("username", 1)])


class Agencies(AggregateStore):
    """Registered agencies (another body a referral may reach), each in one region."""

    def __init__(self, db):
        super().__init__(db, AGENCIES, "agency")

    def page_in(self, scope: Scope, after: str | None, limit: int) -> Page:
        return self.page(storage.scope_filter(scope, region_field="region_code", station_field="station_ids"),
                         after, limit)


class AgencyClients(AggregateStore):
    """An agency's OAuth2 clients, keyed by client id; secrets kept only as hashes."""

    def __init__(self, db):
        super().__init__(db, AGENCY_CLIENTS, "agency_client")

    def of_agencies(self, agency_ids: list[str]) -> list[dict]:
        return self.find({"agency_id": {"$in": list(agency_ids)}}, sort=[("_id", 1)])


class Sessions:
    """One document per refresh token, keyed by the token's hash; tokens of one sign-in share a `family`."""

    def __init__(self, db):
        self.collection = db[SESSIONS]

    def add(self, token_hash: str, *, family: str, user_id: str, grant_id: str, issued_at: datetime,
            expires_at: datetime) -> None:
        self.collection.insert_one({"_id": token_hash, "family": family, "user_id": user_id, "grant_id": grant_id,
                                    "issued_at": issued_at, "expires_at": expires_at, "status": ACTIVE})

    def get(self, token_hash: str) -> dict | None:
        return self.collection.find_one({"_id": token_hash})

    def use(self, token_hash: str, at: datetime) -> bool:
        """Mark an active token used; False when it was not active (already used, or revoked)."""
        result = self.collection.update_one({"_id": token_hash, "status": ACTIVE},
                                            {"$set": {"status": USED, "used_at": at}})
        return result.modified_count == 1

    def revoke_family(self, family: str, at: datetime) -> int:
        return self.collection.update_many({"family": family, "status": {"$in": [ACTIVE, USED]}},
                                           {"$set": {"status": REVOKED, "revoked_at": at}}).modified_count

    def revoke_user(self, user_id: str, at: datetime) -> int:
        return self.collection.update_many({"user_id": user_id, "status": ACTIVE},
                                           {"$set": {"status": REVOKED, "revoked_at": at}}).modified_count


class SigningKeys:
    """The issuer's key pairs; private keys stored encrypted with the kernel's field cipher."""

    def __init__(self, db):
        self.collection = db[SIGNING_KEYS]

    def add(self, key: dict) -> None:
        self.collection.insert_one(key)

    def newest_active(self, now: datetime) -> dict | None:
        return self.collection.find_one({"signs_until": {"$gt": now}}, sort=[("created_at", -1)])

    def published(self, now: datetime) -> list[dict]:
        """Keys whose tokens may still be in use: the signing key and the retired ones within their overlap."""
        return list(self.collection.find({"published_until": {"$gt": now}}, sort=[("created_at", -1)]))

    def retire(self, kid: str, signs_until: datetime, published_until: datetime) -> None:
        self.collection.update_one({"_id": kid}, {"$set": {"signs_until": signs_until,
                                                           "published_until": published_until}})


class SignInAttempts:
    """Failed sign-ins by account and by address, counted over a sliding window for the rate limits."""

    def __init__(self, db):
        self.collection = db[ATTEMPTS]

    def record(self, keys: list[str], at: datetime) -> None:
        self.collection.insert_many([{"key": key, "at": at} for key in keys])

    def count_since(self, key: str, since: datetime) -> int:
        return self.collection.count_documents({"key": key, "at": {"$gte": since}})

    def forget_before(self, moment: datetime) -> int:
        return self.collection.delete_many({"at": {"$lt": moment}}).deleted_count


class SignInLog:
    """Sign-ins, refused sign-ins and sign-outs, one entry each (the usage report reads it)."""

    def __init__(self, db):
        self.collection = db[AUDIT]

    def record(self, outcome: str, at: datetime, *, user_id: str | None, region_code: str | None,
               address: str | None = None, reason: str | None = None) -> None:
        self.collection.insert_one({"outcome": outcome, "at": at, "user_id": user_id, "region_code": region_code,
                                    "address": address, "reason": reason})

    def since(self, scope: Scope, moment: datetime) -> list[dict]:
        return list(self.collection.find({**storage.scope_filter(scope, region_field="region_code",
                                                                 station_field="station_ids"),
                                          "at": {"$gte": moment}}))


def rotate_protected_fields(db, cipher) -> dict:
    """Re-encrypt the private signing keys and second-factor secrets with the cipher's first key
    (`shegong rotate-keys`)."""
    keys = db[SIGNING_KEYS]
    rotated_keys = 0
    for key in keys.find({}, {"private_key": 1}):
        keys.update_one({"_id": key["_id"]}, {"$set": {"private_key": cipher.rotate(key["private_key"])}})
        rotated_keys += 1
    users = Users(db)
    rotated_secrets = 0

    def rotate_secrets(user_id: str) -> int:
        current = users.require(user_id)
        secrets = {name: cipher.rotate(current[name]) for name in ("totp_secret", "totp_pending_secret")
                   if current.get(name)}
        if secrets:
            users.update(user_id, current["_version"], secrets)
        return len(secrets)

    for user in users.find({}):
        if user.get("totp_secret") or user.get("totp_pending_secret"):
            rotated_secrets += storage.retry_commuting(functools.partial(rotate_secrets, user["_id"]))
    return {"signing_keys": rotated_keys, "second_factor_secrets": rotated_secrets}
