"""Referrals as a registered agency's own client sees them (`agencyReferrals`, `answerAgencyReferral`), and the
station's revocation of a referral (`revokeReferral`).

An agency client's token (role `agency`, from `POST /auth/token` with `grant_type=client_credentials`) may call
only the root fields gateway/agency.py lists for it, and mutations only when its client's scopes name them.
Casework decides what the client sees: the referrals to its agency in its regions and case domains; a person's
data only field by field, where the client's scopes name the field and the person's consent names this kind of
agency (`sharedFields` says which). See docs/integration.md."""
from __future__ import annotations

import graphene

from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, input_type, page_args, page_size, service_data
from gateway.schema.casework.enums import CaseDomain, ReferralAnswer, ReferralDeclineReason, ReferralStatus, Sex
from gateway.schema.casework.inputs import RevokeReferralInput
from gateway.schema.casework.mutations import ReferralPayload
from gateway.schema.scalars import Date


class AgencyReferralPerson(graphene.ObjectType):
    """The referral's person, only the fields the agency may receive (the others null)."""
    name = graphene.String()
    phone = graphene.String()
    age = graphene.Int()
    sex = Sex()


class AgencyReferral(graphene.ObjectType):
    """A referral made to your agency, as your client may see it."""
    id = graphene.ID(required=True)
    case_id = graphene.ID(required=True, description="Name it when answering.")
    domain = CaseDomain(required=True)
    township_code = graphene.String()
    station_id = graphene.ID(required=True)
    service_requested = graphene.String(required=True)
    made_on = Date(required=True)
    status = ReferralStatus(required=True)
    expires_on = Date(description="Unanswered, it expires after this day.")
    answered_on = Date()
    reason_code = graphene.String()
    shares_personal_data = graphene.Boolean(required=True)
    shared_fields = graphene.List(graphene.NonNull(graphene.String), required=True,
                                  description="The person's fields you are shown (your scopes and their consent).")
    person = graphene.Field(AgencyReferralPerson, description="Null unless some field may be shared.")


class AgencyReferralPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(AgencyReferral), required=True)
    next_cursor = graphene.String()


AnswerAgencyReferralInput = input_type(
    "AnswerAgencyReferralInput", "Your agency's answer to a referral made to it.",
    case_id=graphene.ID(required=True), referral_id=graphene.ID(required=True), status=ReferralAnswer(required=True),
    reason_code=ReferralDeclineReason(description="Required when declined."), note=graphene.String())


class AgencyReferralQuery(graphene.ObjectType):
    agency_referrals = graphene.Field(
        AgencyReferralPage, required=True, **page_args(status=ReferralStatus()),
        description="Referrals made to your agency (agency clients only), in case order.")

    @staticmethod
    def resolve_agency_referrals(root, info, first=DEFAULT_PAGE_SIZE, after=None, status=None):
        return info.context.service("casework").agency_referrals({
            "status": service_data(status), "after": after, "limit": page_size(first, MAX_PAGE_SIZE,
                                                                                 DEFAULT_PAGE_SIZE)})


class AgencyReferralMutation(graphene.ObjectType):
    answer_agency_referral = graphene.Field(
        AgencyReferral, required=True, input=AnswerAgencyReferralInput(required=True),
        description="Accept, decline (with a reason code) or complete a referral to your agency (agency clients "
                    "whose scopes include mutation:answer_referral).")
    revoke_referral = graphene.Field(ReferralPayload, case_id=graphene.ID(required=True),
                                     input=RevokeReferralInput(required=True),
                                     description="The station withdraws a sent or accepted referral.")

    @staticmethod
    def resolve_answer_agency_referral(root, info, input):
        return info.context.service("casework").answer_as_agency(service_data(input))

    @staticmethod
    def resolve_revoke_referral(root, info, case_id, input):
        return {"referral": info.context.service("casework").revoke_referral(case_id, service_data(input))}
