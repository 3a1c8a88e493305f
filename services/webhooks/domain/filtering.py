"""Which events a subscription receives, and what their payloads carry.

- The event type must be one the subscription asked for, and the event's region (its township, county
  or station) must lie under one of the subscription's division-code prefixes; an event whose region
  cannot be told is not sent.
- Personal-data fields (catalogue.PERSONAL_FIELDS) are removed unless the subscription is allowed them.
- Once a person has withdrawn a consent (casework's `consent.withdrawn`), nothing about that person or
  their household carries personal data any more, whatever the subscription allows: the check is made
  again at every send, so a queued delivery or a replay of an old one honours a later withdrawal.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .catalogue import HOUSEHOLD_KEYS, PERSON_KEYS, PERSONAL_FIELDS

REGION_KEYS = ("township_code", "region_code", "county_code", "city_code")
STATION_PREFIX = "ST"  # a station's id is ST + its township's code (registry)


def region_of(payload: Mapping) -> str | None:
    for key in REGION_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value.isdigit():
            return value
    stations = [payload.get("station_id"), *(payload.get("station_ids") or [])]
    for station in stations:
        if isinstance(station, str) and station.startswith(STATION_PREFIX) and station[2:].isdigit():
            return station[2:]
    return None


def receives(subscription: Mapping, event_type: str, region: str | None) -> bool:
    if subscription.get("status") != "active" or event_type not in subscription["event_types"]:
        return False
    return region is not None and any(region.startswith(prefix) for prefix in subscription["regions"])


def person_refs(payload: Mapping) -> list[str]:
    """The people and households an event names, as the keys withdrawals are recorded under."""
    refs = [person_ref(payload[k]) for k in PERSON_KEYS if isinstance(payload.get(k), str)]
    refs += [household_ref(payload[k]) for k in HOUSEHOLD_KEYS if isinstance(payload.get(k), str)]
    return sorted(set(refs))


def person_ref(person_id: str) -> str:
    return f"person:{person_id}"


def household_ref(household_id: str) -> str:
    return f"household:{household_id}"


def allowed_payload(payload: Mapping, personal_fields: Iterable[str]) -> dict:
    """The payload with every personal-data field the subscription is not allowed removed."""
    allowed = set(personal_fields)
    return {k: v for k, v in payload.items() if k not in PERSONAL_FIELDS or k in allowed}


def without_personal_data(payload: Mapping) -> dict:
    return {k: v for k, v in payload.items() if k not in PERSONAL_FIELDS}
