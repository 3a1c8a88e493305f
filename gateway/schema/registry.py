"""The registry's part of the schema: regions, stations, staff and computed compliance (reads).

Every field is resolved from the registry's RPC answers (see the contract in services/registry/
service.py); the viewer goes with every call, and the registry decides what that viewer may see.
Fields that need another call (staff, compliance, regions, rollups) go through the request's
DataLoaders, so lists cost one call per kind of data, not one per item. Those fields are
nullable: when the call behind them fails, the rest of the answer still arrives, with the error.

Money is integer fen (分) in fields named `...Fen`.
"""
from __future__ import annotations

import graphene

from services.common.auth import ROLES

from ..loaders import then
from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size
from .scalars import JSON, Date, DateTime

# What a JSON value or a list of leaves can hold, about one per value (guards.py: CostModel).
LEAF_COSTS = {
    "RuleEvaluation.evidence": 10,  # the figures one rule read: an area, a count, a date or two
    "Viewer.stationIds": 50,  # a supervisor's assigned stations
    "Venue.equipment": 60,  # the registry accepts up to 60 items
}

# Usual lengths of lists that take no page argument, for the query cost estimate (guards.py).
LIST_SIZES = {
    "ImportPayload.refused": 200,  # refused rows of one import file
    "Query.regions": 35,     # China has 34 province-level divisions
    "Region.children": 20,   # cities of a province, counties of a city, townships of a county
    "Station.staff": 10,
    "Station.trainingTotals": 10,
    "StaffMember.training": 20,
    "ComplianceEvaluation.rules": 6,
    "RegionRollup.byRule": 6,
}


def loaders(info):
    return info.context.registry_loaders


# --- enums --------------------------------------------------------------------------------
class StationStatus(graphene.Enum):
    """Where a station is in its life: planned → operating ⇄ suspended → closed (→ operating)."""
    PLANNED = "planned"
    OPERATING = "operating"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class ComplianceStatus(graphene.Enum):
    """Overall standing against the station standard: the worst of its rules."""
    MET = "met"
    NOT_MET = "not_met"
    AT_RISK = "at_risk"
    UNKNOWN = "unknown"


class RuleStatus(graphene.Enum):
    """One rule's standing. ON_TRACK / AT_RISK: the yearly training rule during the year."""
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"


class ComplianceRule(graphene.Enum):
    """The rules of the Jiangsu station standard that are computed from the registry's data."""
    VENUE_AREA = "venue_area"
    SIGNBOARD = "signboard"
    PROFESSIONAL_STAFF = "professional_staff"
    TRAINING_HOURS = "training_hours"
    SALARY = "salary"
    SOCIAL_INSURANCE = "social_insurance"


class LegalForm(graphene.Enum):
    REGISTERED_INSTITUTION = "registered_institution"
    OPERATED_BY_ORGANISATION = "operated_by_organisation"


class StaffRole(graphene.Enum):
    STATION_LEAD = "station_lead"
    SOCIAL_WORKER = "social_worker"
    ASSISTANT = "assistant"
    ADMINISTRATOR = "administrator"


class QualificationKind(graphene.Enum):
    CERTIFICATE = "certificate"
    DIPLOMA = "diploma"


class QualificationLevel(graphene.Enum):
    """Certificate levels (助理社会工作师, 社会工作师, 高级社会工作师) and diploma levels (大专 and up)."""
    ASSISTANT_SOCIAL_WORKER = "assistant_social_worker"
    SOCIAL_WORKER = "social_worker"
    SENIOR_SOCIAL_WORKER = "senior_social_worker"
    JUNIOR_COLLEGE = "junior_college"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


