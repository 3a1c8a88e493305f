"""The alert push channel's fan-out (gateway/alert_stream.py) and `Scope.covers`, without a broker."""
from __future__ import annotations

import json
import time
import uuid

import pytest

from gateway.alert_stream import CLOSED, QUEUE_SIZE, AlertHub, TooManyStreams, events, stream_scope
from services.common.auth import ANONYMOUS, Viewer
from services.common.errors import Unauthenticated, ValidationFailed
from services.common.events import Envelope
from services.common.scope import Scope


def alert_event(station: str, township: str, kind: str = "alert.raised") -> Envelope:
    payload = {"alert_id": f"a-{uuid.uuid4().hex[:6]}", "rule": "crisis_no_first_contact", "severity": "critical",
               "station_id": station, "region_code": township, "subject_type": "case", "subject_id": "c1",
               "first_seen": "2026-12-03T01:00:00+00:00"}
    return Envelope(id=str(uuid.uuid4()), type=kind, version=1, occurred_at="2026-12-03T01:00:00+00:00",
                    producer="supervision", correlation_id="c", causation_id=None, actor=None, payload=payload)


COUNTY = Viewer("official", "county", "321181")
STAFF = Viewer("staff", "station_staff", None, ("ST321181001",))


def test_scope_covers_decides_like_the_store_filter():
    assert Scope.of(COUNTY).covers("321181001", "ST321181001")
    assert not Scope.of(COUNTY).covers("321102001", "ST321102001")
    assert Scope.of(STAFF).covers("321181001", "ST321181001")
    assert not Scope.of(STAFF).covers("321181002", "ST321181002")  # same county, another station
    assert not Scope.nothing().covers("321181001", "ST321181001")
    assert Scope.everything().covers("321102001", "ST321102001")
    assert not Scope.of(COUNTY, within="321181002").covers("321181001", "ST321181001")


def test_each_stream_gets_only_the_alerts_its_scope_covers():
    hub = AlertHub()
    county = hub.open(stream_scope(COUNTY, None), time.time() + 60)
    staff = hub.open(stream_scope(STAFF, None), time.time() + 60)
    own, neighbour, elsewhere = (alert_event("ST321181001", "321181001"), alert_event("ST321181002", "321181002"),
                                 alert_event("ST321102001", "321102001"))
    assert [hub.publish(e) for e in (own, neighbour, elsewhere)] == [2, 1, 0]
    county_seen = [county.queue.get_nowait() for _ in range(county.queue.qsize())]
    staff_seen = [staff.queue.get_nowait() for _ in range(staff.queue.qsize())]
    assert [json.loads(m.split("data: ")[1])["alert_id"] for m in county_seen] == [
        own.payload["alert_id"], neighbour.payload["alert_id"]]
    assert [json.loads(m.split("data: ")[1])["alert_id"] for m in staff_seen] == [own.payload["alert_id"]]
    assert f"id: {own.id}\nevent: alert.raised\n" in county_seen[0]


def test_the_public_is_refused_and_a_region_outside_the_code_forms_too():
    with pytest.raises(Unauthenticated):
        stream_scope(ANONYMOUS, None)
    with pytest.raises(ValidationFailed):
        stream_scope(COUNTY, "32.*")
    assert stream_scope(COUNTY, "321102") == Scope.nothing()  # another county: nothing, as in the query


def test_streams_are_bounded_and_a_stream_too_far_behind_is_closed():
    hub = AlertHub(max_streams=1)
    stream = hub.open(Scope.everything(), time.time() + 60)
    with pytest.raises(TooManyStreams):
        hub.open(Scope.everything(), time.time() + 60)
    for _ in range(QUEUE_SIZE):
        hub.publish(alert_event("ST321181001", "321181001"))
    assert hub.publish(alert_event("ST321181001", "321181001")) == 0
    assert hub.open_streams == 0
    items = [stream.queue.get_nowait() for _ in range(stream.queue.qsize())]
    assert items[-1] is CLOSED


def test_the_body_greets_then_ends_when_the_token_expires():
    hub = AlertHub()
    stream = hub.open(Scope.everything(), time.time() + 0.2)
    body = list(events(hub, stream, heartbeat=0.05))
    assert body[0].startswith("retry: ") and ": keep-alive\n\n" in body
    assert body[-1].startswith("event: token-expired") and hub.open_streams == 0
