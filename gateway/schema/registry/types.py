"""The registry's object types: regions and their roll-ups, stations, staff, computed compliance.

Fields that need another call go through the request's loaders (keys "registry.…"); a station's contracts
and caseload are asked for by the funding and casework loaders' keys, so this module imports neither.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader, then
from gateway.schema.base import at_most
from gateway.schema.registry.enums import (
    ComplianceRule,
    ComplianceStatus,
    LegalForm,
    QualificationKind,
    QualificationLevel,
    RegionLevel,
    Role,
    RuleStatus,
    StaffRole,
    StationStatus,
)
from gateway.schema.scalars import JSON, Date, DateTime


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
        return loader(info, "registry.regions").load(rollup["region_code"])

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
        return loader(info, "registry.regions").load(region["parent_code"]) if region.get("parent_code") else None

    @staticmethod
    def resolve_children(region, info):
        return loader(info, "registry.child_regions").load(region["code"])

    @staticmethod
    def resolve_rollup(region, info, as_of=None):
        return loader(info, "registry.rollups").load((region["code"], as_of))


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
    # Linked from the funding service: its loader is asked for by key, so this module imports no funding code.
    contracts = graphene.List(graphene.NonNull("gateway.schema.funding.types.contracts.Contract"),
                              first=graphene.Int(description="At most this many; all when omitted."),
                              description="Purchase-of-service contracts running the station (those you may see).")

    # Linked from the casework service, the same way.
    caseload = graphene.List(graphene.NonNull("gateway.schema.casework.types.campaigns.StaffCaseload"),
                             description="The station's staff as casework knows them, with their open and "
                                         "crisis cases.")

    @staticmethod
    def resolve_contracts(station, info, first=None):
        return then(loader(info, "funding.contracts_for_stations").load(station["id"]), at_most(first))

    @staticmethod
    def resolve_caseload(station, info):
        return loader(info, "casework.caseloads").load(station["id"])

    @staticmethod
    def resolve_region(station, info):
        return loader(info, "registry.regions").load(station["township_code"])

    @staticmethod
    def resolve_county(station, info):
        return loader(info, "registry.regions").load(station["county_code"])

    # A page's items carry their staff and today's compliance when the query selected them (the registry
    # read them with the page: gateway/schema/registry/queries.station_page_include); others are loaded.
    @staticmethod
    def resolve_staff(station, info):
        return station["staff"] if "staff" in station else loader(info, "registry.staff").load(station["id"])

    @staticmethod
    def resolve_training_totals(station, info):
        return then(Station.resolve_staff(station, info), lambda staff: [
            {"staff_id": member["id"], "name": member["name"], "hours_this_year": member["training_hours_this_year"],
             "current": member.get("employment_end") is None} for member in staff])

    @staticmethod
    def resolve_compliance(station, info, as_of=None):
        if as_of is None and "compliance" in station:
            return station["compliance"]
        return loader(info, "registry.compliance").load((station["id"], as_of))


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
