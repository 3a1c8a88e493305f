"""Supervision mutations: acknowledge and resolve alerts, set alert policies; register and assign
supervisors, record sessions and complete their follow-ups.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import service_data
from gateway.schema.scalars import Date
from gateway.schema.supervision.enums import SessionForm, SessionTopic, SupervisorKind
from gateway.schema.supervision.types.alerts import Alert, AlertPolicy
from gateway.schema.supervision.types.work import SupervisionSession, Supervisor


class AlertActionInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    note = graphene.String(required=True, description="What was done or decided (2 to 2000 characters).")


class AlertPolicyInput(graphene.InputObjectType):
    region_code = graphene.String(required=True, description="6 or 9 digits: 320000, 321100, 321181 …")
    effective_from = Date(required=True)
    crisis_first_contact_hours = graphene.Int(required=True)
    need_unmet_days = graphene.Int(required=True)
    archive_review_months = graphene.Int(required=True)
    critical_escalation_hours = graphene.Int(description="Default 4: an unacknowledged critical alert goes to "
                                                         "the city after this, to the province after twice this.")
    small_count_threshold = graphene.Int(description="Default 5: township counts below it are suppressed.")
    source = graphene.String(required=True, description="The document the thresholds come from.")


class AlertPayload(graphene.ObjectType):
    alert = graphene.Field(Alert, required=True, description="The alert after the change.")


class AlertsMutation(graphene.ObjectType):
    acknowledge_alert = graphene.Field(AlertPayload, id=graphene.ID(required=True),
                                       input=AlertActionInput(required=True))
    resolve_alert = graphene.Field(AlertPayload, id=graphene.ID(required=True), input=AlertActionInput(required=True))
    set_alert_policy = graphene.Field(AlertPolicy, input=AlertPolicyInput(required=True))

    @staticmethod
    def resolve_acknowledge_alert(root, info, id, input):
        return {"alert": info.context.service("supervision").acknowledge_alert(id, service_data(input))}

    @staticmethod
    def resolve_resolve_alert(root, info, id, input):
        return {"alert": info.context.service("supervision").resolve_alert(id, service_data(input))}

    @staticmethod
    def resolve_set_alert_policy(root, info, input):
        return info.context.service("supervision").set_alert_policy(service_data(input))


class SupervisorOrganisationInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String(description="18-character unified social credit code, when it has one.")


class RegisterSupervisorInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    kind = SupervisorKind(required=True)
    organisation = graphene.InputField(SupervisorOrganisationInput, required=True)
    region_code = graphene.String(required=True, description="6 digits: the county or city registering them.")


class AssignSupervisorInput(graphene.InputObjectType):
    station_id = graphene.ID(required=True)
    from_ = Date(name="from", required=True)
    to = Date()


class EndAssignmentInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    assignment_id = graphene.ID(required=True)
    to = Date(required=True)


class FollowUpInput(graphene.InputObjectType):
    description = graphene.String(required=True)
    owner = graphene.String(required=True)
    due_on = Date(required=True)


class RecordSessionInput(graphene.InputObjectType):
    supervisor_id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    date = Date(required=True)
    form = SessionForm(required=True)
    duration_minutes = graphene.Int(required=True)
    topics = graphene.List(graphene.NonNull(SessionTopic), required=True)
    problems = graphene.List(graphene.NonNull(graphene.String))
    follow_ups = graphene.List(graphene.NonNull(FollowUpInput))


class CompleteFollowUpInput(graphene.InputObjectType):
    expected_version = graphene.Int(required=True)
    done_on = Date(required=True)
    evidence = graphene.String(required=True)


def _dates(data: dict) -> dict:
    """graphene's `from_` input key as the service's `from`."""
    return {("from" if key == "from_" else key): value for key, value in data.items()}


class SupervisionWorkMutation(graphene.ObjectType):
    register_supervisor = graphene.Field(Supervisor, input=RegisterSupervisorInput(required=True))
    assign_supervisor = graphene.Field(Supervisor, supervisor_id=graphene.ID(required=True),
                                       input=AssignSupervisorInput(required=True))
    end_supervisor_assignment = graphene.Field(Supervisor, supervisor_id=graphene.ID(required=True),
                                               input=EndAssignmentInput(required=True))
    record_supervision_session = graphene.Field(SupervisionSession, input=RecordSessionInput(required=True))
    complete_follow_up = graphene.Field(SupervisionSession, session_id=graphene.ID(required=True),
                                        follow_up_id=graphene.ID(required=True),
                                        input=CompleteFollowUpInput(required=True))

    @staticmethod
    def resolve_register_supervisor(root, info, input):
        return info.context.service("supervision").register_supervisor(service_data(input))

    @staticmethod
    def resolve_assign_supervisor(root, info, supervisor_id, input):
        return info.context.service("supervision").assign_supervisor(supervisor_id, _dates(service_data(input)))

    @staticmethod
    def resolve_end_supervisor_assignment(root, info, supervisor_id, input):
        return info.context.service("supervision").end_supervisor_assignment(supervisor_id, service_data(input))

    @staticmethod
    def resolve_record_supervision_session(root, info, input):
        return info.context.service("supervision").record_session(service_data(input))

    @staticmethod
    def resolve_complete_follow_up(root, info, session_id, follow_up_id, input):
        return info.context.service("supervision").complete_follow_up(session_id, follow_up_id, service_data(input))
