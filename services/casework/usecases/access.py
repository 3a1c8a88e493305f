"""Who may see and change which casework record: the scope rules, the crisis team and the approvers.

A record outside the viewer's scope is reported exactly like an unknown one (NotFound); a crisis case
is worked on only by its team (assigned worker, station lead, supervisors of the station), and its
person is hidden from everyone else.
"""
from __future__ import annotations

from datetime import date

from services.common.agency import AgencyScopes
from services.common.auth import (
    ADMIN,
    CITY,
    COUNTY,
    EVALUATOR,
    PROVINCE,
    REGION_ROLES,
    STATION_STAFF,
    SUPERVISOR,
    Viewer,
    is_division_code,
    region_prefix,
)
from services.common.errors import NotFound, OutOfScope, PermissionDenied, RuleViolation, ValidationFailed
from services.common.scope import Scope, load_for_write

from .. import domain, views
from ..storage import staff_is_current
from .context import Casework

SOCIAL_WORK_ROLES = ("social_worker", "station_lead")


def scope(viewer: Viewer, within: str | None = None) -> Scope:
    """The records `viewer` may read, narrowed to the region `within` when given."""
    return Scope.of(viewer, within)


# --- stations and households -------------------------------------------------------------------------
def station_for_write(casework: Casework, viewer: Viewer, station_id: str, field: str = "station_id") -> dict:
    # casework learns stations from the registry's events: one not yet learnt is unknown here too
    return load_for_write(viewer, casework.repo.station(station_id), "station", station_id, field=field,
                          station_field="_id", region_field="township_code")


def visible_household(casework: Casework, viewer: Viewer, household_id: str, field: str = "household_id") -> dict:
    household = casework.repo.households.get(household_id)
    if household is None or not viewer.sees_station(household["station_id"], household["region_code"]):
        raise NotFound(f"unknown household {household_id}", {field: ["no such household in your scope"]})
    return household


def household_for_write(casework: Casework, viewer: Viewer, household_id: str, field: str = "household_id",
                        allow_closed: bool = False) -> dict:
    household = visible_household(casework, viewer, household_id, field)
    viewer.require_write(station_id=household["station_id"], region_code=household["region_code"])
    if household.get("status") == "closed" and not allow_closed:
        raise RuleViolation("this household record was closed (all members merged elsewhere)", {field: ["closed"]})
    protected = protection(casework, viewer, [household])
    if household["_id"] in protected.hidden_households or protected.hidden_persons:
        raise PermissionDenied("a member of this household is protected by a crisis case: only the case team "
                               "changes the household")
    return household


def visible_households(casework: Casework, viewer: Viewer, household_ids: list[str]) -> dict[str, dict]:
    return _seen_by(viewer, casework.repo.households.by_ids(household_ids))


# --- cases ----------------------------------------------------------------------------------------------
def visible_case(casework: Casework, viewer: Viewer, case_id: str) -> dict:
    case = casework.repo.cases.get(case_id)
    if case is None or not viewer.sees_station(case["station_id"], case["region_code"]):
        raise NotFound(f"unknown case {case_id}", {"case_id": ["no such case in your scope"]})
    return case


def case_for_write(casework: Casework, viewer: Viewer, case_id: str) -> dict:
    case = visible_case(casework, viewer, case_id)
    viewer.require_write(station_id=case["station_id"], region_code=case["region_code"])
    if domain.is_crisis_case(case) and not in_case_team(casework, viewer, case):
        raise PermissionDenied("this is a crisis case: only its team (assigned worker, station lead, "
                               "supervisors of the station) works on it")
    return case


def visible_cases(casework: Casework, viewer: Viewer, case_ids: list[str]) -> dict[str, dict]:
    return _seen_by(viewer, casework.repo.cases.by_ids(case_ids))


def _seen_by(viewer: Viewer, records: list[dict]) -> dict[str, dict]:
    """The records of a batch the viewer may see, by id (the others are left out, as if unknown)."""
    return {r["_id"]: r for r in records if viewer.sees_station(r["station_id"], r["region_code"])}


def lead_stations(casework: Casework, viewer: Viewer) -> set[str]:
    """Stations where this viewer is the current station lead, per casework's staff copy."""
    if viewer.role != STATION_STAFF:
        return set()
    if viewer.user_id not in casework.known_leads:
        member = casework.repo.staff_member(viewer.user_id)
        today = casework.today().isoformat()
        leads = set()
        if member and member.get("role") == "station_lead" and member["station_id"] in viewer.station_ids \
                and staff_is_current(member, member["station_id"], today):
            leads.add(member["station_id"])
        casework.known_leads[viewer.user_id] = leads
    return casework.known_leads[viewer.user_id]


def in_case_team(casework: Casework, viewer: Viewer, case: dict) -> bool:
    if viewer.role == ADMIN:
        return True
    if viewer.role == SUPERVISOR:
        return case["station_id"] in viewer.station_ids
    if viewer.role == STATION_STAFF and case["station_id"] in viewer.station_ids:
        return viewer.user_id == case["assigned_staff_id"] or case["station_id"] in lead_stations(casework, viewer)
    return False


def require_approver(casework: Casework, viewer: Viewer, case: dict) -> None:
    if viewer.role == SUPERVISOR and case["station_id"] in viewer.station_ids:
        return
    if case["station_id"] in lead_stations(casework, viewer):
        return
    raise PermissionDenied("plans and closures are approved by a supervisor of the station or its station lead")


