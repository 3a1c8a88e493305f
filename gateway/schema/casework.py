"""The casework service's part of the schema: households and people (一户一档), versioned needs
archives, cases with their plans, approvals, visits, services, referrals and crisis flags, and
comprehensive-verification campaigns (reads).

Every field is resolved from casework's RPC answers (the contract is the docstring of
services/casework/service.py); the viewer goes with every call and casework decides what that
viewer may see: out-of-scope records are null or missing from lists, exactly like unknown ones.
Personal data arrives masked (ID numbers, phones; health and disability only as `...Recorded`
flags; evaluators see names masked too) and the person of a crisis case is hidden from everyone
outside the case team (`identityProtected: true`, name 受保护对象, no numbers, no household link).
Unmasking is a logged mutation (`revealPerson`, `revealCaseNotes`).

Fields that need another call (a household's archive, history, cases and visits; a case's visits,
services, referrals, household and person; a station's caseload; the registry's stations and
regions) go through the request's DataLoaders, so a list costs one call per kind of data, not one
per item. Those fields are nullable.

Dates of casework are China Standard Time dates (`Date`); moments are `DateTime` in UTC.
"""
from __future__ import annotations

import graphene

from services.contracts import vocabulary as catalogue
from services.contracts.vocabulary import DOMAINS, STAGES

from ..loaders import then
from .base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size
from .base import at_most as _at_most
from .base import listed as _listed
from .base import page_args as _page_args
from .registry import Region, StaffRole, Station
from .scalars import Date, DateTime

# What a list of leaves can hold, about one per value (guards.py: CostModel): tags and purposes at
# most one of each value, ids as many as the service accepts.
LEAF_COSTS = {
    "Household.groups": 16, "Person.tags": 16, "CampaignCriteria.tagsAny": 16, "Consent.purposes": 4,
    "Person.mergedFrom": 10, "ArchiveVersion.withheldFromMatching": 40, "AssessedNeed.personIds": 30,
    "CaseAssessment.needIds": 40, "CasePlan.goals": 20, "Visit.staffIds": 10, "Visit.otherParticipants": 20,
    "ServiceRecord.staffIds": 10, "ServiceRecord.needIds": 40, "CaseworkAccessEntry.fields": 20,
    "HealthDetails.conditions": 20, "HouseholdImportPayload.householdIds": 200,
}

# Usual lengths of lists that take no page argument, for the query cost estimate (guards.py).
# Lists of records inside a record also take an optional `first`, which the estimate uses instead.
LIST_SIZES = {
    "Case.crisisBreaches": 5, "HouseholdImportPayload.refused": 200,
    "Household.members": 4,
    "Household.consents": 3,
    "Household.archiveHistory": 3,
    "Household.cases": 3,
    "Household.visits": 10,
    "ArchiveVersion.needs": 5,
    "Case.plans": 2,
    "Case.transitions": 8,
    "Case.assignments": 2,
    "Case.visits": 10,
    "Case.services": 10,
    "Case.referrals": 3,
    "CasePlan.interventions": 3,
    "Referral.history": 3,
    "DuplicateFlagEntry.flags": 2,
    "DuplicateFlag.matches": 2,
    "CampaignHousehold.persons": 2,
    "CampaignProgress.byStation": 20,
    "ArchiveOverdueSummary.stations": 20,
    "CaseSummary.stations": 20,
    "RevealedCaseNotes.crisisNotes": 2,
    "RevealedCaseNotes.visits": 10,
    "RevealedCaseNotes.services": 10,
    "Station.caseload": 10,
}


def loaders(info):
    return info.context.casework_loaders


def registry_loaders(info):
    return info.context.registry_loaders


# --- enums (values as casework spells them) ---------------------------------------------------
CaseDomain = graphene.Enum("CaseDomain", [(d.upper(), d) for d in DOMAINS],
                           description="Service domains of casework: " + ", ".join(
                               f"{d} {catalogue.DOMAIN_LABELS[d]}" for d in DOMAINS) + ".")
