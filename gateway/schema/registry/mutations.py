"""The registry's mutations: input types mirroring its RPC schemas, and payloads.

Errors are reported in the response's top-level `errors`, each with `extensions.code`
(BAD_USER_INPUT with `extensions.details` {field path → reasons}, NOT_FOUND, CONFLICT,
CONCURRENT_MODIFICATION, RULE_VIOLATION, FORBIDDEN, SERVICE_UNAVAILABLE …); the mutation's field
is then null. Payloads therefore carry only the result.

The input types give clients types and names; the registry validates the content (its
marshmallow schemas are the authority), and its field paths come back in camelCase.
Station changes take `expectedVersion`, the station `version` the client read: a stale version
is refused with CONCURRENT_MODIFICATION instead of overwriting someone else's change.
"""
from __future__ import annotations

import contextlib
import unicodedata

import graphene
from marshmallow import ValidationError

from gateway.loaders import loader, then
from gateway.schema.base import service_data
from gateway.schema.registry.enums import LegalForm, QualificationKind, QualificationLevel, StaffRole, StationStatus
from gateway.schema.registry.types import StaffMember, Station
from gateway.schema.scalars import Date
from services.common.protection import mask_id_number
from services.common.validators import person_or_organisation_name


class VenueInput(graphene.InputObjectType):
    office_area_m2 = graphene.Float(description="Required by the registry; null when not measured yet.")
    activity_rooms = graphene.Int()
    equipment = graphene.List(graphene.NonNull(graphene.String))
    signboard_hung = graphene.Boolean()
    address = graphene.String()


class PopulationInput(graphene.InputObjectType):
    residents = graphene.Int(required=True)
    year = graphene.Int(required=True)


class OrganisationInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True)
    contact_phone = graphene.String()


class CoordinatorInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    title = graphene.String()
    phone = graphene.String()


class RegisterStationInput(graphene.InputObjectType):
    township_code = graphene.String(required=True, description="9-digit township code; one station per township.")
    name = graphene.String(required=True, description="As on the signboard: XX县(市、区)XX乡镇(街道)社工站.")
    venue = graphene.InputField(VenueInput, required=True)
    population = graphene.InputField(PopulationInput)
    legal_form = LegalForm(required=True)
    operator = graphene.InputField(OrganisationInput)
    coordinator = graphene.InputField(CoordinatorInput)
    status = StationStatus()
    status_since = Date()


class StatusChangeInput(graphene.InputObjectType):
    status = StationStatus(required=True)
    on = Date(required=True)


class UpdateStationInput(graphene.InputObjectType):
    """Only the fields given change; null clears an optional part (population, operator, coordinator)."""
    expected_version = graphene.Int(required=True)
    name = graphene.String()
    venue = graphene.InputField(VenueInput)
    population = graphene.InputField(PopulationInput)
    legal_form = LegalForm()
    operator = graphene.InputField(OrganisationInput)
    coordinator = graphene.InputField(CoordinatorInput)
    status = graphene.InputField(StatusChangeInput)
    effective_on = Date(description="When a venue or population change took effect (default today); "
                                    "compliance as of an earlier date keeps reading the earlier value.")


class QualificationInput(graphene.InputObjectType):
    """A certificate needs its number and date; a diploma its school and graduation year."""
    kind = QualificationKind(required=True)
    level = QualificationLevel(required=True)
    certificate_number = graphene.String()
    obtained_on = Date()
    school = graphene.String()
    graduation_year = graphene.Int()
    major_is_social_work = graphene.Boolean()


class AddStaffInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    id_number = graphene.String(required=True, description="18-character resident ID number; stored encrypted.")
    phone = graphene.String(required=True, description="Stored encrypted.")
    role = StaffRole(required=True)
    employment_start = Date(required=True)
    monthly_salary_fen = graphene.Int()
    social_insurance = graphene.Boolean()
    qualification = graphene.InputField(QualificationInput)


class UpdateStaffInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True, description="The station's version.")
    phone = graphene.String()
    role = StaffRole()
    monthly_salary_fen = graphene.Int()
    social_insurance = graphene.Boolean()
    effective_on = Date(description="When a pay or insurance change took effect (default today).")


class StaffLeftInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True, description="The station's version.")
    employment_end = Date(required=True)
    reason = graphene.String()


class RecordQualificationInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True, description="The station's version.")
    qualification = graphene.InputField(QualificationInput, required=True)


class TrainingInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True, description="The station's version.")
    date = Date(required=True)
    hours = graphene.Float(required=True)
    topic = graphene.String(required=True)
    provider = graphene.String(required=True)


class CompliancePolicyInput(graphene.InputObjectType):
    """Thresholds for stations under `regionCode` from `effectiveFrom` (localities may be stricter)."""
    region_code = graphene.String(required=True)
    effective_from = Date(required=True)
    min_venue_m2 = graphene.Float()
    min_professional_staff = graphene.Int(description="The minimum for every station (notice: 3).")
    population_threshold = graphene.Int()
    min_professional_staff_large_town = graphene.Int(
        description="The minimum at or above the population threshold (default 3; never below the base minimum).")
    min_training_hours = graphene.Float()
    min_salary_ratio_percent = graphene.Int()
    source = graphene.String(required=True, description="The notice or decision the thresholds come from.")


class AverageWageInput(graphene.InputObjectType):
    region_code = graphene.String(required=True)
    year = graphene.Int(required=True)
    monthly_wage_fen = graphene.Int(required=True)
    source = graphene.String()


class StationPayload(graphene.ObjectType):
    station = graphene.Field(Station, required=True, description="The station after the change.")


class StaffPayload(graphene.ObjectType):
    station = graphene.Field(Station, required=True, description="The station after the change.")
    staff_member = graphene.Field(StaffMember, description="The staff member the change was about.")

    @staticmethod
    def resolve_staff_member(payload, info):
        return then(loader(info, "registry.staff").load(payload["station"]["id"]), payload["find_member"])


class CompliancePolicy(graphene.ObjectType):
    region_code = graphene.String(required=True)
    effective_from = Date(required=True)
    min_venue_m2 = graphene.Float()
    min_professional_staff = graphene.Int()
    population_threshold = graphene.Int()
    min_professional_staff_large_town = graphene.Int()
    min_training_hours = graphene.Float()
    min_salary_ratio_percent = graphene.Int()
    source = graphene.String()


class CompliancePolicyPayload(graphene.ObjectType):
    policy = graphene.Field(CompliancePolicy, required=True)


class ImportRefusal(graphene.ObjectType):
    row = graphene.Int(required=True, description="Data row number, counting from 1 after any header.")
    field = graphene.String()
    reason = graphene.String(required=True)


class ImportPayload(graphene.ObjectType):
    accepted = graphene.Int(required=True)
    unchanged = graphene.Int(description="Rows already known exactly as given (region imports).")
    refused = graphene.List(graphene.NonNull(ImportRefusal), required=True)


class StaffIdentity(graphene.ObjectType):
    """Unmasked personal data. Each read is written to the access log with its reason."""
    staff_id = graphene.ID(required=True)
    id_number = graphene.String()
    phone = graphene.String()


def _member_with_id(staff_id: str):
    return lambda staff: next((m for m in staff if m["id"] == staff_id), None)


def _newly_added(data: dict):
    """The member just added: the registry answers with the station, not the new member's id, so
    find the current member with this (masked) ID number and name; the registry refuses a second
    current member with the same ID number, so there is at most one."""
    # Compared as the registry stores them (validators.py normalises both at its boundary).
    masked = mask_id_number(unicodedata.normalize("NFKC", str(data.get("id_number", ""))).strip().upper())
    name = data.get("name")
    if isinstance(name, str):
        with contextlib.suppress(ValidationError):  # a name the registry refuses matches nobody anyway
            name = person_or_organisation_name(name, max_length=len(name))

    def find(staff):
        matches = [m for m in staff if m.get("id_number") == masked and m.get("name") == name
                   and not m.get("employment_end")]
        return matches[-1] if matches else None
    return find


