"""Visits (to a case or to the household itself, e.g. for a verification campaign) and services delivered."""
from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.auth import Viewer, region_prefix
from services.common.errors import ValidationFailed
from services.common.events import Envelope, event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas, views
from . import access
from .case_changes import breach_events, save_case
from .context import Casework


def protected_notes(casework: Casework, text: str | None, protected: bool) -> dict:
    """Notes as stored: encrypted for the case team only when the case is protected, else as written."""
    if protected:
        return {"notes": None, "notes_encrypted": casework.cipher.encrypt(text) if text else None}
    return {"notes": text}


def _new_visit(casework: Casework, viewer: Viewer, data: dict, household: dict, case: dict | None,
               protected: bool) -> dict:
    now = casework.now()
    domain.check_visit(data, now)
    access.require_current_staff(casework, data["staff_ids"], household["station_id"], data["visited_on"],
                                 "staff_ids")
    contact_at = data.get("visited_at") or now
    return clock.jsonable({
        "visit_id": new_id("vs"), "household_id": household["_id"], "case_id": case["_id"] if case else None,
        "campaign_id": data.get("campaign_id"), "visit_type": data["visit_type"], "visited_on": data["visited_on"],
        "contact_at": clock.timestamp(contact_at), "duration_minutes": data["duration_minutes"],
        "staff_ids": data["staff_ids"], "other_participants": data.get("other_participants", []),
        "next_visit_on": data.get("next_visit_on"), "recorded_at": clock.timestamp(now),
        "recorded_by": viewer.user_id, **protected_notes(casework, data.get("notes"), protected)})


def _visit_event(viewer: Viewer, visit: dict, household: dict) -> Envelope:
    return event_by(viewer, events.VISIT_LOGGED, {
        "visit_id": visit["visit_id"], "household_id": household["_id"], "case_id": visit["case_id"],
        "campaign_id": visit["campaign_id"], "station_id": household["station_id"],
        "township_code": household["township_code"], "visit_type": visit["visit_type"],
        "visited_on": visit["visited_on"], "duration_minutes": visit["duration_minutes"],
        "staff_ids": visit["staff_ids"], "contact_at": visit["contact_at"]})


def log_case_visit(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.VisitSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    household = casework.repo.households.require(case["household_id"])
    visit = _new_visit(casework, viewer, data, household, case, domain.is_crisis_case(case))
    changes = domain.add_case_visit(case, visit, casework.now())
    save_case(casework, viewer, case, data["expected_version"], changes,
              [_visit_event(viewer, visit, household), *breach_events(viewer, case, changes)])
    return views.visit_view(visit, False)


def log_household_visit(casework: Casework, viewer: Viewer, household_id: str, data: dict) -> dict:
    """A visit to the household itself, e.g. a comprehensive-verification visit (`campaign_id`)."""
    data = load(schemas.HouseholdVisitSchema, data)
    household = access.household_for_write(casework, viewer, household_id)
    changes: dict[str, object] = {}
    if data.get("campaign_id"):
        campaign = access.visible_campaign(casework, viewer, data["campaign_id"], "campaign_id")
        if not household["region_code"].startswith(region_prefix(campaign["region_code"])) or \
                not domain.targeted_members(household, campaign["criteria"], date.fromisoformat(campaign["starts_on"])):
            raise ValidationFailed.field("campaign_id", "this household is not among the campaign's targets")
        if not campaign["starts_on"] <= data["visited_on"].isoformat() <= campaign["ends_on"]:
            raise ValidationFailed.field("visited_on", f"outside the campaign ({campaign['starts_on']} – "
                                                       f"{campaign['ends_on']})")
        visits = dict(household.get("campaign_visits") or {})
        visits.setdefault(campaign["_id"], data["visited_on"].isoformat())
        changes["campaign_visits"] = visits
    visit = _new_visit(casework, viewer, data, household, None, False)
    changes["visits"] = [*household.get("visits", []), visit]
    casework.repo.households.update(household_id, data["expected_version"], changes,
                                    [_visit_event(viewer, visit, household)])
    return views.visit_view(visit, False)


def record_service(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.ServiceSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    if data["delivered_on"] > casework.today():
        raise ValidationFailed.field("delivered_on", "a service cannot be dated in the future")
    access.require_current_staff(casework, data["staff_ids"], case["station_id"], data["delivered_on"], "staff_ids")
    household = casework.repo.households.require(case["household_id"])
    known_needs = {n["need_id"] for v in household.get("archive", []) for n in v["needs"]}
    for index, need_id in enumerate(data["need_ids"]):
        if need_id not in known_needs:
            raise ValidationFailed.field(f"need_ids.{index}", "not a need of this household's archive")
    service = clock.jsonable({
        "service_id": new_id("sv"), "source": "station", "activity_type": data["activity_type"],
        "delivered_on": data["delivered_on"], "duration_minutes": data["duration_minutes"],
        "staff_ids": data["staff_ids"], "need_ids": data["need_ids"], "recorded_at": clock.timestamp(casework.now()),
        "recorded_by": viewer.user_id,
        **protected_notes(casework, data.get("notes"), domain.is_crisis_case(case))})
    save_case(casework, viewer, case, data["expected_version"], domain.add_case_service(case, service))
    return views.service_view(service)


# --- reads ---------------------------------------------------------------------------------------------------
def visits_for_cases(casework: Casework, viewer: Viewer, case_ids: list[str]) -> dict:
    found = access.visible_cases(casework, viewer, case_ids)
    result = {}
    for cid in case_ids:
        case = found.get(cid)
        hidden = case is not None and domain.is_crisis_case(case) and not access.in_case_team(casework, viewer, case)
        result[cid] = [views.visit_view(v, hidden) for v in case["visits"]] if case else []
    return result


def visits_for_households(casework: Casework, viewer: Viewer, household_ids: list[str]) -> dict:
    """Every visit to each household: its own (e.g. verification) and those logged on its cases."""
    found = access.visible_households(casework, viewer, household_ids)
    cases = casework.repo.cases.of_households(list(found)) if found else []
    result = {hid: [views.visit_view(v, False) for v in found[hid].get("visits", [])] if hid in found else []
              for hid in household_ids}
    for case in cases:
        if domain.is_crisis_case(case) and not access.in_case_team(casework, viewer, case):
            continue  # a protected case's visits would point at its person
        result[case["household_id"]].extend(views.visit_view(v, False) for v in case["visits"])
    for visits in result.values():
        visits.sort(key=lambda v: (v["visited_on"], v["recorded_at"]))
    return result


def services_for_cases(casework: Casework, viewer: Viewer, case_ids: list[str]) -> dict:
    found = access.visible_cases(casework, viewer, case_ids)
    seen = views.Visibility.for_viewer(viewer)
    return {cid: [views.service_view(s, seen) for s in found[cid]["services"]] if cid in found else []
            for cid in case_ids}
