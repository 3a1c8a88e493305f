"""The supervision service's nameko entrypoints, declared: each RPC method is a use case (usecases/).

RPC (every method takes `viewer`, a Viewer as a dict, first; a supervisor's stations are their current
assignments, whatever their token names: viewer_in_force):
- supervisor_scope(viewer) → {registered, station_ids}: a supervisor's current stations, which the gateway
  puts in their viewer for every service (usecases/access.py)
- rollup(viewer, request{region, period?: {year?, quarter?, month?, from?, to?}, children?, volunteers?}) →
  {region: Figures, children: [Figures]}; Figures as domain/figures.py documents them, with
  volunteers{hours_approved} when `volunteers` is true (usecases/hours.py).
- protected_rollup(viewer, request as rollup) → {threshold, region, children: [{region_code, name, level,
  figures: [{key, value, suppressed, reason}]}]}: small counts suppressed (usecases/privacy.py)
- rollups(viewer, questions[{kind: rollup|protected_rollup, request}]) → [{result} | {error}]: several of the
  two in one call, a refused question failing alone (the gateway's loader asks one request's together)
- trend(viewer, request{region, year}) → {region_code, name, level, year, threshold, months: [{month, period,
  as_of, stations_operating, township_coverage, households_current_archive, archive_freshness, cases_opened,
  cases_closed, closure_rate, visits, crisis_breaches, volunteer_hours, money_disbursed_fen, suppressed}]}:
  the roll-up per month, protected as protected_rollup (usecases/trends.py)
- list_alerts(viewer, filters{region?, station_id?, rule?, severity?, status? (open|acknowledged|resolved|active),
  escalated?, after?, limit?}) → {items: [Alert], next_cursor, total}; get_alerts(viewer, ids) → [Alert | None]
- acknowledge_alert / resolve_alert(viewer, alert_id, data{expected_version, note}) → Alert
- evaluate_alerts(viewer) → {conditions, raised, cleared} (administrators; the timer runs it every minute)
- set_alert_policy(viewer, data{region_code, effective_from, crisis_first_contact_hours, need_unmet_days,
  archive_review_months, critical_escalation_hours?, source}); alert_policies(viewer) → [policy]
- escalate_alerts(viewer) → {escalated} (administrators; the alert timer runs it): usecases/escalation.py
- register_supervisor(viewer, data{name, kind, organisation{name, credit_code?}, region_code}) → Supervisor;
  list_supervisors(viewer, filters{region?, after?, limit?}); get_supervisors(viewer, ids)
- assign_supervisor(viewer, supervisor_id, data{station_id, from, to?}); end_supervisor_assignment(viewer,
  supervisor_id, data{expected_version, assignment_id, to}) → Supervisor (the station's county decides)
- record_session(viewer, data{supervisor_id, station_id, date, form, duration_minutes, topics[], problems[],
  follow_ups[{description, owner, due_on}]}) → Session (the assigned supervisor, or the county)
- list_sessions(viewer, filters{region?, station_id?, supervisor_id?, open_follow_ups?, after?, limit?})
- complete_follow_up(viewer, session_id, follow_up_id, data{expected_version, done_on, evidence}) → Session
- inbox_items(viewer, request{items?: [{key, station_id}]}) → {items: [InboxItem], truncated, actions: {key:
  [action]}}: the viewer's follow-ups and open alerts, and the actions on every listed item they see;
  remind_inbox_item / affirm_inbox_item / comment_inbox_item(viewer, data{item{source, kind, item_id, station_id,
  owner_id?}, note?}) → {key, station_id, actions}: supervisors' work on an item (usecases/inbox.py)
- record_plan(viewer, data{region_code (county), year, effective_from, expected_version? (revisions), note?,
  targets[{station_id?, indicator, domain?, value}]}) → Plan; supervision_plan(viewer, region, year) → Plan;
  plan_versus_actual(viewer, request{region, year, month?}) → {versions, rows[{station_id, indicator, domain,
  months[{month, target, version, actual, cumulative, share_of_target}]}]}: usecases/plans.py
- check_read_model(viewer, name) → {name, records: {read_model, source}, positions, differences: [{id, field,
  read_model, source}]}: the read model against the source services over RPC (administrators only)
- generate_report(viewer, request{region, kind: monthly|yearly, period: YYYY-MM|YYYY}) → Report (kept: the
  same one for every later request); list_reports(viewer, filters{region?, kind?, after?, limit?});
  report_file(viewer, report_id, format: pdf|xlsx) → {filename, media_type, content (base64)}, logged;
  generate_due_reports(viewer) (administrators; the timer runs it hourly); evaluation_pack(viewer,
  station_id) → a station's evaluation pack, as report_file (its evaluators while the evaluation runs,
  officials who see the station): usecases/reports.py
- scorecard(viewer, request{station_id | contract_id, scheme?, as_of?}) → Scorecard{subject, as_of, period, scheme,
  indicators[{code, title, formula, weight, floor, target, value, numerator, denominator, expected, score, points,
  evidence_count, evidence[], evaluator_scores[{evaluation_id, score, note, computed_score, difference, by, at}]}],
  total, computable_weight}; scorecard_evidence(viewer, request + {indicator, after?, limit?}) → {items, next_cursor,
  total}; scorecard_schemes(viewer); record_scorecard_score(viewer, data{evaluation_id, station_id | contract_id,
  indicator, score, note, scheme?, as_of?}) → Scorecard (evaluators of a running evaluation): usecases/scorecards.py
- contract_outcome(viewer, contract_id), disbursement_outcome(viewer, disbursement_id) → {kind, id, contract_id,
  region_code, station_ids, amount_fen, paid_on, status, period{from, to}, service{households_served, visits,
  cases_opened, cases_closed, cases_closed_positively, volunteer_hours}, by_source[{source_id, source_kind,
  committed_fen, paid_fen, held_fen, cost{household, visit, positive_closure: {fen, reason}}}], total, ...};
  outcome_records(viewer, request{contract_id | disbursement_id, kind, after?, limit?}): usecases/outcomes.py
- projection_rebuild(viewer, name), projection_positions(viewer, name): services/common/projections.py

Events: every contract of the registry, casework and volunteers, folded into the read models of
projections.py; consent.withdrawn also purges the alerts about the household (usecases/consent.py);
publishes alert.raised, alert.acknowledged, alert.resolved, alert.escalated, supervision_plan.recorded,
scorecard.score_recorded, inbox_item.reminded, inbox_item.affirmed, inbox_item.commented
(services/contracts/supervision.py).
"""
from __future__ import annotations

