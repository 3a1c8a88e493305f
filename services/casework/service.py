"""Casework's nameko entrypoints: thin wiring from RPC and events to the use cases.

Every method takes `viewer` (a Viewer as a dict) first; station staff tokens carry their registry
staff id as `user_id`. Reads and writes are scoped by role and region; out-of-scope records look
exactly like unknown ones (NotFound, or None/[] in batch results). Writes take `expected_version`
(the version the caller read) inside `data`; errors are the kernel's typed errors with field paths.
Personal data is masked in every response (`id_number` "321181********1234", `phone`
"138****5678", `*_recorded` flags for health and disability); the person of a crisis case is
hidden (`identity_protected: true`) from everyone outside the case team.

Households and people (一户一档)
- register_household(viewer, data) → Household. data: {station_id, community_code (12 digits),
  community_name, address, registered_on?, members: [{name, relationship, id_number?, birth_date?,
  sex?, phone?, tags[], disability?: {category, grade, certificate_number?}, health?: {conditions[], notes?}}]}
- import_households(viewer, rows) → {accepted, refused: [{row, field, reason}], household_ids, duplicate_flags}
  (up to 2000 rows per call, each row as register_household's data)
- update_household(viewer, household_id, data{expected_version, address?, community_code?+community_name?}) → Household
- add_member(viewer, household_id, data{expected_version, ...member}) → Household
- update_member(viewer, household_id, person_id, data{expected_version, name?, relationship?, id_number? (a
  correction: birth date and sex follow it), phone?, tags?, disability?, health?}) → Household
- remove_member(viewer, household_id, person_id, data{expected_version, reason, removed_on, note?}) → Household
- record_consent(viewer, household_id, data{expected_version, person_id, legal_basis, purposes[], given_by?:
  {person_id? | name + relationship_to_subject}, given_on, basis_note?}) → Consent
- withdraw_consent(viewer, household_id, data{expected_version, consent_id, withdrawn_on, reason}) → Consent
- merge_persons(viewer, data{survivor: {household_id, person_id, expected_version}, duplicate: {...}, reason})
  → Household (the survivor's)
- dismiss_duplicate_flag(viewer, household_id, data{expected_version, flag_id, reason}) → Household
- list_duplicate_flags(viewer, filters{station_id?, after?, limit?}) → {items: [{household, flags}], next_cursor, total}
- reveal_person(viewer, household_id, person_id, reason) → {person_id, name, birth_date, id_number, phone,
  disability, health} (logged)
- get_households(viewer, ids) → [Household | None]
- list_households(viewer, filters{station_id?, region?, community_code?, group? (tag), archive_overdue?,
  risk_level?, duplicates_open?, head_name?, after?, limit?}) → {items, next_cursor, total}
- get_persons(viewer, person_ids) → [Person | None]
- persons_for_households(viewer, household_ids) → {household_id: [Person]}

Needs archives (需求档案)
- assess_needs(viewer, household_id, data{expected_version, assessed_on, assessor_staff_id, amends?,
  needs: [{need_id? (continues a need), domain, need_type, severity, description, person_ids[], needed_by?}]})
  → ArchiveVersion (publishes needs.assessed). Refused (RuleViolation, details.consents) unless the head and
  every person a need names have an `archive` consent or legal basis in force; needs whose people lack a
  `volunteer_matching` one are kept but left out of needs.assessed (ArchiveVersion.withheld_from_matching).
  See domain.py, "consent purposes where the data is used".
- archives_for_households(viewer, household_ids, as_of=None) → {household_id: ArchiveVersion in force on as_of | None}
- archive_history(viewer, household_ids) → {household_id: [ArchiveVersion, oldest first]}
- archive_overdue_summary(viewer, filters{region?, station_id?}) → {as_of, stations: [{station_id, households,
  overdue, never_assessed}], households, overdue, never_assessed}
  (the overdue households themselves: list_households with archive_overdue=true)

Cases
- open_case(viewer, data{household_id, person_id?, domain, source, summary, assigned_staff_id, opened_on?,
  crisis?: {notes}}) → Case
- change_stage(viewer, case_id, data{expected_version, to, note?}) → Case
- record_case_assessment(viewer, case_id, data{expected_version, summary, need_ids[], strengths?}) → Case
- submit_plan(viewer, case_id, data{expected_version, goals[], interventions: [{activity_type, frequency,
  responsible?}], review_on}) → Case
- decide_plan / decide_closure(viewer, case_id, data{expected_version, decision: approved|rejected, comment?}) → Case
  (a supervisor of the station or its station lead, never the requester)
- request_closure(viewer, case_id, data{expected_version, reason, outcome, note?}) → Case
- reopen_case(viewer, case_id, data{expected_version, reason, assigned_staff_id?}) → Case
- reassign_case(viewer, case_id, data{expected_version, staff_id, reason}) → Case
- log_case_visit(viewer, case_id, data{expected_version, visit_type, visited_on, visited_at?, duration_minutes,
  staff_ids[], other_participants[], notes?, next_visit_on?}) → Visit
- log_household_visit(viewer, household_id, data{... as above, campaign_id?}) → Visit
- record_service(viewer, case_id, data{expected_version, activity_type, delivered_on, duration_minutes,
  staff_ids[], need_ids[], notes?}) → Service
- flag_crisis(viewer, case_id, data{expected_version, notes}) → Case;
  resolve_crisis(viewer, case_id, data{expected_version, note}) → Case
- make_referral(viewer, case_id, data{expected_version, target: {kind, name, resource_id?}, service_requested,
  made_on, shares_personal_data, sharing_basis?: {kind: consent, consent_id} | {kind: legal_basis,
  legal_basis, reason}}) → Referral
- answer_referral(viewer, case_id, data{expected_version, referral_id, status, answered_on, note?}) → Referral
- reveal_case_notes(viewer, case_id, reason) → {case_id, crisis_notes, visits, services} (logged; case team only)
- get_cases(viewer, ids) → [Case | None]
- list_cases(viewer, filters{station_id?, region?, domain?, stage? (a stage or "open"), crisis?, overdue?,
  assigned_staff_id?, household_id?, after?, limit?}) → {items, next_cursor, total}, in queue order
  (active crises first, then by opening time)
- cases_for_households(viewer, household_ids) → {household_id: [Case]}
- visits_for_cases / services_for_cases / referrals_for_cases(viewer, case_ids) → {case_id: [...]}
- visits_for_households(viewer, household_ids) → {household_id: [Visit]} (household and case visits)
- case_summary(viewer, filters{region?, station_id?}) → {stations: [{station_id, open, open_by_stage,
  crisis_active, crisis_contact_overdue, crisis_breaches, overdue}], open, crisis_active, crisis_contact_overdue,
  crisis_breaches, overdue}: crisis_contact_overdue counts crises still waiting past the 24 hours;
  crisis_breaches counts every missed deadline as a fact, also after the late contact (Case.crisis_breaches
  lists them with the delay)
- caseloads_for_stations(viewer, station_ids) → {station_id: [{staff_id, name, role, current, open_cases,
  crisis_cases}]}

Comprehensive verification (全面核查)
- create_campaign(viewer, data{name, region_code, criteria: {tags_any[], age_min?, age_max?}, starts_on, ends_on})
- get_campaigns(viewer, ids) → [Campaign | None]; list_campaigns(viewer, filters{region?, after?, limit?})
- campaign_progress(viewer, campaign_id, filters{station_id?, visited?, after?, limit?}) → {campaign,
  targeted, visited, not_visited, persons_targeted, by_station: [{station_id, targeted, visited}],
  items: [{household_id, station_id, community_code, community_name, visited_on, persons}], next_cursor}

Access log
- access_log(viewer, filters{subject_id?, user_id?, station_id?, since?, until?, after?, limit?})
  → {items: [{id, at, user_id, role, action, subject_type, subject_id, household_id, station_id, fields,
  reason}], next_cursor} (supervisors, county/city/province staff, administrators; in their scope)

Events published (services/casework/events.py; ids and codes only, never personal data):
household.registered, needs.assessed, person.merged, consent.withdrawn, case.opened, case.stage_changed,
case.closed, visit.logged, referral.made, referral.answered, crisis.flagged, crisis.contact_overdue.
Consumed: the registry's station.registered, station.updated (a closed station takes no new households:
register_household and import_households refuse it with RuleViolation), staff.joined, staff.left
(casework's own staff copy), and the
volunteers' service.delivered (recorded on the household's open case of the same domain, else on the
household's own service record; the hours travel with it). A timer sweeps crisis cases every 5 minutes and
publishes crisis.contact_overdue once per breach; lists and summaries show a breach as soon as the deadline
passes, without waiting for the sweep.
"""
from __future__ import annotations

