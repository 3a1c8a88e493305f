"""The registry's nameko entrypoints: thin wiring from RPC to the use cases."""
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
from services.contracts.funding import CONTRACT_AWARDED

from .storage import INDEXES, STATIONS, RegistryRepository
from .usecases import Registry

SERVICE = "registry"


class RegistryService(OperationalEndpoints, EventLogEndpoints, AccessLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, [STATIONS])

    @property
    def registry(self) -> Registry:
        return Registry(RegistryRepository(self.db))

    # reads
    @rpc
    def regions(self, viewer, parent_code=None):
        return self.registry.regions(Viewer.from_dict(viewer), parent_code)

    @rpc
    def regions_under(self, viewer, code):
        return self.registry.regions_under(Viewer.from_dict(viewer), code)

    @rpc
    def get_regions(self, viewer, codes):
        return self.registry.get_regions(Viewer.from_dict(viewer), codes)

    @rpc
    def list_stations(self, viewer, filters=None):
        return self.registry.list_stations(Viewer.from_dict(viewer), filters)

    @rpc
    def get_stations(self, viewer, ids):
        return self.registry.get_stations(Viewer.from_dict(viewer), ids)

    @rpc
    def staff_for_stations(self, viewer, station_ids):
        return self.registry.staff_for_stations(Viewer.from_dict(viewer), station_ids)

    @rpc
    def compliance_for_stations(self, viewer, station_ids, as_of=None):
        return self.registry.compliance_for_stations(Viewer.from_dict(viewer), station_ids, as_of)

    @rpc
    def region_rollup(self, viewer, region_code, as_of=None):
        return self.registry.region_rollup(Viewer.from_dict(viewer), region_code, as_of)

    @rpc
    def access_log(self, viewer, filters=None):
        return self.registry.access_log(Viewer.from_dict(viewer), filters)

    @rpc
    def record_export(self, viewer, export):
        return self.registry.record_export(Viewer.from_dict(viewer), export)

    # writes
    @rpc
    def register_station(self, viewer, data):
        return self.registry.register_station(Viewer.from_dict(viewer), data)

    @rpc
    def update_station(self, viewer, station_id, data):
        return self.registry.update_station(Viewer.from_dict(viewer), station_id, data)

    @rpc
    def add_staff(self, viewer, station_id, data):
        return self.registry.add_staff(Viewer.from_dict(viewer), station_id, data)

    @rpc
    def update_staff(self, viewer, station_id, staff_id, data):
        return self.registry.update_staff(Viewer.from_dict(viewer), station_id, staff_id, data)

    @rpc
    def record_staff_left(self, viewer, station_id, staff_id, data):
        return self.registry.record_staff_left(Viewer.from_dict(viewer), station_id, staff_id, data)

    @rpc
    def record_qualification(self, viewer, station_id, staff_id, data):
        return self.registry.record_qualification(Viewer.from_dict(viewer), station_id, staff_id, data)

    @rpc
    def record_training(self, viewer, station_id, staff_id, data):
        return self.registry.record_training(Viewer.from_dict(viewer), station_id, staff_id, data)

    @rpc(sensitive_arguments=("reason",))
    def reveal_staff_identity(self, viewer, station_id, staff_id, reason):
        return self.registry.reveal_staff_identity(Viewer.from_dict(viewer), station_id, staff_id, reason)

    @rpc
    def import_regions(self, viewer, csv_text):
        return self.registry.import_regions(Viewer.from_dict(viewer), csv_text)

    @rpc
    def import_average_wages(self, viewer, rows):
        return self.registry.import_average_wages(Viewer.from_dict(viewer), rows)

    @rpc
    def set_policy(self, viewer, data):
        return self.registry.set_policy(Viewer.from_dict(viewer), data)

    @event_handler(CONTRACT_AWARDED)
    def on_contract_awarded(self, event):
        Inbox(self.db, "registry.on_contract_awarded").process_once(
            event.id, lambda: self.registry.record_contract_award(event.payload, Viewer.from_dict(
                {"user_id": (event.actor or {}).get("user_id", "funding"), "role": "admin"})))

    @timer(interval=6 * 3600)
    def refresh_compliance(self):
        self.registry.refresh_compliance(SYSTEM)
