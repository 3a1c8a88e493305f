"""Supervisors' work (督导): supervisors and their assignments to stations, supervision sessions with their
problems and follow-ups, tracked to closure. Visible to the station, its county (and the levels above) and
its supervisor; evaluators see sessions without their free text. A page of sessions loads its supervisors
and stations through loaders.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.registry.types import Station
from gateway.schema.scalars import Date
from gateway.schema.supervision.enums import (
    FollowUpStatus,
    SessionForm,
    SessionTopic,
    SupervisorKind,
)


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
        return loader(info, "registry.stations").load(assignment["station_id"])


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
        return loader(info, "supervision.supervisors").load(session["supervisor_id"])

    @staticmethod
    def resolve_station(session, info):
        return loader(info, "registry.stations").load(session["station_id"])


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
