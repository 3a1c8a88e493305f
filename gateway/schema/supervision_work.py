"""Supervisors' work (督导) in the schema: supervisors and their assignments to stations, supervision
sessions with their problems and follow-ups, tracked to closure.

Visible to the station, its county (and the levels above) and its supervisor; evaluators see sessions
without their free text. A page of sessions loads its supervisors and stations through DataLoaders.
"""
from __future__ import annotations

import graphene

from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size, service_data
from .registry import Station
from .registry import loaders as registry_loaders
from .scalars import Date

LIST_SIZES = {"Supervisor.assignments": 5, "SupervisionSession.followUps": 5}
# Lists of leaves (guards.py: CostModel): a supervisor's stations, a session's topics and the problems found.
LEAF_COSTS = {"Supervisor.currentStationIds": 20, "SupervisionSession.topics": 5, "SupervisionSession.problems": 30}


class SupervisorKind(graphene.Enum):
    EXPERT = "expert"
    LEADING_SOCIAL_WORKER = "leading_social_worker"
    UNIVERSITY = "university"
    PURCHASED_SERVICE = "purchased_service"


class SessionForm(graphene.Enum):
    ON_SITE = "on_site"
    REMOTE = "remote"
    GROUP = "group"
    TRAINING = "training"


class SessionTopic(graphene.Enum):
    """What the notice (三(四)) asks supervision to help with."""
    STATION_BUILDING = "station_building"
    MANAGEMENT = "management"
    SERVICES = "services"
    EVALUATION = "evaluation"
    TRAINING = "training"


class FollowUpStatus(graphene.Enum):
    OPEN = "open"
    DONE = "done"
    OVERDUE = "overdue"


class SupervisorOrganisation(graphene.ObjectType):
    name = graphene.String(required=True)
    credit_code = graphene.String()


class SupervisorAssignment(graphene.ObjectType):
    assignment_id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    region_code = graphene.String(required=True)
    from_ = Date(name="from", required=True)
    to = Date()

    @staticmethod
    def resolve_from_(assignment, info):
        return assignment["from"]

    @staticmethod
    def resolve_station(assignment, info):
        return registry_loaders(info).stations.load(assignment["station_id"])


class Supervisor(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True, description="Masked for evaluators.")
    kind = SupervisorKind(required=True)
    organisation = graphene.Field(SupervisorOrganisation, required=True)
    region_code = graphene.String(required=True, description="Where the supervisor is registered.")
    assignments = graphene.List(graphene.NonNull(SupervisorAssignment), required=True)
    current_station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    version = graphene.Int(required=True)


class SupervisionFollowUp(graphene.ObjectType):
    follow_up_id = graphene.ID(required=True)
    description = graphene.String(description="Null for evaluators.")
    owner = graphene.String(required=True, description="Who does it; masked for evaluators.")
    due_on = Date(required=True)
    status = FollowUpStatus(required=True)
    done_on = Date()
    done_by = graphene.String()
    evidence = graphene.String(description="Null for evaluators.")


class SupervisionSession(graphene.ObjectType):
    id = graphene.ID(required=True)
    supervisor_id = graphene.ID(required=True)
    supervisor = graphene.Field(Supervisor)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    region_code = graphene.String(required=True)
    date = Date(required=True)
    form = SessionForm(required=True)
    duration_minutes = graphene.Int(required=True)
    topics = graphene.List(graphene.NonNull(SessionTopic), required=True)
    problems = graphene.List(graphene.NonNull(graphene.String), description="Null for evaluators.")
    follow_ups = graphene.List(graphene.NonNull(SupervisionFollowUp), required=True)
    recorded_by = graphene.String(required=True)
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_supervisor(session, info):
        return info.context.supervision_loaders.supervisors.load(session["supervisor_id"])

    @staticmethod
    def resolve_station(session, info):
        return registry_loaders(info).stations.load(session["station_id"])


class SupervisorPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Supervisor), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(page, info):
        return page["total"]


class SupervisionSessionPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(SupervisionSession), required=True)
    next_cursor = graphene.String()
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(page, info):
        return page["total"]


def _page_args():
    return {"first": graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
            "after": graphene.String(description="The nextCursor of the previous page.")}


class SupervisionWorkQuery(graphene.ObjectType):
    supervisors = graphene.Field(SupervisorPage, region=graphene.String(), **_page_args(),
                                 description="Supervisors registered in, or assigned within, the viewer's scope.")
    supervision_sessions = graphene.Field(
        SupervisionSessionPage, region=graphene.String(), station_id=graphene.ID(), supervisor_id=graphene.ID(),
        open_follow_ups=graphene.Boolean(description="true: sessions with follow-ups not done yet."), **_page_args(),
        description="Supervision sessions at the stations the viewer may see, in id order.")

    @staticmethod
    def resolve_supervisors(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.supervision.list_supervisors({**given(**filters), "limit": limit})

    @staticmethod
    def resolve_supervision_sessions(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.supervision.list_sessions({**given(**filters), "limit": limit})


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
        return info.context.supervision.register_supervisor(service_data(input))

    @staticmethod
    def resolve_assign_supervisor(root, info, supervisor_id, input):
        return info.context.supervision.assign_supervisor(supervisor_id, _dates(service_data(input)))

    @staticmethod
    def resolve_end_supervisor_assignment(root, info, supervisor_id, input):
        return info.context.supervision.end_supervisor_assignment(supervisor_id, service_data(input))

    @staticmethod
    def resolve_record_supervision_session(root, info, input):
        return info.context.supervision.record_session(service_data(input))

    @staticmethod
    def resolve_complete_follow_up(root, info, session_id, follow_up_id, input):
        return info.context.supervision.complete_follow_up(session_id, follow_up_id, service_data(input))
