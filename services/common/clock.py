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


# --- the one timestamp codec ------------------------------------------------------------------
def timestamp(moment: datetime) -> str:
    """A moment as stored and published: fixed-width UTC with microseconds (`2026-01-02T03:04:05.000006Z`),
    so comparing two of these strings compares the moments. A naive datetime is taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """Any ISO 8601 moment (`Z` or an offset; a bare date-time is UTC) as an aware datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(moment: datetime) -> date:
    """The date in China Standard Time: the day a station worked on."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(CHINA_STANDARD_TIME).date()


def jsonable(value):
    """Plain JSON for stores and event payloads: moments through `timestamp`, dates as ISO dates."""
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value
