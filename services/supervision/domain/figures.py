"""The roll-up figures of a region and its child regions, computed from the read models.

Definitions (README "Supervision roll-ups" repeats them for readers of the dashboard):
- counts of things that happen (cases opened and closed, visits, crisis flags) are of the period;
- state figures (stations, staff, open cases, current archives) are read on the period's last day,
  or today while the period runs (`as_of`);
- township coverage: townships with at least one operating station ÷ townships in the region tree;
- archive freshness: households whose needs archive was reviewed within 12 months of `as_of` ÷ households;
- training: each current staff member's hours in `as_of`'s year against 30 hours pro rata;
- closure rate: cases closed in the period ÷ (cases open at its start + cases opened in it);
- crisis breaches: first contact later than 24 hours, or none by its due time (read at `as_of`).
A figure with no denominator is None ("not computable"), never 0.
"""
from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from fractions import Fraction

from services.common import clock
from services.common.clock import CHINA_STANDARD_TIME
from services.contracts.registry import COMPLIANCE_RULES
from services.contracts.vocabulary import DOMAINS as DOMAINS
from services.contracts.vocabulary import STAGES as STAGES

from .access import FigureScope
from .folds import china_date
from .periods import Period, one_year_before, year_fraction
from .regions import RegionKey, full_code

COMPLIANCE_STATUSES = ("met", "not_met", "at_risk", "unknown")
RULE_STATUSES = ("met", "not_met", "at_risk", "on_track", "unknown", "not_applicable")
RULES = COMPLIANCE_RULES
TRAINING_HOURS_PER_YEAR = 30.0


@dataclass
class ReadModels:
    stations: dict = field(default_factory=dict)
    staff: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    crisis: dict = field(default_factory=dict)
    visits: dict = field(default_factory=dict)
    needs: dict = field(default_factory=dict)
    hours: dict = field(default_factory=dict)  # volunteer hours approved, by approval event
    contracts: dict = field(default_factory=dict)  # funding's contracts: their stations and region
    evaluations: dict = field(default_factory=dict)  # funding's evaluations: stations, evaluators, period
    # digest of a household id → its pseudonym, for households whose consent was withdrawn (folds.py)
    withdrawn_households: dict = field(default_factory=dict)


@dataclass
class Tally:
    stations: int = 0
    operating: int = 0
    covered_townships: set = field(default_factory=set)
    compliance: dict = field(default_factory=lambda: dict.fromkeys(COMPLIANCE_STATUSES, 0))
    rules: dict = field(default_factory=lambda: {rule: dict.fromkeys(RULE_STATUSES, 0) for rule in RULES})
    staff: int = 0
    professional: int = 0
    # Exact, so that a sum taken township by township and merged (partials.py) is the same number.
    training_hours: Fraction = field(default_factory=Fraction)
    training_on_track: int = 0
    households: int = 0
    current_archive: int = 0
    never_assessed: int = 0
    open_cases: int = 0
    open_at_start: int = 0
    opened: int = 0
    closed: int = 0
    days_to_close: list = field(default_factory=list)
    by_domain: dict = field(default_factory=lambda: {d: {"open": 0, "opened": 0, "closed": 0} for d in DOMAINS})
    by_stage: dict = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    visits: int = 0
    visited_households: set = field(default_factory=set)
    crisis_flagged: int = 0
    crisis_in_time: int = 0
    crisis_late: int = 0
    crisis_missed: int = 0
    crisis_awaiting: int = 0


class _Tallies:
    """One tally for the region and one per child region; a record counts in the region and its child."""

    def __init__(self, region: RegionKey, child_prefixes: Iterable[str], scope: FigureScope):
        self.region = region
        self.scope = scope
        self.by_prefix = {region.prefix: Tally(), **{prefix: Tally() for prefix in child_prefixes}}

    def of(self, record: dict) -> list[Tally]:
        township = record.get("township")
        if not self.region.covers(township) or not self.scope.covers(record.get("station"), township):
            return []
        found = [self.by_prefix[self.region.prefix]]
        child = self.region.child_of(township)
        if child in self.by_prefix:
            found.append(self.by_prefix[child])
        return found


def rollup(models: ReadModels, region: RegionKey, townships: list[str], child_prefixes: list[str],
           period: Period, today: date, scope: FigureScope) -> dict:
    """{"region": figures, "children": [figures …]} for `region` and each of `child_prefixes`.

    `townships` are the township codes of the region tree under `region` (the coverage denominator)."""
    as_of = period.as_of(today)
    tallies = _Tallies(region, child_prefixes, scope)
    _count_stations(tallies, models.stations, as_of)
    _count_staff(tallies, models.staff, as_of)
    _count_households(tallies, models.households, as_of)
    _count_cases(tallies, models.cases, period, as_of)
    _count_visits(tallies, models.visits, period)
    _count_crisis(tallies, models.crisis, period, _end_of(as_of))
    in_region = [t for t in townships if region.covers(t)]
    figures = {prefix: _figures(prefix, tally, [t for t in in_region if t.startswith(prefix)], period, as_of)
               for prefix, tally in tallies.by_prefix.items()}
    return {"region": figures[region.prefix], "children": [figures[p] for p in child_prefixes]}


