"""Trends: the roll-up's figures per month of a year, for charts.

Each month is the period roll-up of that month (domain/figures.py), computed from the same read models
in one pass per month, and protected as the protected roll-up is (domain/suppression.py): a month's count
of people is null when the protected roll-up of that month would hide it, and so is a ratio built on a
hidden count. Across the months, the flow counts (cases opened and closed, visits) add up to the
year's, which the protected roll-up of the year may show: when exactly one month of such a key is hidden
beside a shown year, the smallest non-zero other month is hidden too (`complementary`), so that no month
is the year minus the others. Months that have not begun are left out.
Volunteer hours approved and money disbursed come from their own read models (domain/activity.py defines
them), per month, in the same scope. They are not counts of people, so no suppression hides them.
Pure: the read models, the disbursements, the region, the year, the threshold and who is inside which area
go in.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from . import activity
from .access import FigureScope
from .figures import ReadModels, rollup
from .periods import period_of
from .regions import RegionKey
from .suppression import COMPLEMENTARY, protect

# key of the trend point → key of the protected roll-up's count it shows
COUNTS = {"households_registered": "households.registered", "households_current_archive": "households.current_archive",
          "cases_opened": "cases.opened", "cases_closed": "cases.closed", "visits": "visits.count",
          "crisis_breaches": "crisis.breaches"}
# counts that add up over the months to the year's (state figures and crisis read-at-month-end do not)
ADDITIVE = ("cases.opened", "cases.closed", "visits.count")
# a ratio is hidden with any count it is built on
RATIOS = {"archive_freshness": ("households.registered", "households.current_archive"),
          "closure_rate": ("cases.opened", "cases.closed")}


def months_begun(year: int, today: date) -> list[int]:
    return [month for month in range(1, 13) if date(year, month, 1) <= today]


def trend(models: ReadModels, disbursements: dict, region: RegionKey, townships: list[str], year: int, today: date,
          scope: FigureScope, threshold: int, inside: Callable[[str], bool]) -> dict:
    """{"threshold", "months": [point …]}: one point per month of `year` begun by `today`;
    `disbursements` are the contract-money read model's (outcome_storage.contract_money)."""
    year_view = _protected(models, region, townships, period_of(today, year=year), today, scope, threshold, inside)
    months = []
    for month in months_begun(year, today):
        period = period_of(today, year=year, month=month)
        figures = rollup(models, region, townships, [], period, today, scope)["region"]
        cells = _protected(models, region, townships, period, today, scope, threshold, inside, figures)
        figures = {**figures, "volunteer_hours": activity.volunteer_hours(models.hours, region, scope, period),
                   "money_disbursed_fen": activity.money_disbursed_fen(disbursements, region, scope, period)}
        months.append((month, figures, cells))
    _complete_across_months(year_view, [cells for _, _, cells in months])
    return {"threshold": threshold, "months": [_point(year, month, figures, cells) for month, figures, cells in months]}


def _protected(models, region, townships, period, today, scope, threshold, inside, figures=None) -> dict:
    """key → (value, reason or None) of the protected roll-up of `region` alone for `period`."""
    figures = figures or rollup(models, region, townships, [], period, today, scope)["region"]
    view = protect({"region": figures, "children": []}, threshold, inside)["region"]
    return {row["key"]: [row["value"], row["reason"]] for row in view["figures"]}


def _complete_across_months(year_view: dict, months: list[dict]) -> None:
    for key in ADDITIVE:
        if year_view[key][1] is not None:
            continue  # the year's total is hidden: nothing to subtract from
        while sum(cells[key][1] is not None for cells in months) == 1:
            shown = sorted((cells[key][0], index) for index, cells in enumerate(months)
                           if cells[key][1] is None and cells[key][0] > 0)
            if not shown:
                break
            months[shown[0][1]][key][1] = COMPLEMENTARY


def _point(year: int, month: int, figures: dict, cells: dict) -> dict:
    hidden = sorted(key for key, (_, reason) in cells.items() if reason is not None and key in COUNTS.values())
    point = {"month": f"{year}-{month:02d}", "period": figures["period"], "as_of": figures["as_of"],
             "stations_operating": figures["stations"]["operating"],
             "townships_covered": figures["stations"]["townships_covered"],
             "township_coverage": figures["stations"]["township_coverage"],
             "archive_freshness": figures["households"]["archive_freshness"],
             "closure_rate": figures["cases"]["closure_rate"],
             "volunteer_hours": figures["volunteer_hours"], "money_disbursed_fen": figures["money_disbursed_fen"],
             "suppressed": hidden}
    for name, key in COUNTS.items():
        point[name] = None if key in hidden else cells[key][0]
    for name, parts in RATIOS.items():
        if any(part in hidden for part in parts):
            point[name] = None
    return point
