"""Compliance with the Jiangsu station standard, computed from data — never typed in.

Pure functions: the station document, the policy thresholds in force and the average wage go
in; one `RuleResult` per rule comes out, each with its status, the evidence it used, and (when a
previous result is known) since when it has held.

Statuses: met, not_met, unknown (data missing), not_applicable, and for the yearly training rule
during the year: on_track (at or above the pro-rata share) and at_risk (below it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, overload

from services.contracts.qualifications import is_professional

# The statuses and rule codes are the contracts' vocabulary; the rules themselves are here.
from services.contracts.registry import AT_RISK as AT_RISK
from services.contracts.registry import COMPLIANCE_RULES
from services.contracts.registry import MET as MET
from services.contracts.registry import NOT_APPLICABLE as NOT_APPLICABLE
from services.contracts.registry import NOT_MET as NOT_MET
from services.contracts.registry import ON_TRACK as ON_TRACK
from services.contracts.registry import PROFESSIONAL_STAFF as PROFESSIONAL_STAFF
from services.contracts.registry import SALARY as SALARY
from services.contracts.registry import SIGNBOARD as SIGNBOARD
from services.contracts.registry import SOCIAL_INSURANCE as SOCIAL_INSURANCE
from services.contracts.registry import TRAINING as TRAINING
from services.contracts.registry import UNKNOWN as UNKNOWN
from services.contracts.registry import VENUE as VENUE

RULES = COMPLIANCE_RULES

RULE_TITLES = {
    VENUE: "Office space at least the minimum area (notice §一: not less than 40 m²)",
    SIGNBOARD: "Signboard 'XX县(市、区)XX乡镇(街道)社工站' hung in a prominent place",
    PROFESSIONAL_STAFF: "At least 3 professional social workers (notice §一(四): at least 3 below 50,000 residents; "
                        "larger townships add staff as demand grows, to the larger-town minimum of the policy)",
    TRAINING: "Each staff member at least 30 hours of continuing education per calendar year",
    SALARY: "Each staff member's pay not below the local average wage",
    SOCIAL_INSURANCE: "Social insurance and housing fund (五险一金) in place for each staff member",
}


@dataclass(frozen=True)
class Policy:
    """Thresholds in force from `effective_from` for regions under `region_code` (localities may be stricter)."""
    region_code: str = "32"
    effective_from: date = date(2021, 1, 1)
    min_venue_m2: float = 40.0
    min_professional_staff: int = 3
    population_threshold: int = 50_000
    # The notice asks townships at or above the threshold to "keep adding professional staff as
    # demand grows" without a figure: the number is policy data, never below the base minimum.
    min_professional_staff_large_town: int = 3
    min_training_hours: float = 30.0
    min_salary_ratio_percent: int = 100
    source: str = "Jiangsu provincial notice on township (street) social work stations, 2021"


JIANGSU_2021 = Policy()


# What the rules read that changes over time, kept as dated entries in the station aggregate
# (`history` on the station and on each staff member): the compliance of a past date reads the values
# in force that day. Employment, training, status, wages and policies carry their own dates already;
# a qualification carries the date it was obtained.
DATED_STATION_FIELDS = ("venue", "population")
DATED_STAFF_FIELDS = ("monthly_salary_fen", "social_insurance")


def value_on(record: dict, field: str, on: date):
    """`field` of `record` as it stood on `on`: the latest dated entry from on or before that day.
    An entry without a date is the value as first registered; no history means it never changed."""
    entries = (record.get("history") or {}).get(field)
    if not entries:
        return record.get(field)
    day, value = on.isoformat(), None
    for entry in entries:
        if entry["from"] is None or entry["from"] <= day:
            value = entry["value"]
    return value


def state_on(station: dict, on: date) -> dict:
    """The station as the rules saw it on `on` (venue, population, each member's pay and insurance)."""
    staff = station.get("staff", [])
    if not station.get("history") and not any(m.get("history") for m in staff):
        return station
    return {**station, **{f: value_on(station, f, on) for f in DATED_STATION_FIELDS},
            "staff": [{**m, **{f: value_on(m, f, on) for f in DATED_STAFF_FIELDS}} if m.get("history") else m
                      for m in staff]}


def policy_in_force(policies: list[Policy], region_code: str, on: date) -> Policy:
    """The most specific region's newest policy that has taken effect on `on`."""
    applicable = [p for p in policies if region_code.startswith(p.region_code) and p.effective_from <= on]
    if not applicable:
        return JIANGSU_2021
    return max(applicable, key=lambda p: (len(p.region_code), p.effective_from))


@dataclass
class RuleResult:
    rule: str
    status: str
    evidence: dict = field(default_factory=dict)
    since: str | None = None

    def to_dict(self) -> dict:
        # Evidence is plain JSON already; dataclasses.asdict would deep-copy it (a third of the
        # time of evaluating a page of stations).
        return {"rule": self.rule, "status": self.status, "evidence": self.evidence, "since": self.since}


def current_staff(station: dict, on: date) -> list[dict]:
    def active(member):
        start = _as_date(member.get("employment_start"))
        end = _as_date(member.get("employment_end"))
        return start is not None and start <= on and (end is None or end >= on)
    return [m for m in station.get("staff", []) if active(m)]


def check_venue(station: dict, policy: Policy, on: date) -> RuleResult:
    area = (station.get("venue") or {}).get("office_area_m2")
    evidence = {"office_area_m2": area, "minimum_m2": policy.min_venue_m2}
    if area is None:
        return RuleResult(VENUE, UNKNOWN, evidence)
    return RuleResult(VENUE, MET if area >= policy.min_venue_m2 else NOT_MET, evidence)


def check_signboard(station: dict, policy: Policy, on: date) -> RuleResult:
    hung = (station.get("venue") or {}).get("signboard_hung")
    evidence = {"signboard_hung": hung, "name": station.get("name")}
    if hung is None:
        return RuleResult(SIGNBOARD, UNKNOWN, evidence)
    return RuleResult(SIGNBOARD, MET if hung else NOT_MET, evidence)


def required_professional_staff(policy: Policy, population: int | None) -> int | None:
    """The minimum for a township of `population` residents (None: it depends on an unknown population)."""
    large_town = max(policy.min_professional_staff, policy.min_professional_staff_large_town)
    if population is None:
        return policy.min_professional_staff if large_town == policy.min_professional_staff else None
    return large_town if population >= policy.population_threshold else policy.min_professional_staff


def check_professional_staff(station: dict, policy: Policy, on: date,
                             staff: list[dict] | None = None) -> RuleResult:
    """The base minimum binds every station; a township at or above the population threshold owes
    the policy's larger-town minimum (the notice never exempts a large town)."""
    population = (station.get("population") or {}).get("residents")
    staff = current_staff(station, on) if staff is None else staff
    professionals = [m["staff_id"] for m in staff if is_professional(m, on)]
    required = required_professional_staff(policy, population)
    evidence = {"resident_population": population, "population_threshold": policy.population_threshold,
                "professional_staff": len(professionals), "minimum": required,
                "base_minimum": policy.min_professional_staff,
                "large_town_minimum": max(policy.min_professional_staff, policy.min_professional_staff_large_town),
                "current_staff": len(staff)}
    if len(professionals) < policy.min_professional_staff:
        return RuleResult(PROFESSIONAL_STAFF, NOT_MET, evidence)  # whatever the population
    if required is None:
        return RuleResult(PROFESSIONAL_STAFF, UNKNOWN, evidence)
    return RuleResult(PROFESSIONAL_STAFF, MET if len(professionals) >= required else NOT_MET, evidence)


def _tenths(hours: float) -> int:
    return round(hours * 10)


def training_status(member: dict, policy: Policy, on: date) -> dict:
    """One staff member's training standing for the calendar year of `on`.

    Staff employed for part of the year owe a pro-rated share of the yearly minimum. During the
    year a member is on track when their hours reach the share of the target that the elapsed
    part of their employment period represents.
    """
    year_start, year_end = date(on.year, 1, 1), date(on.year, 12, 31)
    start = max(year_start, _as_date(member["employment_start"]))
    end = min(year_end, _as_date(member.get("employment_end")) or year_end)
    days_in_year = (year_end - year_start).days + 1
    employed_days = max(0, (end - start).days + 1)
    target = policy.min_training_hours * employed_days / days_in_year
    today = on.isoformat()
    hours = sum(t["hours"] for t in member.get("training", []) if _in_year_by(t["date"], on, today))
    if _tenths(hours) >= _tenths(target):
        status = MET
    elif on >= end:
        status = NOT_MET
    else:
        elapsed = (on - start).days + 1
        expected_by_now = target * max(0, elapsed) / employed_days if employed_days else 0
        status = ON_TRACK if _tenths(hours) >= _tenths(expected_by_now) else AT_RISK
        return {"staff_id": member["staff_id"], "hours": hours, "target": round(target, 1),
                "expected_by_now": round(expected_by_now, 1), "status": status}
    return {"staff_id": member["staff_id"], "hours": hours, "target": round(target, 1), "status": status}


def _in_year_by(day: date | str, on: date, today: str) -> bool:
    """`day` falls in `on`'s calendar year, on or before `on` (`today` is `on` in ISO form). Stored dates are
    ISO strings, compared as such (the same order as the dates; parsing every training record of a page was
    most of its cost)."""
    if type(day) is str and len(day) >= 10 and day[4] == day[7] == "-":
        return day[:4] == today[:4] and day[:10] <= today
    as_date = _as_date(day)
    return as_date.year == on.year and as_date <= on


def check_training(station: dict, policy: Policy, on: date, staff: list[dict] | None = None) -> RuleResult:
    staff = current_staff(station, on) if staff is None else staff
    per_member = [training_status(m, policy, on) for m in staff]
    evidence = {"year": on.year, "minimum_hours": policy.min_training_hours, "staff": per_member}
    if not per_member:
        return RuleResult(TRAINING, UNKNOWN, evidence)
    statuses = {m["status"] for m in per_member}
    for worst in (NOT_MET, AT_RISK, ON_TRACK):
        if worst in statuses:
            return RuleResult(TRAINING, worst, evidence)
    return RuleResult(TRAINING, MET, evidence)


def check_salary(station: dict, policy: Policy, on: date, average_wage: dict | None,
                 staff: list[dict] | None = None) -> RuleResult:
    staff = current_staff(station, on) if staff is None else staff
    evidence: dict[str, Any] = {"average_monthly_wage_fen": average_wage and average_wage["monthly_wage_fen"],
                "wage_region": average_wage and average_wage["region_code"],
                "wage_year": average_wage and average_wage["year"],
                "required_percent": policy.min_salary_ratio_percent,
                "below": [], "missing": []}
    if not staff or average_wage is None:
        return RuleResult(SALARY, UNKNOWN, evidence)
    required = average_wage["monthly_wage_fen"] * policy.min_salary_ratio_percent // 100
    for member in staff:
        salary = member.get("monthly_salary_fen")
        if salary is None:
            evidence["missing"].append(member["staff_id"])
        elif salary < required:
            evidence["below"].append({"staff_id": member["staff_id"], "monthly_salary_fen": salary})
    if evidence["below"]:
        return RuleResult(SALARY, NOT_MET, evidence)
    if evidence["missing"]:
        return RuleResult(SALARY, UNKNOWN, evidence)
    return RuleResult(SALARY, MET, evidence)


def check_social_insurance(station: dict, policy: Policy, on: date,
                           staff: list[dict] | None = None) -> RuleResult:
    staff = current_staff(station, on) if staff is None else staff
    without = [m["staff_id"] for m in staff if m.get("social_insurance") is False]
    missing = [m["staff_id"] for m in staff if m.get("social_insurance") is None]
    evidence = {"staff": len(staff), "without": without, "missing": missing}
    if not staff:
        return RuleResult(SOCIAL_INSURANCE, UNKNOWN, evidence)
    if without:
        return RuleResult(SOCIAL_INSURANCE, NOT_MET, evidence)
    return RuleResult(SOCIAL_INSURANCE, UNKNOWN if missing else MET, evidence)


def evaluate(station: dict, policy: Policy, on: date, average_wage: dict | None,
             previous: dict | None = None) -> dict:
    """All rules plus the overall status; `previous` (the last stored snapshot) supplies `since`."""
    station = state_on(station, on)
    staff = current_staff(station, on)  # once for the four rules about staff
    results = [
        check_venue(station, policy, on),
        check_signboard(station, policy, on),
        check_professional_staff(station, policy, on, staff),
        check_training(station, policy, on, staff),
        check_salary(station, policy, on, average_wage, staff),
        check_social_insurance(station, policy, on, staff),
    ]
    previous_rules = (previous or {}).get("rules", {})
    for result in results:
        before = previous_rules.get(result.rule)
        result.since = before["since"] if before and before["status"] == result.status else on.isoformat()
    overall = overall_status([r.status for r in results])
    before_overall = previous or {}
    return {
        "status": overall,
        "since": before_overall.get("since") if before_overall.get("status") == overall else on.isoformat(),
        "as_of": on.isoformat(),
        "policy": {"region_code": policy.region_code, "effective_from": policy.effective_from.isoformat(),
                   "source": policy.source},
        "rules": {r.rule: r.to_dict() for r in results},
    }


def overall_status(statuses: list[str]) -> str:
    if NOT_MET in statuses:
        return NOT_MET
    if AT_RISK in statuses:
        return AT_RISK
    if UNKNOWN in statuses:
        return UNKNOWN
    return MET


def snapshot(evaluation: dict) -> dict:
    """What is stored on the station: statuses and since, without the bulky evidence."""
    return {"status": evaluation["status"], "since": evaluation["since"],
            "rules": {k: {"status": v["status"], "since": v["since"]} for k, v in evaluation["rules"].items()}}


def without_evidence(evaluation: dict) -> dict:
    """The evaluation with each rule's evidence left out (a reader that did not ask for it)."""
    return {**evaluation, "rules": {k: {n: v for n, v in r.items() if n != "evidence"}
                                    for k, r in evaluation["rules"].items()}}


def changed(before: dict | None, after: dict) -> bool:
    if not before:
        return True
    return before.get("status") != after["status"] or any(
        (before.get("rules", {}).get(rule) or {}).get("status") != result["status"]
        for rule, result in after["rules"].items())


@overload
def _as_date(value: None) -> None: ...
@overload
def _as_date(value: date | str) -> date: ...
def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
