"""Marshmallow schemas at the registry's boundaries (RPC inputs; events live in events.py)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.common.errors import ValidationFailed
from services.common.validators import CreditCode, Fen, IdNumber, Name, division_code, phone
from services.contracts.qualifications import DIPLOMA_LEVELS as DIPLOMA_LEVELS
from services.contracts.qualifications import QUALIFICATION_KINDS
from services.contracts.registry import CERTIFICATE_LEVELS as CERTIFICATE_LEVELS
from services.contracts.registry import LEGAL_FORMS as LEGAL_FORMS
from services.contracts.registry import STAFF_ROLES as STAFF_ROLES
from services.contracts.registry import STATION_COMPLIANCE
from services.contracts.registry import STATION_STATUSES as STATION_STATUSES

from .domain import STAFF_FIELDS


class Strict(Schema):
    class Meta:
        unknown = RAISE


class VenueSchema(Strict):
    office_area_m2 = fields.Float(required=True, allow_none=True,
                                  validate=validate.Range(min=0, max=100_000,
                                                          error="area must be between 0 and 100000 m²"))
    activity_rooms = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    equipment = fields.List(fields.String(validate=validate.Length(min=1, max=60)), load_default=list,
                            validate=validate.Length(max=100))
    signboard_hung = fields.Boolean(load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class PopulationSchema(Strict):
    residents = fields.Integer(required=True, validate=validate.Range(min=0, max=5_000_000))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class OrganisationSchema(Strict):
    name = Name(2, 100, required=True)
    credit_code = CreditCode(required=True)
    contact_phone = fields.String(load_default=None, allow_none=True, validate=phone)


class CoordinatorSchema(Strict):
    name = Name(1, 40, required=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    phone = fields.String(load_default=None, allow_none=True, validate=phone)


class StatusChangeSchema(Strict):
    status = fields.String(required=True, validate=validate.OneOf(STATION_STATUSES))
    on = fields.Date(required=True)


class StationInputSchema(Strict):
    township_code = fields.String(required=True, validate=division_code)
    name = Name(4, 60, required=True)
    venue = fields.Nested(VenueSchema, required=True)
    population = fields.Nested(PopulationSchema, load_default=None, allow_none=True)
    legal_form = fields.String(required=True, validate=validate.OneOf(LEGAL_FORMS))
    operator = fields.Nested(OrganisationSchema, load_default=None, allow_none=True)
    coordinator = fields.Nested(CoordinatorSchema, load_default=None, allow_none=True)
    status = fields.String(load_default="planned", validate=validate.OneOf(STATION_STATUSES))
    status_since = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def operator_matches_legal_form(self, data, **kwargs):
        if data.get("legal_form") == "operated_by_organisation" and not data.get("operator"):
            raise ValidationError("a station operated by an organisation names that operator", "operator")
        if data.get("legal_form") == "registered_institution" and data.get("operator") is None:
            raise ValidationError("a registered institution gives its own name and credit code", "operator")


class StationUpdateSchema(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    name = Name(4, 60)
    venue = fields.Nested(VenueSchema)
    population = fields.Nested(PopulationSchema, allow_none=True)
    legal_form = fields.String(validate=validate.OneOf(LEGAL_FORMS))
    operator = fields.Nested(OrganisationSchema, allow_none=True)
    coordinator = fields.Nested(CoordinatorSchema, allow_none=True)
    status = fields.Nested(StatusChangeSchema)
    # When a venue or population change took effect (default today): compliance of earlier dates
    # keeps reading the earlier value.
    effective_on = fields.Date(load_default=None, allow_none=True)


class QualificationSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(QUALIFICATION_KINDS))
    level = fields.String(required=True)
    certificate_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=4, max=40))
    obtained_on = fields.Date(load_default=None, allow_none=True)
    school = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    graduation_year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1950, max=2100))
    major_is_social_work = fields.Boolean(load_default=True)

    @validates_schema
    def level_fits_kind(self, data, **kwargs):
        if data["kind"] == "certificate":
            if data["level"] not in CERTIFICATE_LEVELS:
                raise ValidationError(f"certificate level must be one of {', '.join(CERTIFICATE_LEVELS)}", "level")
            if not data.get("certificate_number"):
                raise ValidationError("a certificate needs its number", "certificate_number")
            if not data.get("obtained_on"):
                raise ValidationError("a certificate needs the date it was obtained", "obtained_on")
        else:
            if data["level"] not in DIPLOMA_LEVELS:
                raise ValidationError(f"diploma level must be one of {', '.join(DIPLOMA_LEVELS)}", "level")
            if not data.get("school") or not data.get("graduation_year"):
                raise ValidationError("a diploma needs the school and the graduation year", "school")


class StaffInputSchema(Strict):
    name = Name(2, 40, required=True)
    id_number = IdNumber(required=True)
    phone = fields.String(required=True, validate=phone)
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))
    employment_start = fields.Date(required=True)
    monthly_salary_fen = Fen(load_default=None, allow_none=True)
    social_insurance = fields.Boolean(load_default=None, allow_none=True)
    qualification = fields.Nested(QualificationSchema, load_default=None, allow_none=True)


class StaffUpdateSchema(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    phone = fields.String(validate=phone)
    role = fields.String(validate=validate.OneOf(STAFF_ROLES))
    monthly_salary_fen = Fen(allow_none=True)
    social_insurance = fields.Boolean(allow_none=True)
    effective_on = fields.Date(load_default=None, allow_none=True)  # when a pay or insurance change took effect


class StaffLeftSchema(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    employment_end = fields.Date(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class TrainingSchema(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    date = fields.Date(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0.5, max=200, error="hours must be 0.5 to 200"))
    topic = fields.String(required=True, validate=validate.Length(min=2, max=120))
    provider = fields.String(required=True, validate=validate.Length(min=2, max=120))


class WageSchema(Strict):
    region_code = fields.String(required=True, validate=division_code)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    monthly_wage_fen = Fen(required=True)
    source = fields.String(load_default="imported", validate=validate.Length(max=200))


class PolicySchema(Strict):
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{2,9}$"))
    effective_from = fields.Date(required=True)
    min_venue_m2 = fields.Float(load_default=40.0, validate=validate.Range(min=0))
    min_professional_staff = fields.Integer(load_default=3, validate=validate.Range(min=0))
    population_threshold = fields.Integer(load_default=50_000, validate=validate.Range(min=0))
    min_professional_staff_large_town = fields.Integer(load_default=3, validate=validate.Range(min=0))
    min_training_hours = fields.Float(load_default=30.0, validate=validate.Range(min=0))
    min_salary_ratio_percent = fields.Integer(load_default=100, validate=validate.Range(min=0, max=1000))
    source = fields.String(required=True, validate=validate.Length(min=2, max=200))

    @validates_schema
    def large_town_minimum_not_below_base(self, data, **kwargs):
        if data["min_professional_staff_large_town"] < data["min_professional_staff"]:
            raise ValidationError("the larger-town minimum cannot be below the minimum for every station",
                                  "min_professional_staff_large_town")


class StationFilterSchema(Strict):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2,9}$"))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATION_STATUSES))
    compliance = fields.String(load_default=None, allow_none=True,
                               validate=validate.OneOf(STATION_COMPLIANCE))
    failing_rule = fields.String(load_default=None, allow_none=True)
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


STATION_INCLUDES = ("staff", *(f"staff.{name}" for name in STAFF_FIELDS), "compliance", "compliance.evidence")


def load_station_include(include) -> frozenset[str]:
    """What a station page's items carry besides the station (see usecases/stations.list_stations)."""
    if include is None:
        return frozenset()
    if not isinstance(include, list | tuple) or any(name not in STATION_INCLUDES for name in include):
        raise ValidationFailed.field("include", f"a list of: {', '.join(STATION_INCLUDES)}")
    return frozenset(include)


class ExportRecordSchema(Strict):
    """A table exported from the dashboard, as the access log records it (issue 12)."""
    table = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_-]{1,39}$"))
    format = fields.String(required=True, validate=validate.OneOf(("csv", "xlsx")))
    columns = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True,
                          validate=validate.Length(min=1, max=40))
    rows = fields.Integer(required=True, validate=validate.Range(min=0, max=100_000))
    region_code = fields.String(load_default=None, allow_none=True, validate=division_code)
    station_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))

    @validates_schema
    def _a_scope(self, data, **_kwargs):
        if not data.get("region_code") and not data.get("station_id"):
            raise ValidationError("name the region or the station the exported table is about", "region_code")