# --- the same figures from partial tallies, township by township (usecases/rollups.py caches them) -------
class _ByTownship(_Tallies):
    """One tally per township the records name: a township's part of any region's figures."""

    def __init__(self):
        self.by_township: dict[str, Tally] = {}

    def of(self, record: dict) -> list[Tally]:
        township = record.get("township")
        if township is None:
            return []
        if township not in self.by_township:
            self.by_township[township] = Tally()
        return [self.by_township[township]]


def township_tallies(models: ReadModels, period: Period, today: date) -> dict[str, Tally]:
    """Township → its tally of `models`' records for `period` (as `rollup` counts them, before merging).
    Only for viewers whose scope covers every record under the region (not station-scoped ones)."""
    as_of = period.as_of(today)
    tallies = _ByTownship()
    _count_stations(tallies, models.stations, as_of)
    _count_staff(tallies, models.staff, as_of)
    _count_households(tallies, models.households, as_of)
    _count_cases(tallies, models.cases, period, as_of)
    _count_visits(tallies, models.visits, period)
    _count_crisis(tallies, models.crisis, period, _end_of(as_of))
    return tallies.by_township


def merged(tallies: Iterable[Tally]) -> Tally:
    """One tally of several: counts added, sets joined, the days to close side by side."""
    total = Tally()
    for t in tallies:
        for name in ("stations", "operating", "staff", "professional", "training_hours", "training_on_track",
                     "households", "current_archive", "never_assessed", "open_cases", "open_at_start", "opened",
                     "closed", "visits", "crisis_flagged", "crisis_in_time", "crisis_late", "crisis_missed",
                     "crisis_awaiting"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
        total.covered_townships |= t.covered_townships
        total.visited_households |= t.visited_households
        total.days_to_close.extend(t.days_to_close)
        for status, n in t.compliance.items():
            total.compliance[status] = total.compliance.get(status, 0) + n
        for rule, counts in t.rules.items():
            for status, n in counts.items():
                total.rules[rule][status] += n
        for domain, counts in t.by_domain.items():
            for key, n in counts.items():
                total.by_domain[domain][key] += n
        for stage, n in t.by_stage.items():
            total.by_stage[stage] = total.by_stage.get(stage, 0) + n
    return total


def rollup_of_tallies(tally_of: Callable[[str], Tally], region: RegionKey, townships: list[str],
                      child_prefixes: list[str], period: Period, today: date) -> dict:
    """`rollup`'s result from merged tallies: `tally_of(prefix)` is the tally of every record under it."""
    as_of = period.as_of(today)
    in_region = [t for t in townships if region.covers(t)]
    figures = {prefix: _figures(prefix, tally_of(prefix), [t for t in in_region if t.startswith(prefix)], period,
                                as_of)
               for prefix in (region.prefix, *child_prefixes)}
    return {"region": figures[region.prefix], "children": [figures[p] for p in child_prefixes]}


def _end_of(day: date) -> str:
    """The last moment of `day` in Beijing, as the read models' UTC text."""
    return clock.timestamp(datetime.combine(day, time.max, CHINA_STANDARD_TIME))


def _count_stations(tallies: _Tallies, stations: dict, as_of: date) -> None:
    for station_id, station in stations.items():
        if station.get("registered_on", "") > as_of.isoformat():
            continue
        for tally in tallies.of({**station, "station": station_id}):
            tally.stations += 1
            if station.get("status") == "operating":
                tally.operating += 1
                tally.covered_townships.add(station["township"])
            status = station.get("compliance") or "unknown"
            tally.compliance[status if status in tally.compliance else "unknown"] += 1
            for rule in RULES:
                result = station.get("rules", {}).get(rule, "unknown")
                tally.rules[rule][result if result in RULE_STATUSES else "unknown"] += 1


def _count_staff(tallies: _Tallies, staff: dict, as_of: date) -> None:
    day, expected = as_of.isoformat(), TRAINING_HOURS_PER_YEAR * year_fraction(as_of)
    for member in staff.values():
        if member["joined"] > day or (member.get("left") and member["left"] <= day):
            continue
        hours = float(member.get("training", {}).get(str(as_of.year), 0.0))
        for tally in tallies.of(member):
            tally.staff += 1
            tally.professional += bool(member.get("professional"))
            tally.training_hours += Fraction(hours)
            tally.training_on_track += hours >= expected


def _count_households(tallies: _Tallies, households: dict, as_of: date) -> None:
    day, fresh_from = as_of.isoformat(), one_year_before(as_of).isoformat()
    for household in households.values():
        if household["registered_on"] > day:
            continue
        reviews = [d for d in household.get("assessed_on", []) if d <= day]
        for tally in tallies.of(household):
            tally.households += 1
            if not reviews:
                tally.never_assessed += 1
            elif reviews[-1] > fresh_from:
                tally.current_archive += 1


def _count_cases(tallies: _Tallies, cases: dict, period: Period, as_of: date) -> None:
    start, day = period.start.isoformat(), as_of.isoformat()
    for case in cases.values():
        opened_on, closed_on = case["opened_on"], case.get("closed_on")
        if opened_on > day:
            continue
        is_open = closed_on is None or closed_on > day
        opened_in = period.contains(opened_on)
        closed_in = period.contains(closed_on) and closed_on <= day
        for tally in tallies.of(case):
            by_domain = tally.by_domain.get(case["domain"]) or tally.by_domain["other"]
            tally.by_stage[case["stage"]] = tally.by_stage.get(case["stage"], 0) + 1
            if is_open:
                tally.open_cases += 1
                by_domain["open"] += 1
            if opened_on < start and (closed_on is None or closed_on >= start):
                tally.open_at_start += 1
            if opened_in:
                tally.opened += 1
                by_domain["opened"] += 1
            if closed_in:
                tally.closed += 1
                by_domain["closed"] += 1
                tally.days_to_close.append((date.fromisoformat(closed_on) - date.fromisoformat(opened_on)).days)


def _count_visits(tallies: _Tallies, visits: dict, period: Period) -> None:
    for visit in visits.values():
        if not period.contains(visit["visited_on"]):
            continue
        for tally in tallies.of(visit):
            tally.visits += 1
            tally.visited_households.add(visit["household"])


def _count_crisis(tallies: _Tallies, crisis: dict, period: Period, read_at: str) -> None:
    for episodes in crisis.values():
        for episode in episodes:
            if not period.contains(china_date(episode["flagged_at"])):
                continue
            contact = episode.get("first_contact_at")
            if contact is not None and contact > read_at:
                contact = None  # not made yet on the day the figures are read
            for tally in tallies.of(episode):
                tally.crisis_flagged += 1
                if contact is not None:
                    if contact <= episode["due_at"]:
                        tally.crisis_in_time += 1
                    else:
                        tally.crisis_late += 1
                elif episode["due_at"] < read_at:
                    tally.crisis_missed += 1
                else:
                    tally.crisis_awaiting += 1


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _figures(prefix: str, t: Tally, townships: list[str], period: Period, as_of: date) -> dict:
    expected = TRAINING_HOURS_PER_YEAR * year_fraction(as_of)
    return {
        "region_code": full_code(prefix),
        "period": period.to_dict(),
        "as_of": as_of.isoformat(),
        "stations": {"registered": t.stations, "operating": t.operating, "townships": len(townships),
                     "townships_covered": len(t.covered_townships & set(townships)),
                     "township_coverage": _ratio(len(t.covered_townships & set(townships)), len(townships))},
        "compliance": {**t.compliance, "by_rule": [{"rule": rule, **counts} for rule, counts in t.rules.items()]},
        "staff": {"count": t.staff, "professional": t.professional,
                  "professional_ratio": _ratio(t.professional, t.staff),
                  "training_hours_average": round(float(t.training_hours / t.staff), 2) if t.staff else None,
                  "training_hours_expected": round(expected, 2), "training_on_track": t.training_on_track},
        "households": {"registered": t.households, "current_archive": t.current_archive,
                       "archive_freshness": _ratio(t.current_archive, t.households),
                       "never_assessed": t.never_assessed},
        "cases": {"open": t.open_cases, "opened": t.opened, "closed": t.closed,
                  "closure_rate": _ratio(t.closed, t.open_at_start + t.opened),
                  "median_days_to_close": statistics.median(t.days_to_close) if t.days_to_close else None,
                  "by_domain": [{"domain": d, **counts} for d, counts in t.by_domain.items()],
                  "by_stage": [{"stage": s, "count": n} for s, n in t.by_stage.items()]},
        "visits": {"count": t.visits, "households_visited": len(t.visited_households)},
        "crisis": {"flagged": t.crisis_flagged, "contacted_in_time": t.crisis_in_time,
                   "contacted_late": t.crisis_late, "no_contact_by_due": t.crisis_missed,
                   "breaches": t.crisis_late + t.crisis_missed, "awaiting_contact": t.crisis_awaiting},
    }