class RegistryMutation(graphene.ObjectType):
    register_station = graphene.Field(StationPayload, input=RegisterStationInput(required=True))
    update_station = graphene.Field(StationPayload, id=graphene.ID(required=True),
                                    input=UpdateStationInput(required=True))
    add_staff = graphene.Field(StaffPayload, station_id=graphene.ID(required=True), input=AddStaffInput(required=True))
    update_staff = graphene.Field(StaffPayload, station_id=graphene.ID(required=True),
                                  staff_id=graphene.ID(required=True), input=UpdateStaffInput(required=True))
    record_staff_left = graphene.Field(StaffPayload, station_id=graphene.ID(required=True),
                                       staff_id=graphene.ID(required=True), input=StaffLeftInput(required=True))
    record_qualification = graphene.Field(StaffPayload, station_id=graphene.ID(required=True),
                                          staff_id=graphene.ID(required=True),
                                          input=RecordQualificationInput(required=True))
    record_training = graphene.Field(StaffPayload, station_id=graphene.ID(required=True),
                                     staff_id=graphene.ID(required=True), input=TrainingInput(required=True))
    set_compliance_policy = graphene.Field(CompliancePolicyPayload, input=CompliancePolicyInput(required=True))
    import_average_wages = graphene.Field(ImportPayload,
                                          rows=graphene.List(graphene.NonNull(AverageWageInput), required=True))
    import_regions = graphene.Field(ImportPayload, csv=graphene.String(
        required=True, description="code,name,level,parent_code with a header row (see the registry's README)."))
    staff_identity = graphene.Field(
        StaffIdentity, station_id=graphene.ID(required=True), staff_id=graphene.ID(required=True),
        reason=graphene.String(required=True),
        description="Reveal a staff member's ID number and phone. A mutation because it is logged.")

    @staticmethod
    def resolve_register_station(root, info, input):
        return {"station": info.context.service("registry").register_station(service_data(input))}

    @staticmethod
    def resolve_update_station(root, info, id, input):
        return {"station": info.context.service("registry").update_station(id, service_data(input))}

    @staticmethod
    def resolve_add_staff(root, info, station_id, input):
        data = service_data(input)
        station = info.context.service("registry").add_staff(station_id, data)
        return {"station": station, "find_member": _newly_added(data)}

    @staticmethod
    def resolve_update_staff(root, info, station_id, staff_id, input):
        station = info.context.service("registry").update_staff(station_id, staff_id, service_data(input))
        return {"station": station, "find_member": _member_with_id(staff_id)}

    @staticmethod
    def resolve_record_staff_left(root, info, station_id, staff_id, input):
        station = info.context.service("registry").record_staff_left(station_id, staff_id, service_data(input))
        return {"station": station, "find_member": _member_with_id(staff_id)}

    @staticmethod
    def resolve_record_qualification(root, info, station_id, staff_id, input):
        data = service_data(input)
        # The registry takes the qualification's fields next to expected_version.
        flat = {"expected_version": data["expected_version"], **data["qualification"]}
        station = info.context.service("registry").record_qualification(station_id, staff_id, flat)
        return {"station": station, "find_member": _member_with_id(staff_id)}

    @staticmethod
    def resolve_record_training(root, info, station_id, staff_id, input):
        station = info.context.service("registry").record_training(station_id, staff_id, service_data(input))
        return {"station": station, "find_member": _member_with_id(staff_id)}

    @staticmethod
    def resolve_set_compliance_policy(root, info, input):
        return {"policy": info.context.service("registry").set_policy(service_data(input))}

    @staticmethod
    def resolve_import_average_wages(root, info, rows):
        return info.context.service("registry").import_average_wages(service_data(rows))

    @staticmethod
    def resolve_import_regions(root, info, csv):
        return info.context.service("registry").import_regions(csv)

    @staticmethod
    def resolve_staff_identity(root, info, station_id, staff_id, reason):
        revealed = info.context.service("registry").reveal_staff_identity(station_id, staff_id, reason)
        return {"staff_id": staff_id, **revealed}
