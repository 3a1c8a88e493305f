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

MET, NOT_MET, UNKNOWN, NOT_APPLICABLE, ON_TRACK, AT_RISK = (
    "met", "not_met", "unknown", "not_applicable", "on_track", "at_risk")

VENUE, SIGNBOARD, PROFESSIONAL_STAFF, TRAINING, SALARY, SOCIAL_INSURANCE = (
    "venue_area", "signboard", "professional_staff", "training_hours", "salary", "social_insurance")
RULES = (VENUE, SIGNBOARD, PROFESSIONAL_STAFF, TRAINING, SALARY, SOCIAL_INSURANCE)

RULE_TITLES = {
    VENUE: "Office space at least the minimum area (notice §一: not less than 40 m²)",
    SIGNBOARD: "Signboard 'XX县(市、区)XX乡镇(街道)社工站' hung in a prominent place",
    PROFESSIONAL_STAFF: "At least 3 professional social workers where the resident population is under 50,000",
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
    min_training_hours: float = 30.0
    min_salary_ratio_percent: int = 100
    source: str = "Jiangsu provincial notice on township (street) social work stations, 2021"


JIANGSU_2021 = Policy()


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


def is_professional(member: dict, on: date) -> bool:
    """Holds a national social worker certificate, or a social-work diploma of junior college (大专) or above."""
    qualification = member.get("qualification") or {}
    kind = qualification.get("kind")
    if kind == "certificate":
        obtained = _as_date(qualification.get("obtained_on"))
        return obtained is None or obtained <= on
    if kind == "diploma":
        return qualification.get("level") in ("junior_college", "bachelor", "master", "doctorate") and (
            qualification.get("major_is_social_work", True))
    return False


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


def check_professional_staff(station: dict, policy: Policy, on: date) -> RuleResult:
    population = (station.get("population") or {}).get("residents")
    staff = current_staff(station, on)
    professionals = [m["staff_id"] for m in staff if is_professional(m, on)]
    evidence = {"resident_population": population, "population_threshold": policy.population_threshold,
                "professional_staff": len(professionals), "minimum": policy.min_professional_staff,
                "current_staff": len(staff)}
    if population is None:
        return RuleResult(PROFESSIONAL_STAFF, UNKNOWN, evidence)
    if population >= policy.population_threshold:
        # The notice sets the minimum only for townships under the threshold.
        return RuleResult(PROFESSIONAL_STAFF, NOT_APPLICABLE, evidence)
    ok = len(professionals) >= policy.min_professional_staff
    return RuleResult(PROFESSIONAL_STAFF, MET if ok else NOT_MET, evidence)


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
    hours = sum(t["hours"] for t in member.get("training", []) if _as_date(t["date"]).year == on.year
                and _as_date(t["date"]) <= on)
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


def check_training(station: dict, policy: Policy, on: date) -> RuleResult:
    staff = current_staff(station, on)
    per_member = [training_status(m, policy, on) for m in staff]
    evidence = {"year": on.year, "minimum_hours": policy.min_training_hours, "staff": per_member}
    if not per_member:
        return RuleResult(TRAINING, UNKNOWN, evidence)
    statuses = {m["status"] for m in per_member}
    for worst in (NOT_MET, AT_RISK, ON_TRACK):
        if worst in statuses:
            return RuleResult(TRAINING, worst, evidence)
    return RuleResult(TRAINING, MET, evidence)


def check_salary(station: dict, policy: Policy, on: date, average_wage: dict | None) -> RuleResult:
    staff = current_staff(station, on)
    evidence = {"average_monthly_wage_fen": average_wage and average_wage["monthly_wage_fen"],
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


def check_social_insurance(station: dict, policy: Policy, on: date) -> RuleResult:
    staff = current_staff(station, on)
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
    results = [
        check_venue(station, policy, on),
        check_signboard(station, policy, on),
        check_professional_staff(station, policy, on),
        check_training(station, policy, on),
        check_salary(station, policy, on, average_wage),
        check_social_insurance(station, policy, on),
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


def changed(before: dict | None, after: dict) -> bool:
    if not before:
        return True
    return before.get("status") != after["status"] or any(
        (before.get("rules", {}).get(rule) or {}).get("status") != result["status"]
        for rule, result in after["rules"].items())


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