import functools

from nameko.timer import timer

from services.common import storage
from services.common.accesslog import AccessLogEndpoints
from services.common.auth import SYSTEM
from services.common.entrypoints import event_handler, use_case_rpc
from services.common.errors import UpstreamUnavailable
from services.common.eventlog import EventLogEndpoints
from services.common.events import EventContract
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.projections import LiveFollower, ProjectionEndpoints
from services.common.retention import IdempotencyRetention
from services.common.rpc import TimedServiceRpc
from services.contracts import casework as casework_events
from services.contracts import funding as funding_events
from services.contracts import registry as registry_events
from services.contracts import volunteers as volunteers_events

from . import projections
from .inbox_storage import INBOX_NOTES
from .plan_storage import PLANS
from .regiontree import RegionTree
from .scorecard_storage import REVIEWS
from .storage import ALERTS, INDEXES, SESSIONS, SUPERVISORS, SupervisionRepository
from .usecases import (
    Supervision,
    access,
    alerts,
    checks,
    consent,
    escalation,
    inbox,
    outcomes,
    plans,
    privacy,
    reports,
    rollups,
    scorecards,
    sessions,
    supervisors,
    trends,
    warming,
)

SERVICE = "supervision"
ALERT_SWEEP_SECONDS = 60
WARM_SECONDS = 10  # how soon a new day's (or a start's) tallies are counted, and writes since recounted
REPORT_SWEEP_SECONDS = 3600


def contracts_of(module) -> list[EventContract]:
    """Every contract a producer's events module declares."""
    return [value for value in vars(module).values()
            if isinstance(value, EventContract) and value.producer == module.PRODUCER]


# Every contract of a followed producer is taken, even those no fold uses, so that any event of the
# producer reaches its read models at once (kernel projections.LiveFollower: folded one by one while they
# trickle in, coalesced into catch-ups of one write per page when they burst).
FOLLOWER = LiveFollower()
FOLLOWED = [*contracts_of(registry_events), *contracts_of(casework_events), *contracts_of(volunteers_events),
            *contracts_of(funding_events)]


def _follow(contract: EventContract):
    """An event handler feeding `contract`'s live events to every read model of its producer."""

    def handle(self, event):
        for name in self.read_models_of(event.producer):
            bound = getattr(self, name)
            FOLLOWER.wake(bound._projection, event.producer, functools.partial(bound.live, event))

    handle.__name__ = handler_name(contract)
    return event_handler(contract, folded_by_position=True)(handle)


def handler_name(contract: EventContract) -> str:
    return f"on_{contract.name.replace('.', '_')}"


