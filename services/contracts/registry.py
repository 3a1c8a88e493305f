"""Event contracts the registry publishes. Producers and consumers both import these."""
from __future__ import annotations

from marshmallow import Schema, fields

from services.common.events import contract

PRODUCER = "registry"


class StationRegisteredV1(Schema):
    station_id = fields.String(required=True)
    name = fields.String(required=True)
    township_code = fields.String(required=True)
    status = fields.String(required=True)
    legal_form = fields.String(required=True)
    operator_credit_code = fields.String(required=True, allow_none=True)


class StationRegisteredV2(StationRegisteredV1):
    """v2 adds the county and city codes so consumers can scope without a region table."""
    county_code = fields.String(required=True)
    city_code = fields.String(required=True)


def _station_registered_v1_to_v2(payload: dict) -> dict:
    township = payload["township_code"]
    return {**payload, "county_code": township[:6], "city_code": township[:4] + "00"}


STATION_REGISTERED = contract(
    "station.registered", 2, PRODUCER, StationRegisteredV2, "a station was registered for a township",
    upcasters={1: _station_registered_v1_to_v2})


class StationUpdatedV1(Schema):
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)
    status = fields.String(required=True)
    operator_credit_code = fields.String(required=True, allow_none=True)


STATION_UPDATED = contract("station.updated", 1, PRODUCER, StationUpdatedV1, "a station's details changed")


class StaffJoinedV1(Schema):
    staff_id = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    professional = fields.Boolean(required=True)
    employment_start = fields.Date(required=True)


STAFF_JOINED = contract("staff.joined", 1, PRODUCER, StaffJoinedV1, "a staff member started at a station")


class StaffLeftV1(Schema):
    staff_id = fields.String(required=True)
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    employment_end = fields.Date(required=True)


STAFF_LEFT = contract("staff.left", 1, PRODUCER, StaffLeftV1, "a staff member's employment ended")


class QualificationRecordedV1(Schema):
    staff_id = fields.String(required=True)
    station_id = fields.String(required=True)
    kind = fields.String(required=True)
    level = fields.String(required=True)
    professional = fields.Boolean(required=True)


QUALIFICATION_RECORDED = contract("staff.qualification_recorded", 1, PRODUCER, QualificationRecordedV1,
                                  "a staff member's professional qualification was recorded")


class TrainingRecordedV1(Schema):
    staff_id = fields.String(required=True)
    station_id = fields.String(required=True)
    date = fields.Date(required=True)
    hours = fields.Float(required=True)
    year_total_hours = fields.Float(required=True)


TRAINING_RECORDED = contract("staff.training_recorded", 1, PRODUCER, TrainingRecordedV1,
                             "continuing education hours were recorded")


class RuleStatusSchema(Schema):
    status = fields.String(required=True)
    since = fields.String(required=True)


class ComplianceChangedV1(Schema):
    station_id = fields.String(required=True)
    region_code = fields.String(required=True)
    status = fields.String(required=True)
    previous_status = fields.String(required=True, allow_none=True)
    rules = fields.Dict(keys=fields.String(), values=fields.Nested(RuleStatusSchema), required=True)
    as_of = fields.Date(required=True)


COMPLIANCE_CHANGED = contract("station.compliance_changed", 1, PRODUCER, ComplianceChangedV1,
                              "a station's compliance with the station standard changed")


# --- the registry's vocabularies (its schemas, its events' payloads and the gateway's enums use them) -----------
STATION_STATUSES = ("planned", "operating", "suspended", "closed")
LEGAL_FORMS = ("registered_institution", "operated_by_organisation")
STAFF_ROLES = ("station_lead", "social_worker", "assistant", "administrator")
CERTIFICATE_LEVELS = ("assistant_social_worker", "social_worker", "senior_social_worker")
REGION_LEVELS = ("province", "city", "county", "township")
# Compliance statuses: met, not_met, unknown (data missing), not_applicable, and for the yearly training rule
# during the year on_track (at or above the pro-rata share) and at_risk (below it).
MET, NOT_MET, UNKNOWN, NOT_APPLICABLE, ON_TRACK, AT_RISK = (
    "met", "not_met", "unknown", "not_applicable", "on_track", "at_risk")
COMPLIANCE_STATUSES = (MET, NOT_MET, UNKNOWN, NOT_APPLICABLE, ON_TRACK, AT_RISK)
# A station's overall standing: the worst of its rules (a rule's not_applicable and on_track count as met).
STATION_COMPLIANCE = (MET, NOT_MET, AT_RISK, UNKNOWN)
# The station standard's rules (notice §一), checked by services/registry/compliance.py.
VENUE, SIGNBOARD, PROFESSIONAL_STAFF, TRAINING, SALARY, SOCIAL_INSURANCE = (
    "venue_area", "signboard", "professional_staff", "training_hours", "salary", "social_insurance")
COMPLIANCE_RULES = (VENUE, SIGNBOARD, PROFESSIONAL_STAFF, TRAINING, SALARY, SOCIAL_INSURANCE)