CaseStage = graphene.Enum("CaseStage", [(s.upper(), s) for s in STAGES],
                          description="intake → assessment → plan → in_service → review → (in_service | plan); "
                                      "closed by an approved closure request; reopen → assessment.")
CaseStageFilter = graphene.Enum("CaseStageFilter", [(s.upper(), s) for s in (*STAGES, "open")],
                                description="A stage, or OPEN: any stage but closed.")
PersonTag = graphene.Enum("PersonTag", [(t.upper(), t) for t in catalogue.TAGS],
                          description="Who the safety net is for (人员标签): " + ", ".join(
                              f"{t} {label}" for t, label in catalogue.TAGS.items()) + ".")
HouseholdRelationship = graphene.Enum("HouseholdRelationship",
                                      [(r.upper(), r) for r in catalogue.RELATIONSHIPS],
                                      description="Relationship to the head of the household (户主).")
ConsentGiverRelationship = graphene.Enum(
    "ConsentGiverRelationship", [(r.upper(), r) for r in (*catalogue.RELATIONSHIPS, "legal_guardian")],
    description="How whoever gives consent is related to the person; a minor's consent comes from a guardian.")
Sex = graphene.Enum("Sex", [("MALE", "male"), ("FEMALE", "female")])
DisabilityCategory = graphene.Enum("DisabilityCategory",
                                   [(c.upper(), c) for c in catalogue.DISABILITY_CATEGORIES])
NeedSeverity = graphene.Enum("NeedSeverity", [(s.upper(), s) for s in catalogue.SEVERITIES],
                             description="Weighs in the risk rule: low 1, medium 4, high 10, urgent → critical.")
RiskLevel = graphene.Enum("RiskLevel", [(r.upper(), r) for r in catalogue.RISK_LEVELS],
                          description="Computed from an assessment's needs (services/casework/domain.py).")
NeedType = graphene.Enum("NeedType", [(n.upper(), n) for n in dict.fromkeys(
    code for types in catalogue.NEED_TYPES.values() for code in types)],
                         description="Need types of the guide list; each domain accepts its own "
                                     "(see needTypeLabel and services/casework/catalogue.py).")
VisitType = graphene.Enum("VisitType", [(v.upper(), v) for v in catalogue.VISIT_TYPES])
ServiceActivity = graphene.Enum("ServiceActivity", [(a.upper(), a) for a in catalogue.SERVICE_ACTIVITIES],
                                description="Service activities of the guide list.")
CaseSource = graphene.Enum("CaseSource", [(s.upper(), s) for s in catalogue.CASE_SOURCES])
ClosureReason = graphene.Enum("ClosureReason", [(r.upper(), r) for r in catalogue.CLOSURE_REASONS])
CaseOutcome = graphene.Enum("CaseOutcome", [(o.upper(), o) for o in catalogue.OUTCOMES])
LegalBasis = graphene.Enum("LegalBasis", [(b.upper(), b) for b in catalogue.LEGAL_BASES],
                           description="Why personal data may be processed (PIPL art. 13): consent, a statutory "
                                       "duty, or a vital interest in an emergency.")
ConsentPurpose = graphene.Enum("ConsentPurpose", [(p.upper(), p) for p in catalogue.CONSENT_PURPOSES])
ReferralTargetKind = graphene.Enum("ReferralTargetKind", [(k.upper(), k) for k in catalogue.REFERRAL_TARGETS])
ReferralStatus = graphene.Enum("ReferralStatus", [(s.upper(), s) for s in ("sent", "accepted", "declined",
                                                                          "completed")])
ReferralAnswer = graphene.Enum("ReferralAnswer", [(s.upper(), s) for s in ("accepted", "declined", "completed")],
                               description="sent → accepted | declined; accepted → completed | declined.")
