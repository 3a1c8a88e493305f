"""Marshmallow schemas at casework's boundaries (RPC inputs; events live in events.py).

Every write carries `expected_version` (the version of the household or case the caller read), so
an edit made on stale data is refused instead of silently overwriting someone else's.
"""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from services.common.validators import BirthDate, IdNumber, Name, division_code, phone
from services.contracts import vocabulary as catalogue
from services.contracts.identity import AGENCY_KINDS
from services.contracts.vocabulary import DOMAINS

from .domain import STAGES

_LOOKS_LIKE_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_LOOKS_LIKE_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _text(min_length=1, max_length=200, **kwargs):
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


def _one_of(choices, **kwargs):
    return fields.String(validate=validate.OneOf(tuple(choices)), **kwargs)


class Versioned(Strict):
    expected_version = fields.Integer(required=True, strict=True)


# --- households and people ------------------------------------------------------------------
class DisabilitySchema(Strict):
    category = _one_of(catalogue.DISABILITY_CATEGORIES, required=True)
    grade = fields.Integer(required=True, strict=True, validate=validate.OneOf(catalogue.DISABILITY_GRADES,
                                                                               error="grade 1 (most severe) to 4"))
    certificate_number = _text(4, 30, load_default=None, allow_none=True)


class HealthSchema(Strict):
    conditions = fields.List(_text(1, 60), load_default=list, validate=validate.Length(max=20))
    notes = _text(0, 1000, load_default=None, allow_none=True)


