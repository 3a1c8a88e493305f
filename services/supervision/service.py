"""The supervision service's nameko entrypoints: thin wiring from events and RPC to the use cases.

RPC (every method takes `viewer`, a Viewer as a dict, first):
- rollup(viewer, request{region, period?: {year?, quarter?, month?, from?, to?}, children?}) →
  {region: Figures, children: [Figures]}; Figures as domain/figures.py documents them.
- list_alerts(viewer, filters{region?, station_id?, rule?, severity?, status? (open|acknowledged|resolved|active),
  after?, limit?}) → {items: [Alert], next_cursor, total}; get_alerts(viewer, ids) → [Alert | None]
- acknowledge_alert / resolve_alert(viewer, alert_id, data{expected_version, note}) → Alert
- evaluate_alerts(viewer) → {conditions, raised, cleared} (administrators; the timer runs it every minute)
- set_alert_policy(viewer, data{region_code, effective_from, crisis_first_contact_hours, need_unmet_days,
  archive_review_months, source}); alert_policies(viewer) → [policy]
- register_supervisor(viewer, data{name, kind, organisation{name, credit_code?}, region_code}) → Supervisor;
  list_supervisors(viewer, filters{region?, after?, limit?}); get_supervisors(viewer, ids)
- assign_supervisor(viewer, supervisor_id, data{station_id, from, to?}); end_supervisor_assignment(viewer,
  supervisor_id, data{expected_version, assignment_id, to}) → Supervisor (the station's county decides)
- record_session(viewer, data{supervisor_id, station_id, date, form, duration_minutes, topics[], problems[],
  follow_ups[{description, owner, due_on}]}) → Session (the assigned supervisor, or the county)
- list_sessions(viewer, filters{region?, station_id?, supervisor_id?, open_follow_ups?, after?, limit?})
- complete_follow_up(viewer, session_id, follow_up_id, data{expected_version, done_on, evidence}) → Session
- check_read_model(viewer, name) → {name, records: {read_model, source}, positions, differences: [{id, field,
  read_model, source}]}: the read model against the source services over RPC (administrators only)
- projection_rebuild(viewer, name), projection_positions(viewer, name): services/common/projections.py

Events: every contract of the registry, casework and volunteers, folded into the read models of
projections.py; publishes alert.raised, alert.acknowledged, alert.resolved (events.py).
"""
from __future__ import annotations

import functools

from nameko.timer import timer

from services.common import storage
from services.common.auth import SYSTEM, Viewer
from services.common.consumers import event_handler
from services.common.eventlog import EventLogEndpoints
from services.common.events import EventContract
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.projections import LiveFollower, ProjectionEndpoints
from services.common.retention import IdempotencyRetention
from services.common.rpc import TimedServiceRpc, rpc
from services.contracts import casework as casework_events
from services.contracts import registry as registry_events
from services.contracts import volunteers as volunteers_events

from . import projections
from .regiontree import RegionTree
from .storage import ALERTS, INDEXES, SESSIONS, SUPERVISORS, SupervisionRepository
from .usecases.alerts import Alerts
from .usecases.checks import ReadModelChecks
from .usecases.rollups import Rollups
from .usecases.sessions import Sessions
from .usecases.supervisors import Supervisors

SERVICE = "supervision"
ALERT_SWEEP_SECONDS = 60


def contracts_of(module) -> list[EventContract]:
    """Every contract a producer's events module declares."""
    return [value for value in vars(module).values()
            if isinstance(value, EventContract) and value.producer == module.PRODUCER]


# Every contract of a followed producer is taken, even those no fold uses, so that any event of the
# producer reaches its read models at once (kernel projections.LiveFollower: folded one by one while they
# trickle in, coalesced into catch-ups of one write per page when they burst).
FOLLOWER = LiveFollower()
FOLLOWED = [*contracts_of(registry_events), *contracts_of(casework_events), *contracts_of(volunteers_events)]


def _follow(contract: EventContract):
    """An event handler feeding `contract`'s live events to every read model of its producer."""

    def handle(self, event):
        for name in self.read_models_of(event.producer):
            bound = getattr(self, name)
            FOLLOWER.wake(bound._projection, event.producer, functools.partial(bound.live, event))

    handle.__name__ = handler_name(contract)
    return event_handler(contract)(handle)