SharingBasisKind = graphene.Enum("SharingBasisKind", [("CONSENT", "consent"), ("LEGAL_BASIS", "legal_basis")])
ApprovalDecision = graphene.Enum("ApprovalDecision", [("APPROVED", "approved"), ("REJECTED", "rejected")])
RemovalReason = graphene.Enum("RemovalReason", [(r.upper(), r) for r in catalogue.REMOVAL_REASONS])
CrisisState = graphene.Enum("CrisisState", [(s.upper(), s) for s in ("awaiting_contact", "overdue", "contacted",
                                                                    "resolved")],
                            description="AWAITING_CONTACT within 24 hours of the flag, OVERDUE after that, "
                                        "CONTACTED once a visit or call is logged, RESOLVED.")
PlanStatus = graphene.Enum("PlanStatus", [(s.upper(), s) for s in ("submitted", "approved", "rejected",
                                                                  "withdrawn", "superseded")])
ClosureRequestStatus = graphene.Enum("ClosureRequestStatus", [(s.upper(), s) for s in ("pending", "approved",
                                                                                      "rejected")])
HouseholdStatus = graphene.Enum("HouseholdStatus", [("ACTIVE", "active"), ("CLOSED", "closed")],
                                description="CLOSED: every member was merged into another household.")
ArchiveVersionKind = graphene.Enum("ArchiveVersionKind", [(k.upper(), k) for k in ("initial", "reassessment",
                                                                                  "amendment")])
DuplicateReason = graphene.Enum("DuplicateReason", [("SAME_NAME_AND_BIRTH_DATE", "same_name_and_birth_date"),
                                                    ("SAME_PHONE", "same_phone")])
DuplicateFlagStatus = graphene.Enum("DuplicateFlagStatus", [(s.upper(), s) for s in ("open", "dismissed", "merged")])
CaseSubject = graphene.Enum("CaseSubject", [("PERSON", "person"), ("HOUSEHOLD", "household")])


# --- helpers -------------------------------------------------------------------------------


def _first_arg(description: str = "At most this many; all when omitted."):
    return graphene.Int(description=description)


def _page_type(name: str, item_type, what: str, with_total: bool = True):
    fields = {
        "__doc__": f"One page of {what}. Pass `nextCursor` as `after` for the next page; it is null on the last.",
        "items": graphene.List(graphene.NonNull(item_type), required=True),
        "next_cursor": graphene.String(),
    }
    if with_total:
        fields["total_count"] = graphene.Int(required=True, description=f"{what.capitalize()} matching the "
                                                                        "filters, all pages.")
        fields["resolve_total_count"] = staticmethod(lambda page, info: page.get("total", 0))
    return type(name, (graphene.ObjectType,), fields)


def _station(info, station_id: str | None):
    return registry_loaders(info).stations.load(station_id) if station_id else None


class ActorStamp(graphene.ObjectType):
    """Who did something, with which role, when (registry staff ids for station staff)."""
    by = graphene.String(required=True)
    role = graphene.String(required=True)
    at = DateTime(required=True)


# --- people and households -------------------------------------------------------------------
class Person(graphene.ObjectType):
    """A member of a household. ID number and phone masked; health and disability details only as
    flags (`revealPerson` shows them, logged). A person protected by a crisis case appears to
    anyone outside the case team as 受保护对象 with `identityProtected: true` and nothing else."""
    id = graphene.ID(required=True, description="The person id (one person, one record).")
    household_id = graphene.ID(description="Null when the person is protected.")
    household = graphene.Field(lambda: Household)
    identity_protected = graphene.Boolean(required=True)
    name = graphene.String(required=True)
    relationship = HouseholdRelationship(description="To the head of the household.")
    sex = Sex()
    age = graphene.Int()
    id_number = graphene.String(description="Masked: 321181********1234.")
    phone = graphene.String(description="Masked: 139****0001.")
    tags = graphene.List(graphene.NonNull(PersonTag), required=True)
    disability_recorded = graphene.Boolean(required=True)
    health_recorded = graphene.Boolean(required=True)
    merged_from = graphene.List(graphene.NonNull(graphene.ID), required=True,
                                description="Person ids of duplicate records merged into this one.")

    @staticmethod
    def resolve_id(person, info):
        return person["person_id"]

    @staticmethod
    def resolve_household(person, info):
        return loaders(info).households.load(person["household_id"]) if person.get("household_id") else None


