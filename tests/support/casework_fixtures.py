"""Helpers to build valid casework inputs, viewers and the registry events casework consumes."""
from __future__ import annotations

import contextlib
import time
from datetime import date

from nameko.rpc import rpc

from services.common import storage
from services.common.auth import SYSTEM, Viewer
from services.common.consumers import Inbox, event_handler
from services.common.demo_identities import resident_id_number
from services.common.events import new_event
from services.common.outbox import EventPublisher
from services.contracts import casework as casework_events
from services.contracts.registry import STAFF_JOINED, STAFF_LEFT, STATION_REGISTERED
from services.contracts.volunteers import SERVICE_DELIVERED
from tests.support.waiting import wait_for

COUNTY = "321181"  # 丹阳市
TOWNSHIP = "321181001"  # 云阳街道
STATION = f"ST{TOWNSHIP}"
COMMUNITY = f"{TOWNSHIP}201"
OTHER_TOWNSHIP = "321102001"  # 京口区 正东路街道
OTHER_STATION = f"ST{OTHER_TOWNSHIP}"

LEAD, WORKER, COLLEAGUE, LEAVER = "stf_lead", "stf_worker", "stf_colleague", "stf_leaver"

ADMIN = SYSTEM.to_dict()
WORKER_VIEWER = Viewer(WORKER, "station_staff", None, (STATION,)).to_dict()
LEAD_VIEWER = Viewer(LEAD, "station_staff", None, (STATION,)).to_dict()
COLLEAGUE_VIEWER = Viewer(COLLEAGUE, "station_staff", None, (STATION,)).to_dict()
SUPERVISOR_VIEWER = Viewer("supervisor-1", "supervisor", None, (STATION,)).to_dict()
COUNTY_VIEWER = Viewer("county-official", "county", COUNTY).to_dict()
OTHER_COUNTY_VIEWER = Viewer("other-official", "county", "321102").to_dict()
EVALUATOR_VIEWER = Viewer("evaluator", "evaluator", "321100").to_dict()


def id_number(birth: date, sequence: int, female: bool = False, county: str = COUNTY) -> str:
    return resident_id_number(county, birth, sequence, female)


def station_registered(township: str = TOWNSHIP) -> dict:
    return {"station_id": f"ST{township}", "name": "丹阳市云阳街道社工站", "township_code": township,
            "county_code": township[:6], "city_code": township[:4] + "00", "status": "operating",
            "legal_form": "operated_by_organisation", "operator_credit_code": None}


def staff_joined(staff_id: str, role: str = "social_worker", station: str = STATION,
                 start: str = "2020-03-01") -> dict:
    return {"staff_id": staff_id, "station_id": station, "region_code": station[2:], "name": f"社工{staff_id[-2:]}",
            "role": role, "professional": True, "employment_start": start}


def registry_events(actor=ADMIN) -> list[dict]:
    """What the registry would have published for the test station and its staff."""
    payloads = [(STATION_REGISTERED, station_registered()), (STATION_REGISTERED, station_registered(OTHER_TOWNSHIP)),
                (STAFF_JOINED, staff_joined(LEAD, "station_lead")), (STAFF_JOINED, staff_joined(WORKER)),
                (STAFF_JOINED, staff_joined(COLLEAGUE)), (STAFF_JOINED, staff_joined(LEAVER)),
                (STAFF_JOINED, staff_joined("stf_other", station=OTHER_STATION))]
    return [new_event(contract, payload, correlation_id="test-setup", actor=actor).to_dict()
            for contract, payload in payloads]


def staff_left_event(staff_id: str, end: str) -> dict:
    return new_event(STAFF_LEFT, {"staff_id": staff_id, "station_id": STATION, "region_code": TOWNSHIP,
                                  "employment_end": end}, correlation_id="test", actor=ADMIN).to_dict()


def service_delivered_event(household_id: str, need_id: str, domain: str = "elderly", task_id: str = "task-1",
                            notes: str | None = "陪同就医") -> dict:
    return new_event(SERVICE_DELIVERED, {
        "task_id": task_id, "match_id": f"match-{task_id}", "need_id": need_id, "assessment_id": None,
        "household_id": household_id, "station_id": STATION, "township_code": TOWNSHIP,
        "delivered_by": {"kind": "volunteer", "id": "vol-1", "name": "志愿者甲"}, "service_type": "escort",
        "domain": domain, "delivered_on": "2026-01-15", "hours": 2.5, "notes": notes},
        correlation_id="test", actor={"user_id": "volunteers", "role": "admin"}).to_dict()


def elderly_household(sequence: int = 1, **overrides) -> dict:
    """An elderly man living alone (extreme poverty) with a phone."""
    data = {
        "station_id": STATION, "community_code": COMMUNITY, "community_name": "三里村", "address": "三里村4组12号",
        "members": [{"name": "张德明", "relationship": "head", "id_number": id_number(date(1944, 5, 6), sequence),
                     "phone": f"1390000{sequence:04d}", "tags": ["elderly_living_alone", "extreme_poverty"],
                     "health": {"conditions": ["高血压"], "notes": "每日服药"}}],
    }
    data.update(overrides)
    return data


