"""The volunteers service's mutations: one for every write of its RPC contract, with input types
mirroring its schemas (services/volunteers/schemas.py), and payloads.

Errors are reported in the response's top-level `errors`, each with `extensions.code` (see
gateway/errors.py, the one mapping): BAD_USER_INPUT with `extensions.details` {camelCase field path →
reasons}; NOT_FOUND (also for anything outside your scope); CONFLICT (a person registered twice, hours
already decided, a closed resource); RULE_VIOLATION with the reason (overlapping hours, a distribution
beyond stock or against a donor's earmark (专款专用), a child-related match without a valid background
check, a volunteer at their task limit); FORBIDDEN (evaluators and the public write nothing; station
staff write at their own station); CONCURRENT_MODIFICATION (re-read and retry with the new `version`).
The mutation's field is then null, and nothing was written.

The input types give clients types and names; the volunteers service validates the content.
Writes take `expectedVersion`, the volunteer's, team's, resource's or need's `version`.
`revealVolunteerIdentity` is a read of unmasked data, a mutation because each is logged.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import service_data, version_arg
from gateway.schema.volunteers.inputs import (
    AcceptMatchProposalInput,
    BackgroundCheckInput,
    CancelMatchTaskInput,
    CompleteMatchTaskInput,
    CreateVolunteerTeamInput,
    DecideVolunteerHoursInput,
    DeclineMatchProposalInput,
    DistributeCharityInput,
    IssueVolunteerCertificateInput,
    LogVolunteerHoursInput,
    ReceiveDonationInput,
    RegisterCommunityResourceInput,
    RegisterVolunteerInput,
    RequestMatchingInput,
    ReviewCommunityResourceInput,
    RevokeVolunteerCertificateInput,
    TeamSupervisionInput,
    TeamTrainingInput,
    UpdateCommunityResourceInput,
    UpdateVolunteerInput,
    UpdateVolunteerTeamInput,
    VolunteerCertificationInput,
    VolunteerTrainingInput,
)
from gateway.schema.volunteers.types.matching import MatchNeed
from gateway.schema.volunteers.types.resources import CharityDistribution, CharityStock, CommunityResource
from gateway.schema.volunteers.types.volunteers import (
    Volunteer,
    VolunteerCertificateIssued,
    VolunteerCertificateRevoked,
    VolunteerHoursEntry,
    VolunteerIdentity,
    VolunteerTeam,
)


class VolunteerPayload(graphene.ObjectType):
    volunteer = graphene.Field(Volunteer, required=True, description="The volunteer after the change.")


class VolunteerHoursPayload(graphene.ObjectType):
    entry = graphene.Field(VolunteerHoursEntry, required=True)


class VolunteerTeamPayload(graphene.ObjectType):
    team = graphene.Field(VolunteerTeam, required=True)


class CommunityResourcePayload(graphene.ObjectType):
    resource = graphene.Field(CommunityResource, required=True)


class DonationPayload(graphene.ObjectType):
    donation_id = graphene.ID(required=True)
    stock = graphene.Field(CharityStock, required=True, description="The stock line after the donation.")


class DistributionPayload(graphene.ObjectType):
    distribution = graphene.Field(CharityDistribution, required=True)
    stock = graphene.Field(CharityStock, required=True, description="The stock line after the distribution.")


class MatchNeedPayload(graphene.ObjectType):
    need = graphene.Field(MatchNeed, required=True, description="The need after the change.")


class VolunteersMutation(graphene.ObjectType):
    register_volunteer = graphene.Field(VolunteerPayload, input=RegisterVolunteerInput(required=True))
    update_volunteer = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                      input=UpdateVolunteerInput(required=True))
    record_volunteer_training = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                               input=VolunteerTrainingInput(required=True))
    record_volunteer_certification = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                                    input=VolunteerCertificationInput(required=True))
    record_background_check = graphene.Field(VolunteerPayload, id=graphene.ID(required=True),
                                             input=BackgroundCheckInput(required=True))
    reveal_volunteer_identity = graphene.Field(
        VolunteerIdentity, id=graphene.ID(required=True), reason=graphene.String(required=True),
        description="A volunteer's ID number and phone, unmasked, to roles allowed (logged: volunteersAccessLog).")
    log_volunteer_hours = graphene.Field(VolunteerHoursPayload, volunteer_id=graphene.ID(required=True),
                                         input=LogVolunteerHoursInput(required=True))
    approve_volunteer_hours = graphene.Field(VolunteerPayload, volunteer_id=graphene.ID(required=True),
                                             input=DecideVolunteerHoursInput(required=True))
    reject_volunteer_hours = graphene.Field(VolunteerPayload, volunteer_id=graphene.ID(required=True),
                                            input=DecideVolunteerHoursInput(required=True))
    issue_volunteer_certificate = graphene.Field(VolunteerCertificateIssued, volunteer_id=graphene.ID(required=True),
                                                 input=IssueVolunteerCertificateInput(required=True))
    revoke_volunteer_certificate = graphene.Field(
        VolunteerCertificateRevoked, certificate_id=graphene.ID(required=True),
        input=RevokeVolunteerCertificateInput(required=True),
        description="Revoke a 志愿服务记录证明; verifying it then says it was revoked. Publishes certificate.revoked.")
    create_volunteer_team = graphene.Field(VolunteerTeamPayload, input=CreateVolunteerTeamInput(required=True))
    update_volunteer_team = graphene.Field(VolunteerTeamPayload, id=graphene.ID(required=True),
                                           input=UpdateVolunteerTeamInput(required=True))
    record_team_training = graphene.Field(VolunteerTeamPayload, id=graphene.ID(required=True),
                                          input=TeamTrainingInput(required=True))
    record_team_supervision = graphene.Field(VolunteerTeamPayload, id=graphene.ID(required=True),
                                             input=TeamSupervisionInput(required=True))
    register_community_resource = graphene.Field(CommunityResourcePayload,
                                                 input=RegisterCommunityResourceInput(required=True))
    update_community_resource = graphene.Field(CommunityResourcePayload, id=graphene.ID(required=True),
                                               input=UpdateCommunityResourceInput(required=True))
    review_community_resource = graphene.Field(CommunityResourcePayload, id=graphene.ID(required=True),
                                               input=ReviewCommunityResourceInput(required=True))
    receive_donation = graphene.Field(DonationPayload, input=ReceiveDonationInput(required=True))
    distribute_charity = graphene.Field(DistributionPayload, input=DistributeCharityInput(required=True))
    request_matching = graphene.Field(MatchNeedPayload, input=RequestMatchingInput(required=True))
    rematch_need = graphene.Field(MatchNeedPayload, id=graphene.ID(required=True),
                                  expected_version=version_arg("The need's version."),
                                  description="Match again; never duplicates a proposal.")
    accept_match_proposal = graphene.Field(MatchNeedPayload, need_id=graphene.ID(required=True),
                                           proposal_id=graphene.ID(required=True),
                                           input=AcceptMatchProposalInput(required=True))
    decline_match_proposal = graphene.Field(MatchNeedPayload, need_id=graphene.ID(required=True),
                                            proposal_id=graphene.ID(required=True),
                                            input=DeclineMatchProposalInput(required=True))
    cancel_match_task = graphene.Field(
        MatchNeedPayload, need_id=graphene.ID(required=True), task_id=graphene.ID(required=True),
        input=CancelMatchTaskInput(required=True),
        description="Cancel an open task: the need returns to matching, the candidate is released. "
                    "Publishes task.cancelled.")
    complete_match_task = graphene.Field(MatchNeedPayload, need_id=graphene.ID(required=True),
                                         task_id=graphene.ID(required=True),
                                         input=CompleteMatchTaskInput(required=True),
                                         description="Publishes service.delivered (and logs a volunteer's hours).")

    # volunteers and hours
    @staticmethod
    def resolve_register_volunteer(root, info, input):
        return {"volunteer": info.context.service("volunteers").register_volunteer(service_data(input))}

    @staticmethod
    def resolve_update_volunteer(root, info, id, input):
        return {"volunteer": info.context.service("volunteers").update_volunteer(id, service_data(input))}

    @staticmethod
    def resolve_record_volunteer_training(root, info, id, input):
        return {"volunteer": info.context.service("volunteers").record_volunteer_training(id, service_data(input))}

    @staticmethod
    def resolve_record_volunteer_certification(root, info, id, input):
        return {"volunteer": info.context.service("volunteers").record_volunteer_certificate(id, service_data(input))}

    @staticmethod
    def resolve_record_background_check(root, info, id, input):
        return {"volunteer": info.context.service("volunteers").record_background_check(id, service_data(input))}

    @staticmethod
    def resolve_reveal_volunteer_identity(root, info, id, reason):
        return info.context.service("volunteers").reveal_volunteer_identity(id, reason)

    @staticmethod
    def resolve_log_volunteer_hours(root, info, volunteer_id, input):
        return {"entry": info.context.service("volunteers").log_hours(volunteer_id, service_data(input))}

    @staticmethod
    def resolve_approve_volunteer_hours(root, info, volunteer_id, input):
        return {"volunteer": info.context.service("volunteers").approve_hours(volunteer_id, service_data(input))}

    @staticmethod
    def resolve_reject_volunteer_hours(root, info, volunteer_id, input):
        return {"volunteer": info.context.service("volunteers").reject_hours(volunteer_id, service_data(input))}

    @staticmethod
    def resolve_issue_volunteer_certificate(root, info, volunteer_id, input):
        period = service_data(input)
        return info.context.service("volunteers").issue_certificate(volunteer_id, {"from": period["period_from"],
                                                                                   "to": period["period_to"]})

    @staticmethod
    def resolve_revoke_volunteer_certificate(root, info, certificate_id, input):
        return info.context.service("volunteers").revoke_certificate(certificate_id, service_data(input))

    # teams
    @staticmethod
    def resolve_create_volunteer_team(root, info, input):
        return {"team": info.context.service("volunteers").create_team(service_data(input))}

    @staticmethod
    def resolve_update_volunteer_team(root, info, id, input):
        return {"team": info.context.service("volunteers").update_team(id, service_data(input))}

    @staticmethod
    def resolve_record_team_training(root, info, id, input):
        return {"team": info.context.service("volunteers").record_team_training(id, service_data(input))}

    @staticmethod
    def resolve_record_team_supervision(root, info, id, input):
        return {"team": info.context.service("volunteers").record_supervision(id, service_data(input))}

    # resources
    @staticmethod
    def resolve_register_community_resource(root, info, input):
        return {"resource": info.context.service("volunteers").register_resource(service_data(input))}

    @staticmethod
    def resolve_update_community_resource(root, info, id, input):
        return {"resource": info.context.service("volunteers").update_resource(id, service_data(input))}

    @staticmethod
    def resolve_review_community_resource(root, info, id, input):
        return {"resource": info.context.service("volunteers").review_resource(id, service_data(input))}

    # charity
    @staticmethod
    def resolve_receive_donation(root, info, input):
        return info.context.service("volunteers").receive_donation(service_data(input))

    @staticmethod
    def resolve_distribute_charity(root, info, input):
        return info.context.service("volunteers").distribute(service_data(input))

    # matching
    @staticmethod
    def resolve_request_matching(root, info, input):
        return {"need": info.context.service("volunteers").request_matching(service_data(input))}

    @staticmethod
    def resolve_rematch_need(root, info, id, expected_version):
        return {"need": info.context.service("volunteers").rematch_need(id, {"expected_version": expected_version})}

    @staticmethod
    def resolve_accept_match_proposal(root, info, need_id, proposal_id, input):
        return {"need": info.context.service("volunteers").accept_proposal(need_id, proposal_id, service_data(input))}

    @staticmethod
    def resolve_decline_match_proposal(root, info, need_id, proposal_id, input):
        return {"need": info.context.service("volunteers").decline_proposal(need_id, proposal_id, service_data(input))}

    @staticmethod
    def resolve_cancel_match_task(root, info, need_id, task_id, input):
        return {"need": info.context.service("volunteers").cancel_task(need_id, task_id, service_data(input))}

    @staticmethod
    def resolve_complete_match_task(root, info, need_id, task_id, input):
        return {"need": info.context.service("volunteers").complete_task(need_id, task_id, service_data(input))}
