"""The access log: every unmasked read of personal data, scoped like the data it describes.

Each entry carries the station and region of the record that was revealed, so reading the log is scoped the
same way as reading the records: a county official sees their county's entries, a supervisor their stations'.
Entries written before they carried a scope have none and are shown to administrators only.
"""
from __future__ import annotations

from . import clock
from .auth import ADMIN, CITY, COUNTY, PROVINCE, SUPERVISOR, Viewer
from .errors import PermissionDenied

READERS = (ADMIN, SUPERVISOR, COUNTY, CITY, PROVINCE)


class AccessLog:
    def __init__(self, collection):
        self.collection = collection

    def record(self, viewer: Viewer, *, subject_type: str, subject_id: str, fields: list[str], reason: str,
               station_id: str | None, region_code: str) -> None:
        self.collection.insert_one({
            "at": clock.utcnow(), "user_id": viewer.user_id, "role": viewer.role, "subject_type": subject_type,
            "subject_id": subject_id, "fields": fields, "reason": reason, "station_id": station_id or "",
            "region_code": region_code})

    def entries(self, viewer: Viewer, *, subject_id: str | None = None, user_id: str | None = None,
                limit: int = 100) -> list[dict]:
        if viewer.role not in READERS:
            raise PermissionDenied("only supervisors, civil-affairs staff and administrators read the access log")
        query = viewer.station_filter(region_field="region_code", id_field="station_id")
        query.update({k: v for k, v in (("subject_id", subject_id), ("user_id", user_id)) if v})
        found = self.collection.find(query, {"_id": 0}).sort("at", -1).limit(limit)
        return [{**e, "at": clock.iso(e["at"])} for e in found]
