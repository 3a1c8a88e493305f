"""Time comes from one replaceable clock so rules about deadlines can be tested exactly."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# Stations work on China Standard Time (UTC+8, no daylight saving): "today" for deadlines, training
# dates and visits is the date in Beijing, not in UTC (a morning visit would otherwise be "tomorrow").
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def utcnow() -> datetime:
    return _now()


def today() -> date:
    return _now().astimezone(CHINA_STANDARD_TIME).date()


def _system_now() -> datetime:
    return datetime.now(UTC)


_now = _system_now


class FrozenClock:
    """Context manager for tests: `with FrozenClock(datetime(...)) as clock: clock.advance(hours=25)`."""

    def __init__(self, at: datetime):
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def __enter__(self):
        global _now
        self._previous = _now
        _now = lambda: self.at  # noqa: E731
        return self

    def advance(self, **delta):
        from datetime import timedelta
        self.at = self.at + timedelta(**delta)

    def __exit__(self, *exc):
        global _now
        _now = self._previous


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