class MemberFields(Strict):
    name = Name(1, 40, required=True)
    relationship = _one_of(catalogue.RELATIONSHIPS, required=True)
    id_number = IdNumber(load_default=None, allow_none=True)
    birth_date = BirthDate(load_default=None, allow_none=True)
    sex = _one_of(catalogue.SEXES, load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=phone)
    tags = fields.List(_one_of(catalogue.TAGS), load_default=list, validate=validate.Length(max=len(catalogue.TAGS)))
    disability = fields.Nested(DisabilitySchema, load_default=None, allow_none=True)
    health = fields.Nested(HealthSchema, load_default=None, allow_none=True)

    @validates("tags")
    def no_repeated_tags(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("a tag is listed twice")


class HouseholdInputSchema(Strict):
    station_id = fields.String(required=True,
                               validate=validate.Regexp(r"^ST\d{9}$", error="a station id like ST321181001"))
    community_code = fields.String(required=True,
                                   validate=validate.Regexp(r"^\d{12}$", error="12 digits: the township's 9 + 3"))
    community_name = Name(2, 40, required=True)
    address = _text(2, 200, required=True)
    registered_on = fields.Date(load_default=None, allow_none=True)
    members = fields.List(fields.Nested(MemberFields), required=True, validate=validate.Length(min=1, max=30))


class HouseholdUpdateSchema(Versioned):
    address = _text(2, 200)
    community_code = fields.String(validate=validate.Regexp(r"^\d{12}$", error="12 digits: the township's 9 + 3"))
    community_name = Name(2, 40)

    @validates_schema
    def community_together(self, data, **kwargs):
        if ("community_code" in data) != ("community_name" in data):
            raise ValidationError("change the community code and name together", "community_code")


class MemberAddSchema(MemberFields):
    expected_version = fields.Integer(required=True, strict=True)


class MemberUpdateSchema(Versioned):
    name = Name(1, 40)
    id_number = IdNumber()
    relationship = _one_of(catalogue.RELATIONSHIPS)
    phone = fields.String(allow_none=True, validate=phone)
    tags = fields.List(_one_of(catalogue.TAGS), validate=validate.Length(max=len(catalogue.TAGS)))
    disability = fields.Nested(DisabilitySchema, allow_none=True)
    health = fields.Nested(HealthSchema, allow_none=True)


class MemberRemoveSchema(Versioned):
    reason = _one_of(catalogue.REMOVAL_REASONS, required=True)
    removed_on = fields.Date(required=True)
    note = _text(0, 200, load_default=None, allow_none=True)


class GivenBySchema(Strict):
    person_id = fields.String(load_default=None, allow_none=True)
    name = Name(1, 40, load_default=None, allow_none=True)
    relationship_to_subject = _one_of(catalogue.CONSENT_GIVER_RELATIONSHIPS, load_default=None, allow_none=True)

    @validates_schema
    def someone(self, data, **kwargs):
        if not data.get("person_id") and not data.get("name"):
            raise ValidationError("a household member's person_id, or the name of an outside guardian", "person_id")
        if data.get("name") and not data.get("relationship_to_subject"):
            raise ValidationError("how an outside guardian is related to the person", "relationship_to_subject")


class ConsentSchema(Versioned):
    person_id = fields.String(required=True)
    legal_basis = _one_of(catalogue.LEGAL_BASES, required=True)
    purposes = fields.List(_one_of(catalogue.CONSENT_PURPOSES), required=True, validate=validate.Length(min=1))
    given_by = fields.Nested(GivenBySchema, load_default=None, allow_none=True)
    given_on = fields.Date(required=True)
    basis_note = _text(4, 300, load_default=None, allow_none=True)
    # For referral_sharing: the kinds of registered agency the person agreed their data may go to (an agency's
    # client sees personal data only when its agency's kind is named here).
    recipient_kinds = fields.List(_one_of(AGENCY_KINDS), load_default=list, validate=validate.Length(max=10))


class ConsentWithdrawalSchema(Versioned):
    consent_id = fields.String(required=True)
    withdrawn_on = fields.Date(required=True)
    reason = _text(2, 300, required=True)


class PersonRefSchema(Strict):
    household_id = fields.String(required=True)
    person_id = fields.String(required=True)
    expected_version = fields.Integer(required=True, strict=True)


class MergeSchema(Strict):
    survivor = fields.Nested(PersonRefSchema, required=True)
    duplicate = fields.Nested(PersonRefSchema, required=True)
    reason = _text(4, 300, required=True)


class DismissFlagSchema(Versioned):
    flag_id = fields.String(required=True)
    reason = _text(4, 300, required=True)


# --- needs archive ---------------------------------------------------------------------------
class NeedSchema(Strict):
    need_id = fields.String(load_default=None, allow_none=True)
    domain = _one_of(DOMAINS, required=True)
    need_type = fields.String(required=True)
    severity = _one_of(catalogue.SEVERITIES, required=True)
    description = _text(4, 500, required=True)
    person_ids = fields.List(fields.String(), load_default=list)
    needed_by = fields.Date(load_default=None, allow_none=True)

    @validates("description")
    def no_identifiers(self, value, **kwargs):
        # The needs list goes to volunteer matching: it must not carry who the person is.
        if _LOOKS_LIKE_ID_NUMBER.search(value) or _LOOKS_LIKE_MOBILE.search(value):
            raise ValidationError("leave ID and phone numbers out: the needs list is shared with volunteer matching")


class AssessmentSchema(Versioned):
    assessed_on = fields.Date(required=True)
    assessor_staff_id = fields.String(required=True)
    needs = fields.List(fields.Nested(NeedSchema), required=True, validate=validate.Length(max=40))
    amends = fields.String(load_default=None, allow_none=True)


# --- cases ------------------------------------------------------------------------------------
class CrisisNotesSchema(Strict):
    notes = _text(4, 2000, required=True)


class CaseOpenSchema(Strict):
    household_id = fields.String(required=True)
    person_id = fields.String(load_default=None, allow_none=True)
    domain = _one_of(DOMAINS, required=True)
    source = _one_of(catalogue.CASE_SOURCES, required=True)
    summary = _text(4, 500, required=True)
    assigned_staff_id = fields.String(required=True)
    opened_on = fields.Date(load_default=None, allow_none=True)
    crisis = fields.Nested(CrisisNotesSchema, load_default=None, allow_none=True)


class StageChangeSchema(Versioned):
    to = _one_of(STAGES, required=True)
    note = _text(0, 500, load_default=None, allow_none=True)


class CaseAssessmentSchema(Versioned):
    summary = _text(4, 2000, required=True)
    need_ids = fields.List(fields.String(), load_default=list)
    strengths = _text(0, 1000, load_default=None, allow_none=True)


class InterventionSchema(Strict):
    activity_type = _one_of(catalogue.SERVICE_ACTIVITIES, required=True)
    frequency = _text(1, 60, required=True)
    responsible = _text(1, 60, load_default=None, allow_none=True)


class PlanSchema(Versioned):
    goals = fields.List(_text(2, 300), required=True, validate=validate.Length(min=1, max=20))
    interventions = fields.List(fields.Nested(InterventionSchema), required=True,
                                validate=validate.Length(min=1, max=30))
    review_on = fields.Date(required=True)


class DecisionSchema(Versioned):
    decision = _one_of(catalogue.APPROVAL_DECISIONS, required=True)
    comment = _text(0, 500, load_default=None, allow_none=True)


class ClosureRequestSchema(Versioned):
    reason = _one_of(catalogue.CLOSURE_REASONS, required=True)
    outcome = _one_of(catalogue.OUTCOMES, required=True)
    note = _text(0, 500, load_default=None, allow_none=True)


class ReopenSchema(Versioned):
    reason = _text(4, 300, required=True)
    assigned_staff_id = fields.String(load_default=None, allow_none=True)


class ReassignSchema(Versioned):
    staff_id = fields.String(required=True)
    reason = _text(2, 300, required=True)


class VisitSchema(Versioned):
    visit_type = _one_of(catalogue.VISIT_TYPES, required=True)
    visited_on = fields.Date(required=True)
    visited_at = fields.AwareDateTime(load_default=None, allow_none=True)
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1440))
    staff_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=10))
    other_participants = fields.List(_text(1, 60), load_default=list, validate=validate.Length(max=20))
    notes = _text(0, 2000, load_default=None, allow_none=True)
    next_visit_on = fields.Date(load_default=None, allow_none=True)