class ConsentGiver(graphene.ObjectType):
    """Who gave consent: a household member (personId), or an outside guardian (name, relationship)."""
    person_id = graphene.ID()
    name = graphene.String()
    relationship_to_subject = ConsentGiverRelationship()


class Consent(graphene.ObjectType):
    """The legal basis for processing a person's data: consent (who gave it, for what) or a duty."""
    id = graphene.ID(required=True)
    person_id = graphene.ID(required=True)
    legal_basis = LegalBasis(required=True)
    purposes = graphene.List(graphene.NonNull(ConsentPurpose), required=True)
    given_by = graphene.Field(ConsentGiver)
    given_on = Date(required=True)
    basis_note = graphene.String()
    withdrawn_on = Date()
    withdrawal_reason = graphene.String()
    recorded_by = graphene.Field(ActorStamp)

    @staticmethod
    def resolve_id(consent, info):
        return consent["consent_id"]


class ArchiveSummary(graphene.ObjectType):
    """Where the household's needs archive stands today."""
    current_assessment_id = graphene.ID()
    versions = graphene.Int(required=True)
    last_assessed_on = Date()
    risk_level = RiskLevel()
    review_due_on = Date(required=True, description="A year after the last assessment; the registration date "
                                                    "when never assessed.")
    overdue = graphene.Boolean(required=True, description="No assessment in the last 12 months.")
    never_assessed = graphene.Boolean(required=True)


class AssessedNeed(graphene.ObjectType):
    id = graphene.ID(required=True, description="Stays the same when a reassessment continues the need.")
    domain = CaseDomain(required=True)
    domain_label = graphene.String(required=True)
    need_type = NeedType(required=True)
    need_type_label = graphene.String(required=True)
    severity = NeedSeverity(required=True)
    description = graphene.String(required=True)
    person_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                               description="The members it concerns; empty: the household.")
    needed_by = Date()

    @staticmethod
    def resolve_id(need, info):
        return need["need_id"]


class ArchiveVersion(graphene.ObjectType):
    """One version of a household's needs archive (需求档案): an assessment, reassessment or amendment."""
    household_id = graphene.ID(required=True)
    assessment_id = graphene.ID(required=True)
    version = graphene.Int(required=True)
    kind = ArchiveVersionKind(required=True)
    assessed_on = Date(required=True)
    assessor_staff_id = graphene.ID(required=True)
    risk_level = RiskLevel(required=True)
    risk_score = graphene.Int(required=True)
    next_review_on = Date(required=True)
    supersedes = graphene.ID(description="The assessment this version replaced.")
    recorded_at = DateTime(required=True)
    recorded_by = graphene.Field(ActorStamp, required=True)
    needs = graphene.List(graphene.NonNull(AssessedNeed), required=True)
    withheld_from_matching = graphene.List(
        graphene.NonNull(graphene.ID), required=True,
        description="Ids of needs kept in the archive but not sent to volunteer matching: someone they concern "
                    "has no volunteer_matching consent or legal basis.")