class SupervisionService(OperationalEndpoints, EventLogEndpoints, ProjectionEndpoints, IdempotencyRetention,
                         AccessLogEndpoints):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, INDEXES)
    relay = OutboxRelay(SERVICE, [ALERTS, SUPERVISORS, SESSIONS, PLANS, REVIEWS, INBOX_NOTES])
    registry = TimedServiceRpc("registry")
    casework = TimedServiceRpc("casework")
    funding = TimedServiceRpc("funding")
    volunteers = TimedServiceRpc("volunteers")

    stations = projections.projection(projections.STATIONS)
    staff = projections.projection(projections.STAFF)
    households = projections.projection(projections.HOUSEHOLDS)
    cases = projections.projection(projections.CASES)
    visits = projections.projection(projections.VISITS)
    needs = projections.projection(projections.NEEDS)
    volunteer_hours = projections.projection(projections.HOURS)
    evaluations = projections.projection(projections.EVALUATIONS)
    contract_money = projections.projection(projections.MONEY)

    @staticmethod
    def read_models_of(producer: str) -> list[str]:
        return [name for name in projections.NAMES if producer in projections.producers_of(name)]

    @property
    def use_cases(self) -> Supervision:
        return Supervision(SupervisionRepository(self.db), RegionTree(self.registry), self.registry, self.casework,
                           self.funding, self.volunteers)

    def viewer_in_force(self, viewer):
        """A supervisor's stations are their current assignments (usecases/access.py: current_viewer)."""
        return access.current_viewer(self.use_cases, viewer)

    supervisor_scope = use_case_rpc(access.supervisor_scope)
    rollup = use_case_rpc(rollups.rollup)
    protected_rollup = use_case_rpc(privacy.protected_rollup)
    rollups = use_case_rpc(rollups.rollups)  # several of the two above in one call (the gateway's loader)
    trend = use_case_rpc(trends.trend)

    list_alerts = use_case_rpc(alerts.list_alerts)
    get_alerts = use_case_rpc(alerts.get_alerts)
    acknowledge_alert = use_case_rpc(alerts.acknowledge_alert)
    resolve_alert = use_case_rpc(alerts.resolve_alert)
    evaluate_alerts = use_case_rpc(alerts.evaluate_alerts)
    set_alert_policy = use_case_rpc(alerts.set_alert_policy)
    escalate_alerts = use_case_rpc(escalation.escalate_alerts)
    alert_policies = use_case_rpc(alerts.alert_policies)

    register_supervisor = use_case_rpc(supervisors.register_supervisor)
    list_supervisors = use_case_rpc(supervisors.list_supervisors)
    get_supervisors = use_case_rpc(supervisors.get_supervisors)
    assign_supervisor = use_case_rpc(supervisors.assign_supervisor)
    end_supervisor_assignment = use_case_rpc(supervisors.end_supervisor_assignment)
    record_session = use_case_rpc(sessions.record_session)
    list_sessions = use_case_rpc(sessions.list_sessions)
    complete_follow_up = use_case_rpc(sessions.complete_follow_up)

    inbox_items = use_case_rpc(inbox.inbox_items)
    remind_inbox_item = use_case_rpc(inbox.remind_inbox_item)
    affirm_inbox_item = use_case_rpc(inbox.affirm_inbox_item)
    comment_inbox_item = use_case_rpc(inbox.comment_inbox_item)

    record_plan = use_case_rpc(plans.record_plan)
    supervision_plan = use_case_rpc(plans.supervision_plan)
    plan_versus_actual = use_case_rpc(plans.plan_versus_actual)

    check_read_model = use_case_rpc(checks.check_read_model)

    generate_report = use_case_rpc(reports.generate_report)
    list_reports = use_case_rpc(reports.list_reports)
    report_file = use_case_rpc(reports.report_file)
    generate_due_reports = use_case_rpc(reports.generate_due_reports)
    evaluation_pack = use_case_rpc(reports.evaluation_pack)

    scorecard = use_case_rpc(scorecards.scorecard)
    scorecard_evidence = use_case_rpc(scorecards.scorecard_evidence)
    scorecard_schemes = use_case_rpc(scorecards.scorecard_schemes)
    record_scorecard_score = use_case_rpc(scorecards.record_scorecard_score)

    contract_outcome = use_case_rpc(outcomes.contract_outcome)
    disbursement_outcome = use_case_rpc(outcomes.disbursement_outcome)
    outcome_records = use_case_rpc(outcomes.outcome_records)

    @event_handler(casework_events.CONSENT_WITHDRAWN)
    def purge_withdrawn_consent(self, event):
        consent.purge_withdrawn_household(self.use_cases, event.payload["household_id"], event.id)

    @timer(interval=ALERT_SWEEP_SECONDS)
    def sweep_alerts(self):
        alerts.evaluate_alerts(self.use_cases, SYSTEM)
        escalation.escalate_alerts(self.use_cases, SYSTEM)

    # Not eager: an RPC made while the container starts (the region tree, from the registry) finds no reply
    # queue yet, and nameko's reply listener then stops the container.
    @timer(interval=WARM_SECONDS)
    def warm_tallies(self):
        """This year's tallies counted before a dashboard asks (usecases/warming.py); without the registry
        (the region tree) the next tick tries again."""
        try:
            warming.warm_current_tallies(self.use_cases)
        except UpstreamUnavailable:
            return

    @timer(interval=REPORT_SWEEP_SECONDS)
    def generate_monthly_reports(self):
        reports.generate_due_reports(self.use_cases, SYSTEM)


# Live events, one handler per contract (nameko's queues are per contract and handler method).
for _contract in FOLLOWED:
    setattr(SupervisionService, handler_name(_contract), _follow(_contract))
del _contract
