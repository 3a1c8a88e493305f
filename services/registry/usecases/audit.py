"""The personal-data access log: dashboard exports recorded before the file leaves, and reading the log."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import PermissionDenied
from services.common.rpc import load
from services.registry import schemas

from .access import visible_station
from .context import Registry


def record_export(context: Registry, viewer: Viewer, export: dict) -> dict:
    """Log a table exported from the dashboard (who, what, scope) before the gateway hands the file over.
    The scope must be the viewer's own: a station they may see, or a region within theirs."""
    data = load(schemas.ExportRecordSchema, export)
    if viewer.is_public:
        raise PermissionDenied("exports are for signed-in users")
    station_id, region_code = data["station_id"], data["region_code"]
    if station_id:
        region_code = visible_station(context, viewer, station_id)["region_code"]
    elif not viewer.sees_region(region_code):
        raise PermissionDenied(f"region {region_code} is outside your scope")
    context.repo.access_log.record(viewer, subject_type="export", subject_id=data["table"], fields=data["columns"],
                                   reason=f"{data['format']} export of {data['rows']} rows",
                                   station_id=station_id, region_code=region_code)
    return {"logged": True, "region_code": region_code, "station_id": station_id}


def access_log(context: Registry, viewer: Viewer, filters: dict | None) -> list[dict]:
    filters = filters or {}
    return context.repo.access_log.entries(viewer, subject_id=filters.get("subject_id"),
                                           user_id=filters.get("user_id"), limit=int(filters.get("limit") or 100))
