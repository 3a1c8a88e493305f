"""The registry service over real RPC, with its events consumed by another service."""
from __future__ import annotations

import eventlet
import pytest
from nameko.rpc import rpc

from services.common import storage
from services.common.auth import SYSTEM, Viewer
from services.common.consumers import Inbox, event_handler
from services.common.errors import ConcurrentModification, Conflict, NotFound, PermissionDenied, ValidationFailed
from services.contracts import registry as events
from services.registry.service import RegistryService
from shegong.services import migrate
from tests.support.containers import rpc_client, running
from tests.support.registry_fixtures import OTHER_TOWNSHIP, TOWNSHIP, staff_input, station_input
from tests.support.waiting import wait_for

ADMIN = SYSTEM.to_dict()
COUNTY = Viewer("county-official", "county", "321181").to_dict()
OTHER_COUNTY = Viewer("other-official", "county", "321102").to_dict()
EVALUATOR = Viewer("evaluator", "evaluator", "321100").to_dict()


class Listener:
    """Another service that records the registry's events, as casework will."""
    name = "listener"
    db = storage.ServiceDatabase("listener", Inbox.indexes)

    def _record(self, event):
        Inbox(self.db, "listener").process_once(
            event.id, lambda: self.db.received.insert_one({"_id": event.id, "type": event.type, **event.payload}))

    @event_handler(events.STATION_REGISTERED)
    def on_station_registered(self, event):
        self._record(event)

    @event_handler(events.STAFF_JOINED)
    def on_staff_joined(self, event):
        self._record(event)

    @event_handler(events.TRAINING_RECORDED)
    def on_training(self, event):
        self._record(event)

    @event_handler(events.COMPLIANCE_CHANGED)
    def on_compliance(self, event):
        self._record(event)

    @rpc
    def ping(self):
        return "pong"


def received(event_type):
    return list(storage.database("listener").received.find({"type": event_type}))


@pytest.fixture
def platform(isolated_settings):
    migrate()
    with running(RegistryService, Listener, settings=isolated_settings), rpc_client(isolated_settings) as client:
        yield client


def test_station_lifecycle_publishes_events_and_computes_compliance(platform):
    registry = platform.registry
    station = registry.register_station(COUNTY, station_input())
    assert station["id"] == f"ST{TOWNSHIP}"
    assert station["compliance_status"] == "not_met"  # no professional staff yet
    for sequence in range(1, 4):
        station = registry.add_staff(COUNTY, station["id"], staff_input(sequence))
    staff = registry.staff_for_stations(COUNTY, [station["id"]])[station["id"]]
    assert len(staff) == 3 and all("*" in s["id_number"] for s in staff)
    station = registry.record_training(COUNTY, station["id"], staff[0]["id"], {
        "expected_version": station["version"], "date": "2026-01-10", "hours": 6, "topic": "个案工作",
        "provider": "市民政局"})
    evaluation = registry.compliance_for_stations(COUNTY, [station["id"]])[station["id"]]
    assert evaluation["rules"]["professional_staff"]["status"] == "met"
    assert evaluation["rules"]["professional_staff"]["evidence"]["professional_staff"] == 3
    assert evaluation["rules"]["venue_area"]["evidence"]["office_area_m2"] == 45.0

    registered = wait_for(lambda: received("station.registered"))
    assert registered[0]["county_code"] == "321181" and registered[0]["city_code"] == "321100"
    wait_for(lambda: len(received("staff.joined")) == 3)
    training = wait_for(lambda: received("staff.training_recorded"))
    assert training[0]["year_total_hours"] == 6
    changes = wait_for(lambda: received("station.compliance_changed"))
    assert changes[0]["previous_status"] is None


def test_bad_input_is_refused_with_field_and_reason_and_nothing_written(platform):
    registry = platform.registry
    with pytest.raises(ValidationFailed) as caught:
        registry.register_station(ADMIN, station_input(name="丹阳市某某社工站"))
    assert "name" in caught.value.details and "丹阳市云阳街道社工站" in caught.value.details["name"][0]
    with pytest.raises(ValidationFailed) as caught:
        registry.register_station(ADMIN, station_input(township_code="321181999"))
    assert "township_code" in caught.value.details
    assert registry.list_stations(ADMIN, {})["total"] == 0
    station = registry.register_station(ADMIN, station_input())
    with pytest.raises(Conflict, match="already has a station"):
        registry.register_station(ADMIN, station_input())
    with pytest.raises(ValidationFailed) as caught:
        registry.add_staff(ADMIN, station["id"], staff_input(1, id_number="321181199001010000"))
    assert "id_number" in caught.value.details
    with pytest.raises(NotFound):
        registry.add_staff(ADMIN, "ST000000000", staff_input(1))
    with pytest.raises(ConcurrentModification):
        registry.update_station(ADMIN, station["id"], {"expected_version": 99, "venue": {"office_area_m2": 50}})
    assert registry.get_stations(ADMIN, [station["id"]])[0]["version"] == 1