class HouseholdVisitSchema(VisitSchema):
    campaign_id = fields.String(load_default=None, allow_none=True)


class ServiceSchema(Versioned):
    activity_type = _one_of(catalogue.SERVICE_ACTIVITIES, required=True)
    delivered_on = fields.Date(required=True)
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1440))
    staff_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=10))
    need_ids = fields.List(fields.String(), load_default=list)
    notes = _text(0, 2000, load_default=None, allow_none=True)


class CrisisFlagSchema(Versioned):
    notes = _text(4, 2000, required=True)


class CrisisResolveSchema(Versioned):
    note = _text(4, 500, required=True)


class ReferralTargetSchema(Strict):
    """An agency is named by its registered id (identity's `agency.registered`), never by free text; a
    resource or organisation by its name."""
    kind = _one_of(catalogue.REFERRAL_TARGETS, required=True)
    name = Name(2, 100, load_default=None, allow_none=True)
    resource_id = fields.String(load_default=None, allow_none=True)
    agency_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))

    @validates_schema
    def named(self, data, **kwargs):
        if data["kind"] == "agency" and not data.get("agency_id"):
            raise ValidationError("a referral to an agency names a registered agency", "agency_id")
        if data["kind"] != "agency" and data.get("agency_id"):
            raise ValidationError("only a referral to an agency names one", "agency_id")
        if data["kind"] != "agency" and not data.get("name"):
            raise ValidationError("name the resource or organisation", "name")


class SharingBasisSchema(Strict):
    kind = _one_of(catalogue.SHARING_BASIS_KINDS, required=True)
    consent_id = fields.String(load_default=None, allow_none=True)
    legal_basis = _one_of(catalogue.LEGAL_BASES, load_default=None, allow_none=True)
    reason = _text(0, 300, load_default=None, allow_none=True)


class ReferralSchema(Versioned):
    target = fields.Nested(ReferralTargetSchema, required=True)
    service_requested = _text(2, 300, required=True)
    made_on = fields.Date(required=True)
    shares_personal_data = fields.Boolean(required=True)
    sharing_basis = fields.Nested(SharingBasisSchema, load_default=None, allow_none=True)


class ReferralAnswerSchema(Versioned):
    referral_id = fields.String(required=True)
    status = _one_of(catalogue.REFERRAL_ANSWERS, required=True)
    answered_on = fields.Date(required=True)
    reason_code = _one_of(catalogue.REFERRAL_DECLINE_REASONS, load_default=None, allow_none=True)
    note = _text(0, 500, load_default=None, allow_none=True)


class AgencyAnswerSchema(Strict):
    """An agency client's answer: no version to send (it never reads the case), a structured reason to decline."""
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    status = _one_of(catalogue.REFERRAL_ANSWERS, required=True)
    reason_code = _one_of(catalogue.REFERRAL_DECLINE_REASONS, load_default=None, allow_none=True)
    note = _text(0, 500, load_default=None, allow_none=True)


class ReferralRevocationSchema(Versioned):
    referral_id = fields.String(required=True)
    reason_code = _one_of(catalogue.REFERRAL_REVOCATION_REASONS, required=True)
    note = _text(0, 500, load_default=None, allow_none=True)