class Household(graphene.ObjectType):
    """A household (一户一档) of a village or residents' committee under a township station."""
    id = graphene.ID(required=True)
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station, description="The registry's station.")
    township_code = graphene.String(required=True)
    community_code = graphene.String(required=True, description="12 digits: the township's 9 + 3.")
    community_name = graphene.String(required=True)
    address = graphene.String(description="Null for evaluators and for a household protected by a crisis case.")
    status = HouseholdStatus(required=True)
    registered_on = Date(required=True)
    head_name = graphene.String()
    member_count = graphene.Int(required=True)
    members = graphene.List(graphene.NonNull(Person), required=True)
    groups = graphene.List(graphene.NonNull(PersonTag), required=True, description="Every member's tags.")
    consents = graphene.List(graphene.NonNull(Consent), required=True)
    archive_summary = graphene.Field(ArchiveSummary, required=True)
    open_duplicate_flags = graphene.Int(required=True, description="Likely duplicates waiting for review.")
    visit_count = graphene.Int(required=True, description="Visits to the household itself (not its cases').")
    service_count = graphene.Int(required=True)
    version = graphene.Int(required=True, description="Pass as expectedVersion when changing the household.")
    archive = graphene.Field(ArchiveVersion, as_of=Date(description="The version in force on this date; "
                                                                    "default today (China time)."),
                             description="The needs archive as it stood on `asOf`; null before the first "
                                         "assessment.")
    archive_history = graphene.List(graphene.NonNull(ArchiveVersion), first=_first_arg(),
                                    description="Every version, oldest first.")
    cases = graphene.List(graphene.NonNull(lambda: Case), first=_first_arg(),
                          description="Cases of the household and its members (not those protected from you).")
    visits = graphene.List(graphene.NonNull(lambda: Visit), first=_first_arg(),
                           description="Visits to the household and on its cases, oldest first.")

    @staticmethod
    def resolve_station(household, info):
        return _station(info, household["station_id"])

    @staticmethod
    def resolve_archive_summary(household, info):
        return household["archive"]

    @staticmethod
    def resolve_archive(household, info, as_of=None):
        return loaders(info).archives.load((household["id"], as_of))

    @staticmethod
    def resolve_archive_history(household, info, first=None):
        return then(loaders(info).archive_history.load(household["id"]), _at_most(first))

    @staticmethod
    def resolve_cases(household, info, first=None):
        return then(loaders(info).cases_for_households.load(household["id"]), _at_most(first))

    @staticmethod
    def resolve_visits(household, info, first=None):
        return then(loaders(info).visits_for_households.load(household["id"]), _at_most(first))


class DuplicateMatch(graphene.ObjectType):
    household_id = graphene.ID(required=True)
    person_id = graphene.ID(required=True)
    reason = DuplicateReason(required=True)
    person = graphene.Field(Person, description="Null when outside your scope.")

    @staticmethod
    def resolve_person(match, info):
        return loaders(info).persons.load(match["person_id"])


class DuplicateFlag(graphene.ObjectType):
    """A person who looks like someone already recorded: review, then merge or dismiss."""
    id = graphene.ID(required=True)
    person_id = graphene.ID(required=True)
    matches = graphene.List(graphene.NonNull(DuplicateMatch), required=True)
    status = DuplicateFlagStatus(required=True)
    raised_on = Date(required=True)

    @staticmethod
    def resolve_id(flag, info):
        return flag["flag_id"]


class DuplicateFlagEntry(graphene.ObjectType):
    household = graphene.Field(Household, required=True)
    flags = graphene.List(graphene.NonNull(DuplicateFlag), required=True, description="The open ones.")


# --- cases ------------------------------------------------------------------------------------
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
    visits = graphene.List(graphene.NonNull(lambda: Visit), first=_first_arg())
    services = graphene.List(graphene.NonNull(lambda: ServiceRecord), first=_first_arg())
    referrals = graphene.List(graphene.NonNull(lambda: Referral), first=_first_arg())

    @staticmethod
    def resolve_household(case, info):
        return loaders(info).households.load(case["household_id"]) if case.get("household_id") else None

    @staticmethod
    def resolve_person(case, info):
        return loaders(info).persons.load(case["person_id"]) if case.get("person_id") else None

    @staticmethod
    def resolve_station(case, info):
        return _station(info, case["station_id"])

    @staticmethod
    def resolve_visits(case, info, first=None):
        return then(loaders(info).visits_for_cases.load(case["id"]), _at_most(first))

    @staticmethod
    def resolve_services(case, info, first=None):
        return then(loaders(info).services_for_cases.load(case["id"]), _at_most(first))

    @staticmethod
    def resolve_referrals(case, info, first=None):
        return then(loaders(info).referrals_for_cases.load(case["id"]), _at_most(first))


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
        return loaders(info).cases.load(visit["case_id"]) if visit.get("case_id") else None


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
    name = graphene.String(required=True)
    resource_id = graphene.ID()


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
    history = graphene.List(graphene.NonNull(ReferralEvent), required=True)