class RegionLevel(graphene.Enum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


Role = graphene.Enum("Role", [(role.upper(), role) for role in ROLES],
                     description="What a user may see and change; their scope is a region or stations.")


# --- regions ------------------------------------------------------------------------------
class ComplianceCounts(graphene.ObjectType):
    """Stations by overall compliance status."""
    met = graphene.Int(required=True)
    not_met = graphene.Int(required=True)
    at_risk = graphene.Int(required=True)
    unknown = graphene.Int(required=True)


class RuleCounts(graphene.ObjectType):
    """Stations by the status of one rule."""
    rule = ComplianceRule(required=True)
    met = graphene.Int(required=True)
    not_met = graphene.Int(required=True)
    unknown = graphene.Int(required=True)
    not_applicable = graphene.Int(required=True)
    on_track = graphene.Int(required=True)
    at_risk = graphene.Int(required=True)


class RegionRollup(graphene.ObjectType):
    """Compliance of the stations under a region that the viewer may see, evaluated on `asOf`."""
    region_code = graphene.String(required=True)
    as_of = Date()
    region = graphene.Field(lambda: Region)
    stations = graphene.Int(required=True, description="Stations counted (all statuses).")
    operating = graphene.Int(required=True)
    by_status = graphene.Field(ComplianceCounts, required=True)
    by_rule = graphene.List(graphene.NonNull(RuleCounts), required=True)

    @staticmethod
    def resolve_region(rollup, info):
        return loaders(info).regions.load(rollup["region_code"])

    @staticmethod
    def resolve_by_status(rollup, info):
        counts = rollup.get("by_status") or {}
        return {status.value: counts.get(status.value, 0) for status in ComplianceStatus._meta.enum}

    @staticmethod
    def resolve_by_rule(rollup, info):
        by_rule = rollup.get("by_rule") or {}
        return [{"rule": rule, **{status.value: (counts or {}).get(status.value, 0)
                                  for status in RuleStatus._meta.enum}}
                for rule, counts in by_rule.items()]


class Region(graphene.ObjectType):
    """An administrative division: province, city, county (县/市/区) or township (乡/镇/街道)."""
    code = graphene.String(required=True, description="6 digits (GB/T 2260) or 9 digits for a township.")
    name = graphene.String(required=True)
    level = RegionLevel(required=True)
    parent_code = graphene.String()
    parent = graphene.Field(lambda: Region)
    children = graphene.List(graphene.NonNull(lambda: Region))
    rollup = graphene.Field(RegionRollup, as_of=Date(description="Evaluate on this date; default today."))

    @staticmethod
    def resolve_parent(region, info):
        return loaders(info).regions.load(region["parent_code"]) if region.get("parent_code") else None

    @staticmethod
    def resolve_children(region, info):
        return loaders(info).child_regions.load(region["code"])

    @staticmethod
    def resolve_rollup(region, info, as_of=None):
        return loaders(info).rollups.load((region["code"], as_of))


# --- stations, staff ----------------------------------------------------------------------
class Venue(graphene.ObjectType):
    office_area_m2 = graphene.Float(description="Office space in square metres.")
    activity_rooms = graphene.Int()
    equipment = graphene.List(graphene.NonNull(graphene.String), required=True)
    signboard_hung = graphene.Boolean(description="Null when nobody has checked yet.")
    address = graphene.String()

    @staticmethod
    def resolve_equipment(venue, info):
        return venue.get("equipment") or []


class Population(graphene.ObjectType):
    residents = graphene.Int(required=True)
    year = graphene.Int(required=True)


class Organisation(graphene.ObjectType):
    """The organisation operating the station, or the station itself when it is an institution."""
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True, description="Unified Social Credit Code (统一社会信用代码).")
    contact_phone = graphene.String()


class Coordinator(graphene.ObjectType):
    """The township official responsible for the station."""
    name = graphene.String(required=True)
    title = graphene.String()
    phone = graphene.String()


class Qualification(graphene.ObjectType):
    kind = QualificationKind(required=True)
    level = QualificationLevel(required=True)
    certificate_number = graphene.String()
    obtained_on = Date()
    school = graphene.String()
    graduation_year = graphene.Int()
    major_is_social_work = graphene.Boolean()


class TrainingRecord(graphene.ObjectType):
    id = graphene.ID(required=True)
    date = Date(required=True)
    hours = graphene.Float(required=True)
    topic = graphene.String(required=True)
    provider = graphene.String(required=True)


