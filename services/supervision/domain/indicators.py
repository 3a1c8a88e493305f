"""The fixed set of computations a scorecard indicator may name (its `formula`), over the read models.

Each takes the facts of one subject (a station, or a contract's stations) as of a day and returns a
`Measure`: the value, how it was reached (numerator, denominator, expected) and the records behind it.
"As of" reads the dated facts the read models already keep (joined and left days, registration and
assessment days, opening and closing days, visit days, flag and first-contact times, approval days, the
dated training totals): a record dated after the day is not there yet. The period of the counts of what
happened is the calendar year of the day, up to the day ("year to date"). A value with no denominator is
None ("not computable"), never 0. Pure: the read models, the sessions and the plan target go in.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from services.common import clock
from services.common.clock import CHINA_STANDARD_TIME
from services.contracts.supervision import SCORECARD_FORMULAS

from .figures import TRAINING_HOURS_PER_YEAR, ReadModels
from .folds import china_date
from .periods import Period, one_year_before, year_fraction


@dataclass(frozen=True)
class Facts:
    models: ReadModels
    station_ids: frozenset[str]
    as_of: date
    sessions: tuple[dict, ...] = ()  # supervision sessions held at the stations: {id, station_id, date}
    session_target: float | None = None  # the yearly plan's sessions target of the stations, in force on as_of

    @property
    def period(self) -> Period:
        return Period(date(self.as_of.year, 1, 1), self.as_of)

    @property
    def day(self) -> str:
        return self.as_of.isoformat()

    def here(self, record: dict) -> bool:
        return record.get("station") in self.station_ids


def of_stations(models: ReadModels, station_ids: frozenset[str]) -> ReadModels:
    """The records of the stations only, read once: each computation then walks the subject's records,
    not the whole province's (ten indicators would otherwise scan every read model several times)."""
    def mine(records: dict) -> dict:
        return {key: record for key, record in records.items() if record.get("station") in station_ids}
    crisis = {case: [e for e in episodes if e.get("station") in station_ids]
              for case, episodes in models.crisis.items()}
    return ReadModels(stations={k: v for k, v in models.stations.items() if k in station_ids},
                      staff=mine(models.staff),
                      households=mine(models.households), cases=mine(models.cases),
                      crisis={case: episodes for case, episodes in crisis.items() if episodes},
                      visits=mine(models.visits), needs=mine(models.needs), hours=mine(models.hours),
                      contracts=models.contracts, evaluations=models.evaluations)


@dataclass
class Measure:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    expected: float | None = None
    evidence: list[dict] = field(default_factory=list)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _record(kind: str, record_id: str, station: str | None, day: str | None, **detail) -> dict:
    return {"kind": kind, "id": record_id, "station_id": station, "date": day,
            "detail": {k: v for k, v in detail.items() if v is not None}}


def _current_staff(facts: Facts) -> list[tuple[str, dict]]:
    return sorted((staff_id, m) for staff_id, m in facts.models.staff.items()
                  if facts.here(m) and m["joined"] <= facts.day and not (m.get("left") and m["left"] <= facts.day))


def _staff_record(staff_id: str, member: dict, **extra) -> dict:
    return _record("staff", staff_id, member["station"], member["joined"], role=member.get("role"),
                   professional=bool(member.get("professional")), **extra)


def staff_count(facts: Facts) -> Measure:
    """Staff in post on the day, per station of the subject."""
    staff = _current_staff(facts)
    stations = len(facts.station_ids)
    return Measure(round(len(staff) / stations, 2) if stations else None, len(staff), stations,
                   evidence=[_staff_record(i, m) for i, m in staff])


def professional_ratio(facts: Facts) -> Measure:
    staff = _current_staff(facts)
    professional = [(i, m) for i, m in staff if m.get("professional")]
    return Measure(_ratio(len(professional), len(staff)), len(professional), len(staff),
                   evidence=[_staff_record(i, m) for i, m in staff])


def training_hours_as_of(member: dict, as_of: date) -> float:
    """The year's training total on the day: the latest dated total up to it. A member folded before totals
    were dated has only the year's total, which is all that can be read (until the read model is rebuilt)."""
    year, day = str(as_of.year), as_of.isoformat()
    if "training_on" not in member:
        return float(member.get("training", {}).get(year, 0.0))
    dated = sorted((d, h) for d, h in member["training_on"].items() if d.startswith(year) and d <= day)
    return float(dated[-1][1]) if dated else 0.0


def training_hours_pro_rata(facts: Facts) -> Measure:
    """Average training hours of the staff in post ÷ 30 hours pro rata for the part of the year gone."""
    staff = _current_staff(facts)
    expected = round(TRAINING_HOURS_PER_YEAR * year_fraction(facts.as_of), 2)
    hours = [(i, m, training_hours_as_of(m, facts.as_of)) for i, m in staff]
    average = sum(h for _, _, h in hours) / len(hours) if hours else None
    return Measure(_ratio(average, expected) if average is not None else None,
                   round(average, 2) if average is not None else None, len(hours), expected,
                   evidence=[_staff_record(i, m, training_hours=h) for i, m, h in hours])


def _households(facts: Facts) -> list[tuple[str, dict]]:
    return sorted((i, h) for i, h in facts.models.households.items()
                  if facts.here(h) and h["registered_on"] <= facts.day)


def _reviews(household: dict, day: str) -> list[str]:
    return [d for d in household.get("assessed_on", []) if d <= day]