# --- verification campaigns ----------------------------------------------------------------------
class CampaignCriteria(graphene.ObjectType):
    tags_any = graphene.List(graphene.NonNull(PersonTag), required=True)
    age_min = graphene.Int()
    age_max = graphene.Int()


class CampaignStationProgress(graphene.ObjectType):
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    targeted = graphene.Int(required=True)
    visited = graphene.Int(required=True)

    @staticmethod
    def resolve_station(row, info):
        return _station(info, row["station_id"])


class CampaignHousehold(graphene.ObjectType):
    """A targeted household, the people in it the campaign is about, and when it was visited."""
    household_id = graphene.ID(required=True)
    household = graphene.Field(Household)
    station_id = graphene.ID(required=True)
    community_code = graphene.String(required=True)
    community_name = graphene.String(required=True)
    visited_on = Date(description="Null while not visited.")
    persons = graphene.List(graphene.NonNull(Person), required=True)

    @staticmethod
    def resolve_household(item, info):
        return loaders(info).households.load(item["household_id"])


class CampaignProgress(graphene.ObjectType):
    """Who the campaign targets in your scope, and who has been visited for it (a page of households)."""
    campaign = graphene.Field(lambda: VerificationCampaign, required=True)
    targeted = graphene.Int(required=True, description="Households targeted (all pages).")
    visited = graphene.Int(required=True)
    not_visited = graphene.Int(required=True)
    persons_targeted = graphene.Int(required=True)
    by_station = graphene.List(graphene.NonNull(CampaignStationProgress), required=True)
    items = graphene.List(graphene.NonNull(CampaignHousehold), required=True)
    next_cursor = graphene.String()