class StaffMember(graphene.ObjectType):
    """A person working at a station. Identity number and phone are masked; `staffIdentity`
    (a logged mutation) reveals them to those allowed."""
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    id_number = graphene.String(description="Masked: 320102********1234.")
    phone = graphene.String(description="Masked: 138****5678.")
    role = StaffRole(required=True)
    employment_start = Date(required=True)
    employment_end = Date()
    monthly_salary_fen = graphene.Int(description="Monthly pay in fen (分).")
    social_insurance = graphene.Boolean(description="Social insurance and housing fund (五险一金) in place.")
    qualification = graphene.Field(Qualification)
    professional = graphene.Boolean(required=True, description="Counts as a professional social worker today.")
    training_hours_this_year = graphene.Float(required=True)
    training = graphene.List(graphene.NonNull(TrainingRecord), required=True)

    @staticmethod
    def resolve_training(member, info):
        return member.get("training") or []


class TrainingTotal(graphene.ObjectType):
    """Continuing-education hours of one staff member in the current calendar year."""
    staff_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    hours_this_year = graphene.Float(required=True)
    current = graphene.Boolean(required=True, description="Still employed at the station.")


class CompliancePolicyRef(graphene.ObjectType):
    """Which thresholds were applied."""
    region_code = graphene.String(required=True)
    effective_from = Date(required=True)
    source = graphene.String()


class RuleEvaluation(graphene.ObjectType):
    rule = ComplianceRule(required=True)
    status = RuleStatus(required=True)
    evidence = JSON(description="The data the rule used (keys as the registry names them).")
    since = Date(description="The status has held since this date.")


class ComplianceEvaluation(graphene.ObjectType):
    """Compliance computed from the registry's data on `asOf`, rule by rule, with evidence."""
    status = ComplianceStatus(required=True)
    since = Date()
    as_of = Date(required=True)
    policy = graphene.Field(CompliancePolicyRef)
    rules = graphene.List(graphene.NonNull(RuleEvaluation), required=True)

    @staticmethod
    def resolve_rules(evaluation, info):
        rules = evaluation.get("rules") or {}
        return [{**result, "rule": result.get("rule", name)} for name, result in rules.items()]


class Station(graphene.ObjectType):
    """A township (street) social work station, 乡镇(街道)社工站."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    township_code = graphene.String(required=True)
    county_code = graphene.String(required=True)
    city_code = graphene.String(required=True)
    region_code = graphene.String(required=True)
    region = graphene.Field(Region, description="The township (乡/镇/街道) the station serves.")
    county = graphene.Field(Region)
    status = StationStatus(required=True)
    status_since = Date()
    venue = graphene.Field(Venue)
    population = graphene.Field(Population)
    legal_form = LegalForm(required=True)
    operator = graphene.Field(Organisation)
    coordinator = graphene.Field(Coordinator)
    compliance_status = ComplianceStatus(required=True, description="As stored at the last change or daily sweep.")
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the station.")
    staff = graphene.List(graphene.NonNull(StaffMember), description="Current and former staff.")
    training_totals = graphene.List(graphene.NonNull(TrainingTotal))
    compliance = graphene.Field(ComplianceEvaluation,
                                as_of=Date(description="Evaluate on this date; default today."))
    # Linked from the funding service (gateway/schema/funding.py resolves it with its loader).
    contracts = graphene.List(graphene.NonNull("gateway.schema.funding.Contract"),
                              first=graphene.Int(description="At most this many; all when omitted."),
                              description="Purchase-of-service contracts running the station (those you may see).")

    # Linked from the casework service (gateway/schema/casework.py resolves it with its loader).
    caseload = graphene.List(graphene.NonNull("gateway.schema.casework.StaffCaseload"),
                             description="The station's staff as casework knows them, with their open and "
                                         "crisis cases.")

    @staticmethod
    def resolve_contracts(station, info, first=None):
        from .funding import station_contracts  # funding.py imports this module
        return station_contracts(station, info, first)

    @staticmethod
    def resolve_caseload(station, info):
        from .casework import station_caseload  # casework.py imports this module
        return station_caseload(station, info)

    @staticmethod
    def resolve_region(station, info):
        return loaders(info).regions.load(station["township_code"])

    @staticmethod
    def resolve_county(station, info):
        return loaders(info).regions.load(station["county_code"])

    @staticmethod
    def resolve_staff(station, info):
        return loaders(info).staff.load(station["id"])

    @staticmethod
    def resolve_training_totals(station, info):
        return then(loaders(info).staff.load(station["id"]), lambda staff: [
            {"staff_id": member["id"], "name": member["name"], "hours_this_year": member["training_hours_this_year"],
             "current": member.get("employment_end") is None} for member in staff])

    @staticmethod
    def resolve_compliance(station, info, as_of=None):
        return loaders(info).compliance.load((station["id"], as_of))


class StationPage(graphene.ObjectType):
    """One page of stations, ordered by id.

    Not a Relay connection: the registry pages with one opaque cursor per page, so there is no
    per-item cursor to offer. Pass `nextCursor` as `after` for the next page; it is null on the last.
    """
    items = graphene.List(graphene.NonNull(Station), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True, description="Stations matching the filters, all pages.")

    @staticmethod
    def resolve_total_count(page, info):
        return page.get("total", 0)


class AccessLogEntry(graphene.ObjectType):
    """One read of unmasked personal data."""
    at = DateTime(required=True)
    user_id = graphene.String(required=True)
    role = graphene.String(required=True)
    subject_type = graphene.String(required=True)
    subject_id = graphene.String(required=True)
    fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    reason = graphene.String()


class Viewer(graphene.ObjectType):
    """Who the request's token says you are. No token: the public."""
    user_id = graphene.String(required=True)
    role = Role(required=True)
    region = graphene.String()
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)