def family_household(sequence: int = 10) -> dict:
    """A mother, her husband and a left-behind child living with them."""
    return {
        "station_id": STATION, "community_code": COMMUNITY, "community_name": "三里村", "address": "三里村2组3号",
        "members": [
            {"name": "李建国", "relationship": "head", "id_number": id_number(date(1985, 2, 3), sequence)},
            {"name": "王秀英", "relationship": "spouse", "id_number": id_number(date(1987, 7, 8), sequence + 1, True),
             "phone": "13912340000", "tags": ["domestic_violence_victim"]},
            {"name": "李小雨", "relationship": "daughter",
             "id_number": id_number(date(2016, 9, 1), sequence + 2, True), "tags": ["left_behind_child"]},
        ],
    }


def record_basis(casework, viewer, household: dict, person_ids=None,
                 purposes=("archive", "casework", "volunteer_matching")) -> dict:
    """A statutory-duty basis (社会救助核查建档) for the head, or the given persons, covering `purposes`
    (archiving a needs assessment needs one); returns the household after the writes."""
    for person_id in person_ids or [household["members"][0]["person_id"]]:
        casework.record_consent(viewer, household["id"], {
            "expected_version": household["version"], "person_id": person_id, "legal_basis": "statutory_duty",
            "purposes": list(purposes), "given_on": "2024-01-01",
            "basis_note": "《社会救助暂行办法》第十条：核查与建档"})
        household = casework.get_households(viewer, [household["id"]])[0]
    return household


def need(domain="elderly", need_type="home_visit", severity="medium", description="独居，需要定期入户探访", **extra):
    return {"domain": domain, "need_type": need_type, "severity": severity, "description": description, **extra}


def visit(expected_version: int, visited_on: str, staff_ids=(WORKER,), **extra) -> dict:
    return {"expected_version": expected_version, "visit_type": "home_visit", "visited_on": visited_on,
            "duration_minutes": 40, "staff_ids": list(staff_ids), **extra}


# --- running casework with a listener standing in for its consumers -------------------------------
class CaseworkListener:
    """Another service that records casework's events, as volunteers and funding will."""
    name = "casework_listener"
    db = storage.ServiceDatabase("casework_listener", Inbox.indexes)

    def _record(self, event):
        Inbox(self.db, "casework_listener").process_once(
            event.id, lambda: self.db.received.insert_one({"_id": event.id, "type": event.type,
                                                           "received_at": time.time(), **event.payload}))

    @event_handler(casework_events.NEEDS_ASSESSED)
    def on_needs_assessed(self, event):
        self._record(event)

    @event_handler(casework_events.HOUSEHOLD_REGISTERED)
    def on_household_registered(self, event):
        self._record(event)

    @event_handler(casework_events.CASE_OPENED)
    def on_case_opened(self, event):
        self._record(event)

    @event_handler(casework_events.CASE_STAGE_CHANGED)
    def on_stage_changed(self, event):
        self._record(event)

    @event_handler(casework_events.CASE_CLOSED)
    def on_case_closed(self, event):
        self._record(event)

    @event_handler(casework_events.VISIT_LOGGED)
    def on_visit_logged(self, event):
        self._record(event)

    @event_handler(casework_events.REFERRAL_MADE)
    def on_referral_made(self, event):
        self._record(event)

    @event_handler(casework_events.REFERRAL_ANSWERED)
    def on_referral_answered(self, event):
        self._record(event)

    @event_handler(casework_events.CRISIS_FLAGGED)
    def on_crisis_flagged(self, event):
        self._record(event)

    @event_handler(casework_events.CRISIS_CONTACT_OVERDUE)
    def on_crisis_overdue(self, event):
        self._record(event)

    @event_handler(casework_events.PERSON_MERGED)
    def on_person_merged(self, event):
        self._record(event)

    @event_handler(casework_events.CONSENT_WITHDRAWN)
    def on_consent_withdrawn(self, event):
        self._record(event)

    @rpc
    def ping(self):
        return "pong"


def received(event_type: str) -> list[dict]:
    return list(storage.database("casework_listener").received.find({"type": event_type}))


def publish(settings, *envelopes: dict) -> None:
    publisher = EventPublisher(settings.amqp_uri)
    try:
        for envelope in envelopes:
            publisher.publish(envelope)
    finally:
        publisher.close()


@contextlib.contextmanager
def casework_platform(settings):
    """Casework and the listener running on the test broker, with the registry's station and staff
    events already consumed into casework's own copy."""
    from services.casework.service import CaseworkService
    from tests.support.containers import rpc_client, running

    with running(CaseworkService, CaseworkListener, settings=settings):
        setup = registry_events()
        publish(settings, *setup)
        staff = storage.database("casework").station_staff
        stations = storage.database("casework").stations
        wait_for(lambda: staff.count_documents({}) == 5 and stations.count_documents({}) == 2)
        with rpc_client(settings) as client:
            yield client
