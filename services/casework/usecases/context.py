"""What every casework use case works with.

Each write is one single-document change of a household, a case or a campaign (with its outbox),
checked against the version the caller read. Two supporting writes sit beside a household insert
— the identity claims before it (so the same ID number cannot enter twice) and the duplicate match
keys after it (losing those in a crash only means a missed duplicate flag) — and a merge touches two
households, each in one write, resumably (duplicates.merge_persons).

Who is who: a station staff member's token carries their registry staff id as `user_id`; casework
knows each staff member's station and role only from its own copy of the registry's events
(`station_staff`), never by calling the registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.common import clock
from services.common.auth import Viewer
from services.common.config import settings
from services.common.protection import FieldCipher

from ..domain import Actor
from ..storage import CaseworkRepository


@dataclass
class Casework:
    """The repository and the field cipher; built once per call, so `known_leads` (viewer id → stations they
    lead, access.lead_stations) remembers within one call only."""

    repo: CaseworkRepository
    cipher: FieldCipher = field(default_factory=FieldCipher)
    known_leads: dict[str, set[str]] = field(default_factory=dict)
    referral_expiry_days: int = field(default_factory=lambda: settings().referral_expiry_days)

    @staticmethod
    def now() -> datetime:
        return clock.utcnow()

    @staticmethod
    def today() -> date:
        return clock.local_date(clock.utcnow())


def actor(viewer: Viewer) -> Actor:
    return Actor(viewer.user_id, viewer.role)
