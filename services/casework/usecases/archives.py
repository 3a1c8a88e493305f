"""The needs archive (需求档案): versioned assessments, what is in force on a date, overdue reviews."""
from __future__ import annotations

from datetime import date

from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas, views
from . import access
from .context import Casework, actor


def assess_needs(casework: Casework, viewer: Viewer, household_id: str, data: dict) -> dict:
    data = load(schemas.AssessmentSchema, data)
    household = access.household_for_write(casework, viewer, household_id)
    now, today = casework.now(), casework.today()
    access.require_current_staff(casework, [data["assessor_staff_id"]], household["station_id"],
                                 min(data["assessed_on"], today), "assessor_staff_id", single=True)
    version = domain.new_archive_version(household, data, new_id("as"), [new_id("nd") for _ in data["needs"]],
                                         actor(viewer).record(now), now, today)
    domain.require_archive_basis(household, version["needs"], today)
    version["withheld_from_matching"] = domain.withheld_from_matching(household, version["needs"], today)
    archive = [*household.get("archive", []), version]
    updated = {**household, "archive": archive}
    event = event_by(viewer, events.NEEDS_ASSESSED, domain.needs_event_payload(updated, version, today))
    casework.repo.households.update(household_id, data["expected_version"], {
        "archive": archive, "review_due_on": domain.review_due_on(updated),
        "last_assessed_on": version["assessed_on"], "risk_level": version["risk_level"]}, [event])
    return views.archive_version_view(household_id, version)


def archives_for_households(casework: Casework, viewer: Viewer, household_ids: list[str],
                            as_of: str | None = None) -> dict:
    """{household_id: the archive version in force on `as_of` (default today), or None}."""
    on = _parse_date(as_of, "as_of") if as_of else casework.today()
    found = access.visible_households(casework, viewer, household_ids)
    result = {}
    for hid in household_ids:
        household = found.get(hid)
        version = domain.version_as_of(household.get("archive", []), on) if household else None
        result[hid] = views.archive_version_view(hid, version) if version else None
    return result


def archive_history(casework: Casework, viewer: Viewer, household_ids: list[str]) -> dict:
    """{household_id: every archive version, oldest first}."""
    found = access.visible_households(casework, viewer, household_ids)
    return {hid: [views.archive_version_view(hid, v) for v in found[hid].get("archive", [])] if hid in found else []
            for hid in household_ids}


def archive_overdue_summary(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    """Per station: households, overdue archives (no assessment in 12 months), never assessed."""
    f = load(schemas.RegionSummaryFilterSchema, filters or {})
    today = casework.today().isoformat()
    counts = casework.repo.households.archive_counts(access.scope(viewer, f["region"]), f["station_id"], today)
    totals, overdue, never = counts.households, counts.overdue, counts.never_assessed
    stations = [{"station_id": sid, "households": totals[sid], "overdue": overdue.get(sid, 0),
                 "never_assessed": never.get(sid, 0)} for sid in sorted(totals)]
    return {"as_of": today, "region": f["region"], "stations": stations,
            "households": sum(totals.values()), "overdue": sum(overdue.values()),
            "never_assessed": sum(never.values())}


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, "a date like 2026-06-30") from None
