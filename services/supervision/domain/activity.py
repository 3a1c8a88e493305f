"""Figures of the read models the roll-up does not tally: volunteer hours approved, stations evaluated by a
third party, and money disbursed, for a region, a viewer's scope and a period. Trends (domain/trends.py) and
plan versus actual (domain/plans.py) read them, so both give the same number for the same month.

Definitions (docs/supervision.md, "Trends" and "County yearly plans", repeats them):
- volunteer hours: hours of the `volunteer.hours_approved` events approved within the period at a station in
  the region and scope (the day of approval, in China time, as the read model keeps it);
- stations evaluated: distinct stations in the region and scope covered by a third-party evaluation
  (funding's `evaluation.completed`) completed within the period. The notice has the county commission a
  third-party evaluation of the stations' work each year (县级民政部门 … 对项目实施情况进行第三方评估), so a plan's
  `evaluation` target is how many of its stations are to be evaluated (a station's own target: 1);
- money disbursed: fen of the disbursements paid within the period (status paid: a held or cancelled one is
  not), counted in a region when every station it pays for lies in the region and in the scope. A payment
  for stations of several townships counts in the smallest region holding all of them (the county, usually),
  never split by a guess, so the townships' figures may add up to less than the county's.
None of them is a count of people, so the small-count suppression (domain/suppression.py) does not apply:
they are scoped, never hidden. Pure: the read-model records, the region, the scope and the period go in.
"""
from __future__ import annotations

from .access import FigureScope
from .outcome_folds import PAID
from .periods import Period
from .regions import RegionKey


def township_of(station_id: str) -> str:
    """Registry station ids are `ST<township code>`: the id says where the station is."""
    return station_id[2:]


def _counts(station_id: str | None, township: str | None, region: RegionKey, scope: FigureScope) -> bool:
    return region.covers(township) and scope.covers(station_id, township)


def volunteer_hours(hours: dict, region: RegionKey, scope: FigureScope, period: Period) -> float:
    """The hours approved in `period` at the stations of `region` within `scope`."""
    total = sum(a["hours"] for a in hours.values()
                if period.contains(a["approved_on"]) and _counts(a.get("station"), a.get("township"), region, scope))
    return round(total, 2)


def volunteer_hours_by_region(hours: dict, regions: list[RegionKey], scope: FigureScope,
                              period: Period) -> dict[str, float]:
    """`volunteer_hours` of several regions (a region and its children) in one pass over the approvals."""
    totals = dict.fromkeys((r.prefix for r in regions), 0.0)
    lengths = sorted({len(r.prefix) for r in regions})
    first, last = period.start.isoformat(), period.end.isoformat()
    for approval in hours.values():
        township, day = approval.get("township"), approval["approved_on"][:10]
        if township is None or not first <= day <= last or not scope.covers(approval.get("station"), township):
            continue
        for length in lengths:
            if township[:length] in totals:
                totals[township[:length]] += approval["hours"]
    return {prefix: round(total, 2) for prefix, total in totals.items()}


def stations_evaluated(evaluations: dict, region: RegionKey, scope: FigureScope, period: Period) -> int:
    """Distinct stations of `region` within `scope` whose third-party evaluation was completed in `period`."""
    stations = {station for e in evaluations.values()
                if e.get("status") == "completed" and period.contains(e.get("completed_on"))
                for station in e.get("station_ids", []) if _counts(station, township_of(station), region, scope)}
    return len(stations)


def _pays_within(disbursement: dict, region: RegionKey, scope: FigureScope) -> bool:
    stations = disbursement.get("station_ids") or []
    if not stations:  # a contract with no station (a county-wide service): where it was awarded
        return _counts(None, disbursement.get("region_code"), region, scope)
    return all(_counts(s, township_of(s), region, scope) for s in stations)


def money_disbursed_fen(disbursements: dict, region: RegionKey, scope: FigureScope, period: Period) -> int:
    """Fen paid in `period` for stations all of which lie in `region` and `scope`."""
    return sum(d["amount_fen"] for d in disbursements.values()
               if d.get("status") == PAID and period.contains(d.get("paid_on")) and _pays_within(d, region, scope))
