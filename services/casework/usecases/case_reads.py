"""Reading cases: by id, the station queue, per household, dashboards' summaries and caseloads."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.rpc import load

from .. import domain, schemas
from ..storage import CaseCriteria, QueuePosition, staff_is_current
from . import access
from .context import Casework
from .presentation import case_views

SUMMARY_FIGURES = ("crisis_active", "crisis_contact_overdue", "crisis_breaches", "overdue")


def get_cases(casework: Casework, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = access.visible_cases(casework, viewer, ids)
    shown = dict(zip(found, case_views(casework, viewer, list(found.values())), strict=False))
    return [shown.get(i) for i in ids]


def list_cases(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    """The station queue: active crises first, then by opening time (keyset paging)."""
    f = load(schemas.CaseFilterSchema, filters or {})
    criteria = CaseCriteria(station_id=f["station_id"], domain=f["domain"], stage=f["stage"], crisis=f["crisis"],
                            overdue=f["overdue"], assigned_staff_id=f["assigned_staff_id"],
                            household_id=f["household_id"])
    after = _queue_position(f["after"]) if f["after"] else None
    page = casework.repo.cases.queue_page(access.scope(viewer, f["region"]), criteria, casework.now(), after,
                                          f["limit"])
    return {"items": case_views(casework, viewer, page.docs), "next_cursor": page.next_cursor, "total": page.total}


def cases_for_households(casework: Casework, viewer: Viewer, household_ids: list[str]) -> dict:
    found = access.visible_households(casework, viewer, household_ids)
    cases = casework.repo.cases.of_households(list(found)) if found else []
    result: dict[str, list[dict]] = {hid: [] for hid in household_ids}
    for case, view in zip(cases, case_views(casework, viewer, cases), strict=False):
        if not view["identity_protected"]:
            result[case["household_id"]].append(view)
    return result


def case_summary(casework: Casework, viewer: Viewer, filters: dict | None = None) -> dict:
    """Per station: open cases by stage, active crises, overdue cases (dashboards)."""
    f = load(schemas.RegionSummaryFilterSchema, filters or {})
    counts = casework.repo.cases.summary_counts(access.scope(viewer, f["region"]), f["station_id"], casework.now())
    stations: dict[str, dict] = {}
    for stage in domain.OPEN_STAGES:
        for sid, n in counts[f"open:{stage}"].items():
            stations.setdefault(sid, _empty_summary(sid))["open_by_stage"][stage] = n
    for figure in SUMMARY_FIGURES:
        for sid, n in counts[figure].items():
            stations.setdefault(sid, _empty_summary(sid))[figure] = n
    rows = [stations[sid] for sid in sorted(stations)]
    for row in rows:
        row["open"] = sum(row["open_by_stage"].values())
    return {"region": f["region"], "stations": rows, "open": sum(r["open"] for r in rows),
            **{figure: sum(r[figure] for r in rows) for figure in SUMMARY_FIGURES}}


def caseloads_for_stations(casework: Casework, viewer: Viewer, station_ids: list[str]) -> dict:
    """{station_id: [casework's copy of each staff member, with open and crisis case counts]}."""
    repo = casework.repo
    visible = [sid for sid in station_ids if (s := repo.station(sid)) and viewer.sees_station(sid, s["township_code"])]
    today = casework.today().isoformat()
    open_cases, crises = repo.cases.caseloads(visible)
    result: dict[str, list[dict]] = {sid: [] for sid in station_ids}
    for member in repo.staff_of_stations(visible):
        result[member["station_id"]].append({
            "staff_id": member["_id"], "name": member.get("name"), "role": member.get("role"),
            "current": staff_is_current(member, member["station_id"], today),
            "open_cases": open_cases.get(member["_id"], 0), "crisis_cases": crises.get(member["_id"], 0)})
    return result


def _empty_summary(station_id: str) -> dict:
    return {"station_id": station_id, "open_by_stage": {s: 0 for s in domain.OPEN_STAGES},
            "crisis_active": 0, "crisis_contact_overdue": 0, "crisis_breaches": 0, "overdue": 0}


def _queue_position(cursor: str) -> QueuePosition:
    try:
        rank, opened_at, case_id = cursor.split("|")
        return QueuePosition(int(rank), opened_at, case_id)
    except ValueError:
        raise ValidationFailed.field("after", "not a cursor this list returned") from None

