"""The identity service's use cases, by topic: users (accounts and grants), passwords, keys, sessions (sign-in,
refresh, sign-out), second_factor (TOTP), usage (the report by region),
agencies (registered agencies and their OAuth2 clients), client_credentials (an agency client's token).
Each takes the `Identity` composition object first and the calling `viewer` second."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.common import clock
from services.common.config import IdentitySettings, settings
from services.common.protection import FieldCipher

from ..storage import Agencies, AgencyClients, Sessions, SignInAttempts, SigningKeys, SignInLog, Users


@dataclass
class Identity:
    users: Users
    sessions: Sessions
    keys: SigningKeys
    attempts: SignInAttempts
    log: SignInLog
    cipher: FieldCipher
    agencies: Agencies
    agency_clients: AgencyClients
    policy: IdentitySettings = field(default_factory=lambda: settings().identity)
    issuer: str = ""

    @classmethod
    def over(cls, db, policy: IdentitySettings | None = None, cipher: FieldCipher | None = None) -> Identity:
        config = settings()
        policy = policy or config.identity
        return cls(Users(db), Sessions(db), SigningKeys(db), SignInAttempts(db), SignInLog(db), cipher or FieldCipher(),
                   Agencies(db), AgencyClients(db), policy, policy.issuer or config.public_url())


def stored_moment(value: datetime | str | None) -> datetime | None:
    """A moment as read back from the store: nx-27017 returns a date written by an update as text."""
    return clock.parse_timestamp(value) if isinstance(value, str) else value