def test_scopes_hide_and_protect_other_regions(platform):
    registry = platform.registry
    registry.register_station(ADMIN, station_input())
    registry.register_station(ADMIN, station_input(township_code=OTHER_TOWNSHIP, county_name="京口区",
                                                   township_name=_township_name(platform, OTHER_TOWNSHIP)))
    assert registry.list_stations(ADMIN, {})["total"] == 2
    assert [s["id"] for s in registry.list_stations(COUNTY, {})["items"]] == [f"ST{TOWNSHIP}"]
    assert [s["id"] for s in registry.list_stations(OTHER_COUNTY, {})["items"]] == [f"ST{OTHER_TOWNSHIP}"]
    assert registry.get_stations(OTHER_COUNTY, [f"ST{TOWNSHIP}"]) == [None]
    assert registry.list_stations(EVALUATOR, {})["total"] == 2
    with pytest.raises(NotFound):
        registry.add_staff(OTHER_COUNTY, f"ST{TOWNSHIP}", staff_input(1))
    with pytest.raises(PermissionDenied):
        registry.add_staff(EVALUATOR, f"ST{TOWNSHIP}", staff_input(1))
    staff_member = Viewer("worker", "station_staff", None, (f"ST{TOWNSHIP}",)).to_dict()
    assert [s["id"] for s in registry.list_stations(staff_member, {})["items"]] == [f"ST{TOWNSHIP}"]
    assert registry.region_rollup(OTHER_COUNTY, "321100")["stations"] == 1


def test_unmasking_is_permitted_by_role_and_logged(platform):
    registry = platform.registry
    station = registry.register_station(ADMIN, station_input())
    data = staff_input(5)
    station = registry.add_staff(ADMIN, station["id"], data)
    staff_id = registry.staff_for_stations(ADMIN, [station["id"]])[station["id"]][0]["id"]
    with pytest.raises(PermissionDenied):
        registry.reveal_staff_identity(EVALUATOR, station["id"], staff_id, "evaluation sampling")
    with pytest.raises(ValidationFailed):
        registry.reveal_staff_identity(COUNTY, station["id"], staff_id, "")
    revealed = registry.reveal_staff_identity(COUNTY, station["id"], staff_id, "verify pay records")
    assert revealed == {"id_number": data["id_number"], "phone": data["phone"]}
    log = registry.access_log(ADMIN, {"subject_id": staff_id})
    assert [(e["user_id"], e["reason"]) for e in log] == [("county-official", "verify pay records")]
    stored = storage.database("registry").stations.find_one({"_id": station["id"]})
    assert data["id_number"] not in str(stored)


def test_region_csv_import_reports_row_by_row(platform):
    csv_text = ("code,name,level,parent_code\n"
                "321181901,新建街道,township,321181\n"
                "32118190,坏代码,township,321181\n"
                "321181902,,township,321181\n")
    report = platform.registry.import_regions(ADMIN, csv_text)
    assert report["accepted"] == 1
    assert {r["row"] for r in report["refused"]} == {2, 3}
    assert any(r["field"] == "name" for r in report["refused"])
    children = [r["code"] for r in platform.registry.regions(ADMIN, "321181")]
    assert "321181901" in children
    with pytest.raises(ValidationFailed):
        platform.registry.import_regions(ADMIN, "code,name\n1,x\n")
    with pytest.raises(PermissionDenied):
        platform.registry.import_regions(COUNTY, csv_text)


def _township_name(platform, code):
    return next(r["name"] for r in platform.registry.regions(ADMIN, code[:6]) if r["code"] == code)


def test_awarded_contract_records_the_station_operator_once(platform):
    from services.common.demo_identities import credit_code
    from services.common.events import new_event
    from services.common.outbox import EventPublisher
    from services.contracts.funding import CONTRACT_AWARDED

    registry = platform.registry
    station = registry.register_station(ADMIN, station_input())
    award = new_event(CONTRACT_AWARDED, {
        "contract_id": "ctr_1", "tender_id": "tdr_1", "operator_name": "丹阳市同心社会工作服务中心",
        "operator_credit_code": credit_code("321181", 99), "station_ids": [station["id"]], "region_code": "321181",
        "period_start": "2026-01-01", "period_end": "2026-12-31", "amount_fen": 60_000_000,
        "promised_professional_staff": 3}, correlation_id="award-1").to_dict()
    publisher = EventPublisher(platform_settings_uri())
    publisher.publish(award)
    publisher.publish(award)  # redelivered
    publisher.close()
    updated = wait_for(lambda: (registry.get_stations(ADMIN, [station["id"]])[0]["operator"] or {}).get("contract_id")
                       and registry.get_stations(ADMIN, [station["id"]])[0])
    assert updated["operator"]["name"] == "丹阳市同心社会工作服务中心"
    eventlet.sleep(0.5)
    assert registry.get_stations(ADMIN, [station["id"]])[0]["version"] == updated["version"]


def platform_settings_uri():
    from services.common.config import settings
    return settings().amqp_uri