# --- queries ------------------------------------------------------------------------------
class RegistryQuery(graphene.ObjectType):
    viewer = graphene.Field(Viewer, required=True)
    regions = graphene.List(graphene.NonNull(Region),
                            parent_code=graphene.String(description="Omit for the provinces."),
                            description="The divisions directly under a region.")
    region = graphene.Field(Region, code=graphene.String(required=True))
    region_rollup = graphene.Field(RegionRollup, code=graphene.String(required=True), as_of=Date())
    stations = graphene.Field(
        StationPage,
        region=graphene.String(description="Region code or prefix: 32, 3211, 321102, 321102001…"),
        status=StationStatus(),
        compliance=ComplianceStatus(),
        failing_rule=ComplianceRule(description="Stations where this rule is not met or at risk."),
        text=graphene.String(description="Part of the station name."),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(description="The nextCursor of the previous page."),
        description="Stations the viewer may see, filtered, one page at a time.")
    station = graphene.Field(Station, id=graphene.ID(required=True),
                             description="Null when unknown or outside the viewer's scope.")
    access_log = graphene.List(graphene.NonNull(AccessLogEntry), subject_id=graphene.ID(),
                               user_id=graphene.String(),
                               first=graphene.Int(default_value=DEFAULT_PAGE_SIZE,
                                                  description=f"1 to {MAX_PAGE_SIZE}."),
                               description="Reads of unmasked personal data, newest first.",
                               deprecation_reason="Use personalDataAccessLog: one access log across the "
                                                  "services, scoped by the viewer.")

    @staticmethod
    def resolve_viewer(root, info):
        return info.context.viewer.to_dict()

    @staticmethod
    def resolve_regions(root, info, parent_code=None):
        return loaders(info).child_regions.load(parent_code)

    @staticmethod
    def resolve_region(root, info, code):
        return loaders(info).regions.load(code)

    @staticmethod
    def resolve_region_rollup(root, info, code, as_of=None):
        return loaders(info).rollups.load((code, as_of))

    @staticmethod
    def resolve_stations(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.registry.list_stations({**given(**filters), "limit": limit})

    @staticmethod
    def resolve_station(root, info, id):
        return loaders(info).stations.load(id)

    @staticmethod
    def resolve_access_log(root, info, first=DEFAULT_PAGE_SIZE, subject_id=None, user_id=None):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.registry.access_log({**given(subject_id=subject_id, user_id=user_id), "limit": limit})
