"""Helpers to build valid volunteers-service inputs and casework events for tests."""
from __future__ import annotations

import itertools
import uuid
from datetime import date

from services.common.demo_identities import credit_code, resident_id_number
from services.common.events import new_event
from services.contracts.casework import NEEDS_ASSESSED

TOWNSHIP = "321181001"  # 丹阳市云阳街道
STATION = f"ST{TOWNSHIP}"
COMMUNITY = TOWNSHIP + "001"
NEIGHBOUR_COMMUNITY = TOWNSHIP + "002"
OTHER_TOWNSHIP_SAME_COUNTY = "321181002"
OTHER_COUNTY_TOWNSHIP = "321102001"  # 京口区
WEEKDAYS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(1, 8)]

_sequence = itertools.count(1)


def volunteer_input(station_id=STATION, community_code=COMMUNITY, **overrides):
    n = next(_sequence)
    data = {
        "station_id": station_id,
        "name": f"志愿者{n}",
        "id_number": resident_id_number("321181", date(1985, 1 + n % 12, 1 + n % 28), n),
        "phone": f"1391234{n:04d}",
        "community_code": community_code,
        "skills": ["companionship", "home_care"],
        "domains": ["elderly"],
        "availability": WEEKDAYS,
    }
    data.update(overrides)
    return data


def resource_input(station_id=STATION, township_code=TOWNSHIP, kind="elderly_care_institution", **overrides):
    n = next(_sequence)
    data = {
        "kind": kind,
        "name": f"云阳街道资源{n}",
        "credit_code": credit_code(township_code, n) if kind in ("community_social_organisation",
                                                                 "charity_organisation") else None,
        "station_id": station_id,
        "township_code": township_code,
        "community_code": township_code + "001",
        "services": [{"name": "日间照料", "domain": "elderly", "need_types": ["daily_care", "dementia_care"],
                      "capacity": 2, "eligibility": {"beneficiary_groups": ["elderly_living_alone"]},
                      "opening_hours": [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(1, 6)]}],
        "contact": {"name": "张主任", "phone": "0511-86001234"},
        "location": {"address": "丹阳市云阳街道新民路1号", "latitude": 32.0, "longitude": 119.6},
        "reviewed_on": "2026-01-10",
    }
    data.update(overrides)
    return data


def need(need_id=None, **overrides):
    data = {
        "need_id": need_id or f"need-{uuid.uuid4().hex[:10]}",
        "domain": "elderly",
        "need_type": "home_visit",
        "severity": "medium",
        "description": "独居老人需要定期探访",
        "beneficiary_groups": ["elderly_living_alone"],
        "child_related": False,
        "needed_by": None,
    }
    data.update(overrides)
    return data


def assessment_payload(needs, household_id="hh-1", station_id=STATION, community_code=COMMUNITY,
                       assessment_id=None, supersedes=None, assessed_on="2026-06-01"):
    return {
        "assessment_id": assessment_id or f"asm-{uuid.uuid4().hex[:8]}",
        "household_id": household_id,
        "station_id": station_id,
        "township_code": station_id[2:],
        "community_code": community_code,
        "assessed_on": assessed_on,
        "risk_level": "medium",
        "supersedes": supersedes,
        "needs": needs,
    }


def needs_assessed_event(payload, correlation_id="corr-needs"):
    return new_event(NEEDS_ASSESSED, payload, correlation_id=correlation_id,
                     actor={"user_id": "caseworker-1", "role": "station_staff"})