def protection(casework: Casework, viewer: Viewer, households: list[dict]) -> views.Visibility:
    """Which people of these households the viewer may not identify (crisis cases outside their team)."""
    seen = views.Visibility.for_viewer(viewer)
    if not households:
        return seen
    for case in casework.repo.cases.crises_of_households([h["_id"] for h in households]):
        if in_case_team(casework, viewer, case):
            continue
        if case["person_id"]:
            seen.hidden_persons.add(case["person_id"])
        else:
            seen.hidden_households.add(case["household_id"])
    return seen


# --- campaigns --------------------------------------------------------------------------------------------
def campaign_visible(viewer: Viewer, campaign: dict) -> bool:
    if viewer.role in (STATION_STAFF, SUPERVISOR):
        prefix = region_prefix(campaign["region_code"])
        return any(sid[2:].startswith(prefix) for sid in viewer.station_ids)
    # a campaign inside the viewer's region, or one covering it (a city-wide campaign for a county)
    return viewer.sees_region(campaign["region_code"]) or (
        viewer.role in (*REGION_ROLES, EVALUATOR) and is_division_code(viewer.region)
        and region_prefix(viewer.region).startswith(region_prefix(campaign["region_code"])))


def visible_campaign(casework: Casework, viewer: Viewer, campaign_id: str, field: str = "campaign_id") -> dict:
    campaign = casework.repo.campaigns.get(campaign_id)
    if campaign is None or not campaign_visible(viewer, campaign):
        raise NotFound(f"unknown campaign {campaign_id}", {field: ["no such campaign in your scope"]})
    return campaign


# --- who may be named on a record -------------------------------------------------------------------------
def require_current_worker(casework: Casework, staff_id: str, station_id: str, field: str) -> None:
    member = casework.repo.staff_member(staff_id)
    if (not staff_is_current(member, station_id, casework.today().isoformat())
            or member["role"] not in SOCIAL_WORK_ROLES):
        raise ValidationFailed.field(field, f"not a current social worker or station lead of {station_id} "
                                            "(as casework knows the registry's staff)")


def require_current_staff(casework: Casework, staff_ids: list[str], station_id: str, on: date, field: str,
                          single: bool = False) -> None:
    known = casework.repo.staff_members(staff_ids)
    for index, staff_id in enumerate(staff_ids):
        if not staff_is_current(known.get(staff_id), station_id, on.isoformat()):
            raise ValidationFailed.field(field if single else f"{field}.{index}",
                                         f"{staff_id} was not staff of {station_id} on {on}")


def worker_current(casework: Casework, case: dict) -> bool:
    member = casework.repo.staff_member(case["assigned_staff_id"])
    return staff_is_current(member, case["station_id"], casework.today().isoformat())


# --- roster imports ---------------------------------------------------------------------------------------
def roster_region(viewer: Viewer, region: str | None) -> str:
    """The region a roster import or a saved mapping is for: a civil-affairs office (county, city,
    province) imports for its own region or a part of it; an administrator names the region."""
    if viewer.role not in (*REGION_ROLES, ADMIN):
        raise PermissionDenied("rosters are imported by the civil-affairs office of a county, city or province")
    wanted = region or viewer.region
    if not is_division_code(wanted):
        raise ValidationFailed.field("region", "name the region (a division code) the roster is for")
    viewer.require_write(region_code=wanted)
    return wanted


def roster_importer(viewer: Viewer, region: str | None, source: str) -> tuple[str, Viewer]:
    """The region a roster import is for and who applies its rows. Staff import as themselves (roster_region).
    An agency's client imports only a source its scopes name (`roster:<source>` with `mutation:import_roster`)
    for a region its scopes cover (`region:`; its only one when it names none); its rows are then applied on its
    behalf with the rights of that region's civil-affairs office, under the client's id, since the grant by the
    region's administrators is what allows the import."""
    if not viewer.is_agency:
        return roster_region(viewer, region), viewer
    scopes = AgencyScopes.of(viewer)
    scopes.require_mutation("import_roster")
    if source not in scopes.roster_sources:
        raise OutOfScope(f"this agency client may not import the {source} roster",
                         {"source": [f"roster:{source} not granted"]})
    wanted = region or (scopes.regions[0] if len(scopes.regions) == 1 else None)
    if not is_division_code(wanted):
        raise ValidationFailed.field("region", "name the region (a division code) the roster is for")
    if not scopes.covers_region(wanted):
        raise OutOfScope(f"this agency client's regions do not cover {wanted}", {"region": [f"region:{wanted} "
                                                                                             "not granted"]})
    return wanted, Viewer(viewer.user_id, _OFFICE_OF_PREFIX.get(len(region_prefix(wanted)), COUNTY), wanted)


# The civil-affairs office whose rights an agency's roster import is applied with, by the region's prefix length.
_OFFICE_OF_PREFIX = {2: PROVINCE, 4: CITY}


def sees_roster_import(viewer: Viewer, job: dict) -> bool:
    """Staff see the imports of their region; an agency's client the ones it started, while its scopes still
    allow the import."""
    if not viewer.is_agency:
        return viewer.sees_region(job["region_code"])
    scopes = AgencyScopes.of(viewer)
    return (job.get("agency_id") == viewer.agency_id and "import_roster" in scopes.mutations
            and job["source"] in scopes.roster_sources and scopes.covers_region(job["region_code"]))
