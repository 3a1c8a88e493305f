"""Rules every volunteers aggregate shares: ids, stations, time slots, service times."""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from services.common.clock import CHINA_STANDARD_TIME
from services.common.errors import ValidationFailed
from services.contracts.vocabulary import (
    ORGANISATION_KINDS,
)

REVIEW_INTERVAL_MONTHS = 12
DEFAULT_MAX_OPEN_TASKS = 3


def category_of(kind: str) -> str:
    return "organisation" if kind in ORGANISATION_KINDS else "facility"


def as_aware(moment: datetime) -> datetime:
    """A time given without an offset is China time (where the service happened)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def service_time(moment: datetime) -> str:
    """When a service happened, as volunteers and stations read it: China time to the minute, with its
    offset (the API documents it so). One offset for all, so these strings sort and compare as moments."""
    return as_aware(moment).astimezone(CHINA_STANDARD_TIME).isoformat(timespec="minutes")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def derived_id(prefix: str, *parts: str) -> str:
    """Ids derived from what they identify make retries and redeliveries land on the same record."""
    return f"{prefix}_{hashlib.sha1(':'.join(parts).encode()).hexdigest()[:20]}"


def station_township(station_id: str) -> str:
    if not (station_id.startswith("ST") and len(station_id) == 11 and station_id[2:].isdigit()):
        raise ValidationFailed.field("station_id", "a station id is ST followed by the 9-digit township code")
    return station_id[2:]


def weekdays_of(slots: list[dict]) -> frozenset:
    return frozenset(slot["weekday"] for slot in slots)


def check_slots(slots: list[dict], field: str) -> None:
    for index, slot in enumerate(slots):
        if slot["start"] >= slot["end"]:
            raise ValidationFailed.field(f"{field}.{index}.end", "must be after the start")
