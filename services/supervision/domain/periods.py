"""The one period argument of every roll-up: a year, a quarter, a month, or from/to dates."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from services.common.errors import ValidationFailed

# A roll-up over more than this would be a different question (trends have their own field).
LONGEST_PERIOD_DAYS = 5 * 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def contains(self, day: str | date | None) -> bool:
        if day is None:
            return False
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        return self.start <= day <= self.end

    def as_of(self, today: date) -> date:
        """The day state figures (open cases, current archives) are read on: the period's end, or
        today while the period is still running."""
        return min(self.end, today)

    def to_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def period_of(today: date, year: int | None = None, quarter: int | None = None, month: int | None = None,
              start: date | None = None, end: date | None = None) -> Period:
    """One period from the arguments a caller gave (already type-checked by the schema)."""
    if start is not None or end is not None:
        if year is not None or quarter is not None or month is not None:
            raise ValidationFailed.field("period", "give either year (with quarter or month) or from/to, not both")
        if start is None or end is None:
            raise ValidationFailed.field("period", "from and to go together")
        if start > end:
            raise ValidationFailed.field("period.to", "must not be before from")
        if (end - start).days > LONGEST_PERIOD_DAYS:
            raise ValidationFailed.field("period", "at most five years")
        return Period(start, end)
    if year is None:
        if quarter is not None or month is not None:
            raise ValidationFailed.field("period.year", "a quarter or a month needs its year")
        year = today.year
    if quarter is not None and month is not None:
        raise ValidationFailed.field("period", "give a quarter or a month, not both")
    if quarter is not None:
        first_month = 3 * (quarter - 1) + 1
        return Period(date(year, first_month, 1), _month_end(year, first_month + 2))
    if month is not None:
        return Period(date(year, month, 1), _month_end(year, month))
    return Period(date(year, 1, 1), date(year, 12, 31))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def one_year_before(day: date) -> date:
    """The same calendar day a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_fraction(day: date) -> float:
    """How much of `day`'s calendar year has passed at its end (1 January → 1/365)."""
    days_in_year = 366 if calendar.isleap(day.year) else 365
    return (day - date(day.year, 1, 1) + timedelta(days=1)).days / days_in_year