from nameko.timer import timer

from services.common import storage
from services.common.accesslog import AccessLogEndpoints
from services.common.auth import SYSTEM, Viewer
from services.common.consumers import Inbox, event_handler
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
from services.common.rpc import rpc
from services.contracts.registry import STAFF_JOINED, STAFF_LEFT, STATION_REGISTERED, STATION_UPDATED
from services.contracts.volunteers import SERVICE_DELIVERED

from .storage import INDEXES, OUTBOX_COLLECTIONS, CaseworkRepository
from .usecases import Casework

SERVICE = "casework"
CRISIS_SWEEP_SECONDS = 300


class CaseworkService(OperationalEndpoints, EventLogEndpoints, AccessLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, OUTBOX_COLLECTIONS)

    @property
    def casework(self) -> Casework:
        return Casework(CaseworkRepository(self.db))

    # households and people
    @rpc
    def register_household(self, viewer, data):
        return self.casework.register_household(Viewer.from_dict(viewer), data)

    @rpc
    def import_households(self, viewer, rows):
        return self.casework.import_households(Viewer.from_dict(viewer), rows)

    @rpc
    def update_household(self, viewer, household_id, data):
        return self.casework.update_household(Viewer.from_dict(viewer), household_id, data)

    @rpc
    def add_member(self, viewer, household_id, data):
        return self.casework.add_member(Viewer.from_dict(viewer), household_id, data)

    @rpc
    def update_member(self, viewer, household_id, person_id, data):
        return self.casework.update_member(Viewer.from_dict(viewer), household_id, person_id, data)

    @rpc
    def remove_member(self, viewer, household_id, person_id, data):
        return self.casework.remove_member(Viewer.from_dict(viewer), household_id, person_id, data)

    @rpc
    def record_consent(self, viewer, household_id, data):
        return self.casework.record_consent(Viewer.from_dict(viewer), household_id, data)

    @rpc
    def withdraw_consent(self, viewer, household_id, data):
        return self.casework.withdraw_consent(Viewer.from_dict(viewer), household_id, data)

    @rpc
    def merge_persons(self, viewer, data):
        return self.casework.merge_persons(Viewer.from_dict(viewer), data)

    @rpc
    def dismiss_duplicate_flag(self, viewer, household_id, data):
        return self.casework.dismiss_duplicate_flag(Viewer.from_dict(viewer), household_id, data)

    @rpc
    def list_duplicate_flags(self, viewer, filters=None):
        return self.casework.list_duplicate_flags(Viewer.from_dict(viewer), filters)

    @rpc(sensitive_arguments=("reason",))
    def reveal_person(self, viewer, household_id, person_id, reason):
        return self.casework.reveal_person(Viewer.from_dict(viewer), household_id, person_id, reason)

    @rpc
    def get_households(self, viewer, ids):
        return self.casework.get_households(Viewer.from_dict(viewer), ids)

    @rpc
    def list_households(self, viewer, filters=None):
        return self.casework.list_households(Viewer.from_dict(viewer), filters)

    @rpc
    def get_persons(self, viewer, person_ids):
        return self.casework.get_persons(Viewer.from_dict(viewer), person_ids)

    @rpc
    def persons_for_households(self, viewer, household_ids):
        return self.casework.persons_for_households(Viewer.from_dict(viewer), household_ids)

    # needs archives
    @rpc
    def assess_needs(self, viewer, household_id, data):
        return self.casework.assess_needs(Viewer.from_dict(viewer), household_id, data)

    @rpc
    def archives_for_households(self, viewer, household_ids, as_of=None):
        return self.casework.archives_for_households(Viewer.from_dict(viewer), household_ids, as_of)

    @rpc
    def archive_history(self, viewer, household_ids):
        return self.casework.archive_history(Viewer.from_dict(viewer), household_ids)

    @rpc
    def archive_overdue_summary(self, viewer, filters=None):
        return self.casework.archive_overdue_summary(Viewer.from_dict(viewer), filters)

    # cases
    @rpc
    def open_case(self, viewer, data):
        return self.casework.open_case(Viewer.from_dict(viewer), data)

    @rpc
    def change_stage(self, viewer, case_id, data):
        return self.casework.change_stage(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def record_case_assessment(self, viewer, case_id, data):
        return self.casework.record_case_assessment(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def submit_plan(self, viewer, case_id, data):
        return self.casework.submit_plan(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def decide_plan(self, viewer, case_id, data):
        return self.casework.decide_plan(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def request_closure(self, viewer, case_id, data):
        return self.casework.request_closure(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def decide_closure(self, viewer, case_id, data):
        return self.casework.decide_closure(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def reopen_case(self, viewer, case_id, data):
        return self.casework.reopen_case(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def reassign_case(self, viewer, case_id, data):
        return self.casework.reassign_case(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def log_case_visit(self, viewer, case_id, data):
        return self.casework.log_case_visit(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def log_household_visit(self, viewer, household_id, data):
        return self.casework.log_household_visit(Viewer.from_dict(viewer), household_id, data)

    @rpc
    def record_service(self, viewer, case_id, data):
        return self.casework.record_service(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def flag_crisis(self, viewer, case_id, data):
        return self.casework.flag_crisis(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def resolve_crisis(self, viewer, case_id, data):
        return self.casework.resolve_crisis(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def make_referral(self, viewer, case_id, data):
        return self.casework.make_referral(Viewer.from_dict(viewer), case_id, data)

    @rpc
    def answer_referral(self, viewer, case_id, data):
        return self.casework.answer_referral(Viewer.from_dict(viewer), case_id, data)

    @rpc(sensitive_arguments=("reason",))
    def reveal_case_notes(self, viewer, case_id, reason):
        return self.casework.reveal_case_notes(Viewer.from_dict(viewer), case_id, reason)

    @rpc
    def get_cases(self, viewer, ids):
        return self.casework.get_cases(Viewer.from_dict(viewer), ids)

    @rpc
    def list_cases(self, viewer, filters=None):
        return self.casework.list_cases(Viewer.from_dict(viewer), filters)

    @rpc
    def cases_for_households(self, viewer, household_ids):
        return self.casework.cases_for_households(Viewer.from_dict(viewer), household_ids)

    @rpc
    def visits_for_cases(self, viewer, case_ids):
        return self.casework.visits_for_cases(Viewer.from_dict(viewer), case_ids)

    @rpc
    def services_for_cases(self, viewer, case_ids):
        return self.casework.services_for_cases(Viewer.from_dict(viewer), case_ids)

    @rpc
    def referrals_for_cases(self, viewer, case_ids):
        return self.casework.referrals_for_cases(Viewer.from_dict(viewer), case_ids)

    @rpc
    def visits_for_households(self, viewer, household_ids):
        return self.casework.visits_for_households(Viewer.from_dict(viewer), household_ids)

    @rpc
    def case_summary(self, viewer, filters=None):
        return self.casework.case_summary(Viewer.from_dict(viewer), filters)

    @rpc
    def caseloads_for_stations(self, viewer, station_ids):
        return self.casework.caseloads_for_stations(Viewer.from_dict(viewer), station_ids)

    # comprehensive verification
    @rpc
    def create_campaign(self, viewer, data):
        return self.casework.create_campaign(Viewer.from_dict(viewer), data)

    @rpc
    def get_campaigns(self, viewer, ids):
        return self.casework.get_campaigns(Viewer.from_dict(viewer), ids)

    @rpc
    def list_campaigns(self, viewer, filters=None):
        return self.casework.list_campaigns(Viewer.from_dict(viewer), filters)

    @rpc
    def campaign_progress(self, viewer, campaign_id, filters=None):
        return self.casework.campaign_progress(Viewer.from_dict(viewer), campaign_id, filters)

    # access log
    @rpc
    def access_log(self, viewer, filters=None):
        return self.casework.access_log(Viewer.from_dict(viewer), filters)

    # what other services tell us
    @event_handler(STATION_REGISTERED)
    def on_station_registered(self, event):
        Inbox(self.db, "casework.on_station_registered").process_once(
            event.id, lambda: self.casework.record_station(event.payload, event.occurred_at))

    @event_handler(STATION_UPDATED)
    def on_station_updated(self, event):
        Inbox(self.db, "casework.on_station_updated").process_once(
            event.id, lambda: self.casework.record_station_updated(event.payload, event.occurred_at))

    @event_handler(STAFF_JOINED)
    def on_staff_joined(self, event):
        Inbox(self.db, "casework.on_staff_joined").process_once(
            event.id, lambda: self.casework.record_staff_joined(event.payload))

    @event_handler(STAFF_LEFT)
    def on_staff_left(self, event):
        Inbox(self.db, "casework.on_staff_left").process_once(
            event.id, lambda: self.casework.record_staff_left(event.payload))

    @event_handler(SERVICE_DELIVERED)
    def on_service_delivered(self, event):
        Inbox(self.db, "casework.on_service_delivered").process_once(
            event.id, lambda: self.casework.record_service_delivered(event.payload, event.id))

    @timer(interval=CRISIS_SWEEP_SECONDS)
    def sweep_crisis_contacts(self):
        self.casework.sweep_crisis_contacts(SYSTEM)