def handler_name(contract: EventContract) -> str:
    return f"on_{contract.name.replace('.', '_')}"


class SupervisionService(OperationalEndpoints, EventLogEndpoints, ProjectionEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, INDEXES)
    relay = OutboxRelay(SERVICE, [ALERTS, SUPERVISORS, SESSIONS])
    registry = TimedServiceRpc("registry")
    casework = TimedServiceRpc("casework")

    stations = projections.projection(projections.STATIONS)
    staff = projections.projection(projections.STAFF)
    households = projections.projection(projections.HOUSEHOLDS)
    cases = projections.projection(projections.CASES)
    visits = projections.projection(projections.VISITS)
    needs = projections.projection(projections.NEEDS)

    @staticmethod
    def read_models_of(producer: str) -> list[str]:
        return [name for name in projections.NAMES if producer in projections.producers_of(name)]

    @property
    def repository(self) -> SupervisionRepository:
        return SupervisionRepository(self.db)

    # roll-ups
    @rpc
    def rollup(self, viewer, request):
        return Rollups(self.repository, RegionTree(self.registry)).rollup(Viewer.from_dict(viewer), request)

    # alerts
    @rpc
    def list_alerts(self, viewer, filters=None):
        return Alerts(self.repository).list(Viewer.from_dict(viewer), filters)

    @rpc
    def get_alerts(self, viewer, ids):
        return Alerts(self.repository).get(Viewer.from_dict(viewer), ids)

    @rpc
    def acknowledge_alert(self, viewer, alert_id, data):
        return Alerts(self.repository).acknowledge(Viewer.from_dict(viewer), alert_id, data)

    @rpc
    def resolve_alert(self, viewer, alert_id, data):
        return Alerts(self.repository).resolve(Viewer.from_dict(viewer), alert_id, data)

    @rpc
    def evaluate_alerts(self, viewer):
        return Alerts(self.repository).evaluate(Viewer.from_dict(viewer))

    @rpc
    def set_alert_policy(self, viewer, data):
        return Alerts(self.repository).set_policy(Viewer.from_dict(viewer), data)

    @rpc
    def alert_policies(self, viewer):
        return Alerts(self.repository).policies(Viewer.from_dict(viewer))

    @timer(interval=ALERT_SWEEP_SECONDS)
    def sweep_alerts(self):
        Alerts(self.repository).evaluate(SYSTEM)

    # supervisors' work
    @rpc
    def register_supervisor(self, viewer, data):
        return Supervisors(self.repository).register(Viewer.from_dict(viewer), data)

    @rpc
    def list_supervisors(self, viewer, filters=None):
        return Supervisors(self.repository).list(Viewer.from_dict(viewer), filters)

    @rpc
    def get_supervisors(self, viewer, ids):
        return Supervisors(self.repository).get(Viewer.from_dict(viewer), ids)

    @rpc
    def assign_supervisor(self, viewer, supervisor_id, data):
        return Supervisors(self.repository).assign(Viewer.from_dict(viewer), supervisor_id, data)

    @rpc
    def end_supervisor_assignment(self, viewer, supervisor_id, data):
        return Supervisors(self.repository).end_assignment(Viewer.from_dict(viewer), supervisor_id, data)

    @rpc
    def record_session(self, viewer, data):
        return Sessions(self.repository).record(Viewer.from_dict(viewer), data)

    @rpc
    def list_sessions(self, viewer, filters=None):
        return Sessions(self.repository).list(Viewer.from_dict(viewer), filters)

    @rpc
    def complete_follow_up(self, viewer, session_id, follow_up_id, data):
        return Sessions(self.repository).complete_follow_up(Viewer.from_dict(viewer), session_id, follow_up_id, data)

    # operations
    @rpc
    def check_read_model(self, viewer, name):
        return ReadModelChecks(self.repository, self.registry, self.casework).check(Viewer.from_dict(viewer), name)


# Live events, one handler per contract (nameko's queues are per contract and handler method).
for _contract in FOLLOWED:
    setattr(SupervisionService, handler_name(_contract), _follow(_contract))
del _contract
