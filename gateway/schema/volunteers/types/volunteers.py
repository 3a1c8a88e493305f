"""Volunteers with their hours, trainings, certificates and background checks; teams."""
from __future__ import annotations

import graphene

from gateway.loaders import gather, loader, then
from gateway.schema.base import at_most, first_arg
from gateway.schema.casework.enums import CaseDomain
from gateway.schema.registry.loaders import station_by_id
from gateway.schema.registry.types import Station
from gateway.schema.scalars import JSON, Date, DateTime
from gateway.schema.volunteers.enums import (
    BackgroundCheckResult,
    VolunteerHoursStatus,
    VolunteerSkill,
    VolunteerStatus,
    VolunteerTeamStatus,
)


class TimeSlot(graphene.ObjectType):
    """A weekly slot: weekday 1 (Monday) to 7 (Sunday), times HH:MM China time."""
    weekday = graphene.Int(required=True)
    start = graphene.String(required=True)
    end = graphene.String(required=True)


class VolunteerTraining(graphene.ObjectType):
    date = Date(required=True)
    topic = graphene.String(required=True)
    hours = graphene.Float(required=True)
    provider = graphene.String(required=True)


class VolunteerCertification(graphene.ObjectType):
    """A qualification the volunteer holds (not the 志愿服务记录证明, see issueVolunteerCertificate)."""
    name = graphene.String(required=True)
    number = graphene.String()
    issuer = graphene.String(required=True)
    issued_on = Date(required=True)
    valid_until = Date()


class BackgroundCheck(graphene.ObjectType):
    result = BackgroundCheckResult(required=True)
    checked_on = Date(required=True)
    valid_until = Date()
    authority = graphene.String(required=True)


class VolunteerHoursEntry(graphene.ObjectType):
    """Hours served on a task; approved hours count towards the certificate."""
    id = graphene.ID(required=True)
    volunteer_id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    task_id = graphene.ID()
    need_id = graphene.ID()
    start = DateTime(required=True, description="China time, with its offset.")
    end = DateTime(required=True)
    hours = graphene.Float(required=True)
    activity = graphene.String(required=True)
    status = VolunteerHoursStatus(required=True)
    logged_by = graphene.String()
    logged_at = DateTime()
    decided_by = graphene.String()
    decided_at = DateTime()
    reason = graphene.String(description="Why the entry was rejected.")

    @staticmethod
    def resolve_id(entry, info):
        return entry["entry_id"]


class Volunteer(graphene.ObjectType):
    """A registered volunteer of a station. ID number and phone masked (`revealVolunteerIdentity`
    shows them, logged); evaluators see the name masked."""
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station, description="The registry's station.")
    name = graphene.String(required=True)
    id_number = graphene.String(description="Masked: 321181********1234.")
    phone = graphene.String(description="Masked: 139****0001.")
    community_code = graphene.String(required=True)
    township_code = graphene.String(required=True)
    skills = graphene.List(graphene.NonNull(VolunteerSkill), required=True)
    domains = graphene.List(graphene.NonNull(CaseDomain), required=True)
    availability = graphene.List(graphene.NonNull(TimeSlot), required=True)
    max_open_tasks = graphene.Int(required=True)
    open_tasks = graphene.Int(required=True, description="Open tasks now (the matching load).")
    status = VolunteerStatus(required=True)
    registered_on = Date(required=True)
    training = graphene.List(graphene.NonNull(VolunteerTraining), required=True)
    training_hours = graphene.Float(required=True)
    certificates = graphene.List(graphene.NonNull(VolunteerCertification), required=True)
    background_check = graphene.Field(BackgroundCheck)
    approved_hours = graphene.Float(required=True)
    pending_hours = graphene.Float(required=True)
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the volunteer.")
    hours = graphene.List(graphene.NonNull(VolunteerHoursEntry), first=first_arg(),
                          description="Every hours entry, as logged.")
    teams = graphene.List(graphene.NonNull(lambda: VolunteerTeam), first=first_arg())
    tasks = graphene.List(graphene.NonNull("gateway.schema.volunteers.types.matching.MatchTask"), first=first_arg(),
                          description="Tasks of accepted matches assigned to the volunteer.")

    @staticmethod
    def resolve_station(volunteer, info):
        return station_by_id(info, volunteer["station_id"])

    @staticmethod
    def resolve_hours(volunteer, info, first=None):
        return then(loader(info, "volunteers.hours").load(volunteer["id"]), at_most(first))

    @staticmethod
    def resolve_teams(volunteer, info, first=None):
        return then(loader(info, "volunteers.teams_for_volunteers").load(volunteer["id"]), at_most(first))

    @staticmethod
    def resolve_tasks(volunteer, info, first=None):
        return then(loader(info, "volunteers.tasks_for_volunteers").load(volunteer["id"]), at_most(first))


class VolunteerIdentity(graphene.ObjectType):
    """A volunteer's unmasked ID number and phone (the read is logged)."""
    id_number = graphene.String(required=True)
    phone = graphene.String(required=True)


class VolunteerCertificateRevoked(graphene.ObjectType):
    certificate_id = graphene.ID(required=True)
    revoked = graphene.Boolean(required=True)
    revoked_on = Date(required=True)
    reason = graphene.String(required=True)


class VolunteerCertificateIssued(graphene.ObjectType):
    """A 志愿服务记录证明: its content (keep it as is), the code that verifies it, and a printable text."""
    certificate_id = graphene.ID(required=True)
    content = JSON(required=True, description="Pass unchanged to verifyVolunteerCertificate.")
    verification_code = graphene.String(required=True)
    text = graphene.String(required=True)


class VolunteerCertificateCheck(graphene.ObjectType):
    valid = graphene.Boolean(required=True)
    reason = graphene.String(description="Why it is not valid.")
    revoked = graphene.Boolean(description="The platform issued it and later revoked it.")
    revoked_on = Date()
    certificate_id = graphene.ID()
    volunteer_name = graphene.String(description="Masked.")
    total_hours = graphene.Float()
    issued_on = Date()
    issued_by = graphene.String()


class TeamTrainingSession(graphene.ObjectType):
    date = Date(required=True)
    topic = graphene.String(required=True)
    hours = graphene.Float(required=True)
    trainer = graphene.String(required=True)
    attendee_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)


class TeamSupervisionRecord(graphene.ObjectType):
    date = Date(required=True)
    supervisor = graphene.String(required=True)
    notes = graphene.String(required=True)
    follow_ups = graphene.List(graphene.NonNull(graphene.String), required=True)


class VolunteerTeam(graphene.ObjectType):
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    name = graphene.String(required=True)
    domains = graphene.List(graphene.NonNull(CaseDomain), required=True)
    leader_id = graphene.ID(required=True)
    leader = graphene.Field(Volunteer)
    member_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    members = graphene.List(Volunteer, description="Null entries: members outside your scope.")
    status = VolunteerTeamStatus(required=True)
    training_sessions = graphene.List(graphene.NonNull(TeamTrainingSession), required=True)
    supervision_records = graphene.List(graphene.NonNull(TeamSupervisionRecord), required=True)
    training_hours = graphene.Float(required=True)
    version = graphene.Int(required=True)

    @staticmethod
    def resolve_station(team, info):
        return station_by_id(info, team["station_id"])

    @staticmethod
    def resolve_leader(team, info):
        return loader(info, "volunteers.volunteers").load(team["leader_id"])

    @staticmethod
    def resolve_members(team, info):
        return gather([loader(info, "volunteers.volunteers").load(i) for i in team["member_ids"]])
