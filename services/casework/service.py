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

Rosters from other agencies (issue 13; usecases/roster_imports.py, roster_rows.py)
- roster_mapping(viewer, source, region?) / save_roster_mapping(viewer, data{source, region?, columns: [{field,
  header}]}) → {source, region_code, columns, saved, updated_at} (the default mapping until one is saved)
- start_roster_import(viewer, data{source, region?, filename, content (base64 of the CSV or .xlsx)}) → RosterImport
  (the same file again returns the same job); a timer applies its chunks in the background
- get_roster_imports(viewer, ids) / list_roster_imports(viewer, filters{source?, region?, after?, limit?})
- roster_import_rows(viewer, import_id, filters{outcome?, after?, limit?}) → {items, next_cursor, total}
- roster_import_report(viewer, import_id) → {filename, media_type, content (base64 CSV)} (logged)

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

Referrals that reach a registered agency (agency_referrals.py; the agency's own client, role `agency`)
- revoke_referral(viewer, case_id, data{expected_version, referral_id, reason_code, note?}) → Referral (station)
- agency_referrals(viewer, filters{status?, after?, limit?}) → {items: [AgencyReferral], next_cursor}
- answer_as_agency(viewer, data{case_id, referral_id, status, reason_code?, note?}) → AgencyReferral
- expire_referrals(viewer) → count (administrators; the service's timer runs it every 10 minutes)
- record_agency_calls(viewer, calls[{field, outcome, reason?, code?}]) → count (the gateway, for an agency's
  client: every root field it asked for, answered or refused, into the access log; agency_calls.py)

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
- inbox_items(viewer) → {items: [InboxItem], truncated}: follow-ups due within a week or overdue, crises waiting for
  their first contact, plans and closures waiting for the viewer's approval (usecases/inbox.py)
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

Events published (services/contracts/casework.py; ids and codes only, never personal data):
household.registered, needs.assessed, person.merged, consent.withdrawn, case.opened, case.stage_changed,
case.closed, visit.logged, referral.made, referral.answered, crisis.flagged, crisis.contact_overdue,
person.listed_on_roster, person.left_roster, roster_import.completed.
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
from services.common.auth import SYSTEM
from services.common.consumers import Inbox
from services.common.entrypoints import event_handler, use_case_rpc
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
from services.contracts.identity import AGENCY_REGISTERED
from services.contracts.registry import STAFF_JOINED, STAFF_LEFT, STATION_REGISTERED, STATION_UPDATED
from services.contracts.volunteers import SERVICE_DELIVERED

from .storage import INDEXES, OUTBOX_COLLECTIONS, CaseworkRepository
from .usecases import (
    Casework,
    agency_calls,
    archives,
    audit,
    campaigns,
    case_reads,
    cases,
    consent,
    crisis,
    duplicates,
    households,
    inbound,
    inbox,
    members,
    referrals,
    roster_imports,
    roster_rows,
    visits,
)
from .usecases import agency_referrals as agency_side

SERVICE = "casework"
CRISIS_SWEEP_SECONDS = 300
ROSTER_WORK_SECONDS = 1
REFERRAL_EXPIRY_SWEEP_SECONDS = 600


class CaseworkService(OperationalEndpoints, EventLogEndpoints, AccessLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, OUTBOX_COLLECTIONS)

    @property
    def use_cases(self) -> Casework:
        return Casework(CaseworkRepository(self.db))

    # households and people
    register_household = use_case_rpc(households.register_household)
    import_households = use_case_rpc(households.import_households)
    update_household = use_case_rpc(households.update_household)
    add_member = use_case_rpc(members.add_member)
    update_member = use_case_rpc(members.update_member)
    remove_member = use_case_rpc(members.remove_member)
    get_households = use_case_rpc(households.get_households)
    list_households = use_case_rpc(households.list_households)
    get_persons = use_case_rpc(households.get_persons)
    persons_for_households = use_case_rpc(households.persons_for_households)
    record_consent = use_case_rpc(consent.record_consent)
    withdraw_consent = use_case_rpc(consent.withdraw_consent)
    merge_persons = use_case_rpc(duplicates.merge_persons)
    dismiss_duplicate_flag = use_case_rpc(duplicates.dismiss_duplicate_flag)
    list_duplicate_flags = use_case_rpc(duplicates.list_duplicate_flags)

    # needs archives
    assess_needs = use_case_rpc(archives.assess_needs)
    archives_for_households = use_case_rpc(archives.archives_for_households)
    archive_history = use_case_rpc(archives.archive_history)
    archive_overdue_summary = use_case_rpc(archives.archive_overdue_summary)

    # cases
    open_case = use_case_rpc(cases.open_case)
    change_stage = use_case_rpc(cases.change_stage)
    record_case_assessment = use_case_rpc(cases.record_case_assessment)
    submit_plan = use_case_rpc(cases.submit_plan)
    decide_plan = use_case_rpc(cases.decide_plan)
    request_closure = use_case_rpc(cases.request_closure)
    decide_closure = use_case_rpc(cases.decide_closure)
    reopen_case = use_case_rpc(cases.reopen_case)
    reassign_case = use_case_rpc(cases.reassign_case)
    inbox_items = use_case_rpc(inbox.inbox_items)
    log_case_visit = use_case_rpc(visits.log_case_visit)
    log_household_visit = use_case_rpc(visits.log_household_visit)
    record_service = use_case_rpc(visits.record_service)
    flag_crisis = use_case_rpc(crisis.flag_crisis)
    resolve_crisis = use_case_rpc(crisis.resolve_crisis)
    make_referral = use_case_rpc(referrals.make_referral)
    answer_referral = use_case_rpc(referrals.answer_referral)
    revoke_referral = use_case_rpc(referrals.revoke_referral)
    agency_referrals = use_case_rpc(agency_side.agency_referrals)
    answer_as_agency = use_case_rpc(agency_side.answer_as_agency)
    expire_referrals = use_case_rpc(agency_side.expire_referrals)
    record_agency_calls = use_case_rpc(agency_calls.record_agency_calls)
    get_cases = use_case_rpc(case_reads.get_cases)
    list_cases = use_case_rpc(case_reads.list_cases)
    cases_for_households = use_case_rpc(case_reads.cases_for_households)
    visits_for_cases = use_case_rpc(visits.visits_for_cases)
    services_for_cases = use_case_rpc(visits.services_for_cases)
    referrals_for_cases = use_case_rpc(referrals.referrals_for_cases)
    visits_for_households = use_case_rpc(visits.visits_for_households)
    case_summary = use_case_rpc(case_reads.case_summary)
    caseloads_for_stations = use_case_rpc(case_reads.caseloads_for_stations)

    # comprehensive verification
    create_campaign = use_case_rpc(campaigns.create_campaign)
    get_campaigns = use_case_rpc(campaigns.get_campaigns)
    list_campaigns = use_case_rpc(campaigns.list_campaigns)
    campaign_progress = use_case_rpc(campaigns.campaign_progress)

    # rosters from other agencies (issue 13): the rows are applied in the background by the timer below
    roster_mapping = use_case_rpc(roster_imports.roster_mapping)
    save_roster_mapping = use_case_rpc(roster_imports.save_roster_mapping)
    start_roster_import = use_case_rpc(roster_imports.start_roster_import, sensitive_arguments=("data",))
    get_roster_imports = use_case_rpc(roster_imports.get_roster_imports)
    list_roster_imports = use_case_rpc(roster_imports.list_roster_imports)
    roster_import_rows = use_case_rpc(roster_imports.roster_import_rows)
    roster_import_report = use_case_rpc(roster_imports.roster_import_report)

    # unmasked reads, and their log
    reveal_person = use_case_rpc(audit.reveal_person, sensitive_arguments=("reason",))
    reveal_case_notes = use_case_rpc(audit.reveal_case_notes, sensitive_arguments=("reason",))
    access_log = use_case_rpc(audit.access_log)

    # what other services tell us
    @event_handler(STATION_REGISTERED)
    def on_station_registered(self, event):
        inbound.record_station(self.use_cases, event.payload, event.occurred_at)

    @event_handler(STATION_UPDATED)
    def on_station_updated(self, event):
        inbound.record_station_updated(self.use_cases, event.payload, event.occurred_at)

    @event_handler(STAFF_JOINED)
    def on_staff_joined(self, event):
        inbound.record_staff_joined(self.use_cases, event.payload)

    @event_handler(STAFF_LEFT)
    def on_staff_left(self, event):
        inbound.record_staff_left(self.use_cases, event.payload)

    # one write of one aggregate (the case or the household), and a rerun finds its task id recorded
    @event_handler(SERVICE_DELIVERED, single_write=True)
    def on_service_delivered(self, event):
        inbound.record_service_delivered(self.use_cases, event.payload, event.id)

    @timer(interval=ROSTER_WORK_SECONDS)
    def work_on_roster_imports(self):
        roster_rows.work_on_roster_imports(self.use_cases)
    @event_handler(AGENCY_REGISTERED)
    def on_agency_registered(self, event):
        agency_side.record_agency(self.use_cases, event.payload)

    @timer(interval=REFERRAL_EXPIRY_SWEEP_SECONDS)
    def sweep_referral_expiry(self):
        agency_side.expire_referrals(self.use_cases, SYSTEM)

    @timer(interval=CRISIS_SWEEP_SECONDS)
    def sweep_crisis_contacts(self):
        crisis.sweep_crisis_contacts(self.use_cases, SYSTEM)