def _household_record(household_id: str, household: dict, day: str) -> dict:
    reviews = _reviews(household, day)
    return _record("household", household_id, household["station"], household["registered_on"],
                   last_assessed_on=reviews[-1] if reviews else None)


def archive_coverage(facts: Facts) -> Measure:
    """Households with a needs archive (assessed at least once by the day) ÷ households registered."""
    households = _households(facts)
    archived = [(i, h) for i, h in households if _reviews(h, facts.day)]
    return Measure(_ratio(len(archived), len(households)), len(archived), len(households),
                   evidence=[_household_record(i, h, facts.day) for i, h in households])


def archive_freshness(facts: Facts) -> Measure:
    """Households whose archive was reviewed within the 12 months before the day ÷ households registered."""
    households, fresh_from = _households(facts), one_year_before(facts.as_of).isoformat()
    fresh = [(i, h) for i, h in households if (_reviews(h, facts.day) or [""])[-1] > fresh_from]
    return Measure(_ratio(len(fresh), len(households)), len(fresh), len(households),
                   evidence=[_household_record(i, h, facts.day) for i, h in households])


def visits_per_household(facts: Facts) -> Measure:
    visits = sorted((i, v) for i, v in facts.models.visits.items()
                    if facts.here(v) and facts.period.contains(v["visited_on"]))
    households = len(_households(facts))
    return Measure(_ratio(len(visits), households), len(visits), households,
                   evidence=[_record("visit", i, v["station"], v["visited_on"], household=v.get("household"),
                                     case=v.get("case")) for i, v in visits])


def case_closure_rate(facts: Facts) -> Measure:
    """Cases closed this year by the day ÷ (cases open on 1 January + cases opened since)."""
    start, day, evidence = facts.period.start.isoformat(), facts.day, []
    closed = base = 0
    for case_id, case in sorted(facts.models.cases.items()):
        opened_on, closed_on = case["opened_on"], case.get("closed_on")
        if not facts.here(case) or opened_on > day or (closed_on is not None and closed_on < start):
            continue
        base += 1
        closed_in = closed_on is not None and closed_on <= day
        closed += closed_in
        evidence.append(_record("case", case_id, case["station"], opened_on, domain=case.get("domain"),
                                closed_on=closed_on if closed_in else None, household=case.get("household")))
    return Measure(_ratio(closed, base), closed, base, evidence=evidence)


def _end_of(day: date) -> str:
    return clock.timestamp(datetime.combine(day, time.max, CHINA_STANDARD_TIME))


def crisis_first_contact_24h(facts: Facts) -> Measure:
    """Crisis flags of the year whose outcome is known by the day's end: contacted by the 24-hour due time ÷
    (in time + late + no contact by the due time). Flags still inside their 24 hours are left out."""
    read_at, evidence = _end_of(facts.as_of), []
    in_time = decided = 0
    for case_id, episodes in sorted(facts.models.crisis.items()):
        for episode in episodes:
            if not facts.here(episode) or not facts.period.contains(china_date(episode["flagged_at"])) \
                    or episode["flagged_at"] > read_at:
                continue
            contact = episode.get("first_contact_at")
            contact = contact if contact is not None and contact <= read_at else None
            if contact is None and episode["due_at"] >= read_at:
                continue  # still awaiting its first contact, within time
            timely = contact is not None and contact <= episode["due_at"]
            decided += 1
            in_time += timely
            evidence.append(_record("crisis", case_id, episode["station"], china_date(episode["flagged_at"]),
                                    flagged_at=episode["flagged_at"], due_at=episode["due_at"],
                                    first_contact_at=contact, in_time=timely))
    return Measure(_ratio(in_time, decided), in_time, decided, evidence=evidence)


def volunteer_hours(facts: Facts) -> Measure:
    """Volunteer service hours approved at the stations this year by the day."""
    approvals = sorted((i, a) for i, a in facts.models.hours.items()
                       if facts.here(a) and facts.period.contains(a["approved_on"]))
    total = round(sum(a["hours"] for _, a in approvals), 2)
    return Measure(total, total, evidence=[_record("volunteer_hours", i, a["station"], a["approved_on"],
                                                   volunteer=a.get("volunteer"), hours=a["hours"])
                                           for i, a in approvals])


def supervision_sessions_vs_plan(facts: Facts) -> Measure:
    """Supervision sessions held this year by the day ÷ the yearly plan's target pro rata; None without a target."""
    held = sorted((s for s in facts.sessions if facts.period.contains(s["date"])), key=lambda s: (s["date"], s["id"]))
    expected = round(facts.session_target * year_fraction(facts.as_of), 2) if facts.session_target else None
    return Measure(_ratio(len(held), expected) if expected else None, len(held), None, expected,
                   evidence=[_record("supervision_session", s["id"], s["station_id"], s["date"]) for s in held])


COMPUTATIONS: dict[str, Callable[[Facts], Measure]] = {
    "staff_count": staff_count, "professional_ratio": professional_ratio,
    "training_hours_pro_rata": training_hours_pro_rata, "archive_coverage": archive_coverage,
    "archive_freshness": archive_freshness, "visits_per_household": visits_per_household,
    "case_closure_rate": case_closure_rate, "crisis_first_contact_24h": crisis_first_contact_24h,
    "volunteer_hours": volunteer_hours, "supervision_sessions_vs_plan": supervision_sessions_vs_plan,
}
assert tuple(COMPUTATIONS) == SCORECARD_FORMULAS
