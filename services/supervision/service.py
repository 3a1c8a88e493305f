"""The supervision service's nameko entrypoints: thin wiring from events and RPC to the use cases.

RPC (every method takes `viewer`, a Viewer as a dict, first):
- rollup(viewer, request{region, period?: {year?, quarter?, month?, from?, to?}, children?}) →
  {region: Figures, children: [Figures]}; Figures as domain/figures.py documents them.
- check_read_model(viewer, name) → {name, records: {read_model, source}, positions, differences: [{id, field,
  read_model, source}]}: the read model against the source services over RPC (administrators only)
- projection_rebuild(viewer, name), projection_positions(viewer, name): services/common/projections.py

Events: every contract of the registry and casework, folded into the read models of projections.py.
"""
from __future__ import annotations

from services.casework import events as casework_events
from services.common import storage
from services.common.auth import Viewer
from services.common.consumers import event_handler
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.projections import ProjectionEndpoints
from services.common.retention import IdempotencyRetention
from services.common.rpc import TimedServiceRpc, rpc
from services.registry import events as registry_events

from . import projections
from .regiontree import RegionTree
from .storage import INDEXES, SupervisionRepository
from .usecases.checks import ReadModelChecks
from .usecases.rollups import Rollups

SERVICE = "supervision"


def _follow(contract):
    """An event handler feeding `contract`'s live events to every read model of its producer."""

    def handle(self, event):
        for name in self.read_models_of(event.producer):
            getattr(self, name).live(event)

    handle.__name__ = f"on_{contract.name.replace('.', '_')}"
    return event_handler(contract)(handle)


class SupervisionService(OperationalEndpoints, EventLogEndpoints, ProjectionEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, INDEXES)
    registry = TimedServiceRpc("registry")
    casework = TimedServiceRpc("casework")

    stations = projections.projection(projections.STATIONS)
    staff = projections.projection(projections.STAFF)
    households = projections.projection(projections.HOUSEHOLDS)
    cases = projections.projection(projections.CASES)
    visits = projections.projection(projections.VISITS)

    @staticmethod
    def read_models_of(producer: str) -> list[str]:
        return [name for name in projections.NAMES if producer in projections.producers_of(name)]

    @property
    def rollups(self) -> Rollups:
        return Rollups(SupervisionRepository(self.db), RegionTree(self.registry))

    @rpc
    def rollup(self, viewer, request):
        return self.rollups.rollup(Viewer.from_dict(viewer), request)

    @rpc
    def check_read_model(self, viewer, name):
        return ReadModelChecks(SupervisionRepository(self.db), self.registry, self.casework).check(
            Viewer.from_dict(viewer), name)

    # Live events, one handler per contract (queues are per contract and handler). Every contract of a
    # followed producer is taken, even those no fold uses: a projection moves one sequence at a time, so
    # a gap would send it back to the producer's log for each later event.
    on_station_registered = _follow(registry_events.STATION_REGISTERED)
    on_station_updated = _follow(registry_events.STATION_UPDATED)
    on_station_compliance_changed = _follow(registry_events.COMPLIANCE_CHANGED)
    on_staff_joined = _follow(registry_events.STAFF_JOINED)
    on_staff_left = _follow(registry_events.STAFF_LEFT)
    on_staff_qualification_recorded = _follow(registry_events.QUALIFICATION_RECORDED)
    on_staff_training_recorded = _follow(registry_events.TRAINING_RECORDED)
    on_household_registered = _follow(casework_events.HOUSEHOLD_REGISTERED)
    on_needs_assessed = _follow(casework_events.NEEDS_ASSESSED)
    on_person_merged = _follow(casework_events.PERSON_MERGED)
    on_consent_withdrawn = _follow(casework_events.CONSENT_WITHDRAWN)
    on_case_opened = _follow(casework_events.CASE_OPENED)
    on_case_stage_changed = _follow(casework_events.CASE_STAGE_CHANGED)
    on_case_closed = _follow(casework_events.CASE_CLOSED)
    on_visit_logged = _follow(casework_events.VISIT_LOGGED)
    on_referral_made = _follow(casework_events.REFERRAL_MADE)
    on_referral_answered = _follow(casework_events.REFERRAL_ANSWERED)
    on_crisis_flagged = _follow(casework_events.CRISIS_FLAGGED)
    on_crisis_contact_overdue = _follow(casework_events.CRISIS_CONTACT_OVERDUE)
