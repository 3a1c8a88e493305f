"""Cases with their stages, plans, approvals, closures and crisis flags; visits, services and referrals."""
from __future__ import annotations

import graphene

from gateway.loaders import loader, then
from gateway.schema.base import at_most, first_arg
from gateway.schema.casework.enums import (
    AgencyKind,
    ApprovalDecision,
    CaseDomain,
    CaseOutcome,
    CaseSource,
    CaseStage,
    CaseSubject,
    ClosureReason,
    ClosureRequestStatus,
    CrisisState,
    LegalBasis,
    PlanStatus,
    ReferralStatus,
    ReferralTargetKind,
    ServiceActivity,
    SharingBasisKind,
    VisitType,
)
from gateway.schema.casework.types.households import Household, Person
from gateway.schema.registry.loaders import station_by_id
from gateway.schema.registry.types import Station
from gateway.schema.scalars import Date, DateTime


class StageTransition(graphene.ObjectType):
    from_stage = CaseStage(description="Null for the opening.")
    to_stage = CaseStage(required=True)
    by = graphene.String(required=True)
    role = graphene.String(required=True)
    at = DateTime(required=True)
    note = graphene.String()

    @staticmethod
    def resolve_from_stage(transition, info):
        return transition.get("from")

    @staticmethod
    def resolve_to_stage(transition, info):
        return transition["to"]


class CaseAssignment(graphene.ObjectType):
    staff_id = graphene.ID(required=True)
    reason = graphene.String()
    by = graphene.String(required=True)
    role = graphene.String(required=True)
    at = DateTime(required=True)


class CaseAssessment(graphene.ObjectType):
    summary = graphene.String(required=True)
    need_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                             description="Needs of the household's archive the case addresses.")
    strengths = graphene.String()
    by = graphene.String(required=True)
    role = graphene.String(required=True)
    at = DateTime(required=True)


class ApprovalRecord(graphene.ObjectType):
    decision = ApprovalDecision(required=True)
    comment = graphene.String()
    by = graphene.String(required=True)
    role = graphene.String(required=True)
    at = DateTime(required=True)


class PlanIntervention(graphene.ObjectType):
    activity_type = ServiceActivity(required=True)
    frequency = graphene.String(required=True)
    responsible = graphene.String()


class CasePlan(graphene.ObjectType):
    """A service plan; approved by a supervisor of the station or its station lead, never its author."""
    id = graphene.ID(required=True)
    version = graphene.Int(required=True)
    goals = graphene.List(graphene.NonNull(graphene.String), required=True)
    interventions = graphene.List(graphene.NonNull(PlanIntervention), required=True)
    review_on = Date(required=True)
    status = PlanStatus(required=True)
    submitted_by = graphene.String(required=True)
    submitted_at = DateTime(required=True)
    decision = graphene.Field(ApprovalRecord)

    @staticmethod
    def resolve_id(plan, info):
        return plan["plan_id"]


class ClosureRequest(graphene.ObjectType):
    reason = ClosureReason(required=True)
    outcome = CaseOutcome(required=True)
    note = graphene.String()
    status = ClosureRequestStatus(required=True)
    requested_by = graphene.String(required=True)
    requested_at = DateTime(required=True)
    decision = graphene.Field(ApprovalRecord)


class CaseClosure(graphene.ObjectType):
    reason = ClosureReason(required=True)
    outcome = CaseOutcome(required=True)
    note = graphene.String()
    closed_on = Date(required=True)
    requested_by = graphene.String(required=True)
    approved_by = graphene.String(required=True)


class Crisis(graphene.ObjectType):
    """The crisis flag (危机介入): first contact due within 24 hours of the flag."""
    state = CrisisState(required=True)
    episode = graphene.Int(required=True)
    flagged_at = DateTime(required=True)
    flagged_by = graphene.String(required=True)
    contact_due_at = DateTime(required=True)
    first_contact_at = DateTime()
    first_contact_late = graphene.Boolean()
    overdue_at = DateTime(description="When the missed deadline was recorded.")
    resolved_at = DateTime()
    notes_protected = graphene.Boolean(required=True, description="The crisis notes are encrypted: the case team "
                                                                  "reads them with revealCaseNotes.")


