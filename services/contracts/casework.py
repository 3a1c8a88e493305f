"""Event contracts the casework service publishes. Producers and consumers both import these.

`needs.assessed` is consumed by the volunteers service for matching: it carries the needs list
without personal data (no names, no ID numbers), only what matching needs.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import contract
from services.contracts.vocabulary import DOMAINS, REFERRAL_ANSWERS, ROSTER_SOURCES, SEVERITIES

PRODUCER = "casework"



class AssessedNeedSchema(Schema):
    need_id = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    need_type = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    description = fields.String(required=True)
    beneficiary_groups = fields.List(fields.String(), required=True)
    child_related = fields.Boolean(required=True)
    needed_by = fields.Date(required=True, allow_none=True)


class NeedsAssessedV1(Schema):
    assessment_id = fields.String(required=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    community_code = fields.String(required=True, allow_none=True)
    assessed_on = fields.Date(required=True)
    risk_level = fields.String(required=True)
    supersedes = fields.String(required=True, allow_none=True)
    needs = fields.List(fields.Nested(AssessedNeedSchema), required=True)


NEEDS_ASSESSED = contract("needs.assessed", 1, PRODUCER, NeedsAssessedV1,
                          "a household's needs were assessed (new or re-assessment)")


# --- contracts added with the casework service (same rule: ids and codes, never personal data) ---

class HouseholdRegisteredV1(Schema):
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    community_code = fields.String(required=True)
    member_count = fields.Integer(required=True)
    groups = fields.List(fields.String(), required=True)
    registered_on = fields.Date(required=True)
    source = fields.String(required=True, validate=validate.OneOf(("registration", "import")))


HOUSEHOLD_REGISTERED = contract("household.registered", 1, PRODUCER, HouseholdRegisteredV1,
                                "a household was registered (one per household, also for bulk imports)")


class PersonMergedV1(Schema):
    survivor_person_id = fields.String(required=True)
    survivor_household_id = fields.String(required=True)
    duplicate_person_id = fields.String(required=True)
    duplicate_household_id = fields.String(required=True)
    station_id = fields.String(required=True)


PERSON_MERGED = contract("person.merged", 1, PRODUCER, PersonMergedV1,
                         "two records of the same person were merged; the duplicate id now means the survivor")


class ConsentWithdrawnV1(Schema):
    consent_id = fields.String(required=True)
    household_id = fields.String(required=True)
    person_id = fields.String(required=True)
    purposes = fields.List(fields.String(), required=True)
    withdrawn_on = fields.Date(required=True)


class ConsentWithdrawnV2(ConsentWithdrawnV1):
    """v2 names the needs volunteer matching must drop (the person has no volunteer_matching basis left)."""
    matching_need_ids = fields.List(fields.String(), required=True)


def _consent_withdrawn_v1_to_v2(payload: dict) -> dict:
    return {**payload, "matching_need_ids": []}


CONSENT_WITHDRAWN = contract("consent.withdrawn", 2, PRODUCER, ConsentWithdrawnV2,
                             "a person withdrew consent: stop using their data for these purposes",
                             upcasters={1: _consent_withdrawn_v1_to_v2})


class CaseOpenedV1(Schema):
    case_id = fields.String(required=True)
    household_id = fields.String(required=True)
    person_id = fields.String(required=True, allow_none=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    source = fields.String(required=True)
    assigned_staff_id = fields.String(required=True)
    opened_on = fields.Date(required=True)


CASE_OPENED = contract("case.opened", 1, PRODUCER, CaseOpenedV1, "a case was opened for a person or household")


class CaseStageChangedV1(Schema):
    case_id = fields.String(required=True)
    station_id = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    from_stage = fields.String(required=True)
    to_stage = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)
    approved_by = fields.String(required=True, allow_none=True)


CASE_STAGE_CHANGED = contract("case.stage_changed", 1, PRODUCER, CaseStageChangedV1,
                              "a case moved to another stage of its lifecycle (also reopening and closing)")


class CaseClosedV1(Schema):
    case_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    reason = fields.String(required=True)
    outcome = fields.String(required=True)
    opened_on = fields.Date(required=True)
    closed_on = fields.Date(required=True)
    approved_by = fields.String(required=True)


CASE_CLOSED = contract("case.closed", 1, PRODUCER, CaseClosedV1, "a case was closed with a reason and an outcome")


class VisitLoggedV1(Schema):
    visit_id = fields.String(required=True)
    household_id = fields.String(required=True)
    case_id = fields.String(required=True, allow_none=True)
    campaign_id = fields.String(required=True, allow_none=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    visit_type = fields.String(required=True)
    visited_on = fields.Date(required=True)
    duration_minutes = fields.Integer(required=True)
    staff_ids = fields.List(fields.String(), required=True)


class VisitLoggedV2(VisitLoggedV1):
    """v2 adds when the contact took place: a crisis case's first contact is due within 24 hours, which a
    date alone cannot show (supervision counts contacts in time and late from this)."""
    contact_at = fields.AwareDateTime(required=True, allow_none=True)


def _visit_logged_v1_to_v2(payload: dict) -> dict:
    # v1 never said the time of day; None tells consumers it is unknown rather than inventing midnight.
    return {**payload, "contact_at": None}


VISIT_LOGGED = contract("visit.logged", 2, PRODUCER, VisitLoggedV2,
                        "a home visit or contact was logged on a case or a household",
                        upcasters={1: _visit_logged_v1_to_v2})


class ReferralMadeV1(Schema):
    referral_id = fields.String(required=True)
    case_id = fields.String(required=True)
    station_id = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    target_kind = fields.String(required=True)
    target_name = fields.String(required=True)
    service_requested = fields.String(required=True)
    made_on = fields.Date(required=True)
    shares_personal_data = fields.Boolean(required=True)
    sharing_basis = fields.String(required=True, allow_none=True)


REFERRAL_MADE = contract("referral.made", 1, PRODUCER, ReferralMadeV1,
                         "a case was referred to a resource, organisation or agency")


class ReferralAnsweredV1(Schema):
    referral_id = fields.String(required=True)
    case_id = fields.String(required=True)
    station_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(REFERRAL_ANSWERS))
    answered_on = fields.Date(required=True)


REFERRAL_ANSWERED = contract("referral.answered", 1, PRODUCER, ReferralAnsweredV1,
                             "a referral was accepted, declined or completed by its receiver")


class CrisisFlaggedV1(Schema):
    case_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    assigned_staff_id = fields.String(required=True)
    flagged_at = fields.AwareDateTime(required=True)
    contact_due_at = fields.AwareDateTime(required=True)


CRISIS_FLAGGED = contract("crisis.flagged", 1, PRODUCER, CrisisFlaggedV1,
                          "a case was flagged as a crisis: first contact due within 24 hours")


class CrisisContactOverdueV1(CrisisFlaggedV1):
    detected_at = fields.AwareDateTime(required=True)


CRISIS_CONTACT_OVERDUE = contract("crisis.contact_overdue", 1, PRODUCER, CrisisContactOverdueV1,
                                  "a crisis case had no first contact within 24 hours (once per breach)")


# --- rosters other agencies keep (issue 13): ids and codes only, never names or ID numbers ---

class PersonListedOnRosterV1(Schema):
    household_id = fields.String(required=True)
    person_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(tuple(ROSTER_SOURCES)))
    tag = fields.String(required=True)
    listed_since = fields.Date(required=True)
    change = fields.String(required=True, validate=validate.OneOf(("added", "relisted", "details_changed")))
    import_id = fields.String(required=True)


PERSON_LISTED_ON_ROSTER = contract(
    "person.listed_on_roster", 1, PRODUCER, PersonListedOnRosterV1,
    "an agency's roster (低保, 特困, 残联 …) lists this person: the tag and programme status were recorded")


class PersonLeftRosterV1(Schema):
    household_id = fields.String(required=True)
    person_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(tuple(ROSTER_SOURCES)))
    tag = fields.String(required=True)
    left_on = fields.Date(required=True)
    import_id = fields.String(required=True)


PERSON_LEFT_ROSTER = contract(
    "person.left_roster", 1, PRODUCER, PersonLeftRosterV1,
    "a person on an agency's roster is absent from its newest complete file: marked as having left it")


class RosterImportCompletedV1(Schema):
    import_id = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(tuple(ROSTER_SOURCES)))
    region_code = fields.String(required=True)
    file_sha256 = fields.String(required=True)
    rows = fields.Integer(required=True)
    matched = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    created = fields.Integer(required=True)
    flagged = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    left = fields.Integer(required=True)
    removal_applied = fields.Boolean(required=True)


ROSTER_IMPORT_COMPLETED = contract("roster_import.completed", 1, PRODUCER, RosterImportCompletedV1,
                                   "every row of an agency's roster file was processed")
