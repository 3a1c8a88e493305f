"""County yearly plans (年度管理与服务计划): targets, their versions, and the plan against the figures.

A plan belongs to one county and year. Each version carries a whole set of targets and the day it takes
effect; a revised version replaces the targets from that day, and earlier versions stay as history. The
targets in force for a month are those of the latest version effective on or before the month's last day.

Actual figures are read off the roll-up figures (domain/figures.py) of the same region, stations and period,
so plan versus actual always agrees with `supervisionRollup`:
- counts of what happens (visits, cases opened by domain, supervision sessions) are the period's own;
- state figures (households with a current archive, training hours of the year so far) are read at the
  period's end, so the month's and the cumulative value are the same reading;
- volunteer hours (approved in the period) and evaluation (stations evaluated by a third party in the
  period) come from their own read models, as domain/activity.py defines them: a county's `evaluation` target
  is the number of its stations to be evaluated in the year, a station's is 1. Over the year to date a
  station evaluated twice counts once.
Pure: figures, targets and days go in.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from services.common.errors import ValidationFailed
from services.contracts.supervision import PLAN_INDICATORS as INDICATORS
from services.contracts.vocabulary import DOMAINS

HOUSEHOLDS_ARCHIVED, VISITS, CASES, VOLUNTEER_HOURS, TRAINING_HOURS, SUPERVISION_SESSIONS, EVALUATION = INDICATORS
# Read at the period's end rather than summed over it.
STATE_INDICATORS = (HOUSEHOLDS_ARCHIVED, TRAINING_HOURS)


def target_key(target: dict) -> tuple:
    return (target.get("station_id"), target["indicator"], target.get("domain"))


def check_targets(targets: list[dict], county: str) -> None:
    """One target per station (or the county), indicator and domain; cases need a domain, others none;
    stations lie in the county (station ids carry their township code)."""
    seen: set[tuple] = set()
    for index, target in enumerate(targets):
        where = f"targets.{index}"
        if target["indicator"] == CASES and target.get("domain") not in DOMAINS:
            raise ValidationFailed.field(f"{where}.domain", "a cases target names its domain")
        if target["indicator"] != CASES and target.get("domain") is not None:
            raise ValidationFailed.field(f"{where}.domain", "only cases targets have a domain")
        station = target.get("station_id")
        if station is not None and not station[2:].startswith(county):
            raise ValidationFailed.field(f"{where}.station_id", f"station {station} is not in county {county}")
        if target_key(target) in seen:
            raise ValidationFailed.field(where, "the same target is given twice")
        seen.add(target_key(target))


def check_revision(versions: list[dict], effective_from: date, year: int) -> None:
    """A revision takes effect within the plan's year, after the version it revises."""
    if effective_from.year != year:
        raise ValidationFailed.field("effective_from", f"must lie in {year}")
    if versions and effective_from.isoformat() <= versions[-1]["effective_from"]:
        raise ValidationFailed.field("effective_from", f"must be after {versions[-1]['effective_from']}, "
                                                       "when the current version took effect")


def version_in_force(versions: list[dict], on: date) -> dict | None:
    """The latest version effective on or before `on` (the first one covers the months before it, too:
    a plan recorded in March plans the whole year)."""
    day = on.isoformat()
    effective = [v for v in versions if v["effective_from"] <= day]
    return effective[-1] if effective else (versions[0] if versions else None)


def actual(figures: dict, indicator: str, domain: str | None, sessions: int) -> float | None:
    """The roll-up's figure for one indicator (`sessions`: supervision sessions of the same scope and period;
    `figures` carry `volunteer_hours` and `stations_evaluated` of domain/activity.py beside the roll-up's)."""
    if indicator == HOUSEHOLDS_ARCHIVED:
        return figures["households"]["current_archive"]
    if indicator == VISITS:
        return figures["visits"]["count"]
    if indicator == CASES:
        return next(d["opened"] for d in figures["cases"]["by_domain"] if d["domain"] == domain)
    if indicator == TRAINING_HOURS:
        staff = figures["staff"]
        return round((staff["training_hours_average"] or 0.0) * staff["count"], 2)
    if indicator == SUPERVISION_SESSIONS:
        return sessions
    if indicator == VOLUNTEER_HOURS:
        return figures["volunteer_hours"]
    if indicator == EVALUATION:
        return figures["stations_evaluated"]
    return None


def share(value: float | None, target: float) -> float | None:
    return round(value / target, 4) if value is not None and target else None


def month_rows(target: dict, months: list[tuple[int, dict, dict, int, int]],
               in_force: Callable[[int], dict | None]) -> list[dict]:
    """One row per month for `target`: the month's actual, the cumulative actual (January to the month's end)
    and the share of the target in force that month reached. `months` holds (month, month figures,
    year-to-date figures, month sessions, year-to-date sessions)."""
    rows = []
    for month, monthly, to_date, month_sessions, sessions_to_date in months:
        version = in_force(month)
        current = next((t for t in (version or {}).get("targets", []) if target_key(t) == target_key(target)), None)
        value = current["value"] if current else None
        month_actual = actual(monthly, target["indicator"], target.get("domain"), month_sessions)
        cumulative = actual(to_date, target["indicator"], target.get("domain"), sessions_to_date)
        rows.append({"month": month, "target": value, "version": version["version"] if version else None,
                     "actual": month_actual, "cumulative": cumulative,
                     "share_of_target": share(cumulative, value) if value is not None else None})
    return rows