class VerificationCampaign(graphene.ObjectType):
    """A comprehensive verification (全面核查): a region, a group (tags, ages) and a period."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)
    region = graphene.Field(Region)
    criteria = graphene.Field(CampaignCriteria, required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    created = graphene.Field(ActorStamp, required=True)
    version = graphene.Int(required=True)
    progress = graphene.Field(
        CampaignProgress, station_id=graphene.ID(), visited=graphene.Boolean(),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Households per page, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(), description="One call per campaign (casework has no batch for this).")

    @staticmethod
    def resolve_region(campaign, info):
        return registry_loaders(info).regions.load(campaign["region_code"])

    @staticmethod
    def resolve_progress(campaign, info, first=DEFAULT_PAGE_SIZE, **filters):
        return loaders(info).campaign_progress.load(_progress_key(campaign["id"], first, filters))


def _progress_key(campaign_id: str, first, filters: dict) -> tuple:
    limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
    return (campaign_id, *sorted({**given(**filters), "limit": limit}.items()))


# --- dashboards -----------------------------------------------------------------------------
class StationArchiveFigures(graphene.ObjectType):
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    households = graphene.Int(required=True)
    overdue = graphene.Int(required=True, description="No assessment in the last 12 months.")
    never_assessed = graphene.Int(required=True)

    @staticmethod
    def resolve_station(row, info):
        return _station(info, row["station_id"])


class ArchiveOverdueSummary(graphene.ObjectType):
    """Needs archives per station: households, overdue archives, never assessed (those in your scope).
    The overdue households themselves: `households(archiveOverdue: true)`."""
    as_of = Date(required=True)
    region = graphene.String()
    stations = graphene.List(graphene.NonNull(StationArchiveFigures), required=True)
    households = graphene.Int(required=True)
    overdue = graphene.Int(required=True)
    never_assessed = graphene.Int(required=True)


class CaseStageCounts(graphene.ObjectType):
    intake = graphene.Int(required=True)
    assessment = graphene.Int(required=True)
    plan = graphene.Int(required=True)
    in_service = graphene.Int(required=True)
    review = graphene.Int(required=True)


class StationCaseFigures(graphene.ObjectType):
    station_id = graphene.ID(required=True)
    station = graphene.Field(Station)
    open = graphene.Int(required=True)
    open_by_stage = graphene.Field(CaseStageCounts, required=True)
    crisis_active = graphene.Int(required=True)
    crisis_contact_overdue = graphene.Int(required=True, description="Crises past the 24-hour first contact.")
    crisis_breaches = graphene.Int(required=True, description="Missed 24-hour first contacts, also those contacted "
                                                              "late since.")
    overdue = graphene.Int(required=True)

    @staticmethod
    def resolve_station(row, info):
        return _station(info, row["station_id"])


class CaseSummary(graphene.ObjectType):
    """Open cases by station and stage, active crises and overdue cases (those in your scope)."""
    region = graphene.String()
    stations = graphene.List(graphene.NonNull(StationCaseFigures), required=True)
    open = graphene.Int(required=True)
    crisis_active = graphene.Int(required=True)
    crisis_contact_overdue = graphene.Int(required=True)
    crisis_breaches = graphene.Int(required=True)
    overdue = graphene.Int(required=True)


class StaffCaseload(graphene.ObjectType):
    """A staff member of the station as casework knows them (from the registry's events), with cases."""
    staff_id = graphene.ID(required=True)
    name = graphene.String()
    role = StaffRole()
    current = graphene.Boolean(required=True)
    open_cases = graphene.Int(required=True)
    crisis_cases = graphene.Int(required=True)


class CaseworkAccessEntry(graphene.ObjectType):
    """One read of unmasked casework data (a person's details or a case's protected notes)."""
    id = graphene.ID(required=True)
    at = DateTime(required=True)
    user_id = graphene.String(required=True)
    role = graphene.String(required=True)
    action = graphene.String(required=True, description="reveal_person or reveal_case_notes.")
    subject_type = graphene.String(required=True)
    subject_id = graphene.String(required=True)
    household_id = graphene.ID()
    station_id = graphene.ID()
    fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    reason = graphene.String()


# --- pages ----------------------------------------------------------------------------------
HouseholdPage = _page_type("HouseholdPage", Household, "households")
CasePage = _page_type("CasePage", Case, "cases")
DuplicateFlagPage = _page_type("DuplicateFlagPage", DuplicateFlagEntry, "households with open duplicate flags")
VerificationCampaignPage = _page_type("VerificationCampaignPage", VerificationCampaign, "verification campaigns")
CaseworkAccessLogPage = _page_type("CaseworkAccessLogPage", CaseworkAccessEntry, "access log entries, newest first",
                                   with_total=False)


# --- linked from the registry's Station -------------------------------------------------------
def station_caseload(station: dict, info):
    """Station.caseload (declared in registry.py): staff with their open and crisis cases, one batch."""
    return loaders(info).caseloads.load(station["id"])


# --- queries ------------------------------------------------------------------------------


def _region_arg():
    return graphene.String(description="A region code or prefix: 32, 3211, 321181, a 9-digit township code.")


class CaseworkQuery(graphene.ObjectType):
    households = graphene.Field(
        HouseholdPage, **_page_args(
            station_id=graphene.ID(), region=_region_arg(), community_code=graphene.String(),
            group=PersonTag(description="Households with a member carrying this tag."),
            archive_overdue=graphene.Boolean(description="No assessment in the last 12 months (true) or not."),
            risk_level=RiskLevel(description="Of the current assessment."),
            duplicates_open=graphene.Boolean(description="With (true) or without likely duplicates to review."),
            head_name=graphene.String(description="The head's name starts with this.")),
        description="Active households you may see, in id order.")
    household = graphene.Field(Household, id=graphene.ID(required=True),
                               description="Null when unknown or outside your scope.")
    person = graphene.Field(Person, id=graphene.ID(required=True),
                            description="Null when unknown or outside your scope.")
    duplicate_flags = graphene.Field(DuplicateFlagPage, **_page_args(station_id=graphene.ID()),
                                     description="Households with likely duplicates to review (merge or dismiss).")
    archive_overdue_summary = graphene.Field(ArchiveOverdueSummary, region=_region_arg(), station_id=graphene.ID())
    cases = graphene.Field(
        CasePage, **_page_args(
            station_id=graphene.ID(), region=_region_arg(), domain=CaseDomain(), stage=CaseStageFilter(),
            crisis=graphene.Boolean(description="With an active crisis (true) or without."),
            overdue=graphene.Boolean(description="A follow-up or a crisis first contact is late (true) or not."),
            assigned_staff_id=graphene.ID(), household_id=graphene.ID()),
        description="Cases you may see, in queue order: active crises first, then by opening time.")
    case = graphene.Field(Case, id=graphene.ID(required=True), description="Null when unknown or outside your scope.")
    case_summary = graphene.Field(CaseSummary, region=_region_arg(), station_id=graphene.ID())
    verification_campaigns = graphene.Field(VerificationCampaignPage, **_page_args(region=_region_arg()))
    verification_campaign = graphene.Field(VerificationCampaign, id=graphene.ID(required=True))
    campaign_progress = graphene.Field(
        CampaignProgress, id=graphene.ID(required=True, description="The campaign."), station_id=graphene.ID(),
        visited=graphene.Boolean(description="Only visited (true) or not yet visited (false) households."),
        **_page_args(), description="Who a verification campaign targets and who has been visited.")
    casework_access_log = graphene.Field(
        CaseworkAccessLogPage, **_page_args(subject_id=graphene.ID(), user_id=graphene.String(),
                                            station_id=graphene.ID(), since=Date(), until=Date()),
        description="Reads of unmasked casework data, newest first (supervisors, civil-affairs staff, "
                    "administrators).",
        deprecation_reason="Use personalDataAccessLog: one access log across the services, scoped by the viewer.")

    @staticmethod
    def resolve_households(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.casework.list_households, first, after, filters)

    @staticmethod
    def resolve_household(root, info, id):
        return loaders(info).households.load(id)

    @staticmethod
    def resolve_person(root, info, id):
        return loaders(info).persons.load(id)

    @staticmethod
    def resolve_duplicate_flags(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.casework.list_duplicate_flags, first, after, filters)

    @staticmethod
    def resolve_archive_overdue_summary(root, info, **filters):
        return info.context.casework.archive_overdue_summary(given(**filters))

    @staticmethod
    def resolve_cases(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.casework.list_cases, first, after, filters)

    @staticmethod
    def resolve_case(root, info, id):
        return loaders(info).cases.load(id)

    @staticmethod
    def resolve_case_summary(root, info, **filters):
        return info.context.casework.case_summary(given(**filters))

    @staticmethod
    def resolve_verification_campaigns(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.casework.list_campaigns, first, after, filters)

    @staticmethod
    def resolve_verification_campaign(root, info, id):
        return loaders(info).campaigns.load(id)

    @staticmethod
    def resolve_campaign_progress(root, info, id, first=DEFAULT_PAGE_SIZE, **filters):
        return loaders(info).campaign_progress.load(_progress_key(id, first, filters))

    @staticmethod
    def resolve_casework_access_log(root, info, first=DEFAULT_PAGE_SIZE, after=None, **filters):
        return _listed(info.context.casework.access_log, first, after, filters)
