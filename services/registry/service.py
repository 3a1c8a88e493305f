"""The registry's nameko entrypoints: thin wiring from RPC to the use cases."""
from __future__ import annotations

from nameko.timer import timer

from services.common import storage
from services.common.accesslog import AccessLogEndpoints
from services.common.auth import SYSTEM, Viewer
from services.common.consumers import Inbox
from services.common.entrypoints import event_handler, use_case_rpc
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
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
    def use_cases(self) -> Registry:
        return Registry(RegistryRepository(self.db))

    regions = use_case_rpc(Registry.regions)
    regions_under = use_case_rpc(Registry.regions_under)
    get_regions = use_case_rpc(Registry.get_regions)
    list_stations = use_case_rpc(Registry.list_stations)
    get_stations = use_case_rpc(Registry.get_stations)
    staff_for_stations = use_case_rpc(Registry.staff_for_stations)
    compliance_for_stations = use_case_rpc(Registry.compliance_for_stations)
    region_rollup = use_case_rpc(Registry.region_rollup)
    access_log = use_case_rpc(Registry.access_log)
    record_export = use_case_rpc(Registry.record_export)
    register_station = use_case_rpc(Registry.register_station)
    update_station = use_case_rpc(Registry.update_station)
    add_staff = use_case_rpc(Registry.add_staff)
    update_staff = use_case_rpc(Registry.update_staff)
    record_staff_left = use_case_rpc(Registry.record_staff_left)
    record_qualification = use_case_rpc(Registry.record_qualification)
    record_training = use_case_rpc(Registry.record_training)
    reveal_staff_identity = use_case_rpc(Registry.reveal_staff_identity, sensitive_arguments=("reason",))
    import_regions = use_case_rpc(Registry.import_regions)
    import_average_wages = use_case_rpc(Registry.import_average_wages)
    set_policy = use_case_rpc(Registry.set_policy)

    @event_handler(CONTRACT_AWARDED)
    def on_contract_awarded(self, event):
        self.use_cases.record_contract_award(event.payload, Viewer.from_dict(
            {"user_id": (event.actor or {}).get("user_id", "funding"), "role": "admin"}))

    @timer(interval=6 * 3600)
    def refresh_compliance(self):
        self.use_cases.refresh_compliance(SYSTEM)
