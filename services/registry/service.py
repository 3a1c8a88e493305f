"""The registry's nameko entrypoints: thin wiring from RPC to the use cases."""
from __future__ import annotations

from nameko.timer import timer

from services.common import storage
from services.common.accesslog import AccessLogEndpoints
from services.common.auth import ADMIN, SYSTEM, Viewer
from services.common.consumers import Inbox
from services.common.entrypoints import event_handler, use_case_rpc
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
from services.contracts.funding import CONTRACT_AWARDED

from .storage import INDEXES, STATIONS, RegistryRepository
from .usecases import Registry, audit, compliance, inbox, policies, staff, stations
from .usecases import regions as division_tree  # an RPC method is named `regions`

SERVICE = "registry"


class RegistryService(OperationalEndpoints, EventLogEndpoints, AccessLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, [STATIONS])

    @property
    def use_cases(self) -> Registry:
        return Registry(RegistryRepository(self.db))

    regions = use_case_rpc(division_tree.regions)
    regions_under = use_case_rpc(division_tree.regions_under)
    get_regions = use_case_rpc(division_tree.get_regions)
    list_stations = use_case_rpc(stations.list_stations)
    get_stations = use_case_rpc(stations.get_stations)
    staff_for_stations = use_case_rpc(staff.staff_for_stations)
    compliance_for_stations = use_case_rpc(compliance.compliance_for_stations)
    region_rollup = use_case_rpc(compliance.region_rollup)
    access_log = use_case_rpc(audit.access_log)
    record_export = use_case_rpc(audit.record_export)
    register_station = use_case_rpc(stations.register_station)
    update_station = use_case_rpc(stations.update_station)
    add_staff = use_case_rpc(staff.add_staff)
    update_staff = use_case_rpc(staff.update_staff)
    record_staff_left = use_case_rpc(staff.record_staff_left)
    record_qualification = use_case_rpc(staff.record_qualification)
    record_training = use_case_rpc(staff.record_training)
    inbox_items = use_case_rpc(inbox.inbox_items)
    reveal_staff_identity = use_case_rpc(staff.reveal_staff_identity, sensitive_arguments=("reason",))
    import_regions = use_case_rpc(division_tree.import_regions)
    import_average_wages = use_case_rpc(division_tree.import_average_wages)
    set_policy = use_case_rpc(policies.set_policy)

    @event_handler(CONTRACT_AWARDED)
    def on_contract_awarded(self, event):
        stations.record_contract_award(self.use_cases, _awarding_official(event), event.payload)

    @timer(interval=6 * 3600)
    def refresh_compliance(self):
        compliance.refresh_compliance(self.use_cases, SYSTEM)


def _awarding_official(event) -> Viewer:
    """The award is the funding official's decision; the registry applies it on their behalf."""
    return Viewer.from_dict({"user_id": (event.actor or {}).get("user_id", "funding"), "role": ADMIN})
