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
from services.common.consumers import Inbox, event_handler
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
from services.common.rpc import rpc
from services.contracts.casework import CONSENT_WITHDRAWN, NEEDS_ASSESSED
from services.contracts.volunteers import TASK_CANCELLED

from .candidates import CandidateIndex
from .storage import EVENT_SOURCES, INDEXES, VolunteersRepository
from .usecases import Volunteering

SERVICE = "volunteers"


class MatchingIndex(DependencyProvider):
    """One candidate index per container, shared by its workers, loaded at start-up and kept fresh
    by a background thread (see candidates.py)."""

    def start(self):
        self.index = CandidateIndex(storage.database(SERVICE))
        self.container.spawn_managed_thread(self.index.keep_fresh, identifier="candidate-index")

    def get_dependency(self, worker_ctx):
        return self.index


class VolunteersService(OperationalEndpoints, EventLogEndpoints, AccessLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, EVENT_SOURCES)
    candidates = MatchingIndex()

    @property
    def volunteering(self) -> Volunteering:
        return Volunteering(VolunteersRepository(self.db), self.candidates)

    @rpc
    def catalogue(self, viewer):
        return self.volunteering.catalogue(Viewer.from_dict(viewer))

    # volunteers
    @rpc
    def register_volunteer(self, viewer, data):
        return self.volunteering.register_volunteer(Viewer.from_dict(viewer), data)

    @rpc
    def update_volunteer(self, viewer, volunteer_id, data):
        return self.volunteering.update_volunteer(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc
    def record_volunteer_training(self, viewer, volunteer_id, data):
        return self.volunteering.record_volunteer_training(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc
    def record_volunteer_certificate(self, viewer, volunteer_id, data):
        return self.volunteering.record_volunteer_certificate(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc
    def record_background_check(self, viewer, volunteer_id, data):
        return self.volunteering.record_background_check(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc(sensitive_arguments=("reason",))
    def reveal_volunteer_identity(self, viewer, volunteer_id, reason):
        return self.volunteering.reveal_volunteer_identity(Viewer.from_dict(viewer), volunteer_id, reason)

    @rpc
    def access_log(self, viewer, filters=None):
        return self.volunteering.access_log(Viewer.from_dict(viewer), filters)

    @rpc
    def list_volunteers(self, viewer, filters=None):
        return self.volunteering.list_volunteers(Viewer.from_dict(viewer), filters)

    @rpc
    def get_volunteers(self, viewer, ids):
        return self.volunteering.get_volunteers(Viewer.from_dict(viewer), ids)

    # hours and certificates
    @rpc
    def log_hours(self, viewer, volunteer_id, data):
        return self.volunteering.log_hours(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc
    def approve_hours(self, viewer, volunteer_id, data):
        return self.volunteering.approve_hours(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc
    def reject_hours(self, viewer, volunteer_id, data):
        return self.volunteering.reject_hours(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc
    def hours_for_volunteers(self, viewer, volunteer_ids):
        return self.volunteering.hours_for_volunteers(Viewer.from_dict(viewer), volunteer_ids)

    @rpc
    def issue_certificate(self, viewer, volunteer_id, data):
        return self.volunteering.issue_certificate(Viewer.from_dict(viewer), volunteer_id, data)

    @rpc
    def revoke_certificate(self, viewer, certificate_id, data):
        return self.volunteering.revoke_certificate(Viewer.from_dict(viewer), certificate_id, data)

    @rpc
    def verify_certificate(self, viewer, data):
        return self.volunteering.verify_certificate(Viewer.from_dict(viewer), data)

    # teams
    @rpc
    def create_team(self, viewer, data):
        return self.volunteering.create_team(Viewer.from_dict(viewer), data)

    @rpc
    def update_team(self, viewer, team_id, data):
        return self.volunteering.update_team(Viewer.from_dict(viewer), team_id, data)

    @rpc
    def record_team_training(self, viewer, team_id, data):
        return self.volunteering.record_team_training(Viewer.from_dict(viewer), team_id, data)

    @rpc
    def record_supervision(self, viewer, team_id, data):
        return self.volunteering.record_supervision(Viewer.from_dict(viewer), team_id, data)

    @rpc
    def list_teams(self, viewer, filters=None):
        return self.volunteering.list_teams(Viewer.from_dict(viewer), filters)

    @rpc
    def get_teams(self, viewer, ids):
        return self.volunteering.get_teams(Viewer.from_dict(viewer), ids)

    @rpc
    def teams_for_volunteers(self, viewer, volunteer_ids):
        return self.volunteering.teams_for_volunteers(Viewer.from_dict(viewer), volunteer_ids)

    # resource library
    @rpc
    def register_resource(self, viewer, data):
        return self.volunteering.register_resource(Viewer.from_dict(viewer), data)

    @rpc
    def update_resource(self, viewer, resource_id, data):
        return self.volunteering.update_resource(Viewer.from_dict(viewer), resource_id, data)

    @rpc
    def review_resource(self, viewer, resource_id, data):
        return self.volunteering.review_resource(Viewer.from_dict(viewer), resource_id, data)

    @rpc
    def list_resources(self, viewer, filters=None):
        return self.volunteering.list_resources(Viewer.from_dict(viewer), filters)

    @rpc
    def get_resources(self, viewer, ids):
        return self.volunteering.get_resources(Viewer.from_dict(viewer), ids)

    @rpc
    def overdue_reviews(self, viewer, filters=None):
        return self.volunteering.overdue_reviews(Viewer.from_dict(viewer), filters)

    @rpc
    def export_directory(self, viewer, filters=None):
        return self.volunteering.export_directory(Viewer.from_dict(viewer), filters)

    # charity
    @rpc
    def receive_donation(self, viewer, data):
        return self.volunteering.receive_donation(Viewer.from_dict(viewer), data)

    @rpc
    def distribute(self, viewer, data):
        return self.volunteering.distribute(Viewer.from_dict(viewer), data)

    @rpc
    def list_stock(self, viewer, filters=None):
        return self.volunteering.list_stock(Viewer.from_dict(viewer), filters)

    @rpc
    def get_stock(self, viewer, ids):
        return self.volunteering.get_stock(Viewer.from_dict(viewer), ids)

    @rpc
    def donations_for_stock(self, viewer, stock_ids):
        return self.volunteering.donations_for_stock(Viewer.from_dict(viewer), stock_ids)

    @rpc
    def distributions_for_households(self, viewer, household_ids):
        return self.volunteering.distributions_for_households(Viewer.from_dict(viewer), household_ids)

    # needs and matching
    @rpc
    def request_matching(self, viewer, data):
        return self.volunteering.request_matching(Viewer.from_dict(viewer), data)

    @rpc
    def rematch_need(self, viewer, need_id, data):
        return self.volunteering.rematch_need(Viewer.from_dict(viewer), need_id, data)

    @rpc
    def accept_proposal(self, viewer, need_id, proposal_id, data):
        return self.volunteering.accept_proposal(Viewer.from_dict(viewer), need_id, proposal_id, data)

    @rpc
    def decline_proposal(self, viewer, need_id, proposal_id, data):
        return self.volunteering.decline_proposal(Viewer.from_dict(viewer), need_id, proposal_id, data)

    @rpc
    def complete_task(self, viewer, need_id, task_id, data):
        return self.volunteering.complete_task(Viewer.from_dict(viewer), need_id, task_id, data)

    @rpc
    def cancel_task(self, viewer, need_id, task_id, data):
        return self.volunteering.cancel_task(Viewer.from_dict(viewer), need_id, task_id, data)

    @rpc
    def list_needs(self, viewer, filters=None):
        return self.volunteering.list_needs(Viewer.from_dict(viewer), filters)

    @rpc
    def get_needs(self, viewer, ids):
        return self.volunteering.get_needs(Viewer.from_dict(viewer), ids)

    @rpc
    def needs_for_households(self, viewer, household_ids):
        return self.volunteering.needs_for_households(Viewer.from_dict(viewer), household_ids)

    @rpc
    def tasks_for_volunteers(self, viewer, volunteer_ids):
        return self.volunteering.tasks_for_volunteers(Viewer.from_dict(viewer), volunteer_ids)

    @rpc
    def unmet_rollup(self, viewer, data):
        return self.volunteering.unmet_rollup(Viewer.from_dict(viewer), data)

    @event_handler(NEEDS_ASSESSED)
    def on_needs_assessed(self, event):
        actor = Viewer.from_dict({"user_id": (event.actor or {}).get("user_id", "casework"), "role": "admin"})
        Inbox(self.db, "volunteers.on_needs_assessed").process_once(
            event.id, lambda: self.volunteering.record_assessment(actor, event.payload))

    @event_handler(TASK_CANCELLED)
    def on_task_cancelled(self, event):
        """Releases the candidate of a cancelled task if the cancelling process died before it did."""
        actor = Viewer.from_dict({"user_id": (event.actor or {}).get("user_id", "volunteers"), "role": "admin"})
        Inbox(self.db, "volunteers.on_task_cancelled").process_once(
            event.id, lambda: self.volunteering.release_cancelled_task(actor, event.payload))

    @event_handler(CONSENT_WITHDRAWN)
    def on_consent_withdrawn(self, event):
        """Needs whose person withdrew volunteer_matching consent leave matching (casework names them)."""
        actor = Viewer.from_dict({"user_id": (event.actor or {}).get("user_id", "casework"), "role": "admin"})
        Inbox(self.db, "volunteers.on_consent_withdrawn").process_once(
            event.id, lambda: self.volunteering.withdraw_for_consent(actor, event.payload))
