"""Marshmallow schemas at the volunteers service's boundaries (RPC inputs; events live in events.py)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.common.validators import CreditCode, Fen, IdNumber, Name, phone, within_county
from services.contracts.vocabulary import (
    BACKGROUND_CHECK_RESULTS,
    DOMAINS,
    DONATION_KINDS,
    DONOR_KINDS,
    ITEM_CATEGORIES,
    NEED_STATUSES,
    RESOURCE_KINDS,
    RESOURCE_STATUSES,
    REVIEW_DECISIONS,
    SEVERITIES,
    SKILLS,
    VOLUNTEER_STATUSES,
    VOLUNTEER_TEAM_STATUSES,
)

STATION_ID = validate.Regexp(r"^ST\d{9}$", error="a station id is ST followed by the 9-digit township code")
TOWNSHIP_CODE = validate.Regexp(r"^\d{9}$", error="a township code has 9 digits")
COMMUNITY_CODE = validate.Regexp(r"^\d{12}$", error="a community (village) code has 12 digits: township + 3")
REGION_CODE = validate.Regexp(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$",
                              error="a region code has 2, 4, 6, 9 or 12 digits")
CLOCK_TIME = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a time like 09:30")
GROUP = fields.String(validate=validate.Length(min=1, max=40))


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _version():
    return fields.Integer(required=True, strict=True)


class SlotSchema(Strict):
    weekday = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=7, error="1 (Monday) to 7 (Sunday)"))
    start = fields.String(required=True, validate=CLOCK_TIME)
    end = fields.String(required=True, validate=CLOCK_TIME)


def _slots(**kwargs):
    return fields.List(fields.Nested(SlotSchema), validate=validate.Length(max=50), **kwargs)


def _domains(**kwargs):
    return fields.List(fields.String(validate=validate.OneOf(DOMAINS)), **kwargs)


# --- volunteers ----------------------------------------------------------------------------
class VolunteerInputSchema(Strict):
    station_id = fields.String(required=True, validate=STATION_ID)
    name = Name(2, 40, required=True)
    id_number = IdNumber(required=True)
    phone = fields.String(required=True, validate=phone)
    community_code = fields.String(required=True, validate=COMMUNITY_CODE)
    skills = fields.List(fields.String(validate=validate.OneOf(SKILLS)), required=True,
                         validate=validate.Length(min=1, max=20))
    domains = _domains(required=True, validate=validate.Length(min=1))
    availability = _slots(load_default=list)
    max_open_tasks = fields.Integer(load_default=3, strict=True, validate=validate.Range(min=1, max=20))

    @validates_schema
    def community_in_the_stations_county(self, data, **kwargs):
        # The station id carries its township code (ST + 9 digits): no call to the registry needed.
        try:
            within_county(data["community_code"], data["station_id"][2:])
        except ValidationError as exc:
            raise ValidationError(exc.messages, "community_code") from None


class VolunteerUpdateSchema(Strict):
    expected_version = _version()
    phone = fields.String(validate=phone)
    community_code = fields.String(validate=COMMUNITY_CODE)
    skills = fields.List(fields.String(validate=validate.OneOf(SKILLS)), validate=validate.Length(min=1, max=20))
    domains = _domains(validate=validate.Length(min=1))
    availability = _slots()
    max_open_tasks = fields.Integer(strict=True, validate=validate.Range(min=1, max=20))
    status = fields.String(validate=validate.OneOf(VOLUNTEER_STATUSES))


class VolunteerTrainingSchema(Strict):
    expected_version = _version()
    date = fields.Date(required=True)
    topic = fields.String(required=True, validate=validate.Length(min=2, max=120))
    hours = fields.Float(required=True, validate=validate.Range(min=0.5, max=200, error="hours must be 0.5 to 200"))
    provider = fields.String(required=True, validate=validate.Length(min=2, max=120))


class VolunteerCertificateSchema(Strict):
    expected_version = _version()
    name = fields.String(required=True, validate=validate.Length(min=2, max=80))
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    issuer = fields.String(required=True, validate=validate.Length(min=2, max=80))
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)


class BackgroundCheckSchema(Strict):
    expected_version = _version()
    result = fields.String(required=True, validate=validate.OneOf(BACKGROUND_CHECK_RESULTS))
    checked_on = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    authority = fields.String(required=True, validate=validate.Length(min=2, max=80))

    @validates_schema
    def passed_check_expires(self, data, **kwargs):
        if data["result"] == "passed":
            if not data.get("valid_until"):
                raise ValidationError("a passed check says until when it is valid", "valid_until")
            if data["valid_until"] <= data["checked_on"]:
                raise ValidationError("must be after the check date", "valid_until")


class VolunteerFilterSchema(Strict):
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    region = fields.String(load_default=None, allow_none=True, validate=REGION_CODE)
    skill = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SKILLS))
    domain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DOMAINS))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(VOLUNTEER_STATUSES))
    background_checked = fields.Boolean(load_default=None, allow_none=True)
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


# --- hours and certificates ----------------------------------------------------------------
class LogHoursSchema(Strict):
    need_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    started_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(required=True)
    activity = fields.String(required=True, validate=validate.Length(min=2, max=120))


class DecideHoursSchema(Strict):
    expected_version = _version()
    entry_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=200))


class CertificateRequestSchema(Strict):
    period_from = fields.Date(required=True, data_key="from")
    period_to = fields.Date(required=True, data_key="to")

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["period_to"] < data["period_from"]:
            raise ValidationError("must not be before 'from'", "to")


class VerifyCertificateSchema(Strict):
    content = fields.Dict(required=True)
    verification_code = fields.String(required=True, validate=validate.Length(min=4, max=40))


class RevokeCertificateSchema(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=4, max=300))


# --- teams ---------------------------------------------------------------------------------
class TeamInputSchema(Strict):
    station_id = fields.String(required=True, validate=STATION_ID)
    name = Name(2, 60, required=True)
    domains = _domains(load_default=list)
    leader_id = fields.String(required=True)
    member_ids = fields.List(fields.String(), load_default=list, validate=validate.Length(max=500))


class TeamUpdateSchema(Strict):
    expected_version = _version()
    name = Name(2, 60)
    domains = _domains()
    leader_id = fields.String()
    member_ids = fields.List(fields.String(), validate=validate.Length(max=500))
    status = fields.String(validate=validate.OneOf(VOLUNTEER_TEAM_STATUSES))


class TeamTrainingSchema(Strict):
    expected_version = _version()
    date = fields.Date(required=True)
    topic = fields.String(required=True, validate=validate.Length(min=2, max=120))
    hours = fields.Float(required=True, validate=validate.Range(min=0.5, max=100, error="hours must be 0.5 to 100"))
    trainer = fields.String(required=True, validate=validate.Length(min=2, max=80))
    attendee_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=500))


class SupervisionSchema(Strict):
    expected_version = _version()
    date = fields.Date(required=True)
    supervisor = fields.String(required=True, validate=validate.Length(min=2, max=80))
    notes = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    follow_ups = fields.List(fields.String(validate=validate.Length(min=2, max=200)), load_default=list)


class TeamFilterSchema(Strict):
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


# --- resource library ----------------------------------------------------------------------
class EligibilitySchema(Strict):
    beneficiary_groups = fields.List(GROUP, load_default=list)
    min_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=120))
    max_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=120))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class ResourceServiceSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(min=2, max=80))
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    need_types = fields.List(fields.String(validate=validate.Length(min=2, max=40)), load_default=list)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    eligibility = fields.Nested(EligibilitySchema, load_default=lambda: {"beneficiary_groups": [], "min_age": None,
                                                                         "max_age": None, "notes": None})
    opening_hours = _slots(load_default=list)
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ContactSchema(Strict):
    name = Name(1, 40, required=True)
    phone = fields.String(required=True, validate=phone)
    email = fields.Email(load_default=None, allow_none=True)


class LocationSchema(Strict):
    address = fields.String(required=True, validate=validate.Length(min=4, max=200))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))


class ResourceInputSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(tuple(RESOURCE_KINDS)))
    name = Name(2, 100, required=True)
    credit_code = CreditCode(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    station_id = fields.String(required=True, validate=STATION_ID)
    township_code = fields.String(required=True, validate=TOWNSHIP_CODE)
    community_code = fields.String(load_default=None, allow_none=True, validate=COMMUNITY_CODE)
    services = fields.List(fields.Nested(ResourceServiceSchema), required=True, validate=validate.Length(min=1, max=30))
    contact = fields.Nested(ContactSchema, required=True)
    location = fields.Nested(LocationSchema, required=True)
    reviewed_on = fields.Date(required=True)


class ResourceUpdateSchema(Strict):
    expected_version = _version()
    name = Name(2, 100)
    credit_code = CreditCode(allow_none=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=1000))
    services = fields.List(fields.Nested(ResourceServiceSchema), validate=validate.Length(min=1, max=30))
    contact = fields.Nested(ContactSchema)
    location = fields.Nested(LocationSchema)


class ReviewSchema(Strict):
    expected_version = _version()
    reviewed_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(REVIEW_DECISIONS))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ResourceFilterSchema(Strict):
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    region = fields.String(load_default=None, allow_none=True, validate=REGION_CODE)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(RESOURCE_KINDS)))
    domain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DOMAINS))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(RESOURCE_STATUSES))
    review_overdue = fields.Boolean(load_default=None, allow_none=True)
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class RegionFilterSchema(Strict):
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    region = fields.String(load_default=None, allow_none=True, validate=REGION_CODE)


# --- charity -------------------------------------------------------------------------------
class DonorSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(DONOR_KINDS))
    name = Name(1, 100, load_default=None, allow_none=True)
    credit_code = CreditCode(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=phone)

    @validates_schema
    def named_unless_anonymous(self, data, **kwargs):
        if data["kind"] != "anonymous" and not data.get("name"):
            raise ValidationError("a named donor gives a name (or choose anonymous)", "name")
        if data["kind"] != "organisation" and data.get("credit_code"):
            raise ValidationError("only organisations have a credit code", "credit_code")


class RestrictionsSchema(Strict):
    domains = _domains(load_default=list)
    region_code = fields.String(load_default=None, allow_none=True, validate=REGION_CODE)
    beneficiary_groups = fields.List(GROUP, load_default=list)


class GoodsSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    category = fields.String(required=True, validate=validate.OneOf([c for c in ITEM_CATEGORIES if c != "money"]))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=10))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))


class DonationInputSchema(Strict):
    station_id = fields.String(required=True, validate=STATION_ID)
    kind = fields.String(required=True, validate=validate.OneOf(DONATION_KINDS))
    amount_fen = Fen(load_default=None, allow_none=True)
    goods = fields.Nested(GoodsSchema, load_default=None, allow_none=True)
    donor = fields.Nested(DonorSchema, required=True)
    restrictions = fields.Nested(RestrictionsSchema, load_default=lambda: {"domains": [], "region_code": None,
                                                                           "beneficiary_groups": []})
    received_on = fields.Date(required=True)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))

    @validates_schema
    def money_or_goods(self, data, **kwargs):
        if data["kind"] == "money":
            if not data.get("amount_fen"):
                raise ValidationError("a money donation gives amount_fen (integer fen, more than 0)", "amount_fen")
            if data.get("goods"):
                raise ValidationError("a money donation has no goods", "goods")
        else:
            if not data.get("goods"):
                raise ValidationError("a goods donation gives the item, category, unit and quantity", "goods")
            if data.get("amount_fen") is not None:
                raise ValidationError("a goods donation has no amount_fen", "amount_fen")


class DistributionInputSchema(Strict):
    stock_id = fields.String(required=True, validate=validate.Length(min=1, max=120))
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    need_id = fields.String(load_default=None, allow_none=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    region_code = fields.String(required=True, validate=validate.Regexp(
        r"^(\d{9}|\d{12})$", error="the household's community (12 digits) or township (9 digits)"))
    beneficiary_groups = fields.List(GROUP, load_default=list)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    distributed_on = fields.Date(required=True)
    distribution_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=4, max=80))


class StockFilterSchema(Strict):
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ITEM_CATEGORIES))
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


# --- needs and matching --------------------------------------------------------------------
class NeedRequestSchema(Strict):
    """An explicit request for matching, for a need that did not come from a casework assessment."""
    need_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=4, max=80))
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    station_id = fields.String(required=True, validate=STATION_ID)
    community_code = fields.String(load_default=None, allow_none=True, validate=COMMUNITY_CODE)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    need_type = fields.String(required=True, validate=validate.Length(min=2, max=40))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    description = fields.String(required=True, validate=validate.Length(min=2, max=500))
    beneficiary_groups = fields.List(GROUP, load_default=list)
    child_related = fields.Boolean(load_default=False)
    needed_by = fields.Date(load_default=None, allow_none=True)


class AcceptSchema(Strict):
    expected_version = _version()
    scheduled_start = fields.DateTime(load_default=None, allow_none=True)
    scheduled_end = fields.DateTime(load_default=None, allow_none=True)
    quantity = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class DeclineSchema(Strict):
    expected_version = _version()
    reason = fields.String(required=True, validate=validate.Length(min=2, max=300))


class CancelTaskSchema(Strict):
    expected_version = _version()
    reason = fields.String(required=True, validate=validate.Length(min=2, max=300))


class CompleteTaskSchema(Strict):
    expected_version = _version()
    started_at = fields.DateTime(load_default=None, allow_none=True)
    ended_at = fields.DateTime(load_default=None, allow_none=True)
    delivered_on = fields.Date(load_default=None, allow_none=True)
    hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=24))
    service_type = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=60))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RematchSchema(Strict):
    expected_version = _version()


class NeedFilterSchema(Strict):
    station_id = fields.String(load_default=None, allow_none=True, validate=STATION_ID)
    region = fields.String(load_default=None, allow_none=True, validate=REGION_CODE)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(NEED_STATUSES))
    domain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DOMAINS))
    household_id = fields.String(load_default=None, allow_none=True)
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class RollupSchema(Strict):
    region = fields.String(required=True, validate=REGION_CODE)
    domain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DOMAINS))