class AgencyReferralFilterSchema(Strict):
    status = _one_of(catalogue.REFERRAL_STATUSES, load_default=None, allow_none=True)
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class AgencyCallSchema(Strict):
    field = fields.String(required=True, validate=validate.Length(1, 100))
    outcome = fields.String(required=True, validate=validate.OneOf(("answered", "refused", "failed")))
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


# --- verification campaigns ---------------------------------------------------------------------
class CampaignCriteriaSchema(Strict):
    tags_any = fields.List(_one_of(catalogue.TAGS), required=True, validate=validate.Length(min=1))
    age_min = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=130))
    age_max = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=130))

    @validates_schema
    def ordered_ages(self, data, **kwargs):
        if data.get("age_min") is not None and data.get("age_max") is not None and data["age_min"] > data["age_max"]:
            raise ValidationError("age_min is above age_max", "age_min")


class CampaignSchema(Strict):
    name = _text(4, 100, required=True)
    region_code = fields.String(required=True, validate=division_code)
    criteria = fields.Nested(CampaignCriteriaSchema, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)

    @validates_schema
    def ordered_dates(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends before it starts", "ends_on")


# --- reads -------------------------------------------------------------------------------------
class Page(Strict):
    after = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class HouseholdFilterSchema(Page):
    station_id = fields.String(load_default=None, allow_none=True)
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2,12}$"))
    community_code = fields.String(load_default=None, allow_none=True)
    group = _one_of(catalogue.TAGS, load_default=None, allow_none=True)
    archive_overdue = fields.Boolean(load_default=None, allow_none=True)
    risk_level = _one_of(catalogue.RISK_LEVELS, load_default=None, allow_none=True)
    duplicates_open = fields.Boolean(load_default=None, allow_none=True)
    head_name = Name(1, 40, load_default=None, allow_none=True)


class CaseFilterSchema(Page):
    station_id = fields.String(load_default=None, allow_none=True)
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2,12}$"))
    domain = _one_of(DOMAINS, load_default=None, allow_none=True)
    stage = _one_of(catalogue.STAGE_FILTERS, load_default=None, allow_none=True)
    crisis = fields.Boolean(load_default=None, allow_none=True)
    overdue = fields.Boolean(load_default=None, allow_none=True)
    assigned_staff_id = fields.String(load_default=None, allow_none=True)
    household_id = fields.String(load_default=None, allow_none=True)


class RegionSummaryFilterSchema(Strict):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2,12}$"))
    station_id = fields.String(load_default=None, allow_none=True)


class CampaignFilterSchema(Page):
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2,12}$"))


class CampaignProgressFilterSchema(Page):
    station_id = fields.String(load_default=None, allow_none=True)
    visited = fields.Boolean(load_default=None, allow_none=True)


class DuplicateFilterSchema(Page):
    station_id = fields.String(load_default=None, allow_none=True)


# --- roster imports (issue 13) ----------------------------------------------------------------------------
MAX_ROSTER_FILE_BYTES = 32 * 1024 * 1024


class RosterImportSchema(Strict):
    source = _one_of(catalogue.ROSTER_SOURCES, required=True)
    region = fields.String(load_default=None, allow_none=True,
                           validate=validate.Regexp(r"^\d{6}(\d{3})?$"))
    filename = _text(1, 200, required=True)
    content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_ROSTER_FILE_BYTES * 4 // 3 + 4))


class RosterColumnSchema(Strict):
    field = _one_of(catalogue.ROSTER_FIELDS, required=True)
    header = _text(1, 60, required=True)


class RosterMappingSchema(Strict):
    source = _one_of(catalogue.ROSTER_SOURCES, required=True)
    region = fields.String(load_default=None, allow_none=True,
                           validate=validate.Regexp(r"^\d{6}(\d{3})?$"))
    columns = fields.List(fields.Nested(RosterColumnSchema), required=True,
                          validate=validate.Length(min=2, max=len(catalogue.ROSTER_FIELDS)))


class RosterImportFilterSchema(Page):
    source = _one_of(catalogue.ROSTER_SOURCES, load_default=None, allow_none=True)
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2,12}$"))


class RosterRowFilterSchema(Strict):
    outcome = _one_of(catalogue.ROSTER_ROW_OUTCOMES, load_default=None, allow_none=True)
    after = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(min=1, max=500))
