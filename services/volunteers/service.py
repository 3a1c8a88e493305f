"""The volunteers service's nameko entrypoints: thin wiring from RPC and events to the use cases.

Every method takes `viewer` (a dict, `Viewer.to_dict()`) first. Records out of the viewer's scope
look exactly like unknown ones (NotFound, or None in batch results). Writes raise ValidationFailed
(details: field → reasons), NotFound, Conflict, ConcurrentModification (send the version you
read as `expected_version`), RuleViolation (a rule refused it, with the reason) or PermissionDenied.
Lists return {"items", "next_cursor", "total"}; pass `after=next_cursor` for the next page.

Reference
  catalogue(viewer) → {skills, domains, resource_kinds[{kind,label,category}], item_categories, need_types}

Volunteers (id numbers and phones are encrypted; responses show them masked)
  register_volunteer(viewer, data{station_id, name, id_number, phone, community_code (12 digits), skills[],
      domains[], availability[{weekday 1-7, start "HH:MM", end}], max_open_tasks?}) → Volunteer
  update_volunteer(viewer, volunteer_id, data{expected_version, phone?, community_code?, skills?, domains?,
      availability?, max_open_tasks?, status? active|paused|left}) → Volunteer
  record_volunteer_training(viewer, volunteer_id, data{expected_version, date, topic, hours, provider}) → Volunteer
  record_volunteer_certificate(viewer, volunteer_id, data{expected_version, name, number?, issuer, issued_on,
      valid_until?}) → Volunteer
  record_background_check(viewer, volunteer_id, data{expected_version, result passed|failed, checked_on,
      valid_until (if passed), authority}) → Volunteer
  reveal_volunteer_identity(viewer, volunteer_id, reason) → {id_number, phone}   (role-checked, logged)
  access_log(viewer, filters{subject_id?, user_id?, limit?}) → [{at, user_id, role, subject_type, subject_id,
      fields, reason}]
  list_volunteers(viewer, filters{station_id?, region?, skill?, domain?, status?, background_checked?, after?,
      limit?}) → page of Volunteer
  get_volunteers(viewer, ids) → [Volunteer | None]
  Volunteer = {id, station_id, name, id_number (masked), phone (masked), community_code, township_code, skills,
      domains, availability, max_open_tasks, open_tasks (count), status, registered_on, training[],
      training_hours, certificates[], background_check, approved_hours, pending_hours, version}

Hours and the 志愿服务记录证明
  log_hours(viewer, volunteer_id, data{need_id, task_id, started_at, ended_at, activity}) → HoursEntry
      (refused with the reason when it overlaps hours already logged)
  approve_hours(viewer, volunteer_id, data{expected_version, entry_ids[]}) → Volunteer
  reject_hours(viewer, volunteer_id, data{expected_version, entry_ids[], reason}) → Volunteer
  hours_for_volunteers(viewer, volunteer_ids) → {volunteer_id: [HoursEntry]}
  inbox_items(viewer) → {items: [InboxItem], truncated}: hours waiting for the viewer's station (usecases/inbox.py)
  HoursEntry = {volunteer_id, station_id, entry_id, task_id, need_id, start, end, hours, activity,
      status pending|approved|rejected, logged_by, logged_at, decided_by, decided_at, reason}
  issue_certificate(viewer, volunteer_id, data{from, to}) → {certificate_id, content, verification_code, text}
  verify_certificate(viewer, data{content, verification_code}) → {valid, reason, certificate_id?,
      volunteer_name? (masked), total_hours?, issued_on?, issued_by?}     (any role, the public included);
      a revoked certificate → {valid: false, revoked: true, revoked_on, reason, certificate_id}
  revoke_certificate(viewer, certificate_id, data{reason}) → {certificate_id, revoked, revoked_on, reason}
      (publishes certificate.revoked; a second revocation is a Conflict)

Teams
  create_team(viewer, data{station_id, name, domains[], leader_id, member_ids[]}) → Team
  update_team(viewer, team_id, data{expected_version, name?, domains?, leader_id?, member_ids?, status?}) → Team
  record_team_training(viewer, team_id, data{expected_version, date, topic, hours, trainer, attendee_ids[]}) → Team
  record_supervision(viewer, team_id, data{expected_version, date, supervisor, notes, follow_ups[]}) → Team
  list_teams(viewer, filters{station_id?, after?, limit?}) → page of Team
  get_teams(viewer, ids) → [Team | None]
  teams_for_volunteers(viewer, volunteer_ids) → {volunteer_id: [Team]}
  Team = {id, station_id, name, domains, leader_id, member_ids, status, training_sessions[],
      supervision_records[], training_hours, version}

Community resource library (the public reads active entries)
  register_resource(viewer, data{kind, name, credit_code?, description?, station_id, township_code,
      community_code?, services[{name, domain, need_types[], capacity, eligibility{beneficiary_groups[], min_age?,
      max_age?, notes?}, opening_hours[slots], description?}], contact{name, phone, email?},
      location{address, latitude?, longitude?}, reviewed_on}) → Resource
  update_resource(viewer, resource_id, data{expected_version, name?, credit_code?, description?, services?,
      contact?, location?}) → Resource
  review_resource(viewer, resource_id, data{expected_version, reviewed_on, outcome confirmed|updated|closed,
      notes?}) → Resource
  list_resources(viewer, filters{station_id?, region?, kind?, domain?, status?, review_overdue?, after?, limit?})
      → page of Resource
  get_resources(viewer, ids) → [Resource | None]
  overdue_reviews(viewer, filters{station_id?, region?}) → {as_of, total, by_station[{station_id, count,
      items[{id, name, kind, reviewed_on, next_review_due, days_overdue}]}], by_region[{region_code, count}]}
  export_directory(viewer, filters{station_id?, region?}) → HSDS 3.0 {hsds_version, exported_at, organizations[],
      services[], locations[], service_at_locations[]}
  Resource = {id, kind, kind_label, category organisation|facility, name, credit_code, description, station_id,
      township_code, community_code, services[{service_id, ..., places_taken}], domains, contact, location, status,
      reviewed_on, next_review_due, review_overdue, reviews[], version}

Charity
  receive_donation(viewer, data{station_id, kind money|goods, amount_fen? (money), goods?{name, category, unit,
      quantity}, donor{kind individual|organisation|anonymous, name?, credit_code?, phone?},
      restrictions?{domains[], region_code?, beneficiary_groups[]}, received_on, notes?}) → {donation_id, stock}
  distribute(viewer, data{stock_id, household_id, need_id?, domain, region_code (household's community or
      township), beneficiary_groups[], quantity, distributed_on, distribution_id? (idempotency key)})
      → {distribution, stock}   (refused beyond stock or against an earmark, with the reason)
  list_stock(viewer, filters{station_id?, category?, after?, limit?}) → page of Stock
  get_stock(viewer, ids) → [Stock | None]
  donations_for_stock(viewer, stock_ids) → {stock_id: [Lot]}
  distributions_for_households(viewer, household_ids) → {household_id: [Distribution]}
  Stock = {id, station_id, township_code, kind, category, item, unit (money: fen), on_hand, earmarked,
      lots[{donation_id, quantity, remaining, received_on, donor, restrictions, notes}], version}

Needs and matching (供需对接)
  request_matching(viewer, data{need_id?, household_id, station_id, community_code?, domain, need_type, severity,
      description, beneficiary_groups[], child_related, needed_by?}) → Need
  rematch_need(viewer, need_id, data{expected_version}) → Need     (never duplicates a proposal)
  accept_proposal(viewer, need_id, proposal_id, data{expected_version, scheduled_start?, scheduled_end?,
      quantity? (charity), note?}) → Need      (the accepted proposal becomes a task)
  decline_proposal(viewer, need_id, proposal_id, data{expected_version, reason}) → Need
  complete_task(viewer, need_id, task_id, data{expected_version, started_at?, ended_at? (volunteer tasks),
      delivered_on?, hours?, service_type?, notes?}) → Need      (publishes service.delivered)
  cancel_task(viewer, need_id, task_id, data{expected_version, reason}) → Need      (an open task only; the
      candidate is released and the need returns to matching; publishes task.cancelled)
  list_needs(viewer, filters{station_id?, region?, status?, domain?, household_id?, after?, limit?}) → page of Need
  get_needs(viewer, ids) → [Need | None]
  needs_for_households(viewer, household_ids) → {household_id: [Need]}
  tasks_for_volunteers(viewer, volunteer_ids) → {volunteer_id: [Task]}
  unmet_rollup(viewer, data{region, domain?}) → {region, total, by_domain{}, by_need_type{},
      by_region[{region_code (next level down), domain, count}]}
  Need = {id, assessment_id, household_id, station_id, township_code, community_code, source, domain, need_type,
      severity, description, beneficiary_groups, child_related, needed_by,
      status open|proposed|matched|delivered|unmet|withdrawn, unmet{reason, refusals{}, since}|None,
      proposals[Proposal], tasks[Task], version}
  Proposal = {proposal_id, need_id, station_id, kind volunteer|resource|charity, candidate_id, candidate_name,
      rank, score, breakdown{domain, skills, distance, availability, load}, reasons[], detail{},
      state proposed|accepted|declined|withdrawn, proposed_at, decided_at, decided_by, decision_reason}
  Task = {task_id, proposal_id, need_id, household_id, station_id, domain, need_type, kind, candidate_id,
      candidate_name, service_id, status open|completed|cancelled, accepted_by, accepted_at, scheduled_start,
      scheduled_end, quantity, distribution_id, completed_on, hours, notes, service_type, cancelled_at?,
      cancelled_by?, cancellation_reason?}

Events published: resource.registered, resource.reviewed, volunteer.registered, hours.approved, match.proposed,
match.accepted, match.declined, need.unmet, donation.received, distribution.made, service.delivered,
task.cancelled, certificate.revoked.
Consumed: casework's needs.assessed (only the needs casework may send to matching) and consent.withdrawn (v2: its
matching_need_ids leave matching unless already matched); its own task.cancelled (releases a candidate a crash
left held).
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.common import storage
from services.common.accesslog import AccessLogEndpoints
from services.common.auth import Viewer
from services.common.consumers import Inbox
from services.common.entrypoints import event_handler, use_case_rpc
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
from services.contracts.casework import CONSENT_WITHDRAWN, NEEDS_ASSESSED
from services.contracts.volunteers import TASK_CANCELLED

from .candidates import CandidateIndex
from .storage import EVENT_SOURCES, INDEXES, VolunteersRepository
from .usecases import (
    Volunteering,
    certificates,
    charity,
    hours,
    inbox,
    needs,
    reference,
    resources,
    tasks,
    teams,
    volunteers,
)

SERVICE = "volunteers"


class MatchingIndex(DependencyProvider):
    """One candidate index per container, shared by its workers, loaded at start-up and kept fresh
    by a background thread (see candidates.py)."""

    def start(self):
        self.index = CandidateIndex(storage.database(SERVICE))
        self.container.spawn_managed_thread(self.index.keep_fresh, identifier="candidate-index")

    def get_dependency(self, worker_ctx):
        return self.index


def acting_for(event, producer: str) -> Viewer:
    """The viewer an event's effect runs as: its actor, with the administrator's reach."""
    return Viewer.from_dict({"user_id": (event.actor or {}).get("user_id", producer), "role": "admin"})


class VolunteersService(OperationalEndpoints, EventLogEndpoints, AccessLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, EVENT_SOURCES)
    candidates = MatchingIndex()

    @property
    def use_cases(self) -> Volunteering:
        return Volunteering(VolunteersRepository(self.db), self.candidates)

    catalogue = use_case_rpc(reference.catalogue)

    register_volunteer = use_case_rpc(volunteers.register_volunteer)
    update_volunteer = use_case_rpc(volunteers.update_volunteer)
    record_volunteer_training = use_case_rpc(volunteers.record_volunteer_training)
    record_volunteer_certificate = use_case_rpc(volunteers.record_volunteer_certificate)
    record_background_check = use_case_rpc(volunteers.record_background_check)
    reveal_volunteer_identity = use_case_rpc(volunteers.reveal_volunteer_identity, sensitive_arguments=("reason",))
    access_log = use_case_rpc(volunteers.access_log)
    list_volunteers = use_case_rpc(volunteers.list_volunteers)
    get_volunteers = use_case_rpc(volunteers.get_volunteers)

    log_hours = use_case_rpc(hours.log_hours)
    approve_hours = use_case_rpc(hours.approve_hours)
    reject_hours = use_case_rpc(hours.reject_hours)
    hours_for_volunteers = use_case_rpc(hours.hours_for_volunteers)
    inbox_items = use_case_rpc(inbox.inbox_items)
    issue_certificate = use_case_rpc(certificates.issue_certificate)
    revoke_certificate = use_case_rpc(certificates.revoke_certificate)
    verify_certificate = use_case_rpc(certificates.verify_certificate)

    create_team = use_case_rpc(teams.create_team)
    update_team = use_case_rpc(teams.update_team)
    record_team_training = use_case_rpc(teams.record_team_training)
    record_supervision = use_case_rpc(teams.record_supervision)
    list_teams = use_case_rpc(teams.list_teams)
    get_teams = use_case_rpc(teams.get_teams)
    teams_for_volunteers = use_case_rpc(teams.teams_for_volunteers)

    register_resource = use_case_rpc(resources.register_resource)
    update_resource = use_case_rpc(resources.update_resource)
    review_resource = use_case_rpc(resources.review_resource)
    list_resources = use_case_rpc(resources.list_resources)
    get_resources = use_case_rpc(resources.get_resources)
    overdue_reviews = use_case_rpc(resources.overdue_reviews)
    export_directory = use_case_rpc(resources.export_directory)

    receive_donation = use_case_rpc(charity.receive_donation)
    distribute = use_case_rpc(charity.distribute)
    list_stock = use_case_rpc(charity.list_stock)
    get_stock = use_case_rpc(charity.get_stock)
    donations_for_stock = use_case_rpc(charity.donations_for_stock)
    distributions_for_households = use_case_rpc(charity.distributions_for_households)

    request_matching = use_case_rpc(needs.request_matching)
    rematch_need = use_case_rpc(needs.rematch_need)
    list_needs = use_case_rpc(needs.list_needs)
    get_needs = use_case_rpc(needs.get_needs)
    needs_for_households = use_case_rpc(needs.needs_for_households)
    unmet_rollup = use_case_rpc(needs.unmet_rollup)
    accept_proposal = use_case_rpc(tasks.accept_proposal)
    decline_proposal = use_case_rpc(tasks.decline_proposal)
    complete_task = use_case_rpc(tasks.complete_task)
    cancel_task = use_case_rpc(tasks.cancel_task)
    tasks_for_volunteers = use_case_rpc(needs.tasks_for_volunteers)

    @event_handler(NEEDS_ASSESSED)
    def on_needs_assessed(self, event):
        needs.record_assessment(self.use_cases, acting_for(event, "casework"), event.payload)

    # One write at most (the candidate's release), and releasing twice is releasing once.
    @event_handler(TASK_CANCELLED, single_write=True)
    def on_task_cancelled(self, event):
        """Releases the candidate of a cancelled task if the cancelling process died before it did."""
        tasks.release_cancelled_task(self.use_cases, acting_for(event, "volunteers"), event.payload)

    @event_handler(CONSENT_WITHDRAWN)
    def on_consent_withdrawn(self, event):
        """Needs whose person withdrew volunteer_matching consent leave matching (casework names them)."""
        needs.withdraw_for_consent(self.use_cases, acting_for(event, "casework"), event.payload)
