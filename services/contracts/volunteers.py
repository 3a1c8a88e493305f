"""Event contracts the volunteers service publishes. Producers and consumers both import these."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import contract
from services.contracts import vocabulary

PRODUCER = "volunteers"


class DeliveredBySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(vocabulary.MATCH_CANDIDATE_KINDS))
    id = fields.String(required=True)
    name = fields.String(required=True)


class ServiceDeliveredV1(Schema):
    task_id = fields.String(required=True)
    match_id = fields.String(required=True)
    need_id = fields.String(required=True)
    assessment_id = fields.String(required=True, allow_none=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    delivered_by = fields.Nested(DeliveredBySchema, required=True)
    service_type = fields.String(required=True)
    domain = fields.String(required=True)
    delivered_on = fields.Date(required=True)
    hours = fields.Float(required=True)
    notes = fields.String(required=True, allow_none=True)


SERVICE_DELIVERED = contract("service.delivered", 1, PRODUCER, ServiceDeliveredV1,
                             "a matched volunteer, resource or charity delivered a service (with hours)")


# --- resource library ----------------------------------------------------------------------
class ResourceRegisteredV1(Schema):
    resource_id = fields.String(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(vocabulary.RESOURCE_CATEGORIES))
    name = fields.String(required=True)
    credit_code = fields.String(required=True, allow_none=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    community_code = fields.String(required=True, allow_none=True)
    domains = fields.List(fields.String(), required=True)
    next_review_due = fields.Date(required=True)


RESOURCE_REGISTERED = contract("resource.registered", 1, PRODUCER, ResourceRegisteredV1,
                               "an organisation or facility was added to the community resource library")


class ResourceReviewedV1(Schema):
    resource_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    reviewed_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(vocabulary.REVIEW_DECISIONS))
    next_review_due = fields.Date(required=True, allow_none=True)


RESOURCE_REVIEWED = contract("resource.reviewed", 1, PRODUCER, ResourceReviewedV1,
                             "a resource library entry had its yearly review")


# --- volunteers ----------------------------------------------------------------------------
class VolunteerRegisteredV1(Schema):
    """No identity number, no phone: consumers get what they need to count and route."""
    volunteer_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    community_code = fields.String(required=True)
    skills = fields.List(fields.String(), required=True)
    domains = fields.List(fields.String(), required=True)
    background_checked = fields.Boolean(required=True)


VOLUNTEER_REGISTERED = contract("volunteer.registered", 1, PRODUCER, VolunteerRegisteredV1,
                                "a volunteer registered under their real name")


class HoursApprovedV1(Schema):
    volunteer_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    entry_ids = fields.List(fields.String(), required=True)
    hours = fields.Float(required=True)
    total_approved_hours = fields.Float(required=True)


HOURS_APPROVED = contract("hours.approved", 1, PRODUCER, HoursApprovedV1,
                          "station staff approved a volunteer's logged service hours")


# --- matching ------------------------------------------------------------------------------
class ScoreBreakdownSchema(Schema):
    domain = fields.Float(required=True)
    skills = fields.Float(required=True)
    distance = fields.Float(required=True)
    availability = fields.Float(required=True)
    # named apart from Schema.load, which a field called `load` would shadow for type checkers
    workload = fields.Float(required=True, data_key="load", attribute="load")


class ProposalSchema(Schema):
    proposal_id = fields.String(required=True)
    candidate_kind = fields.String(required=True, validate=validate.OneOf(vocabulary.MATCH_CANDIDATE_KINDS))
    candidate_id = fields.String(required=True)
    rank = fields.Integer(required=True)
    score = fields.Float(required=True)
    breakdown = fields.Nested(ScoreBreakdownSchema, required=True)
    reasons = fields.List(fields.String(), required=True)


class MatchProposedV1(Schema):
    """One event per matching run of a need, carrying the proposals that run added (ranked)."""
    need_id = fields.String(required=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    domain = fields.String(required=True)
    need_type = fields.String(required=True)
    proposals = fields.List(fields.Nested(ProposalSchema), required=True)


MATCH_PROPOSED = contract("match.proposed", 1, PRODUCER, MatchProposedV1,
                          "ranked candidates were proposed for an assessed need")


class MatchDecidedV1(Schema):
    need_id = fields.String(required=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    proposal_id = fields.String(required=True)
    candidate_kind = fields.String(required=True)
    candidate_id = fields.String(required=True)
    task_id = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)


MATCH_ACCEPTED = contract("match.accepted", 1, PRODUCER, MatchDecidedV1,
                          "station staff accepted a proposal; it became a task")
MATCH_DECLINED = contract("match.declined", 1, PRODUCER, MatchDecidedV1,
                          "station staff declined a proposal, with the reason")


class NeedUnmetV1(Schema):
    need_id = fields.String(required=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    county_code = fields.String(required=True)
    domain = fields.String(required=True)
    need_type = fields.String(required=True)
    severity = fields.String(required=True)
    reason = fields.String(required=True)
    refusals = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


NEED_UNMET = contract("need.unmet", 1, PRODUCER, NeedUnmetV1,
                      "no acceptable volunteer, resource or charity stock was found for a need")


# --- charity -------------------------------------------------------------------------------
class RestrictionsSchema(Schema):
    domains = fields.List(fields.String(), required=True)
    region_code = fields.String(required=True, allow_none=True)
    beneficiary_groups = fields.List(fields.String(), required=True)


class DonationReceivedV1(Schema):
    donation_id = fields.String(required=True)
    stock_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(vocabulary.DONATION_KINDS))
    item = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Integer(required=True)
    donor_kind = fields.String(required=True)
    restrictions = fields.Nested(RestrictionsSchema, required=True)
    received_on = fields.Date(required=True)


DONATION_RECEIVED = contract("donation.received", 1, PRODUCER, DonationReceivedV1,
                             "money (quantity in fen) or goods were donated to a station's charity stock")


class LotTakenSchema(Schema):
    donation_id = fields.String(required=True)
    quantity = fields.Integer(required=True)


class DistributionMadeV1(Schema):
    distribution_id = fields.String(required=True)
    stock_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    household_id = fields.String(required=True)
    need_id = fields.String(required=True, allow_none=True)
    item = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Integer(required=True)
    on_hand_after = fields.Integer(required=True)
    lots = fields.List(fields.Nested(LotTakenSchema), required=True)
    distributed_on = fields.Date(required=True)


DISTRIBUTION_MADE = contract("distribution.made", 1, PRODUCER, DistributionMadeV1,
                             "charity stock was handed to a household (stock reduced)")


class TaskCancelledV1(Schema):
    task_id = fields.String(required=True)
    match_id = fields.String(required=True)
    need_id = fields.String(required=True)
    household_id = fields.String(required=True)
    station_id = fields.String(required=True)
    township_code = fields.String(required=True)
    candidate_kind = fields.String(required=True, validate=validate.OneOf(vocabulary.MATCH_CANDIDATE_KINDS))
    candidate_id = fields.String(required=True)
    reason = fields.String(required=True)
    cancelled_at = fields.AwareDateTime(required=True)


TASK_CANCELLED = contract("task.cancelled", 1, PRODUCER, TaskCancelledV1,
                          "an open matching task was cancelled; its candidate is free again")


class CertificateRevokedV1(Schema):
    certificate_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    station_id = fields.String(required=True)
    reason = fields.String(required=True)
    revoked_at = fields.AwareDateTime(required=True)


CERTIFICATE_REVOKED = contract("certificate.revoked", 1, PRODUCER, CertificateRevokedV1,
                               "a volunteer service record certificate (志愿服务记录证明) was revoked")
