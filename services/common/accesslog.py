"""The access log: every unmasked read of personal data, scoped like the data it describes.

One implementation for every service: each writes its entries into its own `access_log` collection through
`AccessLog.record`, and answers `access_log_page` (AccessLogEndpoints) the same way, so the gateway can merge
the four logs into one (`personalDataAccessLog`). Each entry carries the station and region of the record that
was revealed, so reading the log is scoped the same way as reading the records: a county official sees their
county's entries, a supervisor their stations'. Entries written before they carried a scope have none and are
shown to administrators only.

Pages are newest first by (`at`, `_id`); the cursor is that pair of the page's last entry, which orders the
entries of every service the same way, so one cursor pages through the merged log too.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from marshmallow import Schema, ValidationError, fields, validate

from . import clock, storage
from .auth import ADMIN, CITY, COUNTY, PROVINCE, SUPERVISOR, Viewer
from .errors import PermissionDenied, ValidationFailed
from .ids import new_id
from .rpc import rpc
from .scope import Scope

READERS = (ADMIN, SUPERVISOR, COUNTY, CITY, PROVINCE)
MAX_PAGE = 100
COLLECTION = "access_log"


class _DayOrInstant(fields.Field):
    """An instant with its offset, or a whole day (YYYY-MM-DD) in China: some callers filter by days."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) == 10:
            return fields.Date()._deserialize(value, attr, data, **kwargs)
        return fields.AwareDateTime()._deserialize(value, attr, data, **kwargs)


def _start_of_china_day(day: date) -> datetime:
    return datetime.combine(day, time.min, clock.CHINA_STANDARD_TIME)


def _instant(value: date | datetime | None, *, end: bool) -> datetime | None:
    """A day as an instant: `since` a day from its start, `until` a day up to its end (the next day's start)."""
    if value is None or isinstance(value, datetime):
        return value
    return _start_of_china_day(value + timedelta(days=1) if end else value)


class AccessLogFilterSchema(Schema):
    """The one filter of the access log, for every service's `access_log` and `access_log_page`."""
    subject_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    user_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    subject_type = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    station_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    since = _DayOrInstant(load_default=None, allow_none=True)  # from this instant, or from the day's start
    until = _DayOrInstant(load_default=None, allow_none=True)  # before this instant, or to the day's end
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=MAX_PAGE, validate=validate.Range(1, MAX_PAGE))


def _cursor(entry: dict) -> str:
    return f"{clock.timestamp(entry['at'])}|{entry['_id']}"


def _parse_cursor(cursor: str) -> tuple[datetime, str]:
    at, _, entry_id = cursor.partition("|")
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")), entry_id
    except ValueError:
        raise ValidationFailed.field("after", "not a cursor this log returned") from None


class AccessLog:
    def __init__(self, collection):
        self.collection = collection

    def record(self, viewer: Viewer, *, subject_type: str, subject_id: str, fields: list[str], reason: str,
               station_id: str | None, region_code: str, action: str | None = None, **context: str) -> None:
        """`context`: ids that locate the subject (a person's household_id), shown with the entry."""
        self.collection.insert_one({
            "_id": new_id("acc"), "at": clock.utcnow(), "user_id": viewer.user_id, "role": viewer.role,
            "action": action or f"reveal_{subject_type}", "subject_type": subject_type, "subject_id": subject_id,
            "fields": fields, "reason": reason, "station_id": station_id or "", "region_code": region_code,
            **context})

    def page(self, viewer: Viewer, filters: dict | None = None) -> dict:
        """Entries in the viewer's scope matching `filters` (AccessLogFilterSchema), newest first."""
        if viewer.role not in READERS:
            raise PermissionDenied("only supervisors, civil-affairs staff and administrators read the access log")
        try:
            f = AccessLogFilterSchema().load(filters or {})
        except ValidationError as exc:
            raise ValidationFailed.from_marshmallow(exc.messages) from None
        conditions = [storage.scope_filter(Scope.of(viewer))]
        conditions += [{name: f[name]} for name in ("subject_id", "user_id", "subject_type", "station_id") if f[name]]
        since, until = _instant(f["since"], end=False), _instant(f["until"], end=True)
        if since:
            conditions.append({"at": {"$gte": since}})
        if until:
            conditions.append({"at": {"$lt": until}})
        cursor = _parse_cursor(f["after"]) if f["after"] else None
        if cursor:  # one range on `at`; the tie on `at` is broken below (the test store mishandles `$or` here)
            conditions.append({"at": {"$lte": cursor[0]}})
        conditions = [c for c in conditions if c]
        query = {"$and": conditions} if len(conditions) > 1 else (conditions[0] if conditions else {})
        found: list[dict] = []
        skip = 0
        while len(found) <= f["limit"]:
            batch = list(self.collection.find(query).sort([("at", -1), ("_id", -1)]).skip(skip).limit(f["limit"] + 1))
            skip += len(batch)
            found += [e for e in batch if not cursor or (e["at"], e["_id"]) < cursor]
            if len(batch) <= f["limit"]:
                break
        page = found[:f["limit"]]
        return {"items": [self.view(e) for e in page],
                "next_cursor": _cursor(page[-1]) if len(found) > f["limit"] else None}

    def entries(self, viewer: Viewer, *, subject_id: str | None = None, user_id: str | None = None,
                limit: int = MAX_PAGE) -> list[dict]:
        """The first page as a plain list (the older per-service log fields)."""
        return self.page(viewer, {"subject_id": subject_id, "user_id": user_id, "limit": limit})["items"]

    @staticmethod
    def view(entry: dict) -> dict:
        at = entry["at"]
        return {"id": str(entry.get("_id")), **{k: v for k, v in entry.items() if k != "_id"},
                "at": at if isinstance(at, str) else clock.timestamp(at)}


class AccessLogEndpoints:
    """`access_log_page(viewer, filters)` over the service's own log, for the gateway's merged log."""

    name: str  # the nameko service's own

    @rpc
    def access_log_page(self, viewer, filters=None):
        return AccessLog(storage.database(self.name)[COLLECTION]).page(Viewer.from_dict(viewer), filters)