class CrisisBreach(graphene.ObjectType):
    """A missed 24-hour first-contact deadline: a fact kept after the late contact, with its delay."""
    episode = graphene.Int(required=True)
    flagged_at = DateTime(required=True)
    contact_due_at = DateTime(required=True)
    recorded_at = DateTime(required=True, description="When the platform recorded the breach.")
    first_contact_at = DateTime(description="The late first contact; null while still awaited.")
    delay_minutes = graphene.Int(description="Minutes past the deadline at the first contact.")
    contact_in_time = graphene.Boolean(required=True, description="The contact, logged late, was made in time: "
                                                                  "the breach is cleared and not counted.")


class Case(graphene.ObjectType):
    """A case for a person or a household in one domain, with an assigned social worker of the
    station. A crisis case shows its identity (household, person, summary, plans) to the case team
    only: the assigned worker, the station lead, supervisors of the station, administrators."""
    id = graphene.ID(required=True)
    household_id = graphene.ID(description="Null when the case's identity is protected from you.")
    household = graphene.Field(Household)
    person_id = graphene.ID(description="The person the case is for; null for a household case or when protected.")
    person = graphene.Field(Person)
    subject = CaseSubject(required=True)
    identity_protected = graphene.Boolean(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    township_code = graphene.String(required=True)
    community_code = graphene.String()
    domain = CaseDomain(required=True)
    source = CaseSource(required=True)
    summary = graphene.String()
    stage = CaseStage(required=True)
    opened_on = Date(required=True)
    opened_at = DateTime(required=True)
    assigned_staff_id = graphene.ID(required=True)
    assigned_worker_current = graphene.Boolean(required=True, description="Still current staff of the station.")
    assessment = graphene.Field(CaseAssessment)
    plans = graphene.List(graphene.NonNull(CasePlan), required=True)
    approved_plan_id = graphene.ID()
    pending_plan_id = graphene.ID(description="A plan waiting for approval.")
    closure_request = graphene.Field(ClosureRequest, description="A closure waiting for approval.")
    closure = graphene.Field(CaseClosure)
    transitions = graphene.List(graphene.NonNull(StageTransition), required=True, description="Oldest first.")
    assignments = graphene.List(graphene.NonNull(CaseAssignment), required=True)
    visit_count = graphene.Int(required=True)
    service_count = graphene.Int(required=True)
    referral_count = graphene.Int(required=True)
    last_contact_at = DateTime()
    follow_up_due_on = Date(description="The next planned visit or the plan's review, whichever is first.")
    overdue = graphene.Boolean(required=True, description="A follow-up or a crisis first contact is late.")
    crisis = graphene.Field(Crisis)
    crisis_breaches = graphene.List(graphene.NonNull(CrisisBreach), required=True,
                                    description="Missed first-contact deadlines of every crisis episode.")
    queue_rank = graphene.Int(required=True, description="0 active crisis, 1 open, 2 closed: the queue's order.")
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the case.")
    visits = graphene.List(graphene.NonNull(lambda: Visit), first=first_arg())
    services = graphene.List(graphene.NonNull(lambda: ServiceRecord), first=first_arg())
    referrals = graphene.List(graphene.NonNull(lambda: Referral), first=first_arg())

    @staticmethod
    def resolve_household(case, info):
        return loader(info, "casework.households").load(case["household_id"]) if case.get("household_id") else None

    @staticmethod
    def resolve_person(case, info):
        return loader(info, "casework.persons").load(case["person_id"]) if case.get("person_id") else None

    @staticmethod
    def resolve_station(case, info):
        return station_by_id(info, case["station_id"])

    @staticmethod
    def resolve_visits(case, info, first=None):
        return then(loader(info, "casework.visits_for_cases").load(case["id"]), at_most(first))

    @staticmethod
    def resolve_services(case, info, first=None):
        return then(loader(info, "casework.services_for_cases").load(case["id"]), at_most(first))

    @staticmethod
    def resolve_referrals(case, info, first=None):
        return then(loader(info, "casework.referrals_for_cases").load(case["id"]), at_most(first))


class Visit(graphene.ObjectType):
    """A home visit or contact, on a case or on the household itself (e.g. for a verification campaign).
    Notes of a crisis case are protected (`notesProtected`; the team reads them with revealCaseNotes)."""
    id = graphene.ID(required=True)
    case_id = graphene.ID()
    case = graphene.Field(Case)
    household_id = graphene.ID()
    campaign_id = graphene.ID()
    visit_type = VisitType(required=True)
    visited_on = Date(required=True)
    contact_at = DateTime(required=True)
    duration_minutes = graphene.Int(required=True)
    staff_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    other_participants = graphene.List(graphene.NonNull(graphene.String), required=True)
    next_visit_on = Date()
    notes = graphene.String()
    notes_protected = graphene.Boolean(required=True)
    recorded_at = DateTime(required=True)
    recorded_by = graphene.String(required=True)

    @staticmethod
    def resolve_case(visit, info):
        return loader(info, "casework.cases").load(visit["case_id"]) if visit.get("case_id") else None


class ServiceDeliverer(graphene.ObjectType):
    """Who delivered a service that came from the volunteers service."""
    kind = graphene.String(required=True)
    id = graphene.ID()
    name = graphene.String()


class ServiceRecord(graphene.ObjectType):
    """A service activity delivered on a case: by the station, or by volunteers (through matching)."""
    id = graphene.ID(required=True)
    source = graphene.String(required=True, description="station or volunteers.")
    activity_type = graphene.String(required=True, description="A ServiceActivity value for the station's own "
                                                               "services; the volunteers' service type otherwise.")
    delivered_on = Date(required=True)
    duration_minutes = graphene.Int()
    hours = graphene.Float()
    staff_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    delivered_by = graphene.Field(ServiceDeliverer)
    need_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    task_id = graphene.ID()
    notes = graphene.String()
    notes_protected = graphene.Boolean(required=True)
    recorded_at = DateTime(required=True)


class ReferralTarget(graphene.ObjectType):
    kind = ReferralTargetKind(required=True)
    name = graphene.String(required=True, description="For an agency: its registered name.")
    resource_id = graphene.ID()
    agency_id = graphene.ID(description="The registered agency (AGENCY).")
    agency_kind = AgencyKind()


class SharingBasis(graphene.ObjectType):
    """Why personal data could be shared: the person's consent, or a legal basis with its reason."""
    kind = SharingBasisKind(required=True)
    consent_id = graphene.ID()
    legal_basis = LegalBasis()
    reason = graphene.String()


class ReferralEvent(graphene.ObjectType):
    status = ReferralStatus(required=True)
    on = Date(required=True)
    note = graphene.String()
    by = graphene.String(required=True)
    role = graphene.String(required=True)
    at = DateTime(required=True)


class Referral(graphene.ObjectType):
    """A referral to a resource, organisation or agency, and its answers."""
    id = graphene.ID(required=True)
    case_id = graphene.ID(required=True)
    target = graphene.Field(ReferralTarget, required=True)
    service_requested = graphene.String(required=True)
    made_on = Date(required=True)
    made_by = graphene.String(required=True)
    shares_personal_data = graphene.Boolean(required=True)
    sharing_basis = graphene.Field(SharingBasis)
    status = ReferralStatus(required=True)
    answered_on = Date()
    expires_on = Date(description="A referral to an agency expires unanswered after this day.")
    reason_code = graphene.String(description="Why it was declined (ReferralDeclineReason) or revoked "
                                              "(ReferralRevocationReason).")
    history = graphene.List(graphene.NonNull(ReferralEvent), required=True)
